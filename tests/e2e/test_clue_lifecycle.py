"""Through real HTTP on both stores: a clue's whole lifecycle between a coordinator and partner
tokens, idempotent retries, illegal moves, and a partner seeing nothing it was not given."""

from __future__ import annotations

import base64
from typing import Any

from jointsup.services import audit
from jointsup.services.tokens import create_token
from tests.e2e.conftest import Live

CASE = "clueId status allowedMoves transferredTo acceptDue verifyDue complainantName " \
       "complainantPhone routedTo result replayed clue { id text }"
REGISTER = f"""mutation($text: String!, $key: String!) {{ registerClue(text: $text,
  channel: "12315_hotline", regionCode: "510107", complainantName: "张三丰",
  complainantPhone: "13812345678", idempotencyKey: $key) {{ {CASE} }} }}"""
ROUTE = f"""mutation($id: ID!, $key: String!) {{
  routeClue(clueId: $id, department: "510107-SCJ", idempotencyKey: $key) {{ {CASE} }} }}"""
TRANSFER = f"""mutation($id: ID!, $key: String!) {{ transferClue(clueId: $id, region: "500000",
  department: "CQ-SCJ", idempotencyKey: $key) {{ {CASE} }} }}"""
ACCEPT = f"""mutation($id: ID!, $key: String!) {{
  acceptClue(clueId: $id, idempotencyKey: $key) {{ {CASE} }} }}"""
ASSIST = f"""mutation($id: ID!, $key: String!) {{ requestAssistance(clueId: $id,
  region: "510000", department: "510107-SCJ", idempotencyKey: $key) {{ {CASE} }} }}"""
PROVIDE = f"""mutation($id: ID!, $key: String!) {{
  provideAssistance(clueId: $id, note: "已核实", idempotencyKey: $key) {{ {CASE} }} }}"""
FEEDBACK = f"""mutation($id: ID!, $key: String!, $result: String!) {{
  feedBack(clueId: $id, result: $result, idempotencyKey: $key) {{ {CASE} }} }}"""
CLOSE = f"""mutation($id: ID!, $key: String!) {{
  closeClue(clueId: $id, idempotencyKey: $key) {{ {CASE} }} }}"""
CLUE = f"""query($id: ID!) {{ clue(id: $id) {{ {CASE} }} node(id: $id) {{ id }} }}"""
TRAIL = """query($id: ID!) { auditTrail(clueId: $id) { seq action payload } }"""
TEXT = "成都市武侯区某火锅店销售过期食品，投诉人电话13812345678。"


