"""Contract: `hubs` (shared nodes and their distinct degree) answers identically on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jointsup.errors import InvalidInput, SchemaError
from jointsup.graph import cypher, sql
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Rel
from tests.contract.world import ADDRESS, E, P, R, build

ROLES = ["LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "LIAISON_OF"]


@pytest.fixture
def world(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    return store


def test_people_behind_several_companies_count_each_company_once(world: BaseGraphStore) -> None:
    # 张三 is legal rep and shareholder of E0: one company, not two relationships.
    assert world.hubs(ROLES, end="src") == [(P[0], 3), (P[2], 2)]
    assert world.hubs(ROLES, end="src", min_degree=1) == [(P[0], 3), (P[2], 2), (P[1], 1)]
    assert world.hubs(["LEGAL_REP_OF"], end="src") == [(P[0], 2)]


def test_shared_address_groups_by_destination(world: BaseGraphStore) -> None:
    assert world.hubs(["LOCATED_AT"], end="dst") == [(ADDRESS.ref, 2)]
    assert world.hubs(["LOCATED_AT"], end="dst", min_degree=3) == []


def test_order_is_count_descending_then_key(world: BaseGraphStore) -> None:
    # 510104 holds two enterprises and the address; the others two enterprises each.
    assert world.hubs(["IN_REGION"], end="dst") == [
        (R["510104"], 3), (R["500103"], 2), (R["510107"], 2)]
    assert world.hubs(["IN_REGION"], end="dst", limit=2) == [(R["510104"], 3), (R["500103"], 2)]


def test_labels_restrict_the_other_end(world: BaseGraphStore) -> None:
    assert world.hubs(["IN_REGION"], end="dst", labels=["Enterprise"]) == [
        (R["500103"], 2), (R["510104"], 2), (R["510107"], 2)]
    assert world.hubs(["IN_REGION"], end="dst", labels=["Address"], min_degree=1) == [
        (R["510104"], 1)]
    assert world.hubs(["IN_REGION"], end="dst", labels=[]) == []


def test_source_end_counts_distinct_destinations(world: BaseGraphStore) -> None:
    world.upsert_rels([Rel("LOCATED_AT", E[2], ADDRESS.ref), Rel("BRANCH_OF", E[2], E[0])])
    assert world.hubs(["LOCATED_AT", "BRANCH_OF"], end="src") == [(E[2], 2)]
    assert world.hubs(["LOCATED_AT"], end="dst") == [(ADDRESS.ref, 3)]


def test_bad_arguments_are_refused(world: BaseGraphStore) -> None:
    with pytest.raises(InvalidInput):
        world.hubs([], end="dst")
    with pytest.raises(SchemaError):
        world.hubs(["KNOWS"], end="dst")
    with pytest.raises(SchemaError):
        world.hubs(["LOCATED_AT"], end="dst", labels=["Robot"])
    with pytest.raises(InvalidInput):
        world.hubs(["LOCATED_AT"], end="middle")
    with pytest.raises(InvalidInput):
        world.hubs(["LOCATED_AT"], end="dst", min_degree=0)
    with pytest.raises(InvalidInput):
        world.hubs(["LOCATED_AT"], end="dst", limit=-1)
    assert world.hubs(["LOCATED_AT"], end="dst", limit=0) == []


@pytest.mark.parametrize("end", ["src", "dst"])
def test_embedded_hubs_read_only_a_covering_index(tmp_path: Path, end: str) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    try:
        query = sql.hubs_query(end, 2, 1, 10)
        plan = " / ".join(row[3] for row in store._conn().execute(
            "EXPLAIN QUERY PLAN " + query, ["LOCATED_AT", "HAS_PHONE", "Enterprise", 2]))
    finally:
        store.close()
    assert f"SCAN rels USING COVERING INDEX rels_{'in' if end == 'dst' else 'out'}" in plan, plan


@pytest.mark.neo4j
def test_neo4j_hubs_start_from_the_relationship_type(neo4j_session_store: Neo4jStore) -> None:
    with neo4j_session_store.driver.session() as session:
        plan = session.run("EXPLAIN " + cypher.hubs(["LOCATED_AT", "HAS_PHONE"], "dst"),
                           labels=None, min=2, limit=10).consume().plan
    assert plan is not None
    operators = set(_operators(plan))
    assert any("RelationshipType" in op for op in operators), operators  # a type index scan
    assert not any("AllNodesScan" in op or "AllRelationshipsScan" in op for op in operators)


def _operators(plan: dict[str, Any]) -> list[str]:
    return [str(plan.get("operatorType", "")),
            *(op for child in plan.get("children", []) for op in _operators(child))]
