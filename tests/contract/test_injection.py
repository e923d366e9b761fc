"""Cypher-injection strings and NLP floods through real HTTP on both stores (issue 9): every string
argument that writes or searches takes them as literal text, and the graph changes only as the
request says it should.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.config import Settings
from jointsup.graph.store import MAX_PAGE, BaseGraphStore
from jointsup.model import Node, make_node
from jointsup.services.clues.register import MAX_TEXT, linker_for
from jointsup.services.risk.runner import run_models
from tests.conftest import cli_env
from tests.contract.graph_digest import graph_digest
from tests.contract.risk_world import AS_OF, build
from tests.e2e.conftest import Live, serve

pytestmark = pytest.mark.hostile

INJECTIONS = [
    "' OR 1=1 --",
    '" OR ""="',
    "'}) DETACH DELETE n //",
    "\"}) MATCH (n) DETACH DELETE n RETURN 1 //",
    "`Enterprise`) DETACH DELETE n //",
    "$(rm -rf /) ${x} {{x}}",
    "＇）ＭＡＴＣＨ（ｎ）ＤＥＴＡＣＨ ＤＥＬＥＴＥ ｎ //＂",  # full-width quotes and brackets
    "\\u0027}) SET n.name = 'x' //",  # a Cypher unicode escape, as text
    "ʼ}) CALL db.clearQueryCaches() //",  # a modifier-letter apostrophe
    "'; MATCH (n) REMOVE n:Enterprise; //",
]
# Labels a clue's registration and moves may add nodes of; nothing else may change.
CLUE_WRITES = frozenset({"Clue", "Party", "Mention", "Category", "AuditEntry", "AuditHead",
                         "IdempotencyRecord", "Phone", "Address", "Person"})
INJECTED = make_node("Enterprise", {
    "uscc": "91510100INJECT001X", "name": "成都'}) DETACH DELETE n //科技有限公司",
    "reg_region_code": "510104", "status": "存续", "industry_code": "6210"})
FLOOD_BOUND_S = 30.0  # a hang guard for one flood, not a benchmark
MIB = 1024 * 1024


@pytest.fixture
def world(ref_store: BaseGraphStore) -> Iterator[Live]:
    """A server (no --dev) on the risk models' world, with its alerts raised."""
    build(ref_store)
    ref_store.upsert_nodes([INJECTED])  # before the server builds its name index
    run_models(ref_store, as_of=date.fromisoformat(AS_OF))
    # The first registerClue would build the NLP linker from the store: on a busy machine and
    # Neo4j that alone can pass the 10 s deadline, which is not what these tests are about.
    linker_for(ref_store)
    for live in serve(ref_store, Settings(request_deadline_s=60.0)):
        live.client.timeout = httpx.Timeout(90.0)  # past the deadline: a 504 says more
        yield live


@pytest.fixture
def roomy(ref_store: BaseGraphStore) -> Iterator[Live]:
    """The same world on a server whose body limit is raised to 8 MiB (for the floods)."""
    build(ref_store)
    linker_for(ref_store)  # as in `world`
    yield from serve(ref_store, Settings(max_body_bytes=8 * MIB, request_deadline_s=60.0))


def answer(live: Live, query: str, token: str | None = None, **variables: Any) -> dict[str, Any]:
    """The body of a 200 answer that holds no INTERNAL error (input errors are fine)."""
    response = live.post(query, token, variables=variables)
    assert response.status_code == 200, response.text[:500]
    body: dict[str, Any] = response.json()
    assert all(e["extensions"]["code"] != "INTERNAL" for e in body.get("errors", [])), body
    return body


def ok(live: Live, query: str, token: str | None = None, **variables: Any) -> Any:
    """The only field of a successful answer."""
    body = answer(live, query, token, **variables)
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def nodes_of(store: BaseGraphStore, label: str) -> list[Node]:
    """Every node of `label` (the worlds here are small)."""
    page = store.list_nodes(label, first=MAX_PAGE)
    assert not page.has_next
    return page.items


