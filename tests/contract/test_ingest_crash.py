"""Contract: an ingest killed with SIGKILL mid-file resumes on re-run, nothing lost or doubled."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jointsup.config import Settings
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.jobs import ingest_file
from tests.contract.test_ingest import HEADER, uscc

ROWS, BATCH = 3000, 20


def big_file(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(ROWS):
            out.writerow([uscc(i), f"成都测试{i}餐饮有限公司", "", "张三", "510104",
                          f"成都市锦江区测试路{i // 2}号", "6210", "", "2020-01-01", "存续", ""])
    return path


def env_for(store: BaseGraphStore, data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "JOINTSUP_DATA_DIR": str(data_dir), "JOINTSUP_BATCH_SIZE": str(BATCH),
           "JOINTSUP_HASH_KEY": "test-key"}
    if isinstance(store, Neo4jStore):
        env |= {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": store.uri,
                "JOINTSUP_NEO4J_PASSWORD": ""}
    return env


def kill_mid_file(store: BaseGraphStore, src: Path, env: dict[str, str]) -> int:
    """Run `jointsup ingest enterprises src`, SIGKILL it after its third committed batch; how
    many batches it committed."""
    proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "jointsup", "ingest", "enterprises", str(src)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    try:
        while store.count_nodes("IngestBatch") < 3:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the ingest committed nothing in 120 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        proc.kill()
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    return store.count_nodes("IngestBatch")


def test_kill_9_mid_file_then_resume(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    src = big_file(tmp_path / "enterprises.csv")
    committed = kill_mid_file(ref_store, src, env_for(ref_store, tmp_path))
    assert 3 <= committed < ROWS // BATCH, "killed too late to test a resume"
    # Every committed batch landed whole: its rows and its ledger entry together.
    assert ref_store.count_nodes("Enterprise") == committed * BATCH

    settings = Settings(data_dir=tmp_path, batch_size=BATCH, hash_key="test-key")
    resumed = ingest_file(ref_store, settings, "enterprises", src)
    assert resumed.unchanged == committed * BATCH
    assert resumed.created == ROWS - committed * BATCH
    assert ref_store.count_nodes("Enterprise") == ROWS
    assert ref_store.count_nodes("Address") == ROWS // 2
    assert ref_store.stats().relationships["LOCATED_AT"] == ROWS


def test_a_resume_with_another_batch_size_loads_every_row(ref_store: BaseGraphStore,
                                                          tmp_path: Path) -> None:
    """The ledger counts batches of one size: a resume with JOINTSUP_BATCH_SIZE changed must not
    take its larger batches for the smaller ones committed (it redoes them, idempotently)."""
    src = big_file(tmp_path / "enterprises.csv")
    committed = kill_mid_file(ref_store, src, env_for(ref_store, tmp_path))
    assert 3 <= committed < ROWS // (BATCH * 7), "killed too late to test a resume"

    settings = Settings(data_dir=tmp_path, batch_size=BATCH * 7, hash_key="test-key")
    resumed = ingest_file(ref_store, settings, "enterprises", src)
    assert resumed.unchanged == committed * BATCH
    assert resumed.created == ROWS - committed * BATCH
    assert ref_store.count_nodes("Enterprise") == ROWS
