"""The age limit on requests already admitted, waiting for a worker thread, through real HTTP.

A worker runs request work in at most `worker_threads` threads; admitted requests beyond them
wait for one. Here both threads of a server are taken by queries whose store reads are held (an
embedded store whose reads in request threads wait for the test's signal, then read for real),
and more such queries are sent while that work is still younger than the age limit: they are
admitted, then wait for a thread. Once a request's wait reaches the age limit it is answered 503
OVERLOADED with Retry-After, long before its deadline. Without that, each would wait for a thread
until the held queries' deadlines free theirs, start its own read with no time left, and end as a
504. Released, the held queries complete and the server serves again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from jointsup.admission import find_gate
from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import GraphTx
from jointsup.services.tokens import create_token
from tests.e2e.conftest import ThreadServer
from tests.e2e.test_overload_age import assert_overloaded

T = TypeVar("T")
THREADS = 2  # the server's worker threads, all taken by held reads
QUEUED = 4  # requests sent while they are held
AGE_S = 2.0
DEADLINE_S = 8.0
HOLD_LIMIT_S = 30.0  # a held read goes on after this even if the test never releases it
ATTEMPTS = 200  # bounded polling for the held reads
PAUSE_S = 0.02
ARTICLE = {"query": '{ article(law: "食品安全法", number: 1) { number } }'}  # reads in a thread
TRIVIAL = {"query": "{ __typename }"}


class HeldReads(EmbeddedStore):
    """The embedded store, each read in a request thread waiting for `release` while `holding`;
    counts the reads so held."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.holding = False
        self.held = 0
        self.released = threading.Event()
        self._count = threading.Lock()

    def read(self, fn: Callable[[GraphTx], T]) -> T:
        if not self.holding or threading.current_thread().name != "AnyIO worker thread":
            return super().read(fn)  # (background work: the outbox, jobs, warm-ups)
        with self._count:
            self.held += 1
        try:
            self.released.wait(HOLD_LIMIT_S)
            return super().read(fn)
        finally:
            with self._count:
                self.held -= 1


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HeldReads]:
    held = HeldReads(tmp_path / "graph.sqlite")
    try:
        yield held
    finally:
        held.released.set()
        held.close()


def test_requests_queued_for_a_thread_past_the_age_limit_get_503_not_504_then_recovers(
        store: HeldReads, tmp_path: Path) -> None:
    token = create_token(store, "admin")
    settings = Settings(data_dir=tmp_path, worker_threads=THREADS, nlp_warm_up=False,
                        token_cache_s=60.0, request_deadline_s=DEADLINE_S, overload_age_s=AGE_S)
    with ThreadServer(settings, store, dev=False) as server, \
            httpx.Client(base_url=server.url, timeout=30,
                         headers={"Authorization": f"Bearer {token}"}) as client, \
            ThreadPoolExecutor(THREADS + QUEUED) as pool:
        gate = find_gate(server.server.config.app)
        assert gate is not None
        assert client.post("/graphql", json=ARTICLE).status_code == 200  # token now cached
        store.holding = True
        held = [pool.submit(client.post, "/graphql", json=ARTICLE) for _ in range(THREADS)]
        for _ in range(ATTEMPTS):
            if store.held == THREADS:
                break
            time.sleep(PAUSE_S)
        assert store.held == THREADS, "the held queries did not take every worker thread"

        def timed() -> tuple[httpx.Response, float]:
            started = time.monotonic()
            r = client.post("/graphql", json=ARTICLE)
            return r, time.monotonic() - started

        queued = [f.result(timeout=30) for f in
                  [pool.submit(timed) for _ in range(QUEUED)]]
        for r, took in queued:
            assert_overloaded(r)
            assert took < DEADLINE_S  # answered well before its deadline would have cut it off
        # They were admitted (the held work was younger than the age limit) and then refused
        # for their wait for a thread, not at their admission.
        assert (gate.refused_queued, gate.refused) == (QUEUED, 0)
        assert not any(f.done() for f in held)  # the threads really were taken all along
        assert client.get("/healthz").status_code == 200
        store.released.set()
        for f in held:
            answer = f.result(timeout=30)
            assert answer.status_code == 200, answer.text
            assert "errors" not in answer.json(), answer.text
        store.holding = False
        answers = [client.post("/graphql", json=TRIVIAL) for _ in range(10)]
        assert [r.status_code for r in answers] == [200] * 10
        assert all(r.json() == {"data": {"__typename": "Query"}} for r in answers)
