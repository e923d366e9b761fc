"""Through real HTTP on both stores: create, draw, re-draw and page through a joint plan, record a
result, read stats; clear errors; partners are refused."""

from __future__ import annotations

from typing import Any

import pytest

from jointsup.services import audit
from tests.contract.test_plans import CONFLICTED, build_world, expected_targets, world_frame
from tests.e2e.conftest import Live

CREATE = """mutation($input: CreateInspectionPlanInput!) {
  createInspectionPlan(input: $input) { planId status seed algorithm items { itemCode } }
}"""
DRAW = """mutation($id: String!) { drawInspectionPlan(id: $id) {
  status drawHash frameHash drawAuditSeq candidates checkCount visitsWithMerging
  visitsWithoutMerging visitsSaved understaffedVisits } }"""
VISITS = """query($id: String!, $after: String) { inspectionPlan(id: $id) {
  visits(first: 7, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { uscc creditClass departmentCodes staffed enterprise { uscc }
                   officers { certNo departmentCode } checks { itemCode status } } } } } }"""
RECORD = """mutation($input: RecordInspectionResultInput!) { recordInspectionResult(input: $input) {
  itemCode status outcome result checkedOn publishBy publicationStatus } }"""
STATS = """query { stats(groupBy: [RISK_CLASS]) { subject total
  buckets { count keys { dimension value } } } }"""


def plan_input(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "JP-E2E", "name": "成都餐饮联合抽查", "seed": "seed-1",
        "items": [{"itemCode": "SCJG-1", "departmentCode": "510100-SCJG"},
                  {"itemCode": "SW-1", "departmentCode": "510100-SW"},
                  {"itemCode": "WJ-1", "departmentCode": "510100-WJ"}],
        "target": {"region": "510100"},
        "ratios": {"a": 0.25, "c": 0.5, "d": 1.0, "unknown": 1.0},
        "windowStart": "2026-07-01", "windowEnd": "2026-09-30"}
    return {**base, **overrides}


def data(live: Live, query: str, token: str | None = None, **variables: Any) -> Any:
    r = live.post(query, token=token, variables=variables)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


def error(live: Live, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    body = live.post(query, token=token, variables=variables).json()
    assert body.get("errors"), body
    first: dict[str, Any] = body["errors"][0]
    return first


def test_a_coordinator_plans_draws_and_records(live: Live) -> None:
    build_world(live.store)
    coordinator = live.token_for("coordinator")
    created = data(live, CREATE, coordinator, input=plan_input())["createInspectionPlan"]
    assert (created["planId"], created["status"], created["seed"]) == ("JP-E2E", "CREATED",
                                                                      "seed-1")
    drawn = data(live, DRAW, coordinator, id="JP-E2E")["drawInspectionPlan"]
    assert drawn["status"] == "DRAWN"
    assert drawn["visitsSaved"] == drawn["visitsWithoutMerging"] - drawn["visitsWithMerging"] > 0
    again = data(live, DRAW, coordinator, id="JP-E2E")["drawInspectionPlan"]
    assert again == drawn
    seen: dict[str, dict[str, Any]] = {}
    after = None
    while True:
        page = data(live, VISITS, coordinator, id="JP-E2E", after=after)["inspectionPlan"]
        visits = page["visits"]
        assert visits["totalCount"] == drawn["visitsWithMerging"]
        for edge in visits["edges"]:
            seen[edge["node"]["uscc"]] = edge["node"]
        if not visits["pageInfo"]["hasNextPage"]:
            break
        after = visits["pageInfo"]["endCursor"]
    frame, grade = world_frame()
    want = expected_targets("seed-1", frame, grade)
    assert set(seen) == {u for us in want.values() for u in us}
    for uscc, visit in seen.items():
        assert visit["enterprise"]["uscc"] == uscc
        assert [c["itemCode"] for c in visit["checks"]] == sorted(
            c for c, us in want.items() if uscc in us)
        assert len(visit["officers"]) == 2 * len(visit["departmentCodes"])
    recorded = data(live, RECORD, coordinator, input={
        "planId": "JP-E2E", "uscc": CONFLICTED, "itemCode": "WJ-1", "outcome": "NO_PROBLEM",
        "checkedOn": "2026-07-10"})["recordInspectionResult"]
    assert recorded == {"itemCode": "WJ-1", "status": "RECORDED", "outcome": "NO_PROBLEM",
                        "result": "未发现问题", "checkedOn": "2026-07-10",
                        "publishBy": "2026-08-07", "publicationStatus": "PENDING"}
    assert audit.verify(live.store) is None
    table = data(live, STATS, coordinator)["stats"]
    assert table["subject"] == "ENTERPRISES"
    counts = {b["keys"][0]["value"]: b["count"] for b in table["buckets"]}
    # Latest classes: one A enterprise was re-rated D in September (after the plan's month).
    assert (counts["A"], counts["C"], counts["D"]) == (11, 10, 9)
    assert table["total"] == sum(counts.values())


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"ratios": {"b": 1.5}}, "INVALID_INPUT", "ratios.B: 1.5 is outside [0, 1]"),
    ({"items": [{"itemCode": "NOPE", "departmentCode": "510100-SCJG"}]}, "NOT_FOUND",
     "no supervision item 'NOPE'"),
    ({"items": [{"itemCode": "SCJG-1", "departmentCode": "510100-ZZ"}]}, "NOT_FOUND",
     "no department '510100-ZZ'"),
])
def test_bad_plans_get_clear_errors(live: Live, change: dict[str, Any], code: str,
                                    words: str) -> None:
    build_world(live.store)
    err = error(live, CREATE, live.token_for("coordinator"), input=plan_input(**change))
    assert err["extensions"]["code"] == code
    assert words in err["message"]


