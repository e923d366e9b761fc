"""Contract: the walk's reads (neighbours, adjacency, rels_among, rels_between) over nodes of
several labels at once give the same answers on both stores, and on Neo4j each is one query.

The Neo4j adapter seeks nodes by the element ids it has read earlier in the same transaction,
so a frontier of many labels costs one round trip, not one per label; these tests pin both the
answers (against the embedded store's, built from the same rows) and the round trips.
"""

from __future__ import annotations

from typing import Any

import pytest

from jointsup.graph.algorithms import neighbourhood
from jointsup.graph.neo4j_store import Neo4jTx
from jointsup.graph.store import BaseGraphStore, GraphTx, Subgraph
from jointsup.model import Node, NodeRef, Rel

FIRMS = [NodeRef("Enterprise", f"E{i:02d}") for i in range(8)]
PEOPLE = [NodeRef("Person", f"P{i}") for i in range(3)]
ADDRESSES = [NodeRef("Address", f"A{i}") for i in range(2)]
HUB = NodeRef("Address", "A-hub")  # not a reference label: other fixtures keep those
PHONE = NodeRef("Phone", "T1")
MISSING = NodeRef("Enterprise", "nope")



def graph() -> tuple[list[Node], list[Rel]]:
    """Eight firms at one address (the hub); three people holding roles; two more shared
    addresses; one shared phone."""
    nodes = [Node(r.label, r.key, {"name": r.key.lower()})
             for r in (*FIRMS, *PEOPLE, *ADDRESSES, HUB, PHONE)]
    rels = [Rel("LOCATED_AT", f, HUB, {"since": i}) for i, f in enumerate(FIRMS)]
    rels += [Rel("HAS_PHONE", f, PHONE, {}) for f in FIRMS[::3]]
    rels += [Rel("LEGAL_REP_OF", PEOPLE[i % 3], f, {}) for i, f in enumerate(FIRMS)]
    rels += [Rel("SHAREHOLDER_OF", PEOPLE[0], f, {"share_ratio": 0.5}) for f in FIRMS[:4]]
    rels += [Rel("LOCATED_AT", f, ADDRESSES[i % 2], {}) for i, f in enumerate(FIRMS)]
    return nodes, rels


