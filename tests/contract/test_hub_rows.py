"""Contract (Neo4j): path searches read a hub's first neighbours from the store's cache while
the graph is unchanged (graph.hub_rows), and never after a change made through the store; a
change made around it is seen at once when it changes the graph's node or relationship counts
or takes the generation token with it (a wiped database), else after `max_age_s` if set."""

from __future__ import annotations

from typing import Any

import pytest

from jointsup.graph.neo4j_store import Neo4jStore, Neo4jTx
from jointsup.model import Node, NodeRef, Rel
from tests.conftest import wipe_neo4j

HUB = NodeRef("Address", "hub")
SMALL_HUB = NodeRef("Phone", "shared")
FIRMS = [NodeRef("Enterprise", f"F{i:02d}") for i in range(10)]
LIMIT = 3


@pytest.fixture
def neo(request: pytest.FixtureRequest) -> Neo4jStore:
    """The session's Neo4j store, wiped, holding nine firms at HUB (F01-F09) and four sharing
    SMALL_HUB; F00 has no address yet."""
    request.node.add_marker(pytest.mark.neo4j)
    store: Neo4jStore = request.getfixturevalue("neo4j_session_store")
    wipe_neo4j(store)
    store.upsert_nodes([Node(r.label, r.key, {}) for r in (HUB, SMALL_HUB, *FIRMS)])
    store.upsert_rels([Rel("LOCATED_AT", f, HUB, {}) for f in FIRMS[1:]]
                      + [Rel("HAS_PHONE", f, SMALL_HUB, {}) for f in FIRMS[:4]])
    return store


class Expansions:
    """Counts the nodes whose neighbours Neo4jTx reads from the database."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.nodes = 0
        expand = Neo4jTx._expand

        def counted(tx: Neo4jTx, refs: list[NodeRef], *args: Any) -> Any:
            self.nodes += len(refs)
            return expand(tx, refs, *args)

        monkeypatch.setattr(Neo4jTx, "_expand", counted)


def first(store: Neo4jStore, ref: NodeRef = HUB) -> list[NodeRef]:
    """The firms among `ref`'s first LIMIT neighbours, as a path search reads them."""
    return [r.src for r in store.read(lambda tx: tx.adjacency([ref], limit=LIMIT))[ref]]


def test_a_hubs_first_neighbours_are_read_once_while_nothing_changes(
        neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = Expansions(monkeypatch)
    assert first(neo) == FIRMS[1:4]
    assert reads.nodes == 1
    assert first(neo) == FIRMS[1:4]
    assert reads.nodes == 1  # from the cache
    # A node whose rows stop short of the limit is not a hub: read every time.
    assert neo.read(lambda tx: tx.adjacency([FIRMS[1]], limit=LIMIT))[FIRMS[1]]
    assert neo.read(lambda tx: tx.adjacency([FIRMS[1]], limit=LIMIT))[FIRMS[1]]
    assert reads.nodes == 3
    # Other types or another limit are other questions.
    assert neo.read(lambda tx: tx.adjacency([HUB], types=["LOCATED_AT"], limit=LIMIT))
    assert neo.read(lambda tx: tx.adjacency([HUB], limit=LIMIT + 1))
    assert reads.nodes == 5


def test_writes_through_the_store_are_seen_at_once(neo: Neo4jStore) -> None:
    assert first(neo) == FIRMS[1:4]
    neo.upsert_rels([Rel("LOCATED_AT", FIRMS[0], HUB, {})])  # F00 sorts first
    assert first(neo) == FIRMS[0:3]
    neo.transaction(lambda tx: tx.delete_rels([("LOCATED_AT", FIRMS[1], HUB)]))
    assert first(neo) == [FIRMS[0], *FIRMS[2:4]]
    neo.transaction(lambda tx: tx.delete_nodes([FIRMS[2]]))
    assert first(neo) == [FIRMS[0], *FIRMS[3:5]]


def test_a_write_transaction_that_wrote_nothing_keeps_the_cache(
        neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    first(neo)
    reads = Expansions(monkeypatch)
    assert neo.transaction(lambda tx: tx.get_node(HUB)) is not None
    assert first(neo) == FIRMS[1:4]
    assert reads.nodes == 0


def test_changes_around_the_store(neo: Neo4jStore) -> None:
    """A write that bypasses jointsup leaves the token as it was, but one that adds or deletes
    relationships or nodes changes the counts read with it: seen at once. One that keeps the
    counts is seen once the entry is older than max_age_s (when set). Wiping the database takes
    the token with it: nothing is served until a write through the store sets a new one."""
    assert first(neo) == FIRMS[1:4]
    with neo.driver.session() as session:
        session.run("MATCH (f:Enterprise {key: 'F00'}), (h:Address {key: 'hub'}) "
                    "CREATE (f)-[:LOCATED_AT]->(h)").consume()
    assert first(neo) == FIRMS[0:3]
    with neo.driver.session() as session:
        session.run("MATCH (:Enterprise {key: 'F00'})-[r:LOCATED_AT]->(h:Address {key: 'hub'}) "
                    "DELETE r").consume()
    assert first(neo) == FIRMS[1:4]
    with neo.driver.session() as session:  # one relationship replaced by another: same counts
        session.run("MATCH (:Enterprise {key: 'F01'})-[r:LOCATED_AT]->(h:Address {key: 'hub'}) "
                    "DELETE r WITH h MATCH (f:Enterprise {key: 'F00'}) "
                    "CREATE (f)-[:LOCATED_AT]->(h)").consume()
    assert first(neo) == FIRMS[1:4]  # the documented gap
    assert neo.hub_rows is not None
    neo.hub_rows.max_age_s = 0.0
    try:
        assert first(neo) == [FIRMS[0], *FIRMS[2:4]]
    finally:
        neo.hub_rows.max_age_s = None
    wipe_neo4j(neo)
    with neo.driver.session() as session:
        session.run("CREATE (h:Address {key: 'hub'}) WITH h UNWIND ['G1', 'G2', 'G3'] AS k "
                    "CREATE (:Enterprise {key: k})-[:LOCATED_AT]->(h)").consume()
    assert first(neo) == [NodeRef("Enterprise", k) for k in ("G1", "G2", "G3")]


def test_warm_adjacency_reads_the_largest_hubs_ahead(
        neo: Neo4jStore, monkeypatch: pytest.MonkeyPatch) -> None:
    assert neo.warm_adjacency(LIMIT) == 2  # HUB (9) and SMALL_HUB (4); each firm has 2 at most
    reads = Expansions(monkeypatch)
    assert first(neo) == FIRMS[1:4]
    assert first(neo, SMALL_HUB) == FIRMS[:3]
    assert reads.nodes == 0
