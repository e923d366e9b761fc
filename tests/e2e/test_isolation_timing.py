"""Partner isolation by timing and by bytes (issue 6), through real HTTP on both stores: a partner
cannot tell a clue hidden from it from a clue that was never stored — not by the response body
(byte for byte, once the request id and the requested id are set aside) and not by how long the
answer takes (the medians of interleaved requests stay within a small factor of each other).

The hidden clues are the ones a leaky path would spend most on: one linked to an enterprise, a
region, a law article and a category, with a long audit history, transferred to another agency
that accepted it and read it often; one registered and never shared. The missing ids have the
same format and length.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from jointsup.model import Node, NodeRef, Rel
from jointsup.resolvers.relay import encode_id
from jointsup.services.tokens import create_token
from tests.e2e.conftest import Live

pytestmark = [pytest.mark.hostile, pytest.mark.timeout(240)]

WARM_UP = 4  # rounds per path not measured: the first requests pay for imports and plans
ROUNDS = 30  # measured rounds per path, each one hidden and one missing request
REQUEST_TIMEOUT_S = 5.0  # per request: a hang fails the test instead of stalling it
# The bound between the two medians. The requirement is "not orders of magnitude apart". Both
# paths are one small transaction that finds nothing to show: measured on this machine, medians
# of 1.5-2 ms (embedded) and 5-20 ms (Neo4j) agree within 1.5x (Neo4j's acceptClue on a hidden
# clue makes one more read, the lock's, than on a missing one). Hidden and missing requests are
# interleaved, so load from a job beside the test falls on both; 5x still leaves room for one
# side's median landing on a busy stretch of a shared 2-core machine, and the floor for
# medians of 1-2 ms, where one scheduler slice under load is already a large ratio. A leak of
# one order of magnitude (10x) fails: 5x + 5 ms is 8x at 1.6 ms and less above it; a scratch
# run that made a hidden lookup sleep 20 ms failed on every path.
FACTOR = 5.0
FLOOR_S = 0.005

USCC = "91510107MA6CTIME01"
TEXT = "成都市武侯区某火锅店销售过期食品，违反食品安全法第三十四条，投诉人电话13812345678。"
CLUE_FIELDS = "clueId status transferredTo complainantName clue { id text respondentName }"
PATHS = {
    "clue(id)": ("query($id: ID!) { clue(id: $id) { " + CLUE_FIELDS + " } }", "plain"),
    "node(id)": ("query($id: ID!) { node(id: $id) { id ... on Clue { clueId text status } } }",
                 "global"),
    "aliases": ("query($id: ID!, $g: ID!) { a: clue(id: $id) { clueId } b: clue(id: $g) { "
                "status } c: node(id: $g) { id } }", "both"),
    "acceptClue": ("mutation($id: ID!, $key: String!) { acceptClue(clueId: $id, "
                   "idempotencyKey: $key) { clueId status } }", "global"),
    "auditTrail": ("query($id: ID!) { auditTrail(clueId: $id) { seq action hash payload } }",
                   "global"),
}

MOVE = "mutation($id: ID!, $key: String!) {{ {field}(clueId: $id, {args}idempotencyKey: $key) " \
       "{{ clueId status }} }}"
REGISTER = ('mutation($text: String!, $key: String!) { registerClue(text: $text, '
            'channel: "12315_hotline", regionCode: "510107", respondentName: "某某火锅店", '
            'complainantName: "张三丰", complainantPhone: "13812345678", idempotencyKey: $key) '
            "{ clueId } }")


def gid(key: str) -> str:
    return encode_id("Clue", key)


def never_stored() -> str:
    """A clue id in the format registerClue makes (`CL` + date + 10 hex), never stored."""
    return f"CL{dt.date.today():%Y%m%d}{uuid.uuid4().hex[:10].upper()}"


@dataclass
class Probe:
    """The partner's requests on one server: raw bodies normalised, and their durations."""

    live: Live
    token: str
    bodies: dict[str, set[bytes]] = field(default_factory=dict)
    seconds: dict[str, dict[str, list[float]]] = field(default_factory=dict)

    def send(self, path: str, key: str, round_no: int) -> tuple[float, bytes]:
        """One request of `path` for clue `key`: its duration and its body with the request id
        and the requested id (plain and global) replaced by placeholders."""
        query, form = PATHS[path]
        variables: dict[str, str] = {"id": key if form == "plain" else gid(key)}
        if form == "both":
            variables["g"] = gid(key)
        if path == "acceptClue":
            variables["key"] = f"iso-{round_no}"
        started = time.perf_counter()
        response = self.live.client.post(
            "/graphql", json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=httpx.Timeout(REQUEST_TIMEOUT_S))
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text[:500]
        rid = response.headers["x-request-id"].encode()
        body = response.content.replace(rid, b"<RID>").replace(gid(key).encode(), b"<GID>")
        return elapsed, body.replace(key.encode(), b"<ID>")

    def compare(self, path: str, hidden: list[str], missing: list[str]) -> None:
        """Interleave hidden and missing requests of `path` (order alternating per round),
        recording every normalised body and the measured rounds' durations."""
        bodies = self.bodies.setdefault(path, set())
        times = self.seconds.setdefault(path, {"hidden": [], "missing": []})
        for n in range(WARM_UP + ROUNDS):
            pair = [("hidden", hidden[n % len(hidden)]), ("missing", missing[n % len(missing)])]
            for kind, key in pair if n % 2 else pair[::-1]:
                elapsed, body = self.send(path, key, n)
                bodies.add(body)
                if n >= WARM_UP:
                    times[kind].append(elapsed)


