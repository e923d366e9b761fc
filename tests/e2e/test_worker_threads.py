"""A worker runs request work in at most `worker_threads` threads (JOINTSUP_WORKER_THREADS).

Python runs one thread at a time: past a few, more threads only queue for the interpreter lock,
and the event loop (which writes every answer, refusals included) queues with them. The bound is
checked on a real server over real HTTP, on an embedded store whose reads are slowed down so
that concurrent requests overlap inside the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from jointsup.config import Settings
from jointsup.errors import ConfigError
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import GraphTx
from jointsup.services.tokens import create_token
from tests.e2e.conftest import ThreadServer

T = TypeVar("T")
REQUESTS = 8
READ_S = 0.3


class SlowReads(EmbeddedStore):
    """The embedded store, each read in a request thread taking READ_S longer; counts such reads
    running at once."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.slow = False
        self.running = 0
        self.most = 0
        self._count = threading.Lock()

    def read(self, fn: Callable[[GraphTx], T]) -> T:
        if not self.slow or threading.current_thread().name != "AnyIO worker thread":
            return super().read(fn)  # (background work: the outbox, jobs, warm-ups)
        with self._count:
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            time.sleep(READ_S)
            return super().read(fn)
        finally:
            with self._count:
                self.running -= 1


def most_reads_at_once(tmp_path: Path, threads: int) -> tuple[int, list[int]]:
    """Serve with `threads` worker threads, send REQUESTS queries at once; the most reads seen
    running together, and the statuses."""
    store = SlowReads(tmp_path / f"graph-{threads}.sqlite")
    try:
        token = create_token(store, "admin")
        settings = Settings(data_dir=tmp_path, worker_threads=threads, nlp_warm_up=False,
                            token_cache_s=60.0)
        with ThreadServer(settings, store, dev=False) as server, \
                httpx.Client(base_url=server.url, timeout=30,
                             headers={"Authorization": f"Bearer {token}"}) as client:
            # (`article` reads in a thread; the embedded store's batched loader reads run on
            # the event loop itself)
            query = {"query": '{ article(law: "食品安全法", number: 1) { number } }'}
            assert client.post("/graphql", json=query).status_code == 200  # token now cached
            store.slow = True
            with ThreadPoolExecutor(REQUESTS) as pool:
                statuses = list(pool.map(lambda _: client.post("/graphql", json=query)
                                         .status_code, range(REQUESTS)))
        return store.most, statuses
    finally:
        store.close()


def test_request_work_runs_in_at_most_worker_threads(tmp_path: Path) -> None:
    most, statuses = most_reads_at_once(tmp_path, threads=2)
    assert statuses == [200] * REQUESTS  # queued for a thread, not refused: all within deadline
    assert most == 2


def test_more_worker_threads_let_more_reads_overlap(tmp_path: Path) -> None:
    """The same load with 8 threads overlaps more than 2 reads: the bound above is the setting's."""
    most, statuses = most_reads_at_once(tmp_path, threads=8)
    assert statuses == [200] * REQUESTS
    assert most > 2


def test_worker_threads_setting() -> None:
    assert Settings.from_env({}).worker_threads == 8
    assert Settings.from_env({"JOINTSUP_WORKER_THREADS": "3"}).worker_threads == 3


def test_worker_threads_below_one_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="JOINTSUP_WORKER_THREADS"):
        Settings.from_env({"JOINTSUP_WORKER_THREADS": "0.5"})
