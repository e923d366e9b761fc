"""Through real HTTP on both stores: the server builds registerClue's linker at start-up, in the
background (/readyz reports it as `nlp`), so the first registerClue links with a linker already
built; what the warm-ups built is kept out of the garbage collector's walks; a shutdown while
that build is still under way neither waits for it nor crashes."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from jointsup.config import Settings
from jointsup.errors import StoreUnavailable
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.fresh import FreshLinker
from jointsup.nlp.source import content_key
from jointsup.server import create_app
from jointsup.services.clues.register import fresh_linker
from jointsup.services.search import name_index
from tests.contract import nlp_world as w
from tests.e2e.conftest import free_port, serve

REGISTER = """mutation($text: String!, $key: String!) { registerClue(text: $text,
  channel: "12315_hotline", regionCode: "510108", idempotencyKey: $key) {
  clueId clue { respondents { edges { node { uscc name } } } } } }"""
TEXT = "成都金宝商贸有限公司卖假酒。"


@pytest.fixture
def own_store(ref_store: BaseGraphStore) -> Iterator[BaseGraphStore]:
    """`ref_store`'s data through a store object of its own: the server makes a new linker
    provider for it (the session's Neo4j store may have a warm one from an earlier test)."""
    if isinstance(ref_store, Neo4jStore):
        store = Neo4jStore(ref_store.uri, auth=None, timeout_s=60.0)
        try:
            yield store
        finally:
            store.close()
        return
    yield ref_store


def nlp_state(client: httpx.Client) -> str:
    r = client.get("/readyz")
    assert r.status_code == 200, r.text
    state: str = r.json()["nlp"]
    return state


def wait_for(client: httpx.Client, wanted: str) -> list[str]:
    """The `nlp` states /readyz reported until it reported `wanted` (a bounded wait)."""
    seen = [nlp_state(client)]
    for _ in range(3000):
        if seen[-1] == wanted:
            return seen
        assert seen[-1] == "warming", seen
        time.sleep(0.1)
        seen.append(nlp_state(client))
    raise AssertionError(f"/readyz never reported nlp: {wanted} ({seen[-1]})")


def test_the_linker_is_built_at_start_and_the_first_register_clue_uses_it(
        own_store: BaseGraphStore, tmp_path: Path) -> None:
    w.load(own_store)
    data_dir = tmp_path / "settings-data"
    for live in serve(own_store, Settings(data_dir=data_dir)):
        states = wait_for(live.client, "ready")  # before any GraphQL request was made
        assert set(states) <= {"warming", "ready"}
        provider = fresh_linker(own_store)  # the provider registerClue gets its linker from
        assert provider.state == "ready"
        built = provider.get()
        # The build went through the gazetteer cache of the settings' data dir (Neo4j) or the
        # store's folder (embedded), not JOINTSUP_DATA_DIR.
        cache = (own_store.path.parent if isinstance(own_store, EmbeddedStore)
                 else data_dir) / "nlp-cache"
        assert provider.cache_dir == cache
        assert [p.name for p in cache.glob("gazetteer-*.pickle")] == [
            f"gazetteer-{content_key(own_store)}.pickle"]
        r = live.post(REGISTER, live.token_for("coordinator", "510000"),
                      variables={"text": TEXT, "key": "warm-1"})
        assert r.status_code == 200, r.text
        edges = r.json()["data"]["registerClue"]["clue"]["respondents"]["edges"]
        assert [e["node"]["uscc"] for e in edges] == [w.JINBAO]
        assert provider.get() is built  # the request linked with the warm linker
        assert provider.rebuilds == 0


def walked_by_the_collector(*objects: object) -> list[bool]:
    """Whether each object is in a generation the collector walks (not frozen)."""
    walked = {id(o) for o in gc.get_objects()}
    return [id(o) in walked for o in objects]


def test_what_the_warm_ups_built_is_left_out_of_the_collectors_walks(
        own_store: BaseGraphStore, tmp_path: Path) -> None:
    """jointsup.collector: a full collection would walk the name index and the linker (millions
    of objects at scale) in whichever request triggered it."""
    w.load(own_store)
    gc.unfreeze()  # what servers of earlier tests in this process froze
    try:
        for live in serve(own_store, Settings(data_dir=tmp_path / "settings-data")):
            wait_for(live.client, "ready")
            linker = fresh_linker(own_store).get()
            for _ in range(300):  # each warm-up settles right after it reports ready
                if live.client.get("/readyz").json()["names"] == "ready":
                    index = name_index(own_store)
                    if walked_by_the_collector(linker, index) == [False, False]:
                        break
                time.sleep(0.05)
            else:
                raise AssertionError("the warm-ups' results are still walked after 15 s")
            r = live.post(REGISTER, live.token_for("coordinator", "510000"),
                          variables={"text": TEXT, "key": "settled-1"})
            assert r.status_code == 200, r.text
            assert "errors" not in r.json(), r.text

            class Later:
                """An object made after the warm-ups: collected as usual."""

            assert walked_by_the_collector(Later(), linker) == [True, False]
    finally:
        gc.unfreeze()


@contextmanager
def owned_server(settings: Settings) -> Iterator[tuple[httpx.Client, FreshLinker]]:
    """A real server whose lifespan opens (and at shutdown closes) its own store; yields a
    client and the server's linker provider. Leaving asserts uvicorn stopped within 10 s."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           access_log=False, lifespan="on",
                                           timeout_graceful_shutdown=5))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(1500):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=15.0) as client:
            yield client, app.state.nlp
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        assert not thread.is_alive(), "uvicorn did not stop within 10 s"


def test_a_shutdown_does_not_wait_for_a_warm_up_under_way(ref_store: BaseGraphStore,
                                                         tmp_path: Path) -> None:
    w.load(ref_store)
    if isinstance(ref_store, Neo4jStore):
        settings = Settings(store="neo4j", neo4j_uri=ref_store.uri, neo4j_user=None,
                            data_dir=tmp_path / "data")
    else:
        assert isinstance(ref_store, EmbeddedStore)
        settings = Settings(data_dir=ref_store.path.parent)
    # The warm-up's gazetteer cache entry is a FIFO nobody writes: the build blocks reading it.
    cache = settings.data_dir / "nlp-cache"
    cache.mkdir(parents=True)
    fifo = cache / f"gazetteer-{content_key(ref_store)}.pickle"
    os.mkfifo(fifo)
    with owned_server(settings) as (client, provider):
        assert nlp_state(client) == "warming"
        assert client.get("/healthz").status_code == 200  # serving while it warms
    # Stopped, and the store closed, while the warm-up was still reading; let it go on: the
    # cache entry turns out to be junk, so it builds from the store, which is closed.
    assert provider.state == "warming"
    writer = os.open(fifo, os.O_WRONLY)
    os.write(writer, b"not a pickle")
    os.close(writer)
    for _ in range(3000):
        if provider.state != "warming":
            break
        time.sleep(0.1)
    assert provider.state == "failed"
    if isinstance(ref_store, EmbeddedStore):
        assert isinstance(provider.last_error, StoreUnavailable)
        assert "is closed" in provider.last_error.message
