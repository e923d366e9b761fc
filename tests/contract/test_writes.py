"""Contract: upserts, deletes and transactions behave the same on both stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from jointsup.errors import NotFound, SchemaError, StoreUnavailable
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore, GraphTx, WriteCount
from jointsup.model import Node, NodeRef, Rel, make_node

ACME = make_node("Enterprise", {"uscc": "91510100MA61234567", "name": "成都蜀香餐饮有限公司",
                                "status": "存续", "tags": ["餐饮", "连锁"], "capital": 100.5,
                                "branches": 3, "listed": False})
ZHANG = make_node("Person", {"person_id": "P0000000001", "name": "张三"})


def test_upsert_counts_created_updated_unchanged(store: BaseGraphStore) -> None:
    assert store.upsert_nodes([ACME, ZHANG]) == WriteCount(created=2)
    assert store.upsert_nodes([ACME, ZHANG]) == WriteCount(unchanged=2)
    renamed = Node(ACME.label, ACME.key, {"name": "成都蜀香餐饮管理有限公司"})
    assert store.upsert_nodes([renamed, ZHANG]) == WriteCount(updated=1, unchanged=1)


def test_upsert_merges_properties_and_none_removes(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME])
    store.upsert_nodes([Node(ACME.label, ACME.key, {"status": "吊销", "tags": None})])
    got = store.get_node(ACME.ref)
    assert got is not None
    assert got.props == {"uscc": ACME.key, "name": "成都蜀香餐饮有限公司", "status": "吊销",
                         "capital": 100.5, "branches": 3, "listed": False}


def test_values_round_trip_with_their_types(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME])
    got = store.get_node(ACME.ref)
    assert got is not None
    assert got.props == ACME.props
    assert isinstance(got.props["branches"], int)
    assert isinstance(got.props["capital"], float)
    assert got.props["listed"] is False


def test_repeated_keys_in_one_batch_fold_into_one_node(store: BaseGraphStore) -> None:
    first = Node("Person", "P1", {"person_id": "P1", "name": "甲"})
    second = Node("Person", "P1", {"name": "乙", "gender": "女"})
    assert store.upsert_nodes([first, second]) == WriteCount(created=1)
    assert store.get_nodes("Person", ["P1"])[0] == Node(
        "Person", "P1", {"person_id": "P1", "name": "乙", "gender": "女"})


def test_get_nodes_is_aligned_with_keys(store: BaseGraphStore) -> None:
    store.upsert_nodes([ZHANG])
    got = store.get_nodes("Person", ["nobody", ZHANG.key, ZHANG.key])
    assert got == [None, ZHANG, ZHANG]
    assert store.get_nodes("Person", []) == []


def test_relationships_upsert_by_type_and_ends(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME, ZHANG])
    role = Rel("SHAREHOLDER_OF", ZHANG.ref, ACME.ref, {"share_ratio": 0.6})
    assert store.upsert_rels([role]) == WriteCount(created=1)
    assert store.upsert_rels([role]) == WriteCount(unchanged=1)
    assert store.upsert_rels([Rel(role.type, role.src, role.dst, {"share_ratio": 0.7})]) == \
        WriteCount(updated=1)
    assert store.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ACME.ref)]) == WriteCount(created=1)
    assert store.stats().relationships == {"LEGAL_REP_OF": 1, "SHAREHOLDER_OF": 1}


def test_relationship_to_a_missing_node_fails_and_writes_nothing(store: BaseGraphStore) -> None:
    ghost = NodeRef("Enterprise", "91510100MA6GHOST000")

    def write(tx: GraphTx) -> None:
        tx.upsert_nodes([ZHANG])
        tx.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ghost)])

    with pytest.raises(NotFound, match="Enterprise:91510100MA6GHOST000"):
        store.transaction(write)
    assert store.stats().nodes == {}


def test_transaction_lands_whole_or_not_at_all(store: BaseGraphStore) -> None:
    def write_then_fail(tx: GraphTx) -> None:
        tx.upsert_nodes([ACME, ZHANG])
        tx.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ACME.ref)])
        raise RuntimeError("crash after the writes")

    with pytest.raises(RuntimeError):
        store.transaction(write_then_fail)
    assert store.get_nodes("Enterprise", [ACME.key]) == [None]

    def write(tx: GraphTx) -> int:
        tx.upsert_nodes([ACME, ZHANG])
        tx.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ACME.ref)])
        # Reads inside the transaction see its own writes.
        return len(tx.neighbours([ACME.ref])[ACME.ref])

    assert store.transaction(write) == 1
    assert store.stats().nodes == {"Enterprise": 1, "Person": 1}


@pytest.mark.parametrize("bad", [
    lambda: Node("Nonsense", "x", {}),
    lambda: Node("Person", "", {}),
    lambda: Node("Person", "P1", {"Bad-Name": 1}),
    lambda: Node("Person", "P1", {"key": "override"}),
    lambda: Node("Person", "P1", {"nested": {"a": 1}}),  # type: ignore[dict-item]
    lambda: Node("Person", "P1", {"mixed": [1, "a"]}),  # type: ignore[dict-item]
])
def test_schema_violations_are_refused(store: BaseGraphStore, bad: object) -> None:
    with pytest.raises(SchemaError):
        store.upsert_nodes([bad()])  # type: ignore[operator]
    assert store.stats().nodes == {}


def test_relationship_endpoints_must_fit_the_model(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME, ZHANG])
    with pytest.raises(SchemaError, match="cannot join"):
        store.upsert_rels([Rel("LEGAL_REP_OF", ACME.ref, ZHANG.ref)])
    with pytest.raises(SchemaError, match="unknown relationship"):
        store.upsert_rels([Rel("KNOWS", ZHANG.ref, ACME.ref)])


def test_injection_text_is_stored_literally(store: BaseGraphStore) -> None:
    evil = "x'}) DETACH DELETE n //`$(rm -rf)\"；＂"
    node = make_node("Person", {"person_id": evil, "name": evil})
    store.upsert_nodes([ACME, node])
    assert store.get_nodes("Person", [evil]) == [node]
    assert store.stats().nodes == {"Enterprise": 1, "Person": 1}


def test_delete_nodes_detaches_their_relationships(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME, ZHANG])
    store.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ACME.ref)])
    assert store.transaction(lambda tx: tx.delete_nodes([ZHANG.ref, NodeRef("Person", "no")])) == 1
    assert store.stats().nodes == {"Enterprise": 1}
    assert store.stats().relationships == {}


def test_delete_relationships(store: BaseGraphStore) -> None:
    store.upsert_nodes([ACME, ZHANG])
    store.upsert_rels([Rel("LEGAL_REP_OF", ZHANG.ref, ACME.ref),
                       Rel("SHAREHOLDER_OF", ZHANG.ref, ACME.ref)])
    deleted = store.transaction(lambda tx: tx.delete_rels(
        [("LEGAL_REP_OF", ZHANG.ref, ACME.ref), ("AGENT_OF", ZHANG.ref, ACME.ref)]))
    assert deleted == 1
    assert store.stats().relationships == {"SHAREHOLDER_OF": 1}


def test_embedded_file_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with EmbeddedStore(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 1")
    with pytest.raises(StoreUnavailable, match="another version of jointsup"):
        EmbeddedStore(path)