def call(live: Live, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    response = live.post(query, token, variables=variables)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def data(live: Live, query: str, token: str | None = None, **variables: Any) -> Any:
    body = call(live, query, token, **variables)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def error(body: dict[str, Any]) -> tuple[str, str]:
    first = body["errors"][0]
    return first["extensions"]["code"], first["message"]


def same_as_missing(hidden: tuple[str, str], absent: tuple[str, str], clue_id: str) -> None:
    assert hidden[0] == absent[0] == "NOT_FOUND"
    assert hidden[1].replace(clue_id, "<id>") == absent[1].replace("CL-NOPE", "<id>")


def test_lifecycle_between_coordinator_and_partners(live: Live) -> None:
    coord = live.token_for("coordinator", "510000")
    partner = create_token(live.store, "partner", "500000", "CQ-SCJ")
    stranger = create_token(live.store, "partner", "500000", "CQ-YJJ")

    first = data(live, REGISTER, coord, text=TEXT, key="reg-1")
    again = data(live, REGISTER, coord, text=TEXT, key="reg-1")
    assert first["status"] == "REGISTERED"
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["clueId"] == first["clueId"]
    cid = first["clue"]["id"]
    missing = base64.b64encode(b"Clue:CL-NOPE").decode()

    # Not yet shared: the partner's answers equal those for a clue that does not exist.
    assert call(live, CLUE, partner, id=cid)["data"] == {"clue": None, "node": None}
    assert call(live, CLUE, partner, id=missing)["data"] == {"clue": None, "node": None}
    hidden = error(call(live, ACCEPT, partner, id=cid, key="p-0"))
    absent = error(call(live, ACCEPT, partner, id=missing, key="p-0"))
    same_as_missing(hidden, absent, first["clueId"])

    data(live, ROUTE, coord, id=cid, key="route-1")
    sent = data(live, TRANSFER, coord, id=cid, key="transfer-1")
    assert sent["status"] == "TRANSFERRED"
    assert sent["transferredTo"] == "500000|CQ-SCJ"
    assert sent["acceptDue"] is not None

    seen = data(live, CLUE, partner, id=cid)
    assert seen["complainantName"] == "张**"
    assert seen["complainantPhone"] == "138****5678"
    assert "13812345678" not in seen["clue"]["text"]
    assert seen["routedTo"] is None  # outside the sharing scope
    assert call(live, CLUE, stranger, id=cid)["data"] == {"clue": None, "node": None}

    code, message = error(call(live, CLOSE, coord, id=cid, key="close-early"))
    assert code == "ILLEGAL_TRANSITION"
    assert "the clue is TRANSFERRED" in message
    assert "acceptClue, refuseClue" in message

    accepted = data(live, ACCEPT, partner, id=cid, key="p-1")
    assert accepted["status"] == "ACCEPTED"
    assert accepted["verifyDue"] is not None
    data(live, ASSIST, partner, id=cid, key="p-2")
    data(live, PROVIDE, coord, id=cid, key="provide-1")
    done = data(live, FEEDBACK, partner, id=cid, key="p-3", result="已立案查处")
    retry = data(live, FEEDBACK, partner, id=cid, key="p-3", result="已立案查处")
    assert (done["status"], retry["replayed"], retry["result"]) == ("FEEDBACK", True, "已立案查处")
    code, _ = error(call(live, FEEDBACK, partner, id=cid, key="p-3", result="另一结果"))
    assert code == "IDEMPOTENCY_KEY_REUSED"
    assert data(live, CLOSE, coord, id=cid, key="close-1")["allowedMoves"] == []

    trail = data(live, TRAIL, coord, id=cid)
    moves = [e["action"] for e in trail if e["action"] not in ("clue.view", "clue.share")]
    assert moves == ["clue.registerClue", "clue.routeClue", "clue.transferClue",
                     "clue.acceptClue", "clue.requestAssistance", "clue.provideAssistance",
                     "clue.feedBack", "clue.closeClue"]
    assert [e["action"] for e in trail].count("clue.share") == 2
    assert "clue.view" in [e["action"] for e in trail]  # the partner's reads were logged
    assert all(e["payload"] is None for e in data(live, TRAIL, partner, id=cid))
    same_as_missing(error(call(live, TRAIL, stranger, id=cid)),
                    error(call(live, TRAIL, stranger, id=missing)), first["clueId"])
    assert audit.verify(live.store) is None


def test_partner_lists_only_its_own(live: Live) -> None:
    coord = live.token_for("coordinator", "510000")
    partner = create_token(live.store, "partner", "500000", "CQ-SCJ")
    ids = [data(live, REGISTER, coord, text=f"{TEXT}第{n}次", key=f"r{n}")["clue"]["id"]
           for n in range(3)]
    for n, cid in enumerate(ids[:2]):
        data(live, ROUTE, coord, id=cid, key=f"route{n}")
    data(live, TRANSFER, coord, id=ids[0], key="t0")
    listed = data(live, "{ sharedClues { totalCount edges { node { clue { id } } } } }", partner)
    assert [e["node"]["clue"]["id"] for e in listed["edges"]] == [ids[0]]
    overdue = data(live, '{ overdueClues(asOf: "2099-01-01") { edges { node { deadline '
                         "case { clue { id } } } } } }", partner)
    assert [e["node"]["case"]["clue"]["id"] for e in overdue["edges"]] == [ids[0]]
    everyone = data(live, '{ overdueClues(asOf: "2099-01-01") { totalCount } }', coord)
    assert everyone["totalCount"] == 1
