"""Issue 8's "done when", through real HTTP on both stores, on data made by the demo's generator
(a smaller size of the same dataset, its planted patterns and NLP-linked complaints): a coordinator
computes credit classes and runs the risk models as jobs, finds an explained alert for every planted
pattern, creates and draws a joint plan, re-draws it to the same list (from the seed and
algorithm it recorded), pages through the saved visits and records a result."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.generate import generate
from jointsup.ingest.generate.clock import ANCHOR
from jointsup.ingest.jobs import ingest_dir
from jointsup.resolvers.relay import encode_id
from jointsup.services import plans
from tests.e2e.conftest import Live, data, serve
from tests.e2e.test_jobs_api import CREDIT, RISK, finished
from tests.e2e.test_plans_api import CREATE, DRAW, RECORD

# Each model with the planted pattern it answers (services/risk/evaluate.py); the complaint
# models see the complaints as the NLP linked them on ingest, not the generator's gold links.
MODELS = {"same_address": "same_address", "person_companies": "one_person_many_companies",
          "serious_new_company": "struck_off_operator_new_company",
          "licence_shared": "licence_shared_by_shops", "complaint_surge": "complaint_surge",
          "prepaid_cluster": "complaint_surge"}
ALERTS = """query($f: AlertFilter, $after: String) {
  alerts(filters: $f, first: 100, after: $after) { pageInfo { hasNextPage endCursor }
  edges { node { subject severity explanation evidenceNodes { id } } } } }"""
VISITS = """query($id: String!, $after: String) { inspectionPlan(id: $id) {
  status visits(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { uscc officers { certNo } checks { itemCode status } } } } } }"""
PLAN = {"id": "JP-DEMO", "name": "成都市餐饮零售跨部门联合抽查", "seed": "2026Q3",
        "items": [{"itemCode": "SCJG-JC-012", "departmentCode": "510100-SCJG"},
                  {"itemCode": "SCJG-JC-013", "departmentCode": "510100-SCJG"},
                  {"itemCode": "SW-JC-001", "departmentCode": "510100-SW"}],
        "target": {"region": "510100"},
        "ratios": {"a": 0.1, "b": 0.3, "c": 0.6, "d": 1.0, "unknown": 0.3},
        "windowStart": "2026-07-01", "windowEnd": "2026-09-30", "ratingMonth": "2026-06"}


@pytest.fixture
def demo(ref_store: BaseGraphStore, tmp_path: Path) -> Iterator[tuple[Live, dict[str, Any]]]:
    out = tmp_path / "demo"
    generate(out, 1500, seed=1)
    for summary in ingest_dir(ref_store, Settings(data_dir=tmp_path / "data", hash_key="k"), out):
        assert summary.rejected == 0, summary
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    for live in serve(ref_store, Settings(data_dir=tmp_path / "data", request_deadline_s=60.0)):
        yield live, truth


def every(live: Live, query: str, path: str, **variables: Any) -> list[dict[str, Any]]:
    """All edges' nodes of a connection at `path` (one root field), page by page (bounded)."""
    nodes: list[dict[str, Any]] = []
    after = None
    for _ in range(100):
        page = data(live, query, after=after, **variables)[path]
        page = page["visits"] if path == "inspectionPlan" else page
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
    raise AssertionError(f"{path}: more than 100 pages")


def planted_ids(pattern: str, item: dict[str, Any]) -> set[str]:
    """The global ids an alert for this planted instance must name (as subject or evidence)."""
    if pattern == "same_address":
        return {encode_id("Enterprise", u) for u in item["usccs"]}
    if pattern == "one_person_many_companies":
        return {encode_id("Person", item["person_id"])}
    if pattern == "struck_off_operator_new_company":
        return {encode_id("Enterprise", item["new_uscc"])}
    return {encode_id("Enterprise", item["uscc"])}  # complaint surges, shared licences


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_coordinator_on_demo_data(demo: tuple[Live, dict[str, Any]]) -> None:
    live, truth = demo
    credit = finished(live, data(live, CREDIT, m="2026-06")["computeCreditClasses"]["id"])
    assert credit["status"] == "SUCCEEDED", credit["error"]
    assert credit["summary"]["rated"] > 0
    risk = finished(live, data(live, RISK, a=ANCHOR.isoformat(), n=None)["runRiskModels"]["id"])
    assert risk["status"] == "SUCCEEDED", risk["error"]

    for model, pattern in MODELS.items():
        alerts = every(live, ALERTS, "alerts", f={"model": model})
        assert alerts, model
        for alert in alerts:
            assert alert["explanation"], alert
            assert alert["evidenceNodes"], alert
            assert 0.0 <= alert["severity"] <= 1.0
        named = [{alert["subject"], *(n["id"] for n in alert["evidenceNodes"])}
                 for alert in alerts]
        planted = truth[pattern]
        assert planted, pattern
        missed = [item for item in planted
                  if not any(planted_ids(pattern, item) <= ids for ids in named)]
        assert not missed, (model, missed)  # recall 1.0

    created = data(live, CREATE, input=PLAN)["createInspectionPlan"]
    assert created["planId"] == "JP-DEMO"
    drawn = data(live, DRAW, id="JP-DEMO")["drawInspectionPlan"]
    assert drawn["status"] == "DRAWN"
    assert 0 < drawn["visitsWithMerging"] < drawn["visitsWithoutMerging"]
    assert drawn["visitsSaved"] == drawn["visitsWithoutMerging"] - drawn["visitsWithMerging"]
    assert data(live, DRAW, id="JP-DEMO")["drawInspectionPlan"] == drawn
    assert plans.redraw(live.store, "JP-DEMO").same_draw  # from the recorded seed and algorithm
    visits = every(live, VISITS, "inspectionPlan", id="JP-DEMO")
    assert len(visits) == drawn["visitsWithMerging"]
    assert all(len(v["officers"]) >= 2 for v in visits if v["checks"])
    first = visits[0]
    check = first["checks"][0]
    recorded = data(live, RECORD, input={
        "planId": "JP-DEMO", "uscc": first["uscc"], "itemCode": check["itemCode"],
        "outcome": "NO_PROBLEM", "checkedOn": "2026-07-15"})
    assert recorded["recordInspectionResult"]["status"] == "RECORDED"
    assert recorded["recordInspectionResult"]["publishBy"] > "2026-07-15"
