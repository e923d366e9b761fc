"""Background jobs over real HTTP on both stores: start, poll `job(id)`, see alerts; roles."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.contract.risk_world import AS_OF, build
from tests.contract.test_risk_models import EXPECTED
from tests.e2e.conftest import Live, data

JOB = "id kind status params startedAt finishedAt progress summary error"
CREDIT = "mutation($m: String!) { computeCreditClasses(month: $m) { " + JOB + " } }"
RISK = "mutation($a: Date, $n: String) { runRiskModels(asOf: $a, model: $n) { " + JOB + " } }"
POLL = "query($id: ID!) { job(id: $id) { " + JOB + " } }"
WAIT_S = 60.0


@pytest.fixture
def world(live: Live) -> Live:
    build(live.store)
    return live


def finished(live: Live, job_id: str) -> dict[str, Any]:
    """Poll `job(id)` until the job leaves QUEUED/RUNNING (bounded)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        job: dict[str, Any] = data(live, POLL, id=job_id)["job"]
        if job["status"] not in ("QUEUED", "RUNNING"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still active after {WAIT_S} s")


def test_coordinator_computes_classes_and_runs_models(world: Live) -> None:
    started = data(world, CREDIT, m="2026-06")["computeCreditClasses"]
    assert started["kind"] == "credit_classes"
    assert started["params"] == {"month": "2026-06"}
    done = finished(world, started["id"])
    assert done["status"] == "SUCCEEDED", done["error"]
    assert done["progress"] == 1.0
    assert done["startedAt"] <= done["finishedAt"]
    classes = data(world, "{ creditClasses(month: \"2026-06\") { totalCount edges { node { "
                          "computed { creditClass } } } } }")["creditClasses"]
    assert done["summary"]["rated"] == sum(
        1 for e in classes["edges"] if e["node"]["computed"]) > 0

    run = data(world, RISK, a=AS_OF)["runRiskModels"]
    done = finished(world, run["id"])
    assert done["status"] == "SUCCEEDED", done["error"]
    expected = sum(len(v) for v in EXPECTED.values())
    assert done["summary"]["alerts"] == expected
    found = data(world, "{ alerts(first: 100) { totalCount edges { node { model explanation "
                        "evidenceNodes { id } } } } }")["alerts"]
    assert found["totalCount"] == expected
    alerts = [e["node"] for e in found["edges"]]
    assert {a["model"] for a in alerts} == set(EXPECTED)  # every planted pattern, explained
    assert all(a["explanation"] and a["evidenceNodes"] for a in alerts)


def test_a_failed_job_says_why(world: Live) -> None:
    started = data(world, CREDIT, role="admin", m="2026-13")["computeCreditClasses"]
    done = finished(world, started["id"])
    assert done["status"] == "FAILED"
    assert "YYYY-MM" in done["error"]
    model = finished(world, data(world, RISK, n="nope")["runRiskModels"]["id"])
    assert model["status"] == "FAILED"
    assert "same_address" in model["error"]
    assert data(world, POLL, id="no-such-job")["job"] is None


@pytest.mark.parametrize("role", ["partner", "investigator"])
def test_only_coordinators_run_jobs(world: Live, role: str) -> None:
    token = world.token_for(role)
    for query, variables in ((CREDIT, {"m": "2026-06"}), (RISK, {"a": AS_OF}),
                             (POLL, {"id": "x"})):
        r = world.post(query, token, variables=variables)
        assert r.status_code == 403, r.text
        assert [e["extensions"]["code"] for e in r.json()["errors"]] == ["FORBIDDEN"]
    assert world.store.count_nodes("Job") == 0
