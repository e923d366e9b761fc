"""Fault: Neo4j killed with SIGKILL in the middle of an ingest, restarted on the same store."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_server import Neo4jServer
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore, Stats
from jointsup.ingest.jobs import ingest_file
from jointsup.ingest.reference import bundled_reference, load_reference
from tests.contract.test_ingest_crash import BATCH, ROWS, big_file, env_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]
LEDGER = ("IngestBatch",)  # the ingest's own bookkeeping: one entry per committed batch


def graph_only(stats: Stats) -> Stats:
    """The counts of the data itself, without the ingest ledger (which records attempts)."""
    return Stats({k: v for k, v in stats.nodes.items() if k not in LEDGER}, stats.relationships)


def wait_for_batches(store: BaseGraphStore, proc: subprocess.Popen[bytes], at_least: int) -> None:
    deadline = time.monotonic() + 180
    while store.count_nodes("IngestBatch") < at_least:
        assert proc.poll() is None, "the ingest ended before it could be interrupted"
        assert time.monotonic() < deadline, "the ingest committed nothing in 180 s"
        time.sleep(0.05)


def test_kill_9_neo4j_mid_ingest_then_rerun(own_neo4j: Neo4jServer, tmp_path: Path,
                                            reference_template: Path) -> None:
    """`kill -9` the Neo4j server while `jointsup ingest enterprises` is writing a 3,000-row
    file in batches of 20, restart a Neo4j on the same store directory and run the same ingest
    again. Expected: the interrupted ingest exits with an error; after the restart every
    committed batch is there whole (its rows and its ledger entry together); the re-run
    completes and the graph's node and relationship counts equal those of the same file
    ingested once into a fresh embedded store: every source row once, nothing duplicated."""
    src = big_file(tmp_path / "enterprises.csv")
    store = Neo4jStore(own_neo4j.uri, auth=None, timeout_s=120.0)
    try:
        load_reference(store, bundled_reference(), batch_size=5000)
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "jointsup", "ingest", "enterprises", str(src)],
            env=env_for(store, tmp_path), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            wait_for_batches(store, proc, at_least=3)
            own_neo4j.kill()
            # The driver retries a lost server for up to 30 s before the command gives up.
            assert proc.wait(120) != 0, "the ingest reported success with its server killed"
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
    finally:
        store.close()

    own_neo4j.start()  # same port, same data directory: Neo4j recovers from its log
    settings = Settings(data_dir=tmp_path, batch_size=BATCH, hash_key="test-key")
    with Neo4jStore(own_neo4j.uri, auth=None, timeout_s=120.0) as restarted:
        committed = restarted.count_nodes("IngestBatch")
        assert 3 <= committed < ROWS // BATCH, "killed too late to test a resume"
        assert restarted.count_nodes("Enterprise") == committed * BATCH
        rerun = ingest_file(restarted, settings, "enterprises", src)
        assert rerun.unchanged == committed * BATCH
        assert rerun.created == ROWS - committed * BATCH
        recovered = graph_only(restarted.stats())

    shutil.copy(reference_template, tmp_path / "graph.sqlite")
    with EmbeddedStore(tmp_path / "graph.sqlite") as fresh:
        ingest_file(fresh, settings, "enterprises", src)
        expected = graph_only(fresh.stats())
    assert recovered == expected
    assert recovered.nodes["Enterprise"] == ROWS
