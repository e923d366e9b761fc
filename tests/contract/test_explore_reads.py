"""Contract: the explorer's reads beyond the walk — `newest_neighbours`, the newest dated
neighbour of each node (an enterprise's latest CreditRating, for its risk level) — give the same
answers on both stores, by the rule in store.newest_order, and cost one query on Neo4j.
"""

from __future__ import annotations

from typing import Any

import pytest

from jointsup.graph.neo4j_store import Neo4jTx
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel

FIRMS = [NodeRef("Enterprise", f"E{i}") for i in range(5)]
MISSING = NodeRef("Enterprise", "nope")
# Rating keys per firm, and the newest of each by hand: by the key's second part (its month;
# '' when the key has fewer than three parts), then by the whole key.
RATINGS = {
    FIRMS[0]: ["E0|2025-01|ingested", "E0|2025-03|computed", "E0|2025-03|ingested",
               "E0|2024-12|ingested"],
    # By key alone E1's own rating would win; by month, the one keyed under another owner does.
    FIRMS[1]: ["E1|2024-12|b", "A0|2025-01|a"],
    # Keys of two parts or one have no month: any dated key is newer, whatever its month.
    FIRMS[2]: ["E2|2026-01", "E2-old", "E2|2019-01|x"],
    # A trailing empty part still makes three parts; an empty month sorts before any.
    FIRMS[3]: ["E3|2025-05|", "E3||z", "E3|2025-04|y|extra"],
}
NEWEST = {FIRMS[0]: "E0|2025-03|ingested", FIRMS[1]: "A0|2025-01|a",
          FIRMS[2]: "E2|2019-01|x", FIRMS[3]: "E3|2025-05|"}
CLASSES = "ABCD"



def graph() -> tuple[list[Node], list[Rel]]:
    """Five firms (the last unrated), their ratings (each with a class and a month), a list
    entry with a greater key that is not a rating, and a firm it is a branch of."""
    nodes = [Node(f.label, f.key, {"name": f.key.lower()}) for f in FIRMS]
    rels: list[Rel] = []
    for firm, keys in RATINGS.items():
        for i, key in enumerate(keys):
            month = [*key.split("|"), ""][1]
            nodes.append(Node("CreditRating", key, {"credit_class": CLASSES[i % 4],
                                                    "month": month}))
            rels.append(Rel("RATES", NodeRef("CreditRating", key), firm, {"i": i}))
    nodes.append(Node("ListEntry", "E0|zzz|2030-01-01", {"list": "zzz"}))
    rels.append(Rel("LISTS", NodeRef("ListEntry", "E0|zzz|2030-01-01"), FIRMS[0], {}))
    rels.append(Rel("BRANCH_OF", FIRMS[4], FIRMS[0], {}))
    return nodes, rels


def newest(tx: GraphTx) -> list[dict[NodeRef, Node]]:
    """The newest ratings of the firms (and of an absent one, a repeat, no one), every way."""
    refs = [*FIRMS, MISSING, FIRMS[0]]
    return [tx.newest_neighbours(refs, rel_type="RATES", label="CreditRating", direction="in"),
            tx.newest_neighbours(refs, rel_type="RATES", label="CreditRating"),
            tx.newest_neighbours(refs, rel_type="RATES", label="CreditRating", direction="out"),
            tx.newest_neighbours(refs, rel_type="LISTS", label="CreditRating", direction="in"),
            tx.newest_neighbours([FIRMS[4]], rel_type="BRANCH_OF", label="Enterprise",
                                 direction="out"),
            tx.newest_neighbours([], rel_type="RATES", label="CreditRating")]


def test_newest_neighbours_follow_the_rule_on_both_stores(
        both: tuple[BaseGraphStore, BaseGraphStore]) -> None:
    store, reference = both
    got = store.read(newest)
    assert got == reference.read(newest)
    ins, anyway, outs, lists, branch, empty = got
    assert {ref: node.key for ref, node in ins.items()} == NEWEST
    assert anyway == ins
    assert outs == lists == empty == {}
    assert branch == {FIRMS[4]: Node("Enterprise", "E0", {"name": "e0"})}
    # The newest comes with its properties, the key apart.
    expected = RATINGS[FIRMS[0]].index(NEWEST[FIRMS[0]])
    assert ins[FIRMS[0]].props == {"credit_class": CLASSES[expected], "month": "2025-03"}

    # Also in a transaction that met the firms first (ids known on Neo4j).
    def walked(tx: GraphTx) -> dict[NodeRef, Node]:
        tx.neighbours(FIRMS, props=False)
        return tx.newest_neighbours(FIRMS, rel_type="RATES", label="CreditRating",
                                    direction="in")

    assert store.read(walked) == ins


@pytest.mark.neo4j
def test_newest_neighbours_cost_one_query_on_neo4j(
        both: tuple[BaseGraphStore, BaseGraphStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """One query once the transaction knows the nodes' ids, one more to look them up first."""
    store, _ = both
    if store.kind != "neo4j":
        pytest.skip("round trips are the Neo4j adapter's")
    counted = [0]
    run = Neo4jTx._run

    def counting(tx: Neo4jTx, query: str, **params: Any) -> list[Any]:
        counted[0] += 1
        return run(tx, query, **params)

    monkeypatch.setattr(Neo4jTx, "_run", counting)

    def read(tx: GraphTx) -> list[int]:
        out = []
        for _ in range(2):
            before = counted[0]
            tx.newest_neighbours([*FIRMS, MISSING], rel_type="RATES", label="CreditRating",
                                 direction="in")
            out.append(counted[0] - before)
        return out

    assert store.read(read) == [2, 1]