def test_recording_outside_the_visit_is_refused(live: Live) -> None:
    build_world(live.store)
    token = live.token_for("investigator")
    data(live, CREATE, token, input=plan_input(items=[
        {"itemCode": "SW-1", "departmentCode": "510100-SW"}]))
    data(live, DRAW, token, id="JP-E2E")
    err = error(live, RECORD, token, input={
        "planId": "JP-E2E", "uscc": CONFLICTED, "itemCode": "SCJG-1", "outcome": "NO_PROBLEM",
        "checkedOn": "2026-07-10"})
    assert err["extensions"]["code"] == "INVALID_INPUT"
    assert "SCJG-1 is not checked on the visit" in err["message"]


def test_partners_are_refused_every_plan_field(live: Live) -> None:
    build_world(live.store)
    partner = live.token_for("partner", "500000")
    calls: list[tuple[str, dict[str, Any]]] = [
        (CREATE, {"input": plan_input()}), (DRAW, {"id": "JP-E2E"}), (VISITS, {"id": "JP-E2E"}),
        (STATS, {})]
    for query, variables in calls:
        err = error(live, query, partner, **variables)
        assert err["extensions"]["code"] == "FORBIDDEN", query
    assert live.store.count_nodes("InspectionPlan") == 0


def test_stats_of_clues_and_a_refused_mix(live: Live) -> None:
    build_world(live.store)
    token = live.token_for("coordinator")
    clues = data(live, """query { stats(groupBy: [CLUE_SOURCE, MONTH], subject: CLUES) {
      subject total buckets { count } } }""", token)["stats"]
    assert clues == {"subject": "CLUES", "total": 0, "buckets": []}  # the world has no clues
    by_region = data(live, """query { stats(groupBy: [REGION],
      filters: {regionLevel: "county", region: "510000"}) {
      total buckets { count keys { value } } } }""", token)["stats"]
    counts = {b["keys"][0]["value"]: b["count"] for b in by_region["buckets"]}
    assert counts == {"510104": 12 + 14 + 8 + 3, "510107": 10}
    err = error(live, "query { stats(groupBy: [RISK_CLASS, CATEGORY]) { total } }", token)
    assert err["extensions"]["code"] == "INVALID_INPUT"
    assert "RISK_CLASS cannot group clues" in err["message"]
