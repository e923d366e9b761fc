"""Contract: background jobs (services/jobs.py) on each store — run, dedupe, fail, interrupt."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from jointsup.graph.store import BaseGraphStore, Filter
from jointsup.model import Node
from jointsup.services import jobs
from tests.contract.risk_world import AS_OF, build
from tests.contract.test_risk_models import EXPECTED

BY = "coordinator:test"
WAIT_S = 60.0


@pytest.fixture
def runner(store: BaseGraphStore) -> Iterator[jobs.JobRunner]:
    build(store)
    running = jobs.JobRunner(store)
    running.start()
    try:
        yield running
    finally:
        running.stop()


def finished(store: BaseGraphStore, job_id: str) -> Node:
    """Poll the stored job until it leaves QUEUED/RUNNING (bounded)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job = jobs.get_job(store, job_id)
        assert job is not None
        if job.props["status"] not in jobs.ACTIVE:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} still active after {WAIT_S} s")


def test_credit_job_runs_to_succeeded(store: BaseGraphStore, runner: jobs.JobRunner) -> None:
    job = runner.submit(jobs.CREDIT, {"month": "2026-06"}, BY)
    assert job.props["status"] == "QUEUED"
    done = finished(store, job.key)
    assert done.props["status"] == "SUCCEEDED", done.props.get("error")
    summary = json.loads(str(done.props["summary"]))
    computed = store.count_nodes("CreditRating", [Filter("source", "eq", "computed")])
    assert summary["rated"] == computed > 0
    assert summary["month"] == "2026-06"
    assert done.props["progress"] == 1.0
    assert str(done.props["started_at"]) <= str(done.props["finished_at"])
    assert done.props["started_by"] == BY
    assert done.props["owner"] == runner.owner


def test_risk_job_writes_the_alerts_once(store: BaseGraphStore, runner: jobs.JobRunner) -> None:
    expected = sum(len(v) for v in EXPECTED.values())
    for _ in range(2):  # a re-run updates, never duplicates (the runner's guarantee)
        job = runner.submit(jobs.RISK, {"model": None, "as_of": AS_OF}, BY)
        done = finished(store, job.key)
        assert done.props["status"] == "SUCCEEDED", done.props.get("error")
        assert json.loads(str(done.props["summary"]))["alerts"] == expected
    assert store.count_nodes("RiskAlert") == expected
    one = finished(store, runner.submit(jobs.RISK, {"model": "same_address", "as_of": AS_OF},
                                        BY).key)
    assert [m["model"] for m in json.loads(str(one.props["summary"]))["models"]] == [
        "same_address"]
    assert store.count_nodes("Job") == 3


def test_a_second_start_returns_the_active_job(store: BaseGraphStore) -> None:
    first, created = jobs.start_job(store, jobs.CREDIT, {"month": "2026-06"}, BY, "a")
    again, again_created = jobs.start_job(store, jobs.CREDIT, {"month": "2026-07"}, BY, "b")
    assert created
    assert not again_created
    assert again.key == first.key
    assert again.props["params"] == first.props["params"]
    other, other_created = jobs.start_job(store, jobs.RISK, {}, BY, "a")  # another kind
    assert other_created
    assert other.key != first.key
    # Concurrent starts of one kind (another kind's active job is no obstacle) make one job.
    with ThreadPoolExecutor(6) as pool:
        keys = set(pool.map(lambda i: jobs.start_job(store, jobs.CREDIT, {"i": i}, BY,
                                                     str(i))[0].key, range(12)))
    assert keys == {first.key}
    assert store.count_nodes("Job", [Filter("kind", "eq", jobs.CREDIT)]) == 1


def test_a_bad_argument_fails_the_job_with_its_message(store: BaseGraphStore,
                                                       runner: jobs.JobRunner) -> None:
    month = finished(store, runner.submit(jobs.CREDIT, {"month": "2026-13"}, BY).key)
    assert month.props["status"] == "FAILED"
    assert "YYYY-MM" in str(month.props["error"])
    assert "2026-13" in str(month.props["error"])
    assert month.props.get("finished_at")
    model = finished(store, runner.submit(jobs.RISK, {"model": "nope"}, BY).key)
    assert model.props["status"] == "FAILED"
    assert "nope" in str(model.props["error"])
    assert "same_address" in str(model.props["error"])
    assert store.count_nodes("CreditRating", [Filter("source", "eq", "computed")]) == 0
    assert store.count_nodes("RiskAlert") == 0


def test_interrupted_jobs_are_marked_failed_at_start(store: BaseGraphStore) -> None:
    dead, _ = jobs.start_job(store, jobs.CREDIT, {"month": "2026-06"}, BY, "gone")
    alive, _ = jobs.start_job(store, jobs.RISK, {}, BY, "elsewhere")
    long_ago = (jobs.now() - jobs.STALE_AFTER - timedelta(seconds=1)).isoformat()
    store.upsert_nodes([Node("Job", dead.key, {"status": "RUNNING", "heartbeat_at": long_ago})])
    runner = jobs.JobRunner(store)
    runner.start()  # sweeps before serving
    try:
        after = jobs.get_job(store, dead.key)
        assert after is not None
        assert (after.props["status"], after.props["error"]) == ("FAILED", jobs.INTERRUPTED)
        still = jobs.get_job(store, alive.key)  # its heartbeat is fresh: another live process
        assert still is not None
        assert still.props["status"] == "QUEUED"
        # A start of the dead job's kind now makes a new job.
        fresh, created = jobs.start_job(store, jobs.CREDIT, {"month": "2026-06"}, BY, "x")
        assert created
        assert fresh.key != dead.key
    finally:
        runner.stop()


def test_a_stale_active_job_is_replaced_on_start(store: BaseGraphStore) -> None:
    old, _ = jobs.start_job(store, jobs.RISK, {}, BY, "gone")
    long_ago = (jobs.now() - jobs.STALE_AFTER * 2).isoformat()
    store.upsert_nodes([Node("Job", old.key, {"heartbeat_at": long_ago})])
    new, created = jobs.start_job(store, jobs.RISK, {}, BY, "here")
    assert created
    assert new.key != old.key
    gone = jobs.get_job(store, old.key)
    assert gone is not None
    assert gone.props["error"] == jobs.INTERRUPTED


def test_stop_leaves_no_job_active(store: BaseGraphStore) -> None:
    build(store)
    runner = jobs.JobRunner(store)
    runner.start()
    job = runner.submit(jobs.RISK, {"as_of": AS_OF}, BY)
    runner.stop()
    after = jobs.get_job(store, job.key)
    assert after is not None
    assert after.props["status"] not in jobs.ACTIVE
    if after.props["status"] == "FAILED":  # stopped before it finished
        assert after.props["error"] == jobs.INTERRUPTED
