"""The embedded store's `close()` while other threads use it: transactions under way finish (or
are interrupted after `close_wait_s`), a connection is never closed under a thread, and every use
after the close raises StoreUnavailable — never a crash or a raw sqlite3 error."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from jointsup.errors import StoreUnavailable
from jointsup.graph.embedded import EmbeddedStore, SqliteTx
from jointsup.graph.store import GraphTx
from jointsup.model import Node

ROOT = Path(__file__).resolve().parents[2]
# An endless count: only an interrupt ends it (the bound just keeps a broken close from hanging).
ENDLESS = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1e12) "
           "SELECT count(tick(x)) FROM c")


def regions(n: int) -> list[Node]:
    return [Node("Region", f"R{i:03}", {"name": f"region {i}"}) for i in range(n)]


def wait_until_closing(store: EmbeddedStore) -> None:
    """Return once `store` refuses new work (its close has begun)."""
    for _ in range(600):
        try:
            store.ping()
        except StoreUnavailable:
            return
        threading.Event().wait(0.05)
    raise AssertionError("close() never started refusing new work")


def test_every_use_after_close_raises_store_unavailable(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite")
    store.upsert_nodes(regions(3))
    store.close()
    store.close()  # idempotent
    uses: list[Callable[[], object]] = [
        store.ping, store.stats, lambda: store.count_nodes("Region"),
        lambda: store.read(lambda tx: tx.get_node(Node("Region", "R000").ref)),
        lambda: store.upsert_nodes(regions(1))]
    for use in uses:
        with pytest.raises(StoreUnavailable, match=r"store .*graph\.sqlite is closed"):
            use()
    refused: list[BaseException] = []

    def other_thread() -> None:
        try:
            store.count_nodes("Region")
        except BaseException as exc:  # collected for the assertion
            refused.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert [type(e) for e in refused] == [StoreUnavailable]
    with EmbeddedStore(tmp_path / "graph.sqlite") as again:  # the file itself is fine
        assert again.count_nodes("Region") == 3


def test_a_transaction_under_way_finishes_and_commits(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite", close_wait_s=120)
    store.upsert_nodes(regions(2))
    inside, go = threading.Event(), threading.Event()
    outcome: list[object] = []

    def write(tx: GraphTx) -> int:
        inside.set()
        go.wait()
        tx.upsert_nodes([Node("Region", "LATE", {"name": "written while closing"})])
        return tx.count_nodes("Region")

    def writer() -> None:
        try:
            outcome.append(store.transaction(write))
        except BaseException as exc:
            outcome.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=store.close)]
    threads[0].start()
    inside.wait()
    threads[1].start()
    wait_until_closing(store)  # closing has begun; the writer is still inside its transaction
    go.set()
    for thread in threads:
        thread.join()
    assert outcome == [3]
    with pytest.raises(StoreUnavailable, match="is closed"):
        store.count_nodes("Region")
    with EmbeddedStore(tmp_path / "graph.sqlite") as again:
        assert again.get_node(Node("Region", "LATE").ref) is not None


def test_a_statement_still_running_after_the_wait_is_interrupted(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "graph.sqlite", close_wait_s=0.2)
    running = threading.Event()
    outcome: list[object] = []

    def tick(x: int) -> int:
        running.set()
        return x

    def endless(tx: GraphTx) -> int:
        assert isinstance(tx, SqliteTx)
        tx.conn.create_function("tick", 1, tick)
        count: int = tx.conn.execute(ENDLESS).fetchone()[0]
        return count

    def reader() -> None:
        try:
            outcome.append(store.read(endless))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    running.wait()
    store.close()
    thread.join()
    [error] = outcome
    assert isinstance(error, StoreUnavailable), error
    assert "is closed" in error.message
    assert isinstance(error.__cause__, sqlite3.OperationalError)  # the interrupt, kept as cause


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to count files")
def test_connections_of_ended_threads_are_closed(tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite"

    def open_files() -> int:
        n = 0
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # closed while listing
                n += os.readlink(f"/proc/self/fd/{fd}") == str(path)
        return n

    with EmbeddedStore(path) as store:
        for _ in range(20):  # each short-lived thread opens its own connection
            thread = threading.Thread(target=store.stats)
            thread.start()
            thread.join()
        assert open_files() <= 3  # not one per ended thread (21)
    assert open_files() == 0


HAMMER = r"""
import json, sys, threading
from pathlib import Path
from jointsup.graph.embedded import EmbeddedStore
from jointsup.model import Node

store = EmbeddedStore(Path(sys.argv[1]), close_wait_s=0.5)
store.upsert_nodes([Node("Region", f"R{i:03}", {"name": str(i)}) for i in range(200)])
THREADS, ROUNDS = 8, 200_000
warm = threading.Barrier(THREADS + 1)
errors, done = [], []

def hammer(n, late=False):
    uses = [lambda: store.count_nodes("Region"), store.stats, store.ping,
            lambda: store.get_nodes("Region", [f"R{i:03}" for i in range(0, 200, 7)]),
            lambda: store.upsert_nodes([Node("Region", f"W{n}", {"i": n})])]
    for i in range(ROUNDS):
        if i == 25 and not late:
            warm.wait()
        try:
            uses[i % len(uses)]()
        except BaseException as exc:
            errors.append((type(exc).__name__, str(exc)))
            if i < 25 and not late:
                warm.wait()
            return
    done.append(n)

threads = [threading.Thread(target=hammer, args=(n,)) for n in range(THREADS)]
for t in threads:
    t.start()
warm.wait()
store.close()
late = threading.Thread(target=hammer, args=(THREADS, True))  # started after the close
late.start()
for t in [*threads, late]:
    t.join(120)
print(json.dumps({"errors": errors, "finished_without_error": done,
                  "alive": sum(t.is_alive() for t in [*threads, late])}))
"""


def test_threads_hammering_the_store_while_it_closes(tmp_path: Path) -> None:
    """In a child process, so a crash (the old close closed connections under running
    statements) shows as a failed test rather than a dead test run."""
    proc = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", HAMMER, str(tmp_path / "graph.sqlite")],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout)
    assert report["alive"] == 0
    assert report["finished_without_error"] == []  # every thread ran into the close
    assert len(report["errors"]) == 9
    assert {kind for kind, _ in report["errors"]} == {"StoreUnavailable"}, report["errors"]
    assert all("is closed" in message for _, message in report["errors"])
