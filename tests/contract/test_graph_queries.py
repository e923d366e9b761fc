"""Contract: bounded neighbourhoods and shortest paths answer identically on both stores."""

from __future__ import annotations

import pytest

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore
from jointsup.model import NodeRef
from tests.contract.world import ADDRESS, E, P, R, build, keys

ROLES = ["LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF"]


@pytest.fixture
def world(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    return store


def test_neighbourhood_grows_by_depth(world: BaseGraphStore) -> None:
    one = world.neighbourhood(P[0], depth=1, types=ROLES)
    assert keys(one.nodes) == [P[0].key, E[0].key, E[2].key, E[5].key]
    assert not one.truncated
    assert len(one.rels) == 4
    two = world.neighbourhood(P[0], depth=2, types=ROLES)
    assert sorted(keys(two.nodes)) == sorted(
        [P[0].key, E[0].key, E[2].key, E[5].key, P[1].key, P[2].key])
    assert {(r.type, r.src.key, r.dst.key) for r in two.rels} >= {
        ("EXECUTIVE_OF", P[2].key, E[2].key), ("SHAREHOLDER_OF", P[1].key, E[5].key)}
    assert len(two.rels) == 6


def test_neighbourhood_is_cut_at_the_node_limit(world: BaseGraphStore) -> None:
    cut = world.neighbourhood(R["510104"], depth=2, node_limit=3)
    assert len(cut.nodes) == 3
    assert cut.truncated
    assert keys(cut.nodes) == [R["510104"].key, ADDRESS.key, E[0].key]
    # Its four neighbours: the address and two enterprises (IN_REGION), then its city (PART_OF).
    assert world.neighbourhood(R["510104"], depth=1, node_limit=4).truncated
    whole = world.neighbourhood(R["510104"], depth=1, node_limit=5)
    assert keys(whole.nodes)[-1] == R["510100"].key
    assert not whole.truncated


def test_neighbourhood_arguments(world: BaseGraphStore) -> None:
    with pytest.raises(InvalidInput):
        world.neighbourhood(P[0], depth=4)
    with pytest.raises(InvalidInput):
        world.neighbourhood(P[0], node_limit=501)
    with pytest.raises(NotFound):
        world.neighbourhood(NodeRef("Person", "nobody"))


def test_shortest_paths_come_shortest_first(world: BaseGraphStore) -> None:
    paths = world.shortest_paths(P[1], P[2], max_length=4, types=ROLES)
    assert [keys(p.nodes) for p in paths] == [
        [P[1].key, E[5].key, P[0].key, E[2].key, P[2].key]]
    assert [r.type for r in paths[0].rels] == [
        "SHAREHOLDER_OF", "SHAREHOLDER_OF", "LEGAL_REP_OF", "EXECUTIVE_OF"]
    # Two companies at one address in one district: two paths of length 2, then through both.
    two = world.shortest_paths(E[0], E[4], max_length=4)
    assert {keys(p.nodes)[1] for p in two[:2]} == {ADDRESS.key, R["510104"].key}
    assert [len(p.rels) for p in two] == [2, 2, 3, 3]  # the 3s: via district and address


def test_no_path_within_the_length(world: BaseGraphStore) -> None:
    assert world.shortest_paths(P[1], P[2], max_length=3, types=ROLES) == []
    assert world.shortest_paths(P[1], ADDRESS.ref, max_length=6, types=ROLES) == []
    with pytest.raises(InvalidInput):
        world.shortest_paths(P[1], P[2], max_length=7)