def call(live: Live, query: str, token: str, **variables: Any) -> Any:
    """The single root field's data of a request that must succeed."""
    response = live.post(query, token, variables=variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def move(live: Live, token: str, name: str, clue: str, key: str, args: str = "") -> None:
    call(live, MOVE.format(field=name, args=args), token, id=gid(clue), key=key)


def set_up(live: Live) -> tuple[str, list[str], list[str]]:
    """Clues for the partner 500000|CQ-SCJ: two transferred to it (visible), two hidden from it
    (one rich, one never shared). Returns its token, the visible and the hidden ids."""
    coord = live.token_for("coordinator", "510000")
    partner = create_token(live.store, "partner", "500000", "CQ-SCJ")
    other = create_token(live.store, "partner", "500000", "CQ-YJJ")
    live.store.upsert_nodes([Node("Enterprise", USCC, {"uscc": USCC, "name": "某某火锅店"})])
    ids = [call(live, REGISTER, coord, text=f"{TEXT}第{n}次", key=f"reg-{n}")["clueId"]
           for n in range(4)]
    live.store.upsert_rels([Rel("AGAINST", NodeRef("Clue", k), NodeRef("Enterprise", USCC))
                            for k in ids])
    mine, rich, bare = ids[:2], ids[2], ids[3]
    for n, key in enumerate([*mine, rich]):
        move(live, coord, "routeClue", key, f"route-{n}", 'department: "510107-SCJ", ')
    for n, key in enumerate(mine):
        move(live, coord, "transferClue", key, f"t-{n}", 'region: "500000", department: "CQ-SCJ", ')
    # The rich hidden clue: held by another agency, with a long history of moves and views.
    move(live, coord, "transferClue", rich, "t-rich", 'region: "500000", department: "CQ-YJJ", ')
    move(live, other, "acceptClue", rich, "o-1")
    for n in range(5):
        move(live, other, "attachEvidence", rich, f"o-e{n}", f'evidence: "现场照片{n}", ')
    move(live, other, "requestAssistance", rich, "o-2",
         'region: "510000", department: "510107-SCJ", ')
    move(live, coord, "provideAssistance", rich, "c-p")
    for _ in range(20):
        assert call(live, "query($id: ID!) { clue(id: $id) { clueId } }", other, id=gid(rich))
    trail = call(live, "query($id: ID!) { auditTrail(clueId: $id) { seq } }", coord, id=gid(rich))
    assert len(trail) > 30, len(trail)  # a leaky trail would have this much to read
    return partner, mine, [rich, bare]


def test_hidden_clues_answer_as_missing_ones_in_bytes_and_time(
        live: Live, request: pytest.FixtureRequest) -> None:
    """A partner asks, through `clue(id)`, `node(id)`, aliases of both, `acceptClue` and
    `auditTrail`, for clues hidden from it (one transferred to another agency, with 30+ audit
    entries and links to an enterprise, a region and a law; one never shared) and for ids never
    stored, 30 interleaved rounds each after a warm-up: every answer is byte-identical once the
    request id and the requested id are set aside, and the median times stay within 5x + 5 ms of
    each other (a leak would be orders of magnitude apart); clues transferred to it are visible."""
    token, mine, hidden = set_up(live)
    probe = Probe(live, token)
    for key in mine:  # the control: what was given is seen
        seen = call(live, PATHS["clue(id)"][0], token, id=key)
        assert seen["clueId"] == key
        assert seen["complainantName"] == "张**"
    missing = [never_stored() for _ in hidden]
    assert {len(k) for k in missing} == {len(k) for k in hidden}
    for path in PATHS:
        probe.compare(path, hidden, missing)
    medians = {path: {kind: statistics.median(ts) for kind, ts in kinds.items()}
               for path, kinds in probe.seconds.items()}
    # In the report (and junit XML), so a run shows what it measured, passing or not.
    request.node.user_properties.append(("medians_ms", {
        p: {k: round(v * 1000, 2) for k, v in m.items()} for p, m in medians.items()}))
    for path, bodies in probe.bodies.items():
        assert len(bodies) == 1, (path, sorted(bodies))
    assert b'"NOT_FOUND"' in next(iter(probe.bodies["acceptClue"]))
    assert b"no clue '<ID>'" in next(iter(probe.bodies["auditTrail"]))
    for path, m in medians.items():
        fast, slow = sorted((m["hidden"], m["missing"]))
        assert slow <= FACTOR * fast + FLOOR_S, \
            f"{path}: median hidden {m['hidden'] * 1000:.1f} ms, missing " \
            f"{m['missing'] * 1000:.1f} ms: more than {FACTOR:g}x + {FLOOR_S * 1000:g} ms apart"
