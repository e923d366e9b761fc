"""Contract: the clue exchange's outbox, idempotent receive and receipts on both stores.

The origin instance is the fixture's store (embedded or Neo4j); the partner is a second embedded
store. A `Wire` stands in for HTTP between them: it hands each message to the other store's real
`receive` with the real partner token, so everything but the socket is the production path
(tests/e2e/test_exchange.py has the sockets, two servers and the kill).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from jointsup.errors import ConfigError
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore, Filter
from jointsup.model import Node, NodeRef
from jointsup.services import audit, clues, tokens
from jointsup.services.clues import Move
from jointsup.services.exchange import outbox, receive
from jointsup.services.exchange.config import ExchangeConfig, exchange_config, parse_exchange
from jointsup.services.exchange.deliver import DeliveryFailed, Round, deliver_due
from jointsup.services.exchange.events import clue_events
from jointsup.services.exchange.outbox import Message
from jointsup.services.exchange.partners import Partner, add_partner, by_name
from jointsup.services.policy import Forbidden, Principal, Role

CONFIG = clues.default_config()
FAST = ExchangeConfig(poll_s=0.1, timeout_s=5.0, base_delay_s=1.0, max_delay_s=8.0,
                      max_attempts=4)
SC_COORD = Principal("t-sc", Role.COORDINATOR, "510000")
CQ_COORD = Principal("t-cq", Role.COORDINATOR, "500000")
A_URL, B_URL = "http://sc.test/graphql", "http://cq.test/graphql"
COPY = "C1@SC"  # Chongqing's key of its copy of Sichuan's clue C1


@dataclass
class Wire:
    """Delivers to whichever store an endpoint names, through its real receive."""

    stores: dict[str, BaseGraphStore]
    failures: int = 0  # the next this many attempts fail as a dropped connection would
    repeat: bool = False  # deliver every message twice (a retry after a lost answer)
    posted: list[str] = field(default_factory=list)

    def post(self, partner: Partner, message: Message, timeout_s: float) -> dict[str, Any]:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("connection refused")
        target = self.stores[partner.endpoint]
        caller = tokens.verify_uncached(target, str(partner.send_token))
        for _ in range(2 if self.repeat else 1):
            got = receive.receive(target, caller, message.id, message.payload, CONFIG)
            self.posted.append(message.id)
        return {"messageId": got.message_id, "clueId": got.clue_id,
                "payloadHash": got.payload_hash, "receivedAt": got.received_at,
                "auditHash": got.audit_hash, "outcome": got.outcome, "detail": got.detail}


@dataclass
class Pair:
    """Sichuan (the fixture's store) and Chongqing (a second embedded store), partnered."""

    sc: BaseGraphStore
    cq: BaseGraphStore
    wire: Wire

    def deliver(self, store: BaseGraphStore, at: datetime | None = None) -> Round:
        return deliver_due(store, FAST, self.wire.post, now=lambda: at or datetime.now(UTC))


@pytest.fixture
def pair(store: BaseGraphStore, tmp_path: Path) -> Iterator[Pair]:
    with EmbeddedStore(tmp_path / "cq" / "graph.sqlite") as cq:
        _, cq_presents = add_partner(store, "CQ", "500000", "CQ-SCJ", B_URL)
        _, sc_presents = add_partner(cq, "SC", "510000", "SC-SCJ", A_URL, send_token=cq_presents)
        add_partner(store, "CQ", "500000", "CQ-SCJ", B_URL, send_token=sc_presents)
        yield Pair(store, cq, Wire({A_URL: store, B_URL: cq}))


def sent_token(store: BaseGraphStore) -> str | None:
    """The token Sichuan presents to Chongqing."""
    partner = store.read(lambda tx: by_name(tx, "CQ"))
    assert partner is not None
    return partner.send_token


def seed(store: BaseGraphStore, key: str = "C1") -> None:
    """A routed clue with a complainant, ready to transfer."""
    store.upsert_nodes([Node("Clue", key, {
        "id": key, "channel": "12315_hotline", "received_at": "2026-03-01T09:00:00+08:00",
        "text": "投诉人电话13812345678，某火锅店卖过期食品", "status": "ROUTED",
        "routed_to": "510107-SCJ", "complainant_name": "张三丰",
        "complainant_phone": "13812345678"})])


def move(store: BaseGraphStore, who: Principal, m: Move, key: str, clue: str = "C1",
         **args: str) -> Node:
    node, _ = clues.apply(store, who, clues.Call(m, clue, args), key, CONFIG)
    return node


def transfer(store: BaseGraphStore, key: str = "t1", clue: str = "C1") -> Node:
    return move(store, SC_COORD, Move.TRANSFER, key, clue, region="500000", department="CQ-SCJ")


def accepted_by_holder(pair: Pair) -> None:
    """Sichuan transfers C1 to Chongqing, which accepts its copy (the acceptance not yet sent)."""
    seed(pair.sc)
    transfer(pair.sc)
    pair.deliver(pair.sc)
    move(pair.cq, CQ_COORD, Move.ACCEPT, "a1", COPY)


def messages(store: BaseGraphStore, status: str | None = None) -> list[Node]:
    filters = [Filter("status", "eq", status)] if status else []
    return store.list_nodes(outbox.LABEL, filters=filters, order_by="created_at",
                            first=100).items


def status(store: BaseGraphStore, clue: str = "C1") -> object:
    node = store.get_node(NodeRef("Clue", clue))
    return node.props.get("status") if node else None


def actions(store: BaseGraphStore, clue: str = "C1") -> list[str]:
    return store.read(lambda tx: [e.action for e in audit.entries(tx, f"Clue:{clue}")])


def test_a_clue_goes_through_its_whole_lifecycle_across_the_two(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    seed(sc)
    transfer(sc)
    [pending] = messages(sc, outbox.PENDING)
    assert pending.props["kind"] == outbox.SHARE
    assert pair.deliver(sc).delivered == 1

    copy = cq.get_node(NodeRef("Clue", COPY))
    assert copy is not None
    assert copy.props["status"] == "TRANSFERRED"
    assert copy.props["origin_partner"] == "SC"
    # Only the sharing scope travels, complainant data masked; internal fields stay home.
    assert copy.props["complainant_name"] == "张**"
    assert copy.props["complainant_phone"] == "138****5678"
    assert "13812345678" not in str(copy.props["text"])
    assert copy.props.get("routed_to") is None

    # The receipt on both sides: the same message, payload hash and receiver's audit hash.
    [sent] = messages(sc)
    [got] = cq.read(lambda tx: receive.receipts(tx, COPY))
    [entry] = [e for e in cq.read(lambda tx: list(audit.entries(tx, f"Clue:{COPY}")))
               if e.action == "exchange.receive"]
    assert sent.props["status"] == outbox.DELIVERED
    assert (sent.key, sent.props["payload_hash"]) == (got.message_id, got.payload_hash)
    assert sent.props["receipt_audit_hash"] == got.audit_hash == entry.hash

    # Chongqing accepts and asks Sichuan for assistance; each move flows back to the origin.
    move(cq, CQ_COORD, Move.ACCEPT, "a1", COPY)
    assert pair.deliver(cq).delivered == 1
    assert status(sc) == "ACCEPTED"
    move(cq, CQ_COORD, Move.REQUEST_ASSISTANCE, "r1", COPY, region="510000", department="SC-SCJ")
    pair.deliver(cq)
    assert status(sc) == "ASSISTANCE_REQUESTED"
    # Sichuan provides it; that flows to Chongqing's copy.
    move(sc, SC_COORD, Move.PROVIDE_ASSISTANCE, "p1", note="登记信息已核实")
    assert pair.deliver(sc).delivered == 1
    assert status(cq, COPY) == "ASSISTANCE_PROVIDED"
    move(cq, CQ_COORD, Move.FEEDBACK, "f1", COPY, result="已立案查处，罚款五万元")
    pair.deliver(cq)
    origin = sc.get_node(NodeRef("Clue", "C1"))
    assert origin is not None
    assert origin.props["status"] == "FEEDBACK"
    assert origin.props["result"] == "已立案查处，罚款五万元"
    move(sc, SC_COORD, Move.CLOSE, "c1")
    pair.deliver(sc)
    assert (status(sc), status(cq, COPY)) == ("CLOSED", "CLOSED")

    # Nothing left, everything applied, both chains intact, received moves never echoed back.
    in_step(sc, cq)
    assert len(messages(sc)) == 3
    assert len(messages(cq)) == 3
    assert actions(sc).count("exchange.receive") == 3
    assert actions(cq, COPY).count("exchange.receive") == 3
    assert "clue.acceptClue" in actions(sc)  # made on the origin as the partner


def test_every_delivery_after_the_first_replays_its_receipt(pair: Pair) -> None:
    seed(pair.sc)
    transfer(pair.sc)
    pair.wire.repeat = True
    pair.deliver(pair.sc)
    [message] = [Message.from_node(n) for n in messages(pair.sc)]
    caller = tokens.verify_uncached(pair.cq, str(sent_token(pair.sc)))
    again = receive.receive(pair.cq, caller, message.id, message.payload, CONFIG)

    [first] = pair.cq.read(lambda tx: receive.receipts(tx, COPY))
    assert again == first
    assert pair.wire.posted == [message.id, message.id]
    assert actions(pair.cq, COPY).count("exchange.receive") == 1
    assert pair.cq.count_nodes("Clue") == 1
    # The same id with another payload is refused, not applied.
    with pytest.raises(receive.MessageIdReused):
        receive.receive(pair.cq, caller, message.id, message.payload + " ", CONFIG)


def test_failed_attempts_back_off_keep_order_and_give_up(pair: Pair) -> None:
    sc = pair.sc
    seed(sc)
    seed(sc, "C2")
    transfer(sc)
    transfer(sc, "t2", "C2")
    pair.wire.failures = 1
    start = datetime.now(UTC)
    done = pair.deliver(sc, start)
    # The first failed; the second waits behind it so the partner sees them in order.
    assert (done.retrying, done.held, done.delivered) == (1, 1, 0)
    first = Message.from_node(messages(sc)[0])
    assert first.attempts == 1
    assert first.clue_id == "C1"
    wait = datetime.fromisoformat(first.next_at) - start
    assert timedelta(seconds=0.5) <= wait <= timedelta(seconds=1.01)  # base 1 s, jitter ½–1
    assert pair.deliver(sc, start).held == 2  # not due yet: nothing is tried
    assert pair.deliver(sc, start + timedelta(seconds=2)).delivered == 2
    assert pair.cq.count_nodes("Clue") == 2

    # Attempts are bounded: after max_attempts the message is FAILED (and audited) ...
    seed(sc, "C3")
    transfer(sc, "t3", "C3")
    pair.wire.failures = FAST.max_attempts
    at = datetime.now(UTC)
    for _ in range(FAST.max_attempts):
        at += timedelta(seconds=FAST.max_delay_s + 1)
        pair.deliver(sc, at)
    [gone] = messages(sc, outbox.FAILED)
    assert gone.props["attempts"] == FAST.max_attempts
    assert "exchange.failed" in actions(sc, "C3")
    # ... until an operator queues it again.
    assert outbox.retry_failed(sc) == 1
    assert pair.deliver(sc).delivered == 1
    assert status(pair.cq, "C3@SC") == "TRANSFERRED"


def test_no_message_without_its_move_and_no_move_without_its_message(
        pair: Pair, monkeypatch: pytest.MonkeyPatch) -> None:
    sc = pair.sc
    seed(sc)
    with pytest.raises(clues.IllegalTransition):  # ROUTED clues cannot be provided assistance
        move(sc, SC_COORD, Move.PROVIDE_ASSISTANCE, "x1")
    # A transfer to a party that is no configured partner stays local: no message.
    move(sc, SC_COORD, Move.TRANSFER, "x2", region="500000", department="CQ-YJJ")
    assert messages(sc) == []
    # A failure while the message is written rolls the move back with it (one transaction).
    seed(sc, "C2")
    before = audit.head(sc)

    def broken(payload: str) -> str:
        raise RuntimeError("failed while writing the outbox message")

    monkeypatch.setattr(outbox, "payload_hash", broken)
    with pytest.raises(RuntimeError):
        transfer(sc, "t9", "C2")
    monkeypatch.undo()
    assert status(sc, "C2") == "ROUTED"
    assert messages(sc) == []
    assert audit.head(sc) == before


def test_a_refused_message_gets_a_rejected_receipt_on_both_sides(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    seed(sc)
    seed(cq)  # Chongqing's own C1: the copy of Sichuan's C1 lives under its own key
    transfer(sc)
    assert pair.deliver(sc).delivered == 1
    assert (status(cq), status(cq, COPY)) == ("ROUTED", "TRANSFERRED")
    # A move that is illegal on the receiver (the copy is not ready to close) is refused for
    # good: a REJECTED receipt, stored on both sides, and no more retries.
    sc.transaction(lambda tx: outbox.enqueue(tx, "CQ", outbox.MOVE, "C1",
                                             {"move": "closeClue", "args": {}}))
    assert pair.deliver(sc).rejected == 1
    [sent] = [n for n in messages(sc) if n.props["kind"] == outbox.MOVE]
    [got] = [r for r in cq.read(receive.receipts) if r.message_id == sent.key]
    assert sent.props["status"] == outbox.REJECTED
    assert got.outcome == receive.REJECTED
    assert str(got.detail).startswith("ILLEGAL_TRANSITION")
    assert sent.props["receipt_audit_hash"] == got.audit_hash
    assert status(cq, COPY) == "TRANSFERRED"
    assert messages(sc, outbox.PENDING) == []


def test_a_clue_not_exchanged_with_the_sender_reads_as_missing(pair: Pair) -> None:
    seed(pair.cq, "C7")  # Chongqing's own clue, never shared with Sichuan
    caller = tokens.verify_uncached(pair.cq, str(sent_token(pair.sc)))

    def refused(clue: str, message_id: str) -> str:
        payload = json.dumps({"kind": outbox.MOVE, "clue_id": clue, "move": "acceptClue",
                              "args": {}})
        got = receive.receive(pair.cq, caller, message_id, payload, CONFIG)
        assert got.outcome == receive.REJECTED
        return str(got.detail).replace(clue, "<id>")

    assert refused("C7", "1" * 32) == refused("C404", "2" * 32) == "NOT_FOUND: no clue '<id>'"
    assert status(pair.cq, "C7") == "ROUTED"


def test_only_a_configured_partner_token_may_deliver(pair: Pair) -> None:
    stranger = tokens.verify_uncached(pair.cq, tokens.create_token(pair.cq, "partner", "510000",
                                                                   "SC-SCJ"))
    payload = json.dumps({"kind": outbox.SHARE, "clue_id": "C9", "clue": {"text": "x"}})
    with pytest.raises(Forbidden):
        receive.receive(pair.cq, stranger, "0" * 32, payload, CONFIG)
    with pytest.raises(Forbidden):
        receive.receive(pair.cq, CQ_COORD, "0" * 32, payload, CONFIG)
    assert pair.cq.count_nodes("Clue") == 0


def test_a_partner_follows_only_its_clues(pair: Pair) -> None:
    sc = pair.sc
    seed(sc)
    seed(sc, "C2")
    transfer(sc)
    cq_token = Principal("t-cqp", Role.PARTNER, "500000", "CQ-SCJ")
    other = Principal("t-yjj", Role.PARTNER, "500000", "CQ-YJJ")
    page = clue_events(sc, cq_token, 0, 50)
    assert {e.clue_id for e in page.events} == {"C1"}
    assert all(e.payload is None for e in page.events)
    assert "clue.transferClue" in [e.action for e in page.events]
    assert clue_events(sc, other, 0, 50).events == []
    # Internal callers see every clue's events; the cursor resumes after the last one.
    everything = clue_events(sc, SC_COORD, 0, 2)
    assert len(everything.events) == 2
    assert everything.has_next
    rest = clue_events(sc, SC_COORD, everything.cursor, 200)
    assert [e.seq for e in rest.events] == sorted(e.seq for e in rest.events)
    assert min(e.seq for e in rest.events) > everything.cursor
    move(sc, SC_COORD, Move.ROUTE, "r2", "C2", department="510104-SCJ")
    newer = clue_events(sc, SC_COORD, rest.cursor, 50)
    assert [(e.clue_id, e.action) for e in newer.events] == [("C2", "clue.routeClue")]


def test_deadlines_of_the_copy_come_with_it(pair: Pair) -> None:
    seed(pair.sc)
    sent = transfer(pair.sc)
    pair.deliver(pair.sc)
    copy = pair.cq.get_node(NodeRef("Clue", COPY))
    assert copy is not None
    assert copy.props["accept_due"] == sent.props["accept_due"]
    assert dt.date.fromisoformat(str(copy.props["accept_due"])) > dt.date(2026, 1, 1)


def test_backoff_doubles_is_capped_and_jittered() -> None:
    low = [outbox.backoff(n, FAST, rand=lambda: 0.0) for n in range(1, 8)]
    high = [outbox.backoff(n, FAST, rand=lambda: 1.0) for n in range(1, 8)]
    assert high == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0]
    assert low == [h / 2 for h in high]


def test_exchange_settings_errors_name_the_key() -> None:
    good = parse_exchange((files("jointsup") / "data" / "clues.toml").read_text("utf-8"))
    assert good == exchange_config()
    assert good.max_attempts >= 1
    with pytest.raises(ConfigError, match=r"\[exchange\] is missing"):
        parse_exchange("[sharing]\n")
    with pytest.raises(ConfigError, match=r"exchange\.max_attempts"):
        parse_exchange("[exchange]\nmax_attempts = 0\n")
    with pytest.raises(ConfigError, match=r"exchange\.poll_seconds"):
        parse_exchange("[exchange]\nmax_attempts = 3\npoll_seconds = -1\n")


def partner_up(a: BaseGraphStore, a_as: tuple[str, str, str, str],
               b: BaseGraphStore, b_as: tuple[str, str, str, str]) -> None:
    """Configure two instances as each other's partners (name, region, agency, endpoint)."""
    _, b_presents = add_partner(a, *b_as)
    _, a_presents = add_partner(b, *a_as, send_token=b_presents)
    add_partner(a, *b_as, send_token=a_presents)


GZ_URL = "http://gz.test/graphql"
SC_AS = ("SC", "510000", "SC-SCJ", A_URL)
GZ_AS = ("GZ", "520000", "GZ-SCJ", GZ_URL)


@contextmanager
def third_partner(pair: Pair, tmp_path: Path) -> Iterator[BaseGraphStore]:
    """Guizhou: a third instance, a partner of Sichuan's (not of Chongqing's), on the wire."""
    with EmbeddedStore(tmp_path / "gz" / "graph.sqlite") as gz:
        partner_up(pair.sc, SC_AS, gz, GZ_AS)
        pair.wire.stores[GZ_URL] = gz
        yield gz


def in_step(*sides: BaseGraphStore) -> None:
    """Every message each side sent was delivered, every receipt applied, every chain intact."""
    for side in sides:
        assert {n.props["status"] for n in messages(side)} == {outbox.DELIVERED}
        assert all(r.outcome == receive.APPLIED for r in side.read(receive.receipts))
        assert audit.verify(side) is None


def test_an_origins_assistance_request_to_a_partner_reaches_it_once(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    seed(sc)
    move(sc, SC_COORD, Move.ACCEPT, "a1")  # handled here: never transferred to Chongqing
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r1", region="500000", department="CQ-SCJ")
    [sent] = messages(sc, outbox.PENDING)
    assert json.loads(str(sent.props["payload"]))["purpose"] == outbox.ASSISTANCE
    pair.wire.repeat = True  # delivered twice: one effect
    assert pair.deliver(sc).delivered == 1
    copy = cq.get_node(NodeRef("Clue", COPY))
    assert copy is not None
    assert (copy.props["status"], copy.props["copy_of"]) == ("ASSISTANCE_REQUESTED", "assistance")
    assert copy.props["complainant_phone"] == "138****5678"
    assert actions(cq, COPY).count("exchange.receive") == 1
    # Chongqing's own views list it; Sichuan's token there sees its copy, another party not.
    assert [n.key for n in clues.shared_clues(cq, CQ_COORD)] == [COPY]
    sc_there = tokens.verify_uncached(cq, str(sent_token(sc)))  # Sichuan's token there
    assert [n.key for n in clues.shared_clues(cq, sc_there)] == [COPY]
    other = Principal("t-x", Role.PARTNER, "510000", "SC-YJJ")
    assert clues.shared_clues(cq, other) == []

    # Chongqing answers; the answer flows back, Sichuan feeds back and closes locally.
    pair.wire.repeat = False
    move(cq, CQ_COORD, Move.ATTACH_EVIDENCE, "e1", COPY, evidence="现场照片3张")
    move(cq, CQ_COORD, Move.PROVIDE_ASSISTANCE, "p1", COPY, note="营业执照已核实")
    assert pair.deliver(cq).delivered == 2
    origin = sc.get_node(NodeRef("Clue", "C1"))
    assert origin is not None
    assert origin.props["status"] == "ASSISTANCE_PROVIDED"
    assert origin.props["evidence"] == ["现场照片3张"]
    move(sc, SC_COORD, Move.FEEDBACK, "f1", result="已责令整改")
    move(sc, SC_COORD, Move.CLOSE, "c1")
    assert messages(sc, outbox.PENDING) == []  # Chongqing holds no transfer copy: nothing to tell
    # A second round asks again: the same copy, asked again.
    seed(sc, "C2")
    move(sc, SC_COORD, Move.ACCEPT, "a2", "C2")
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r2", "C2", region="500000", department="CQ-SCJ")
    pair.deliver(sc)
    move(cq, CQ_COORD, Move.PROVIDE_ASSISTANCE, "p2", "C2@SC")
    pair.deliver(cq)
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r3", "C2", region="500000", department="CQ-SCJ")
    pair.deliver(sc)
    assert status(cq, "C2@SC") == "ASSISTANCE_REQUESTED"
    for side in (sc, cq):
        assert {n.props["status"] for n in messages(side)} == {outbox.DELIVERED}
        assert audit.verify(side) is None


def test_a_holders_request_to_a_third_party_flows_through_the_origin(
        pair: Pair, tmp_path: Path) -> None:
    sc, cq = pair.sc, pair.cq
    with third_partner(pair, tmp_path) as gz:
        accepted_by_holder(pair)
        # Chongqing asks Guizhou, a partner of Sichuan's, not of Chongqing's.
        move(cq, CQ_COORD, Move.REQUEST_ASSISTANCE, "r1", COPY, region="520000",
             department="GZ-SCJ")
        assert pair.deliver(cq).delivered == 2
        assert status(sc) == "ASSISTANCE_REQUESTED"
        assert pair.deliver(sc).delivered == 1  # the origin passes the request on
        asked = gz.get_node(NodeRef("Clue", "C1@SC"))
        assert asked is not None
        assert (asked.props["status"], asked.props["assistance_from"]) == (
            "ASSISTANCE_REQUESTED", "520000|GZ-SCJ")
        # Guizhou answers: to Sichuan, which passes it on to the holder (not back to Guizhou).
        gz_coord = Principal("t-gz", Role.COORDINATOR, "520000")
        move(gz, gz_coord, Move.PROVIDE_ASSISTANCE, "p1", "C1@SC", note="股东信息已调取")
        assert pair.deliver(gz).delivered == 1
        assert status(sc) == "ASSISTANCE_PROVIDED"
        forwarded = messages(sc, outbox.PENDING)
        assert [n.props["partner"] for n in forwarded] == ["CQ"]
        pair.deliver(sc)
        assert status(cq, COPY) == "ASSISTANCE_PROVIDED"
        move(cq, CQ_COORD, Move.FEEDBACK, "f1", COPY, result="已立案")
        pair.deliver(cq)
        assert status(sc) == "FEEDBACK"
        # Guizhou may answer, not act as the holder: its feedback is refused for good.
        payload = json.dumps({"kind": outbox.MOVE, "clue_id": "C1", "move": "feedBack",
                              "args": {"result": "x"}})
        gz_side = gz.read(lambda tx: by_name(tx, "SC"))  # what Guizhou presents to Sichuan
        assert gz_side is not None
        caller = tokens.verify_uncached(sc, str(gz_side.send_token))
        got = receive.receive(sc, caller, "9" * 32, payload, CONFIG)
        assert got.outcome == receive.REJECTED
        assert status(sc) == "FEEDBACK"
        for side in (sc, cq, gz):
            assert {n.props["status"] for n in messages(side)} == {outbox.DELIVERED}
            assert audit.verify(side) is None


def test_a_holders_own_agency_answers_through_the_holder(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    accepted_by_holder(pair)
    # Chongqing's market regulator asks Chongqing's own police (no instance of its own).
    move(cq, CQ_COORD, Move.REQUEST_ASSISTANCE, "r1", COPY, region="500000", department="CQ-GAJ")
    move(cq, CQ_COORD, Move.PROVIDE_ASSISTANCE, "p1", COPY, note="已协助调取监控")
    assert pair.deliver(cq).delivered == 3
    origin = sc.get_node(NodeRef("Clue", "C1"))
    assert origin is not None
    assert (origin.props["status"], origin.props["assistance_from"]) == (
        "ASSISTANCE_PROVIDED", "500000|CQ-GAJ")
    [entry] = [e for e in sc.read(lambda tx: list(audit.entries(tx, "Clue:C1")))
               if e.action == "clue.provideAssistance"]
    assert '"by":"exchange.CQ"' in entry.payload
    move(cq, CQ_COORD, Move.FEEDBACK, "f1", COPY, result="已处罚")
    pair.deliver(cq)
    assert status(sc) == "FEEDBACK"
    assert {n.props["status"] for n in messages(cq)} == {outbox.DELIVERED}


def test_an_origins_request_to_a_third_party_keeps_the_holder_in_step(
        pair: Pair, tmp_path: Path) -> None:
    sc, cq = pair.sc, pair.cq
    with third_partner(pair, tmp_path) as gz:
        accepted_by_holder(pair)
        assert pair.deliver(cq).delivered == 1
        assert (status(sc), status(cq, COPY)) == ("ACCEPTED", "ACCEPTED")
        # Sichuan itself asks Guizhou (a partner other than the holder): Guizhou gets the clue,
        # and the holder's copy waits for the same answer.
        move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r1", region="520000", department="GZ-SCJ")
        assert sorted(str(n.props["partner"]) for n in messages(sc, outbox.PENDING)) == [
            "CQ", "GZ"]
        assert pair.deliver(sc).delivered == 2
        assert (status(sc), status(cq, COPY), status(gz, "C1@SC")) == (
            "ASSISTANCE_REQUESTED",) * 3
        held = cq.get_node(NodeRef("Clue", COPY))
        assert held is not None
        assert held.props["assistance_from"] == "520000|GZ-SCJ"
        # The holder cannot feed back before the answer: refused on its own side, nothing sent.
        with pytest.raises(clues.IllegalTransition):
            move(cq, CQ_COORD, Move.FEEDBACK, "f0", COPY, result="x")
        assert messages(cq, outbox.PENDING) == []
        # Guizhou answers Sichuan, which passes the answer on to the holder.
        gz_coord = Principal("t-gz", Role.COORDINATOR, "520000")
        move(gz, gz_coord, Move.PROVIDE_ASSISTANCE, "p1", "C1@SC", note="股东信息已调取")
        assert pair.deliver(gz).delivered == 1
        assert status(sc) == "ASSISTANCE_PROVIDED"
        assert [n.props["partner"] for n in messages(sc, outbox.PENDING)] == ["CQ"]
        assert pair.deliver(sc).delivered == 1
        assert status(cq, COPY) == "ASSISTANCE_PROVIDED"
        # The holder feeds back; it lands on the origin, which closes; the close reaches it.
        move(cq, CQ_COORD, Move.FEEDBACK, "f1", COPY, result="已立案")
        assert pair.deliver(cq).delivered == 1
        origin = sc.get_node(NodeRef("Clue", "C1"))
        assert origin is not None
        assert (origin.props["status"], origin.props["result"]) == ("FEEDBACK", "已立案")
        move(sc, SC_COORD, Move.CLOSE, "c1")
        assert pair.deliver(sc).delivered == 1
        assert (status(sc), status(cq, COPY), status(gz, "C1@SC")) == (
            "CLOSED", "CLOSED", "ASSISTANCE_PROVIDED")
        in_step(sc, cq, gz)


def test_an_origins_request_outside_the_system_keeps_the_holder_in_step(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    accepted_by_holder(pair)
    pair.deliver(cq)
    # Sichuan asks an agency it has no instance for; its own staff record the answer.
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r1", region="520000", department="GZ-GAJ")
    assert pair.deliver(sc).delivered == 1
    assert (status(sc), status(cq, COPY)) == ("ASSISTANCE_REQUESTED", "ASSISTANCE_REQUESTED")
    move(sc, SC_COORD, Move.PROVIDE_ASSISTANCE, "p1", note="电话核实")
    assert pair.deliver(sc).delivered == 1
    assert status(cq, COPY) == "ASSISTANCE_PROVIDED"
    move(cq, CQ_COORD, Move.FEEDBACK, "f1", COPY, result="已处罚")
    assert pair.deliver(cq).delivered == 1
    assert status(sc) == "FEEDBACK"
    for side in (sc, cq):
        assert {n.props["status"] for n in messages(side)} == {outbox.DELIVERED}
        assert all(r.outcome == receive.APPLIED for r in side.read(receive.receipts))


def test_a_holder_that_refused_is_no_longer_treated_as_the_holder(pair: Pair) -> None:
    sc, cq = pair.sc, pair.cq
    seed(sc)
    transfer(sc)
    pair.deliver(sc)
    move(cq, CQ_COORD, Move.REFUSE, "x1", COPY, reason="不属本局管辖")
    assert pair.deliver(cq).delivered == 1
    origin = sc.get_node(NodeRef("Clue", "C1"))
    assert origin is not None
    assert (origin.props["status"], origin.props.get("exchange_partner")) == ("REFUSED", None)
    # Chongqing's refused copy reports nothing more (its evidence is its own now).
    move(cq, CQ_COORD, Move.ATTACH_EVIDENCE, "e0", COPY, evidence="拒收说明")
    assert messages(cq, outbox.PENDING) == []
    # Sichuan handles the clue itself: its moves stay here, none goes to the refused copy.
    move(sc, SC_COORD, Move.ROUTE, "r0", department="510107-SCJ")
    move(sc, SC_COORD, Move.ACCEPT, "a1")
    move(sc, SC_COORD, Move.ATTACH_EVIDENCE, "e1", evidence="现场照片")
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r1", region="520000", department="GZ-GAJ")
    move(sc, SC_COORD, Move.PROVIDE_ASSISTANCE, "p1", note="电话核实")
    assert messages(sc, outbox.PENDING) == []
    assert status(cq, COPY) == "REFUSED"
    # Asking Chongqing for assistance now is an ordinary request to a partner: it gets the clue.
    move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r2", region="500000", department="CQ-SCJ")
    [share] = messages(sc, outbox.PENDING)
    assert (share.props["partner"], share.props["kind"]) == ("CQ", outbox.SHARE)
    assert pair.deliver(sc).delivered == 1
    copy = cq.get_node(NodeRef("Clue", COPY))
    assert copy is not None
    assert (copy.props["status"], copy.props["copy_of"]) == ("ASSISTANCE_REQUESTED", "assistance")
    move(cq, CQ_COORD, Move.PROVIDE_ASSISTANCE, "p2", COPY, note="营业执照已核实")
    assert pair.deliver(cq).delivered == 1
    assert status(sc) == "ASSISTANCE_PROVIDED"
    move(sc, SC_COORD, Move.FEEDBACK, "f1", result="已责令整改")
    move(sc, SC_COORD, Move.CLOSE, "c1")
    assert messages(sc, outbox.PENDING) == []
    # The history stays on both sides: the refusal in each audit, every message applied.
    assert "clue.refuseClue" in actions(sc)
    assert "clue.refuseClue" in actions(cq, COPY)
    in_step(sc, cq)


def test_a_refused_clue_transferred_again_goes_to_its_new_holder(
        pair: Pair, tmp_path: Path) -> None:
    sc, cq = pair.sc, pair.cq
    with third_partner(pair, tmp_path) as gz:
        seed(sc)
        transfer(sc)
        pair.deliver(sc)
        move(cq, CQ_COORD, Move.REFUSE, "x1", COPY, reason="不属本局管辖")
        pair.deliver(cq)
        # Sichuan routes it on to Guizhou, which accepts; Sichuan's evidence and its request to
        # Chongqing (now a third party) go where they belong.
        move(sc, SC_COORD, Move.ROUTE, "r0", department="510107-SCJ")
        move(sc, SC_COORD, Move.TRANSFER, "t2", region="520000", department="GZ-SCJ")
        pair.deliver(sc)
        gz_coord = Principal("t-gz", Role.COORDINATOR, "520000")
        move(gz, gz_coord, Move.ACCEPT, "a1", "C1@SC")
        pair.deliver(gz)
        move(sc, SC_COORD, Move.ATTACH_EVIDENCE, "e1", evidence="现场照片")
        move(sc, SC_COORD, Move.REQUEST_ASSISTANCE, "r1", region="500000", department="CQ-SCJ")
        assert sorted((str(n.props["partner"]), str(n.props["kind"]))
                      for n in messages(sc, outbox.PENDING)) == [
            ("CQ", outbox.SHARE), ("GZ", outbox.MOVE), ("GZ", outbox.MOVE)]
        assert pair.deliver(sc).delivered == 3
        assert (status(sc), status(gz, "C1@SC"), status(cq, COPY)) == (
            "ASSISTANCE_REQUESTED",) * 3
        move(cq, CQ_COORD, Move.PROVIDE_ASSISTANCE, "p1", COPY, note="已核实")
        assert pair.deliver(cq).delivered == 1
        assert pair.deliver(sc).delivered == 1  # the answer passed on to the holder
        assert status(gz, "C1@SC") == "ASSISTANCE_PROVIDED"
        in_step(sc, cq, gz)


def test_a_clue_refused_before_the_rule_loses_its_stale_holder(pair: Pair) -> None:
    seed(pair.sc)
    # Refused before refusals cleared the holder: the origin's clue still names Chongqing.
    pair.sc.upsert_nodes([Node("Clue", "C1", {"status": "REFUSED", "exchange_partner": "CQ",
                                              "transferred_to": "500000|CQ-SCJ"})])
    move(pair.sc, SC_COORD, Move.ATTACH_EVIDENCE, "e1", evidence="现场照片")
    move(pair.sc, SC_COORD, Move.CLOSE, "c1")
    assert messages(pair.sc) == []
    origin = pair.sc.get_node(NodeRef("Clue", "C1"))
    assert origin is not None
    assert (origin.props["status"], origin.props.get("exchange_partner")) == ("CLOSED", None)
