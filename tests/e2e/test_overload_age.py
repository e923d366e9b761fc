"""The age limit of admission control through real HTTP, on a store made slow for real.

The embedded store is held by a write transaction from another SQLite connection (as a long
ingest would hold it): a mutation then waits for the write lock in a worker thread (up to the
store's 30 s busy timeout). Once that request is older than `overload_age_s`, the server refuses
every new request at once with 503 OVERLOADED — long before the held request's deadline — and as
soon as the lock is released the held work ends and requests are served again. Nothing is mocked:
the lock is SQLite's own, the requests real HTTP.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from jointsup.admission import OVERLOADED, RETRY_AFTER_S
from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from tests.e2e.conftest import Live, serve

AGE_S = 1.0  # the age limit of these servers
ATTEMPTS = 100  # bounded polling for a status
PAUSE_S = 0.1
TRIVIAL = "{ __typename }"
REGISTER = ("mutation($text: String!, $key: String!) { registerClue(text: $text, "
            'channel: "12315_hotline", idempotencyKey: $key) { clueId replayed } }')


@pytest.fixture
def embedded(reference_template: Path, tmp_path: Path) -> Iterator[EmbeddedStore]:
    """An embedded store of its own holding the reference data."""
    path = tmp_path / "graph.sqlite"
    shutil.copy(reference_template, path)
    store = EmbeddedStore(path)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def write_lock(store: EmbeddedStore) -> Iterator[sqlite3.Connection]:
    """Another connection holding the store's write lock until the block ends (rolled back)."""
    conn = sqlite3.connect(store.path, isolation_level=None, timeout=5.0)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def register(live: Live, key: str) -> Future[httpx.Response]:
    """A clue mutation sent from another thread and client; its response, when it comes."""
    def send() -> httpx.Response:
        with httpx.Client(base_url=live.url, timeout=60.0) as client:
            return client.post("/graphql", headers={"Authorization": f"Bearer {live.token}"},
                               json={"query": REGISTER,
                                     "variables": {"text": "成都市某超市销售过期食品", "key": key}})
    pool = ThreadPoolExecutor(1)
    try:
        return pool.submit(send)
    finally:
        pool.shutdown(wait=False)


def first_with_status(live: Live, status: int) -> httpx.Response:
    """The first response with `status` to a trivial query, within ATTEMPTS tries."""
    for _ in range(ATTEMPTS):
        r = live.post(TRIVIAL)
        if r.status_code == status:
            return r
        time.sleep(PAUSE_S)
    raise AssertionError(f"no {status} in {ATTEMPTS} requests (last: {r.status_code} {r.text})")


def assert_overloaded(r: httpx.Response) -> None:
    """A refusal by admission control: 503, its code, request id and Retry-After, no data."""
    assert r.status_code == 503, r.text
    body = r.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": OVERLOADED,
                                               "requestId": r.headers["x-request-id"]}
    assert r.headers["retry-after"] == str(RETRY_AFTER_S)


def assert_recovered(live: Live) -> None:
    """Served again, and staying so."""
    first_with_status(live, 200)
    answers = [live.post(TRIVIAL) for _ in range(10)]
    assert [r.status_code for r in answers] == [200] * 10
    assert all(r.json() == {"data": {"__typename": "Query"}} for r in answers)


def test_slow_store_is_refused_early_with_503_then_recovers(embedded: EmbeddedStore) -> None:
    """A mutation waits on the held write lock; after AGE_S the server answers 503 to every new
    request while that mutation is still unanswered (so long before its 60 s deadline: no 504);
    the probes still answer; released, the mutation completes and the server serves again."""
    settings = Settings(request_deadline_s=60.0, overload_age_s=AGE_S)
    for live in serve(embedded, settings):
        assert live.post(TRIVIAL).status_code == 200
        with write_lock(embedded):
            held = register(live, "age-1")
            refused = first_with_status(live, 503)
            assert not held.done(), held.result().text  # the mutation really was held
            assert_overloaded(refused)
            assert {live.post(TRIVIAL).status_code for _ in range(10)} == {503}
            assert live.client.get("/healthz").status_code == 200
            assert live.client.get("/readyz").status_code == 200  # a read: WAL lets it through
            assert not held.done()
        answer = held.result(timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["registerClue"]["replayed"] is False
        assert_recovered(live)


def test_work_cut_off_by_its_deadline_still_counts_until_a_request_is_answered_in_time(
        embedded: EmbeddedStore) -> None:
    """The held mutation hits its 4 s deadline (504) while its store call still waits on the
    lock in a worker thread. Its work still counts: the next request is admitted alone, as a
    probe (nothing else is in flight), and while it runs every other request is refused. Released,
    the probe is answered in time, the server serves again, and the call left behind committed
    (a retry with its idempotency key replays it)."""
    settings = Settings(request_deadline_s=4.0, overload_age_s=AGE_S)
    for live in serve(embedded, settings):
        assert live.post(TRIVIAL).status_code == 200
        with write_lock(embedded):
            cut = register(live, "age-2")
            answer = cut.result(timeout=30)
            assert answer.status_code == 504, answer.text
            probe = register(live, "age-3")
            assert_overloaded(first_with_status(live, 503))
            assert not probe.done()
        answer = probe.result(timeout=30)
        assert answer.status_code == 200, answer.text
        assert_recovered(live)
        # The call left behind commits on its own once it has the lock — perhaps after the
        # probe (both were waiting for it): wait for its record, then its retry replays it.
        for _ in range(ATTEMPTS):
            if embedded.read(lambda tx: tx.count_nodes("IdempotencyRecord", [])) == 2:
                break
            time.sleep(PAUSE_S)
        retry = register(live, "age-2").result(timeout=30)
        assert retry.json()["data"]["registerClue"]["replayed"] is True, retry.text
