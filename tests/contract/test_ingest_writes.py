"""Contract: the write shortcuts a bulk load takes inside one transaction keep upsert semantics.

Both stores skip the existence look-ups for what the same transaction created (the embedded
store remembers the row ids it inserted; both create, rather than merge, a relationship one of
whose ends is new). A later upsert of the same relationship in that transaction, and a node
deleted and created again, must still come out as if every write had looked first.
"""

from __future__ import annotations

from jointsup.graph.store import BaseGraphStore, GraphTx, WriteCount
from jointsup.model import Node, NodeRef, Rel

SHOP = Node("Enterprise", "91510104MA0000001X", {"uscc": "91510104MA0000001X", "name": "蜀香"})
OWNER = Node("Person", "P1", {"person_id": "P1", "name": "张三"})
PLACE = Node("Address", "成都市锦江区红星路1号", {"normalized": "成都市锦江区红星路1号"})


def test_a_new_nodes_relationship_upserted_twice_in_one_transaction_is_one(
        store: BaseGraphStore) -> None:
    def write(tx: GraphTx) -> list[WriteCount]:
        tx.upsert_nodes([SHOP, OWNER])
        first = tx.upsert_rels([Rel("SHAREHOLDER_OF", OWNER.ref, SHOP.ref, {"share_ratio": 0.5})])
        again = tx.upsert_rels([Rel("SHAREHOLDER_OF", OWNER.ref, SHOP.ref, {"share_ratio": 0.6})])
        same = tx.upsert_rels([Rel("SHAREHOLDER_OF", OWNER.ref, SHOP.ref, {"share_ratio": 0.6})])
        return [first, again, same]

    assert store.transaction(write) == [WriteCount(created=1), WriteCount(updated=1),
                                        WriteCount(unchanged=1)]
    rels = store.neighbours([SHOP.ref], direction="in")[SHOP.ref]
    assert [(n.rel.type, n.node.ref, n.rel.props) for n in rels] == [
        ("SHAREHOLDER_OF", OWNER.ref, {"share_ratio": 0.6})]


def test_new_and_existing_ends_mix_in_one_batch(store: BaseGraphStore) -> None:
    store.upsert_nodes([OWNER, PLACE])

    def write(tx: GraphTx) -> WriteCount:
        tx.upsert_nodes([SHOP, PLACE])
        return tx.upsert_rels([Rel("LEGAL_REP_OF", OWNER.ref, SHOP.ref),
                               Rel("LOCATED_AT", SHOP.ref, PLACE.ref)])

    assert store.transaction(write) == WriteCount(created=2)
    assert store.transaction(write) == WriteCount(unchanged=2)
    got = {(n.rel.type, n.node.ref) for n in store.neighbours([SHOP.ref])[SHOP.ref]}
    assert got == {("LEGAL_REP_OF", OWNER.ref), ("LOCATED_AT", PLACE.ref)}


def test_a_node_deleted_and_created_again_in_one_transaction_gets_its_relationships(
        store: BaseGraphStore) -> None:
    def write(tx: GraphTx) -> int:
        tx.upsert_nodes([SHOP, OWNER])
        deleted = tx.delete_nodes([SHOP.ref, NodeRef("Enterprise", "nope")])
        tx.upsert_nodes([PLACE, Node(SHOP.label, SHOP.key, {"uscc": SHOP.key, "name": "新"})])
        tx.upsert_rels([Rel("LEGAL_REP_OF", OWNER.ref, SHOP.ref)])
        return deleted

    assert store.transaction(write) == 1
    [(rel, node)] = [(n.rel, n.node) for n in store.neighbours([OWNER.ref])[OWNER.ref]]
    assert (rel.type, rel.src, rel.dst) == ("LEGAL_REP_OF", OWNER.ref, SHOP.ref)
    assert node.props == {"uscc": SHOP.key, "name": "新"}
