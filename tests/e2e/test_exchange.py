"""Two real `jointsup serve` processes on loopback exchange clues (issue 6, docs/exchange.md).

Sichuan (SC) and Chongqing (CQ) each run their own server with their own data directory
(embedded store), configured as each other's partners with `jointsup partners add`. Every wait
is bounded; every process is stopped (or killed) before the test ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from jointsup.graph.embedded import EmbeddedStore
from jointsup.model import Node
from jointsup.services.tokens import create_token
from tests.e2e.conftest import free_port

CLI_TIMEOUT_S = 120
READY_S = 60.0
ARRIVE_S = 60.0
CASE = "clueId status result complainantName clue { text }"
MOVES = {
    "transfer": 'transferClue(clueId: $id, region: "500000", department: "CQ-SCJ", '
                "idempotencyKey: $key)",
    "accept": "acceptClue(clueId: $id, idempotencyKey: $key)",
    "assist": 'requestAssistance(clueId: $id, region: "510000", department: "SC-SCJ", '
              "idempotencyKey: $key)",
    "provide": 'provideAssistance(clueId: $id, note: "工商登记信息已核实", idempotencyKey: $key)',
    "feedback": 'feedBack(clueId: $id, result: "已立案查处", idempotencyKey: $key)',
    "close": "closeClue(clueId: $id, idempotencyKey: $key)",
}
COPY = "CL-LIFE@SC"  # Chongqing keeps a copy under the origin's id and the origin's name
BATCH = [f"CL-B{i:02d}" for i in range(12)]
LOG = """query($id: ID!) { exchangeMessages(clueId: $id) {
  sent { messageId status attempts payloadHash receiptAuditHash }
  received { messageId payloadHash auditHash outcome } } }"""


def jointsup(env: dict[str, str], *args: str) -> str:
    """Run the CLI; its stdout (it must succeed)."""
    done = subprocess.run([sys.executable, "-m", "jointsup", *args],  # noqa: S603 (our CLI)
                          env=env, text=True, capture_output=True, timeout=CLI_TIMEOUT_S,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@dataclass
class Instance:
    """One region's `jointsup serve` process and what the test needs to talk to it."""

    name: str
    data: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "JOINTSUP_STORE": "embedded", "JOINTSUP_DATA_DIR": str(self.data),
                "PYTHONUNBUFFERED": "1"}

    def start(self) -> None:
        log = (self.data / "serve.log").open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 (this interpreter running our CLI)
            [sys.executable, "-m", "jointsup", "serve", "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + READY_S
        while True:
            assert self.proc.poll() is None, (self.data / "serve.log").read_text()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"{self.name} was not ready in {READY_S} s"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, whatever was in flight is cut off."""
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def gql(self, query: str, token: str | None = None, **variables: Any) -> Any:
        r = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables},
                       headers={"Authorization": f"Bearer {token or self.token}"}, timeout=30)
        assert r.status_code == 200, r.text
        body = r.json()
        assert "errors" not in body, body
        return body["data"]

    def move(self, what: str, clue: str, key: str) -> dict[str, Any]:
        query = f"mutation($id: ID!, $key: String!) {{ {MOVES[what]} {{ {CASE} }} }}"
        result: dict[str, Any] = next(iter(self.gql(query, id=clue, key=key).values()))
        return result

    def clue(self, clue: str, token: str | None = None) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.gql(
            f"query($id: ID!) {{ clue(id: $id) {{ {CASE} }} }}", token, id=clue)["clue"]
        return found

    def log(self, clue: str) -> dict[str, Any]:
        found: dict[str, Any] = self.gql(LOG, id=clue)["exchangeMessages"]
        return found

    def sent_statuses(self, clues: list[str]) -> list[str]:
        """The statuses of the messages sent for `clues`, 15 clues (aliases) per request."""
        out: list[str] = []
        for start in range(0, len(clues), 15):
            fields = " ".join(f'c{i}: exchangeMessages(clueId: "{k}") {{ sent {{ status }} }}'
                              for i, k in enumerate(clues[start:start + 15]))
            data = self.gql(f"{{ {fields} }}")
            out += [m["status"] for v in data.values() for m in v["sent"]]
        return out

    def events(self, token: str | None = None) -> list[dict[str, Any]]:
        """The whole `clueEvents` feed the token may see, page by page (at most 50 pages)."""
        out: list[dict[str, Any]] = []
        cursor = "0"
        for _ in range(50):
            page = self.gql("query($after: String) { clueEvents(after: $after, first: 200) { "
                            "events { clueId action payload } cursor hasNextPage } }",
                            token, after=cursor)["clueEvents"]
            out += page["events"]
            if not page["hasNextPage"]:
                return out
            cursor = page["cursor"]
        raise AssertionError("the feed did not end within 50 pages")


@dataclass
class Pair:
    sc: Instance
    cq: Instance
    cq_presents: str  # the partner token CQ presents to SC (SC's partner view of CQ)
    sc_presents: str  # and the one SC presents to CQ


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def seed(data: Path, keys: list[str]) -> None:
    """Routed clues in Sichuan's store (written before its server starts)."""
    with EmbeddedStore(data / "graph.sqlite") as store:
        store.upsert_nodes([Node("Clue", k, {
            "id": k, "channel": "12315_hotline", "received_at": "2026-03-02T09:00:00+08:00",
            "text": f"{k}：重庆某公司在成都销售假冒商品，投诉人电话13812345678", "status": "ROUTED",
            "routed_to": "510107-SCJ", "complainant_name": "张三丰",
            "complainant_phone": "13812345678"}) for k in keys])


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    root = tmp_path_factory.mktemp("exchange")
    sc, cq = Instance("SC", root / "sc"), Instance("CQ", root / "cq")
    seed(sc.data, ["CL-LIFE", "CL-HOME", *BATCH])
    cq_presents = last_line(jointsup(sc.env, "partners", "add", "CQ", "--region", "500000",
                                     "--agency", "CQ-SCJ", "--endpoint", f"{cq.url}/graphql"))
    sc_presents = last_line(jointsup(cq.env, "partners", "add", "SC", "--region", "510000",
                                     "--agency", "SC-SCJ", "--endpoint", f"{sc.url}/graphql",
                                     "--send-token", cq_presents))
    jointsup(sc.env, "partners", "add", "CQ", "--region", "500000", "--agency", "CQ-SCJ",
             "--endpoint", f"{cq.url}/graphql", "--send-token", sc_presents)
    for side, region in ((sc, "510000"), (cq, "500000")):  # the stores directly: faster
        with EmbeddedStore(side.data / "graph.sqlite") as store:
            side.token = create_token(store, "coordinator", region)
    try:
        sc.start()
        cq.start()
        yield Pair(sc, cq, cq_presents, sc_presents)
    finally:
        sc.stop()
        cq.stop()


def until(what: str, check: Callable[[], bool], within: float = ARRIVE_S) -> None:
    """Wait (bounded) until `check()` holds."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {within} s"
        time.sleep(0.2)


def status_is(side: Instance, clue: str, status: str) -> Callable[[], bool]:
    def check() -> bool:
        found = side.clue(clue)
        return found is not None and found["status"] == status
    return check


def test_a_clue_goes_through_its_whole_lifecycle_between_two_servers(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    assert sc.move("transfer", "CL-LIFE", "t1")["status"] == "TRANSFERRED"
    until("the transfer reaches Chongqing", status_is(cq, COPY, "TRANSFERRED"))
    copy = cq.clue(COPY)
    assert copy is not None
    assert copy["complainantName"] == "张**"
    assert "13812345678" not in copy["clue"]["text"]
    # Sichuan's own token on Chongqing sees the copy of its clue, and nothing else.
    assert (cq.clue(COPY, pair.sc_presents) or {})["status"] == "TRANSFERRED"
    assert cq.clue("CL-HOME@SC", pair.sc_presents) is None

    cq.move("accept", COPY, "a1")
    until("the acceptance reaches Sichuan", status_is(sc, "CL-LIFE", "ACCEPTED"))
    cq.move("assist", COPY, "r1")
    until("the assistance request reaches Sichuan",
          status_is(sc, "CL-LIFE", "ASSISTANCE_REQUESTED"))
    sc.move("provide", "CL-LIFE", "p1")
    until("the assistance reaches Chongqing", status_is(cq, COPY, "ASSISTANCE_PROVIDED"))
    cq.move("feedback", COPY, "f1")
    until("the feedback reaches Sichuan", status_is(sc, "CL-LIFE", "FEEDBACK"))
    assert (sc.clue("CL-LIFE") or {})["result"] == "已立案查处"
    sc.move("close", "CL-LIFE", "c1")
    until("the closing reaches Chongqing", status_is(cq, COPY, "CLOSED"))

    # Receipts on both sides: each side's sent messages are the other's received ones.
    sc_log, cq_log = sc.log("CL-LIFE"), cq.log(COPY)
    for sent, received in ((sc_log["sent"], cq_log["received"]),
                           (cq_log["sent"], sc_log["received"])):
        assert len(sent) == len(received) == 3
        assert {m["status"] for m in sent} == {"DELIVERED"}
        assert {(m["messageId"], m["payloadHash"], m["receiptAuditHash"]) for m in sent} == \
               {(r["messageId"], r["payloadHash"], r["auditHash"]) for r in received}

    # Chongqing follows the clue on Sichuan with the token it presents there: its events only.
    feed = sc.events(pair.cq_presents)
    seen = {e["clueId"] for e in feed}
    assert _gid("CL-LIFE") in seen
    assert _gid("CL-HOME") not in seen  # never transferred: absent from the partner's feed
    assert seen <= {_gid(k) for k in ["CL-LIFE", *BATCH]}
    assert all(e["payload"] is None for e in feed)
    assert {"clue.transferClue", "clue.acceptClue", "clue.closeClue"} <= \
           {e["action"] for e in feed if e["clueId"] == _gid("CL-LIFE")}
    assert any(e["payload"] for e in sc.events())  # internal callers get the details

    listed = [json.loads(line) for line in
              jointsup(sc.env, "partners", "list", "--json").splitlines()]
    assert [(p["name"], p["enabled"]) for p in listed] == [("CQ", True)]
    assert listed[0]["delivered"] >= 3
    assert pair.cq_presents not in json.dumps(listed)  # secrets never printed in full


def test_kill_the_receiver_mid_delivery_and_every_message_arrives_once(pair: Pair) -> None:
    """Sichuan transfers a batch of 12 clues to Chongqing. Once the first half is arriving,
    the Chongqing server is frozen (SIGSTOP) and the second half is transferred, so Sichuan's
    worker has a delivery in flight to a server that will never answer; Chongqing is then
    killed with SIGKILL (no shutdown, no flush) and restarted on the same data directory and
    port. Sichuan's worker retries with backoff until it gets receipts. Afterwards every message
    has arrived exactly once (one copy and one receive entry per clue on Chongqing), each
    receipt is stored on both sides with the same message id, payload hash and receiver's
    audit-entry hash, at least one delivery needed a retry, and Chongqing's audit chain
    verifies."""
    sc, cq = pair.sc, pair.cq
    batch = BATCH

    def arrived() -> list[dict[str, Any]]:
        return [e for e in cq.events()
                if e["action"] == "exchange.receive" and e["clueId"] != _gid(COPY)]

    for key in batch[:6]:
        sc.move("transfer", key, f"t-{key}")
    until("the first clue of the batch arrives", lambda: len(arrived()) >= 1)
    assert cq.proc is not None
    os.kill(cq.proc.pid, signal.SIGSTOP)
    for key in batch[6:]:
        sc.move("transfer", key, f"t-{key}")
    time.sleep(1.5)  # a worker round (every 1 s) connects and waits for an answer
    cq.kill()
    cq.start()

    until("every clue of the batch arrives",
          lambda: set(sc.sent_statuses(batch)) == {"DELIVERED"}, within=90)
    received = arrived()
    assert sorted(e["clueId"] for e in received) == sorted(_gid(f"{k}@SC") for k in batch)
    for key in batch:
        [sent], [got] = sc.log(key)["sent"], cq.log(f"{key}@SC")["received"]
        assert (sent["messageId"], sent["payloadHash"], sent["receiptAuditHash"]) == \
               (got["messageId"], got["payloadHash"], got["auditHash"])
        assert (cq.clue(f"{key}@SC") or {})["status"] == "TRANSFERRED"
    attempts = [m["attempts"] for key in batch for m in sc.log(key)["sent"]]
    assert max(attempts) >= 2, attempts  # the kill cut deliveries off; they were retried
    jointsup(cq.env, "audit", "verify")  # exits non-zero on a broken chain


def _gid(key: str) -> str:
    import base64

    return base64.b64encode(f"Clue:{key}".encode()).decode()
