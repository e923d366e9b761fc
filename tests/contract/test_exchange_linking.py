"""Contract: a received copy is linked by the delivery worker after it is committed — its
mentions resolve to the receiver's own enterprises — in bounded batches, once. The receiver
(Sichuan) is the fixture's store with reference data and a small registry (both stores); the
origin (Chongqing) is a second embedded store."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, NodeRef
from jointsup.nlp.clue_links import LINKER_VERSION
from jointsup.nlp.linker import Linker
from jointsup.services import clues, tokens
from jointsup.services.clues import Move
from jointsup.services.clues.register import fresh_linker
from jointsup.services.exchange import receive
from jointsup.services.exchange.config import ExchangeConfig
from jointsup.services.exchange.deliver import DeliveryWorker, deliver_due
from jointsup.services.exchange.linking import CopyLinking
from jointsup.services.exchange.outbox import Message
from jointsup.services.exchange.partners import Partner, add_partner
from jointsup.services.policy import Principal, Role
from tests.contract import nlp_world as w

CONFIG = clues.default_config()
FAST = ExchangeConfig(poll_s=0.05, timeout_s=5.0, base_delay_s=1.0, max_delay_s=8.0,
                      max_attempts=4)
CQ_COORD = Principal("t-cq", Role.COORDINATOR, "500000")
SC_URL, CQ_URL = "http://sc.test/graphql", "http://cq.test/graphql"
TEXT = "锦江区的蜀香餐饮后厨有老鼠，违反《食品安全法》第三十四条。"


@dataclass
class Pair:
    sc: BaseGraphStore  # receives and links
    cq: BaseGraphStore  # transfers

    def post(self, partner: Partner, message: Message, timeout_s: float) -> dict[str, Any]:
        target = self.sc if partner.endpoint == SC_URL else self.cq
        caller = tokens.verify_uncached(target, str(partner.send_token))
        got = receive.receive(target, caller, message.id, message.payload, CONFIG)
        return {"messageId": got.message_id, "payloadHash": got.payload_hash,
                "receivedAt": got.received_at, "auditHash": got.audit_hash,
                "outcome": got.outcome}

    def transfer(self, key: str, text: str = TEXT) -> str:
        """Chongqing transfers its clue `key` to Sichuan and delivers it; Sichuan's copy key."""
        self.cq.upsert_nodes([Node("Clue", key, {
            "id": key, "channel": "12315_web", "received_at": "2026-03-02T09:00:00+08:00",
            "text": text, "status": "ROUTED", "routed_to": "500106-SCJ"})])
        clues.apply(self.cq, CQ_COORD, clues.Call(Move.TRANSFER, key, {
            "region": "510000", "department": "SC-SCJ"}), f"t-{key}", CONFIG)
        assert deliver_due(self.cq, FAST, self.post).delivered == 1
        return f"{key}@CQ"


@pytest.fixture
def pair(ref_store: BaseGraphStore, tmp_path: Path) -> Iterator[Pair]:
    w.load(ref_store)
    with EmbeddedStore(tmp_path / "cq" / "graph.sqlite") as cq:
        _, sc_presents = add_partner(cq, "SC", "510000", "SC-SCJ", SC_URL)  # SC's token to CQ
        _, cq_presents = add_partner(ref_store, "CQ", "500000", "CQ-SCJ", CQ_URL,
                                     send_token=sc_presents)
        add_partner(cq, "SC", "510000", "SC-SCJ", SC_URL, send_token=cq_presents)
        yield Pair(ref_store, cq)


def linker_of(store: BaseGraphStore) -> Linker:
    """The store's linker for its content now (the session's Neo4j store may hold a provider
    made for an earlier test's world)."""
    return fresh_linker(store).refresh()


def against(store: BaseGraphStore, key: str) -> set[str]:
    ref = NodeRef("Clue", key)
    return {nb.node.key for nb in store.neighbours([ref], types=["AGAINST"],
                                                   direction="out")[ref]}


