"""What only the Neo4j adapter has: routing URIs, schema on start, unreachable servers."""

from __future__ import annotations

import threading
import time

import pytest

from jointsup.config import Settings
from jointsup.errors import StoreUnavailable
from jointsup.graph import open_store
from jointsup.graph.neo4j_server import Neo4jServer, free_port
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import GraphTx
from jointsup.model import LABELS, make_node

pytestmark = pytest.mark.neo4j


def test_routing_uri_reaches_the_same_database(neo4j_server: Neo4jServer,
                                               neo4j_session_store: Neo4jStore) -> None:
    settings = Settings(store="neo4j", neo4j_uri=neo4j_server.routing_uri, neo4j_password=None)
    routed = open_store(settings)
    try:
        assert isinstance(routed, Neo4jStore)
        assert routed.uri.startswith("neo4j://")
        person = make_node("Person", {"person_id": "P-routing", "name": "路由"})
        routed.upsert_nodes([person])
        # Bookmarks are per store: the other driver may read a moment later, so read here.
        assert routed.get_node(person.ref) == person
        assert neo4j_session_store.get_node(person.ref) == person
        routed.transaction(lambda tx: tx.delete_nodes([person.ref]))
    finally:
        routed.close()


def test_constraints_exist_for_every_label(neo4j_session_store: Neo4jStore) -> None:
    with neo4j_session_store.driver.session() as session:
        names = {r["name"] for r in session.run("SHOW CONSTRAINTS YIELD name")}
    assert {f"{label}_key" for label in LABELS} <= names


def test_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match=r"Neo4j at bolt://127\.0\.0\.1"):
        Neo4jStore(f"bolt://127.0.0.1:{free_port()}", auth=None, timeout_s=2.0)


def test_close_lets_a_transaction_under_way_finish_then_refuses_work(
        neo4j_server: Neo4jServer) -> None:
    """As the embedded store's close: the server's shutdown closes the store while a background
    thread (the linker's warm-up, a delivery) may be inside a transaction."""
    store = Neo4jStore(neo4j_server.uri, None, close_wait_s=10.0)
    inside, results = threading.Event(), []

    def slow(tx: GraphTx) -> int:
        inside.set()
        time.sleep(0.5)  # close() is called meanwhile
        return tx.count_nodes("Region")

    reader = threading.Thread(target=lambda: results.append(store.read(slow)))
    reader.start()
    assert inside.wait(30)
    store.close()
    reader.join(30)
    assert [type(r) for r in results] == [int]  # it finished, on a driver still open
    with pytest.raises(StoreUnavailable, match="is closed"):
        store.stats()
    with pytest.raises(StoreUnavailable, match="is closed"):
        store.ping()
    store.close()  # again: nothing to do