def test_reads_take_injection_as_text(world: Live) -> None:
    """Injection strings in every search and lookup argument → answers or input errors only."""
    before = graph_digest(world.store)
    lookups = [
        "query($s: String!) { searchEnterprises(query: $s) { totalCount } }",
        "query($s: String!) { searchEnterprises(query: \"成都\", region: $s, industry: $s, "
        "status: $s) { totalCount } }",
        "query($s: String!) { enterprise(uscc: $s) { name } }",
        "query($s: String!) { jointSupervision(uscc: $s) { __typename } }",
        "query($s: String!) { department(code: $s) { code } }",
        "query($s: String!) { itemsForIndustry(code: $s, region: $s) { totalCount } }",
        "query($s: String!) { article(law: $s, number: 1) { number } }",
        "query($s: String!) { affectedItems(law: $s) { totalCount } }",
        "query($s: String!) { alert(id: $s) { alertId } }",
        "query($s: String!) { inspectionPlan(id: $s) { planId } }",
        "query($s: ID!) { clue(id: $s) { clueId } }",
        "query($s: ID!) { node(id: $s) { id } }",
        "query($s: String!) { creditClasses(month: $s) { totalCount } }",
    ]
    for text in INJECTIONS:
        for query in lookups:
            answer(world, query, s=text)
    assert graph_digest(world.store) == before


def test_an_injected_name_is_found_as_itself(world: Live) -> None:
    """An enterprise named with an injection string is found first by that exact text."""
    name = INJECTED.props["name"]
    found = ok(world, "query($s: String!) { searchEnterprises(query: $s) { edges { node { uscc "
                      "name } } } }", s=name)
    assert found["edges"][0]["node"] == {"uscc": "91510100INJECT001X", "name": name}
    assert ok(world, "query($u: String!) { enterprise(uscc: $u) { name } }",
              u="91510100INJECT001X") == {"name": name}


REGISTER = """mutation($text: String!, $key: String!, $name: String, $who: String,
  $phone: String) { registerClue(text: $text, channel: "12315_hotline", regionCode: "510107",
  respondentName: $name, complainantName: $who, complainantPhone: $phone,
  idempotencyKey: $key) { clueId clue { id text respondentName } } }"""
MOVES = [
    ('routeClue(clueId: $id, department: "510107-SCJ", idempotencyKey: $key)', None),
    ("attachEvidence(clueId: $id, evidence: $s, idempotencyKey: $key)", "evidence"),
    ("acceptClue(clueId: $id, note: $s, idempotencyKey: $key)", None),
    ("extendVerification(clueId: $id, reason: $s, idempotencyKey: $key)", None),
    ("feedBack(clueId: $id, result: $s, idempotencyKey: $key)", "result"),
    ("closeClue(clueId: $id, note: $s, idempotencyKey: $key)", None),
]


def test_clue_texts_fields_and_notes_are_stored_literally(world: Live) -> None:
    """Injection strings in a clue's text, names, notes, reasons, evidence and result: stored as
    given; only clue-related nodes are added."""
    coord = world.token_for("coordinator", "510000")
    before = graph_digest(world.store)
    untouched = graph_digest(world.store, skip=CLUE_WRITES)
    for n, text in enumerate(INJECTIONS):
        complaint = f"在成都市武侯区{text}科技有限公司消费，发现销售过期食品。"
        started = time.monotonic()
        case = ok(world, REGISTER, coord, text=complaint, key=f"inj-{n}-{text}", name=text,
                  who=text, phone=text)
        print(f"registerClue #{n}: {time.monotonic() - started:.1f} s")  # shown on failure
        assert case["clue"]["text"] == complaint
        assert case["clue"]["respondentName"] == text
        for step, (move, field) in enumerate(MOVES):
            declared = "$id: ID!, $key: String!" + (", $s: String!" if "$s" in move else "")
            done = ok(world, f"mutation({declared}) {{ {move} {{ status result evidence }} }}",
                      coord, id=case["clue"]["id"], s=text, key=f"{n}-{step}-{text}")
            if field == "evidence":
                assert done["evidence"] == [text]
            elif field is not None:
                assert done[field] == text
        trail = ok(world, "query($id: ID!) { auditTrail(clueId: $id) { payload } }", coord,
                   id=case["clue"]["id"])
        payloads = [json.loads(e["payload"]) for e in trail if e["payload"]]
        args = [value for p in payloads for value in p.get("args", {}).values()]
        assert args.count(text) == sum("$s" in move for move, _ in MOVES)  # audited as given
    after = graph_digest(world.store)
    changed = {label for label in set(before.nodes) | set(after.nodes)
               if before.nodes.get(label) != after.nodes.get(label)}
    assert changed <= CLUE_WRITES, changed
    assert all(after.nodes.get(label, 0) >= count for label, count in before.nodes.items())
    assert graph_digest(world.store, skip=CLUE_WRITES).content == untouched.content
    mentions = nodes_of(world.store, "Mention")
    assert mentions  # the NLP found unresolved names in the texts: their spans are checked
    for mention in mentions:
        clue = world.store.get_nodes("Clue", [str(mention.props["clue_id"])])[0]
        assert clue is not None
        start, end = int(mention.props["start"]), int(mention.props["end"])  # type: ignore[arg-type]
        assert str(clue.props["text"])[start:end] == mention.props["name"]