def stamp(store: BaseGraphStore, key: str) -> object:
    node = store.get_node(NodeRef("Clue", key))
    return node.props.get("linked_with") if node else None


def test_the_worker_links_a_received_copy_to_our_own_enterprise(pair: Pair) -> None:
    copy = pair.transfer("C1")
    assert stamp(pair.sc, copy) is None  # received unlinked: linking is not on the request path
    assert against(pair.sc, copy) == set()

    worker = DeliveryWorker(pair.sc, FAST, linker=lambda: linker_of(pair.sc))
    worker.start()
    try:
        deadline = time.monotonic() + 300  # a wait, not a timing assertion: the linker builds
        while stamp(pair.sc, copy) is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
    assert stamp(pair.sc, copy) == LINKER_VERSION
    assert w.SHUXIANG_JJ in against(pair.sc, copy)  # Sichuan's enterprise, found in the text
    assert worker.linking.linked == 1
    # The copy is still what was received; only links and the stamp were added.
    node = pair.sc.get_node(NodeRef("Clue", copy))
    assert node is not None
    assert (node.props["status"], node.props["text"]) == ("TRANSFERRED", TEXT)


def test_linking_is_batched_and_idempotent(pair: Pair) -> None:
    copies = [pair.transfer(k) for k in ("C1", "C2", "C3")]
    linking = CopyLinking(batch=2)

    def broken() -> Linker:
        raise RuntimeError("the linker could not be built")

    with pytest.raises(RuntimeError):  # the worker logs it; the batch is tried again
        linking.run(pair.sc, broken)
    assert linking.run(pair.sc, lambda: linker_of(pair.sc)) == 2
    assert [stamp(pair.sc, c) for c in copies] == [LINKER_VERSION, LINKER_VERSION, None]
    assert linking.run(pair.sc, lambda: linker_of(pair.sc)) == 1
    assert linking.run(pair.sc, lambda: linker_of(pair.sc)) == 0
    assert all(w.SHUXIANG_JJ in against(pair.sc, c) for c in copies)

    # A restart reads every receive entry again and links nothing twice; a move received on a
    # linked copy leaves it linked.
    def no_linker() -> Linker:
        raise AssertionError("nothing is left to link")

    assert CopyLinking().run(pair.sc, no_linker) == 0
    clues.apply(pair.sc, Principal("t-sc", Role.COORDINATOR, "510000"),
                clues.Call(Move.ACCEPT, copies[0]), "a1", CONFIG)
    assert CopyLinking().run(pair.sc, no_linker) == 0
    # Sichuan refuses one; Chongqing routes it and transfers it again with a new text: the
    # refreshed copy loses its stamp and is linked again, to what the new text names.
    sc_coord = Principal("t-sc", Role.COORDINATOR, "510000")
    clues.apply(pair.sc, sc_coord, clues.Call(Move.REFUSE, copies[1], {"reason": "不属管辖"}),
                "r1", CONFIG)
    assert deliver_due(pair.sc, FAST, pair.post).delivered == 2  # the accept, the refusal
    pair.cq.upsert_nodes([Node("Clue", "C2", {"text": "成都金宝商贸有限公司卖假酒。"})])
    clues.apply(pair.cq, CQ_COORD, clues.Call(Move.ROUTE, "C2", {"department": "500106-SCJ"}),
                "route-again", CONFIG)
    clues.apply(pair.cq, CQ_COORD, clues.Call(Move.TRANSFER, "C2", {
        "region": "510000", "department": "SC-SCJ"}), "t-again", CONFIG)
    assert deliver_due(pair.cq, FAST, pair.post).delivered == 1
    assert stamp(pair.sc, copies[1]) is None
    assert linking.run(pair.sc, lambda: linker_of(pair.sc)) == 1
    assert w.JINBAO in against(pair.sc, copies[1])
    assert w.SHUXIANG_JJ not in against(pair.sc, copies[1])