class Counting:
    """Counts the queries Neo4jTx runs while active (a no-op count on the embedded store)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0
        run = Neo4jTx._run

        def counted(tx: Neo4jTx, query: str, **params: Any) -> list[Any]:
            self.n += 1
            return run(tx, query, **params)

        monkeypatch.setattr(Neo4jTx, "_run", counted)


MIXED = [HUB, *PEOPLE, *ADDRESSES, PHONE, FIRMS[0], MISSING]


def reads(tx: GraphTx) -> list[Any]:
    """Every walk read over the mixed frontier, with and without types (none at all: no
    relationships), cuts and props."""
    return [tx.neighbours(MIXED, props=False), tx.neighbours(MIXED, limit=3),
            tx.neighbours(MIXED, types=["LEGAL_REP_OF", "HAS_PHONE"], direction="out"),
            tx.neighbours(MIXED, direction="in", labels=["Enterprise"], limit=2),
            tx.adjacency(MIXED, limit=5), tx.adjacency(MIXED, types=["LOCATED_AT"], limit=2000),
            tx.rels_among([*MIXED, *FIRMS[1:4]]), tx.rels_among(MIXED, ["LEGAL_REP_OF"]),
            tx.rels_between([HUB, PEOPLE[0]], [*FIRMS, MISSING]),
            tx.rels_between(FIRMS[:3], [*PEOPLE, *ADDRESSES], ["LOCATED_AT", "SHAREHOLDER_OF"]),
            tx.neighbours(MIXED, types=[]), tx.adjacency(MIXED, types=[], limit=5),
            tx.get_nodes_by_ref([*MIXED, *FIRMS[1:3], HUB])]


def test_mixed_label_reads_match_the_embedded_store(
        both: tuple[BaseGraphStore, BaseGraphStore]) -> None:
    store, reference = both
    assert store.read(reads) == reference.read(reads)
    # Cold: ids not known yet in this transaction (rels_among and rels_between first).
    cold = [lambda tx: tx.rels_among([*MIXED, *FIRMS]),
            lambda tx: tx.rels_between(PEOPLE, [*FIRMS, MISSING]),
            lambda tx: tx.adjacency([MISSING], limit=3),
            lambda tx: tx.get_nodes_by_ref([*MIXED, *FIRMS]),
            lambda tx: tx.get_nodes_by_ref([*FIRMS[2:5], MISSING, FIRMS[2]]),
            lambda tx: tx.get_nodes_by_ref([MISSING]), lambda tx: tx.get_nodes_by_ref([])]
    for read in cold:
        assert store.read(read) == reference.read(read)


def test_nodes_by_ref_are_the_nodes_by_key(
        both: tuple[BaseGraphStore, BaseGraphStore]) -> None:
    """`get_nodes_by_ref` answers what `get_nodes` does, label by label, absent ones left out,
    whether the transaction met the nodes before (a walk's) or not, and after writes."""
    store, _ = both

    def by_key(tx: GraphTx, refs: list[NodeRef]) -> dict[NodeRef, Node]:
        return {r: n for r in refs for n in tx.get_nodes(r.label, [r.key]) if n is not None}

    def compare(tx: GraphTx) -> None:
        assert tx.get_nodes_by_ref(MIXED) == by_key(tx, MIXED)
        tx.neighbours([HUB, *PEOPLE], props=False)  # ids met by the walk
        refs = [*MIXED, *FIRMS, *PEOPLE]
        assert tx.get_nodes_by_ref(refs) == by_key(tx, refs)
        tx.upsert_nodes([Node("Phone", "T1", {"number": "1"}), Node("Phone", "T9", {})])
        tx.delete_nodes([FIRMS[1]])
        refs = [*refs, NodeRef("Phone", "T9")]
        assert tx.get_nodes_by_ref(refs) == by_key(tx, refs)
        assert FIRMS[1] not in tx.get_nodes_by_ref(refs)
        assert tx.get_nodes_by_ref([PHONE])[PHONE].props == {"name": "t1", "number": "1"}

    store.transaction(compare)


def test_ids_are_forgotten_when_nodes_are_deleted(
        both: tuple[BaseGraphStore, BaseGraphStore]) -> None:
    store, reference = both

    def delete_then_read(tx: GraphTx) -> list[Any]:
        before = tx.neighbours([HUB], props=False)
        tx.delete_nodes([FIRMS[0]])
        tx.upsert_nodes([Node("Enterprise", "E99", {"name": "new"})])
        tx.upsert_rels([Rel("LOCATED_AT", NodeRef("Enterprise", "E99"), HUB, {})])
        return [before, tx.neighbours([HUB, FIRMS[0]], props=False),
                tx.rels_among([HUB, FIRMS[0], NodeRef("Enterprise", "E99")])]

    assert store.transaction(delete_then_read) == reference.transaction(delete_then_read)


@pytest.mark.neo4j
def test_each_walk_read_is_one_query_on_neo4j(
        both: tuple[BaseGraphStore, BaseGraphStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """Once a transaction has met the nodes, each read is one query whatever their labels;
    before that, one more finds all unknown ones' ids at once."""
    store, _ = both
    if store.kind != "neo4j":
        pytest.skip("round trips are the Neo4j adapter's")
    counting = Counting(monkeypatch)

    def count(tx: GraphTx) -> list[int]:
        out = []
        before = counting.n
        tx.neighbours(MIXED, props=False)  # all ids unknown: one look-up, one expansion
        out.append(counting.n - before)
        for read in reads(tx):
            assert read is not None
        out.append(counting.n - before - out[0])
        return out

    cold, warm = store.read(count)
    assert cold == 2
    # One per read (none for no types); a node known absent (MISSING) is not looked up again;
    # one more for the generation token, read at the first adjacency (graph.hub_rows).
    assert warm == 12


@pytest.mark.neo4j
def test_nodes_by_ref_cost_one_query_on_neo4j(
        both: tuple[BaseGraphStore, BaseGraphStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes of many labels: one query once their ids are known, two before (the ids of all
    labels first), one for nodes of a single label none of which is known (by key)."""
    store, _ = both
    if store.kind != "neo4j":
        pytest.skip("round trips are the Neo4j adapter's")
    counting = Counting(monkeypatch)

    def queries(read: Any) -> int:
        def run(tx: GraphTx) -> int:
            before = counting.n
            read(tx)
            return counting.n - before
        n: int = store.read(run)
        return n

    assert queries(lambda tx: tx.get_nodes_by_ref(MIXED)) == 2
    assert queries(lambda tx: tx.get_nodes_by_ref(FIRMS)) == 1
    assert queries(lambda tx: tx.get_nodes_by_ref([])) == 0

    def walked(tx: GraphTx) -> None:
        tx.neighbours([HUB, FIRMS[0]], props=False)  # meets the firms, PHONE, A0 and P0
        before = counting.n
        found = tx.get_nodes_by_ref([HUB, *FIRMS, PHONE, ADDRESSES[0], PEOPLE[0]])
        assert counting.n - before == 1
        assert found[FIRMS[0]].props == {"name": "e00"}

    store.read(walked)


@pytest.mark.neo4j
def test_a_ball_costs_one_query_per_level_on_neo4j(
        both: tuple[BaseGraphStore, BaseGraphStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """A depth-2 ball of nodes of four labels: the seed, a level each, its nodes, its
    relationships; the same answer as the embedded store's."""
    store, reference = both
    if store.kind != "neo4j":
        pytest.skip("round trips are the Neo4j adapter's")

    def ball(tx: GraphTx) -> Subgraph:
        return neighbourhood(tx, PEOPLE[0], 2, None, 500)

    expected = reference.read(ball)
    counting = Counting(monkeypatch)
    assert store.read(ball) == expected
    assert counting.n == 5
    assert {n.label for n in expected.nodes} == {"Person", "Enterprise", "Address", "Phone"}


FRONTIER = [PEOPLE[1], MISSING, HUB, PEOPLE[1], PHONE, *ADDRESSES, PEOPLE[2]]
UNIQUE = list(dict.fromkeys(FRONTIER))


def prefixes(tx: GraphTx) -> list[int]:
    """How many of FRONTIER each read covers, checking each is a prefix of `neighbours`."""
    out = []
    for types in (None, ["LOCATED_AT"], ["LEGAL_REP_OF", "HAS_PHONE"], []):
        for limit in (0, 2, 100):
            whole = tx.neighbours(FRONTIER, types=types, limit=limit, props=False)
            for budget in (1, 4, 5, 1000):
                got = tx.neighbours_prefix(FRONTIER, types=types, limit=limit, budget=budget)
                assert got
                assert [ref for ref, _ in got] == UNIQUE[:len(got)]
                assert all(rows == whole[ref] for ref, rows in got)
                out.append(len(got))
    return out


def test_neighbours_prefix_reads_neighbours_in_order(
        both: tuple[BaseGraphStore, BaseGraphStore]) -> None:
    """A prefix of the nodes (at least the first), each with its `neighbours` rows."""
    store, reference = both
    assert len(store.read(prefixes)) == len(reference.read(prefixes)) == 48


@pytest.mark.neo4j
def test_neighbours_prefix_stops_at_the_budget_on_neo4j(
        both: tuple[BaseGraphStore, BaseGraphStore], monkeypatch: pytest.MonkeyPatch) -> None:
    """Nodes are read while the rows of those before them (each its degree of the types, at
    most the limit) number fewer than the budget; one query each."""
    store, _ = both
    if store.kind != "neo4j":
        pytest.skip("the budget is the Neo4j adapter's")
    counting = Counting(monkeypatch)

    def read(tx: GraphTx) -> list[int]:
        tx.neighbours(UNIQUE, props=False)  # ids known
        before = counting.n
        out = [len(tx.neighbours_prefix(FRONTIER, limit=100, budget=b)) for b in (1, 4, 12, 15)]
        out += [len(tx.neighbours_prefix(FRONTIER, limit=2, budget=b)) for b in (4, 5)]
        out.append(len(tx.neighbours_prefix(FRONTIER, types=["LOCATED_AT"], limit=100,
                                            budget=1)))
        assert counting.n - before == 7
        return out

    # P1 has 3 relationships, MISSING none, the hub 8, the phone 3, A0 and A1 4 each.
    assert store.read(read) == [1, 3, 4, 5, 3, 4, 3]


def db_hits(plan: Any) -> int:
    """The database hits of a profiled plan, all operators."""
    return int(plan.get("dbHits", 0)) + sum(db_hits(child) for child in plan.get("children", []))


@pytest.mark.neo4j
def test_rels_among_and_between_never_read_a_hubs_incoming_side_on_neo4j(
        store: BaseGraphStore) -> None:
    """Relationships point from the many to the one (firms to their address), so both reads
    expand each node's outgoing side; the planner left to itself expanded the hub's incoming
    side instead (thousands of rows for a region at 1,000,000 enterprises)."""
    if store.kind != "neo4j":
        pytest.skip("query plans are the Neo4j adapter's")
    import neo4j

    from jointsup.graph import cypher
    from jointsup.graph.neo4j_store import Neo4jStore

    assert isinstance(store, Neo4jStore)
    hub = NodeRef("Address", "busy")
    firms = [NodeRef("Enterprise", f"F{i:03d}") for i in range(400)]
    store.upsert_nodes([Node(r.label, r.key, {}) for r in (hub, *firms, *PEOPLE)])
    store.upsert_rels([Rel("LOCATED_AT", f, hub, {}) for f in firms]
                      + [Rel("LEGAL_REP_OF", PEOPLE[0], firms[0], {})])
    among = [hub, firms[0], firms[1], PEOPLE[0]]

    def ends(rels: list[Rel]) -> set[tuple[str, NodeRef, NodeRef]]:
        return {(r.type, r.src, r.dst) for r in rels}

    assert ends(store.read(lambda tx: tx.rels_among(among))) == {
        ("LOCATED_AT", firms[0], hub), ("LOCATED_AT", firms[1], hub),
        ("LEGAL_REP_OF", PEOPLE[0], firms[0])}
    assert ends(store.read(lambda tx: tx.rels_between([hub], firms[5:8]))) == {
        ("LOCATED_AT", f, hub) for f in firms[5:8]}
    with neo4j.GraphDatabase.driver(store.uri, auth=None) as driver, \
            driver.session() as session:
        def ids(refs: list[NodeRef]) -> list[str]:
            return [session.run(f"MATCH (n:{r.label} {{key: $k}}) RETURN elementId(n) AS id",
                                k=r.key).single(strict=True)["id"] for r in refs]

        for query, params in ((cypher.RELS_AMONG_BY_ID, {"ids": ids(among)}),
                              (cypher.RELS_BETWEEN_BY_ID, {"ours": ids([hub]),
                                                           "theirs": ids(firms[5:8]),
                                                           "spread": cypher.BRIDGE_SPREAD})):
            summary = session.run("PROFILE " + query, {**params, "types": None}).consume()
            assert db_hits(summary.profile) < 100, query  # the hub's 400 rows never read
