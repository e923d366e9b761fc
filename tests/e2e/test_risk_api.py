"""Risk alerts and credit classes through real HTTP on both stores: queries, disposal, roles."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest

from jointsup.services.credit import compute_classes
from jointsup.services.risk.runner import run_models
from tests.contract.risk_world import AS_OF, build, uscc
from tests.e2e.conftest import Live, data

ALERT_FIELDS = """id alertId model status score subject window explanation
  evidenceNodes { __typename id } evidenceEdges { type source target }
  history { action status note by } enterprises { totalCount edges { node { uscc } } }"""


@pytest.fixture
def risky(live: Live) -> Live:
    build(live.store)
    run_models(live.store, as_of=date.fromisoformat(AS_OF))
    compute_classes(live.store, "2026-06")
    return live


def codes(live: Live, query: str, role: str, **variables: Any) -> list[str]:
    body = live.post(query, live.token_for(role), variables=variables).json()
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def test_alerts_carry_explained_evidence(risky: Live) -> None:
    found = data(risky, "query($f: AlertFilter) { alerts(filters: $f) { totalCount "
                        "edges { node { " + ALERT_FIELDS + " } } } }",
                 f={"model": "same_address"})["alerts"]
    assert found["totalCount"] == 1
    alert = found["edges"][0]["node"]
    assert alert["status"] == "OPEN"
    assert "4 enterprises" in alert["explanation"]
    assert sorted(n["__typename"] for n in alert["evidenceNodes"]) == ["Enterprise"] * 4
    ids = {n["id"] for n in alert["evidenceNodes"]}
    assert {e["type"] for e in alert["evidenceEdges"]} == {"LOCATED_AT"}
    assert all(e["source"] in ids for e in alert["evidenceEdges"])
    assert [e["node"]["uscc"] for e in alert["enterprises"]["edges"]] == [
        uscc(n) for n in (2, 3, 4, 5)]
    assert [h["action"] for h in alert["history"]] == ["RAISED"]
    node = data(risky, "query($id: ID!) { node(id: $id) { ... on RiskAlert { alertId } } }",
                id=alert["id"])
    assert node["node"] == {"alertId": alert["alertId"]}
    assert base64.b64decode(alert["subject"]).decode().startswith("Address:")


def test_paging_and_filters_over_http(risky: Live) -> None:
    seen: list[str] = []
    after = None
    while True:
        page = data(risky, "query($a: String) { alerts(first: 4, after: $a) { totalCount "
                           "pageInfo { hasNextPage endCursor } edges { node { alertId } } } }",
                    a=after)["alerts"]
        seen += [e["node"]["alertId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] == risky.store.count_nodes(
        "RiskAlert")
    mine = data(risky, "query($f: AlertFilter) { alerts(filters: $f) { edges { node { model "
                       "} } } }", f={"uscc": uscc(1), "region": "510000"})["alerts"]
    assert sorted(e["node"]["model"] for e in mine["edges"]) == [
        "complaint_surge", "cross_region", "prepaid_cluster", "trade_surge"]


def test_alerts_by_severity_over_http(risky: Live) -> None:
    query = ("query($f: AlertFilter, $s: AlertSort!) { alerts(filters: $f, sort: $s, first: 100)"
             " { totalCount edges { node { alertId model score severity } } } }")
    ranked = data(risky, query, f=None, s="SEVERITY")["alerts"]
    severities = [e["node"]["severity"] for e in ranked["edges"]]
    assert len(severities) == ranked["totalCount"] == risky.store.count_nodes("RiskAlert")
    assert severities == sorted(severities, reverse=True)
    assert all(0 <= s <= 1 for s in severities)
    assert all(e["node"]["score"] is not None for e in ranked["edges"])  # the score stays
    bound = severities[len(severities) // 2]
    high = data(risky, query, f={"minSeverity": bound}, s="SCORE")["alerts"]
    assert sorted(e["node"]["alertId"] for e in high["edges"]) == sorted(
        e["node"]["alertId"] for e in ranked["edges"] if e["node"]["severity"] >= bound)
    assert high["totalCount"] == len(high["edges"])
    assert codes(risky, "{ alerts(filters: {minSeverity: 2}) { totalCount } }",
                 "coordinator") == ["INVALID_INPUT"]


def test_dispose_alert_appends_to_history_once(risky: Live) -> None:
    first = data(risky, '{ alerts(filters: {model: "licence_shared"}) { edges { node { alertId '
                        "} } } }")["alerts"]["edges"][0]["node"]["alertId"]
    mutation = ("mutation($id: String!, $a: String!, $n: String!) { disposeAlert(id: $id, "
                "action: $a, note: $n) { status history { action note } } }")
    for _ in range(2):  # the same call twice is recorded once
        done = data(risky, mutation, id=first, a="INVESTIGATE", n="shops visited")["disposeAlert"]
    assert done["status"] == "INVESTIGATING"
    assert done["history"] == [{"action": "RAISED", "note": done["history"][0]["note"]},
                               {"action": "INVESTIGATE", "note": "shops visited"}]
    again = data(risky, "query($id: String!) { alert(id: $id) { status history { action } } }",
                 id=first)["alert"]
    assert again == {"status": "INVESTIGATING",
                     "history": [{"action": "RAISED"}, {"action": "INVESTIGATE"}]}
    assert codes(risky, mutation, "coordinator", id=first, a="ACKNOWLEDGE", n="") == [
        "INVALID_INPUT"]
    assert codes(risky, mutation, "coordinator", id="nope", a="CLOSE", n="") == ["NOT_FOUND"]


def test_credit_class_differences(risky: Live) -> None:
    query = ("query($m: String!, $d: Boolean!) { creditClasses(month: $m, differsOnly: $d) { "
             "totalCount edges { node { uscc differs computed { creditClass score explanation } "
             "ingested { creditClass } enterprise { name } } } } }")
    differ = data(risky, query, m="2026-06", d=True)["creditClasses"]
    assert differ["totalCount"] == 1
    row = differ["edges"][0]["node"]
    assert (row["uscc"], row["computed"]["creditClass"], row["ingested"]["creditClass"]) == (
        uscc(2), "A", "C")
    every = data(risky, query, m="2026-06", d=False)["creditClasses"]
    assert every["totalCount"] == risky.store.count_nodes("Enterprise")
    assert codes(risky, query, "coordinator", m="June", d=True) == ["INVALID_INPUT"]


def test_partners_are_forbidden(risky: Live) -> None:
    for query in ("{ alerts { totalCount } }", '{ alert(id: "x") { status } }',
                  '{ creditClasses(month: "2026-06") { totalCount } }', "{ riskModels { name } }",
                  'mutation { disposeAlert(id: "x", action: "CLOSE") { status } }'):
        assert codes(risky, query, "partner") == ["FORBIDDEN"], query
    # Through the public enterprise record a partner sees that alerts exist, not their evidence.
    query = ('query($u: String!) { enterprise(uscc: $u) { alerts { edges { node { model '
             '%s } } } } }')
    for field in ("subject", "explanation", "evidenceNodes { id }", "history { note }",
                  "evidenceEdges { type }", "evidence", "enterprises { totalCount }"):
        assert set(codes(risky, query % field, "partner", u=uscc(1))) == {"FORBIDDEN"}, field
    models = data(risky, "{ riskModels { name title } }", role="investigator")["riskModels"]
    assert len(models) >= 10