def test_alert_notes_are_stored_literally(world: Live) -> None:
    """Injection strings as disposeAlert notes: each is the note of a history entry, as given."""
    alert_id = ok(world, "{ alerts(first: 1) { edges { node { alertId } } } }")["edges"][0][
        "node"]["alertId"]
    before = graph_digest(world.store)
    for text in INJECTIONS:
        ok(world, 'mutation($id: String!, $s: String!) { disposeAlert(id: $id, action: "NOTE", '
                  "note: $s) { alertId } }", id=alert_id, s=text)
    history = ok(world, "query($id: String!) { alert(id: $id) { history { action note } } }",
                 id=alert_id)["history"]
    assert [h["note"] for h in history if h["action"] == "NOTE"] == INJECTIONS
    after = graph_digest(world.store)
    audit = {"AuditEntry", "AuditHead"}  # the disposals are audited; nothing else is added
    assert {k: v for k, v in after.nodes.items() if k not in audit} == \
        {k: v for k, v in before.nodes.items() if k not in audit}
    assert after.relationships == before.relationships


FLOODS = {
    "zero-width": "成都\u200b蜀\u200c香\u200d餐饮\ufeff有限公司" * 200 + "销售过期食品",
    "bidi controls": "\u202e成都蜀香餐饮有限公司\u202c\u2066销售\u2069过期食品\u200f" * 200,
    "emoji": "😀🍲🔥👨‍👩‍👧‍👦🇨🇳" * 1000 + "成都蜀香餐饮有限公司",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>成都蜀香餐饮有限公司" * 300,
    "one megabyte": "成都蜀香餐饮有限公司销售过期食品，预付卡退款难。" * 45_000,
}


@pytest.mark.parametrize("kind", list(FLOODS))
def test_nlp_floods_through_register_clue(roomy: Live, kind: str) -> None:
    """Floods (zero-width, bidi, emoji, HTML, 1 MB) into registerClue: bounded time, no crash."""
    text = FLOODS[kind]
    coord = roomy.token_for("coordinator", "510000")
    started = time.monotonic()
    response = roomy.post(REGISTER, coord, variables={"text": text, "key": f"flood-{kind}"})
    assert time.monotonic() - started < FLOOD_BOUND_S
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    if len(text) > MAX_TEXT:  # refused by the clue service before the NLP sees it
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"]
    else:
        assert "errors" not in body, body
        assert body["data"]["registerClue"]["clue"]["text"] == text
    assert roomy.client.get("/readyz").status_code == 200
    assert roomy.post("{ __typename }").json() == {"data": {"__typename": "Query"}}


def test_a_megabyte_flood_through_jointsup_link(world: Live, tmp_path: Path) -> None:
    """1 MB of flood text via `jointsup link`, its limit raised: bounded time, valid spans."""
    unit = "".join(FLOODS[k][:400] for k in FLOODS if k != "one megabyte") + INJECTIONS[2]
    text = (unit * (1_000_000 // len(unit) + 1))[:1_000_000]
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(json.dumps({"id": "flood", "text": text}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["link", "--input", str(source), "--output", str(target),
                                      "--max-chars", "2000000"],
                                env=cli_env(world.store, tmp_path))
    assert time.monotonic() - started < FLOOD_BOUND_S * 4
    assert result.exit_code == 0, result.output
    [out] = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert "error" not in out, out
    for kind in ("enterprises", "regions", "laws"):
        for span in out[kind]:
            assert 0 <= span["start"] < span["end"] <= len(text), span
