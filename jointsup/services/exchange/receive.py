"""The idempotent receive (收件): exactly one effect per message id, however often it arrives.

Each receive takes the sending partner's `Partner` node lock first (receives from one partner are
serialised), then looks for the message's `ExchangeReceipt`: found, it is returned as it was
(replay); not found, the message's effect — a copy of a shared clue, or a move on a clue exchanged
with that partner — its audit entry and the receipt are written in one transaction. A message
this instance refuses (a move that is illegal here, a clue that is not the partner's …) gets a
receipt too, outcome REJECTED with the reason, so the sender stops retrying and both sides know.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jointsup.errors import InvalidInput, JointsupError, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Props, PropValue
from jointsup.services import audit
from jointsup.services.clues.config import ClueConfig
from jointsup.services.clues.idempotency import KeyReused
from jointsup.services.clues.lifecycle import IllegalTransition, Move
from jointsup.services.clues.ops import Call, apply_in
from jointsup.services.clues.sharing import not_found, record_share
from jointsup.services.exchange import outbox, partners
from jointsup.services.exchange.partners import Partner
from jointsup.services.policy import Forbidden, Principal, Role

LABEL = "ExchangeReceipt"
APPLIED, REJECTED = "APPLIED", "REJECTED"
MAX_PAYLOAD = 200_000
_ID = re.compile(r"^[0-9a-f]{32}$")
# What this instance refuses for good (a receipt says so); anything else is left to a retry.
REFUSALS = (NotFound, Forbidden, IllegalTransition, InvalidInput, KeyReused)


class MessageIdReused(JointsupError):
    """A message id arrived again with another payload."""

    code = "MESSAGE_ID_REUSED"


@dataclass(frozen=True)
class Receipt:
    """What the receiver answers and both sides keep."""

    message_id: str
    clue_id: str
    payload_hash: str
    received_at: str
    audit_hash: str
    outcome: str
    detail: str | None

    @classmethod
    def from_node(cls, node: Node) -> Receipt:
        """The receipt a stored node holds."""
        p = node.props
        detail = p.get("detail")
        return cls(node.key, str(p.get("clue_id")), str(p.get("payload_hash")),
                   str(p.get("received_at")), str(p.get("audit_hash")), str(p.get("outcome")),
                   detail if isinstance(detail, str) else None)


@dataclass(frozen=True)
class Incoming:
    """A parsed message: its kind, clue and body."""

    id: str
    kind: str
    clue_id: str
    body: dict[str, Any]
    digest: str


def receive(store: BaseGraphStore, principal: Principal, message_id: str, payload: str,
            config: ClueConfig) -> Receipt:
    """Take one message from the calling partner (or replay its receipt)."""
    partner = store.read(lambda tx: partners.for_caller(tx, principal))
    if partner is None:
        raise Forbidden("only a configured, enabled partner's token may deliver clue messages")
    message = parse(message_id, payload)
    try:
        return store.transaction(lambda tx: _apply(tx, partner, message, config))
    except REFUSALS as exc:
        detail = f"{exc.code}: {exc}"
        return store.transaction(lambda tx: _receipt(tx, partner, message, REJECTED, detail))


def parse(message_id: str, payload: str) -> Incoming:
    """The message, or InvalidInput naming what is wrong with it."""
    if not _ID.match(message_id):
        raise InvalidInput("messageId must be 32 lowercase hex digits")
    if len(payload) > MAX_PAYLOAD:
        raise InvalidInput(f"payload is {len(payload)} characters; the limit is {MAX_PAYLOAD}")
    try:
        body = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"payload is not JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("kind") not in (outbox.SHARE, outbox.MOVE) \
            or not isinstance(body.get("clue_id"), str) or not body["clue_id"]:
        raise InvalidInput("payload needs a kind (clue.share or clue.move) and a clue_id")
    return Incoming(message_id, body["kind"], body["clue_id"], body,
                    outbox.payload_hash(payload))


def receipts(tx: GraphTx, clue_id: str | None = None) -> list[Receipt]:
    """Receipts of messages received (of one clue, or the first page of all)."""
    from jointsup.graph.store import Filter

    filters = [Filter("clue_id", "eq", clue_id)] if clue_id else []
    return [Receipt.from_node(n) for n in tx.list_nodes(LABEL, filters=filters,
                                                        first=1000).items]


def _first(tx: GraphTx, partner: Partner, message: Incoming) -> Receipt | None:
    """Lock the partner, then the receipt of a message seen before (None when it is new)."""
    tx.lock_node(NodeRef(partners.LABEL, partner.name))
    node = tx.get_node(NodeRef(LABEL, message.id))
    if node is None:
        return None
    tx.unlock(NodeRef(partners.LABEL, partner.name))
    seen = Receipt.from_node(node)
    if seen.payload_hash != message.digest:
        raise MessageIdReused(f"message {message.id} was received before with another payload")
    return seen


def _apply(tx: GraphTx, partner: Partner, message: Incoming, config: ClueConfig) -> Receipt:
    first = _first(tx, partner, message)
    if first is not None:
        return first
    if message.kind == outbox.SHARE:
        key = _take_copy(tx, partner, message, config)
    else:
        key = _make_move(tx, partner, message, config)
    return _store(tx, partner, message, APPLIED, None, outbox.clue_subject(key), key)


def _receipt(tx: GraphTx, partner: Partner, message: Incoming, outcome: str,
             detail: str) -> Receipt:
    first = _first(tx, partner, message)
    if first is not None:
        return first
    # Not tied to any clue of ours: a refused message may name one the partner may not see.
    return _store(tx, partner, message, outcome, detail, f"Partner:{partner.name}",
                  message.clue_id)


def _store(tx: GraphTx, partner: Partner, message: Incoming, outcome: str,
           detail: str | None, subject: str, clue_id: str) -> Receipt:
    """The audit entry and the receipt, in the transaction of the effect; `clue_id` is our key
    of the clue (for a refused message: the id the partner sent)."""
    at = outbox.stamp(datetime.now(UTC))
    action = "exchange.receive" if outcome == APPLIED else "exchange.reject"
    entry = audit.append(tx, action, subject,
                         {"message_id": message.id, "partner": partner.name,
                          "kind": message.kind, "move": message.body.get("move"),
                          "payload_hash": message.digest, "detail": detail})
    props: Props = {"message_id": message.id, "partner": partner.name, "kind": message.kind,
                    "clue_id": clue_id, "payload_hash": message.digest,
                    "received_at": at, "audit_hash": entry.hash, "outcome": outcome,
                    "detail": detail}
    tx.upsert_nodes([Node(LABEL, message.id, props),
                     Node(partners.LABEL, partner.name, {"lock": None})])
    return Receipt(message.id, clue_id, message.digest, at, entry.hash, outcome, detail)


def _take_copy(tx: GraphTx, partner: Partner, message: Incoming, config: ClueConfig) -> str:
    """Our copy of a clue the partner transferred to us (its shared fields, status
    TRANSFERRED) or asked our assistance with (status ASSISTANCE_REQUESTED) under
    `outbox.copy_key`; that key. The copy is left for the delivery worker to link
    (`services.exchange.linking`): no `linked_with` stamp."""
    shared = message.body.get("clue")
    if not isinstance(shared, dict):
        raise InvalidInput("a clue.share message needs the clue's fields")
    purpose = message.body.get("purpose", outbox.TRANSFER)
    if purpose not in (outbox.TRANSFER, outbox.ASSISTANCE):
        raise InvalidInput(f"a clue.share purpose is transfer or assistance, not {purpose!r}")
    key = outbox.copy_key(partner.name, message.clue_id)
    here = tx.lock_node(NodeRef("Clue", key))
    if here is not None and here.props.get("origin_partner") != partner.name:
        raise InvalidInput(f"clue {key!r} exists here and is not a copy of {partner.name}'s")
    fields: dict[str, PropValue] = {k: _value(v) for k, v in shared.items()
                                    if k in config.partner_fields and k != "lock"}
    tx.upsert_nodes([Node("Clue", key, {
        **fields, "id": key, "origin_id": message.clue_id, "origin_partner": partner.name,
        "status": "TRANSFERRED" if purpose == outbox.TRANSFER else "ASSISTANCE_REQUESTED",
        "copy_of": purpose, "shared_with": [partner.party], "shared": True, "lock": None,
        "linked_with": None, "updated_at": datetime.now(UTC).isoformat(timespec="seconds")})])
    record_share(tx, key, [partner.party])  # the origin's token reads it through its link
    return key


def _value(value: object) -> PropValue:
    """A received field as a property: scalars, lists of strings; anything else as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [str(v) for v in value]
    return json.dumps(value, ensure_ascii=False)


def _make_move(tx: GraphTx, partner: Partner, message: Incoming, config: ClueConfig) -> str:
    """A move the partner made on a clue exchanged with it, made here as that partner; our key
    of the clue. A clue of ours not exchanged with it reads exactly as a missing one."""
    key = outbox.copy_key(partner.name, message.clue_id)
    node = tx.get_node(NodeRef("Clue", key))
    if node is None or node.props.get("origin_partner") != partner.name:
        key = message.clue_id
        node = tx.get_node(NodeRef("Clue", key))
    try:
        move = Move(str(message.body.get("move")))
    except ValueError:
        raise InvalidInput(f"unknown move {message.body.get('move')!r}") from None
    args = message.body.get("args")
    if not isinstance(args, dict) or not all(isinstance(v, str) for v in args.values()):
        raise InvalidInput("a clue.move message needs args: an object of strings")
    if node is None:
        raise not_found(message.clue_id)
    acting = partner.acting(Role.PARTNER)  # the usual partner checks (docs/clues.md)
    allowed: frozenset[Move] = frozenset()
    if node.props.get("origin_partner") == partner.name:
        allowed, acting = outbox.TO_HOLDER, partner.acting(Role.COORDINATOR)  # on our copy
    else:
        if node.props.get("exchange_partner") == partner.name:  # the holder
            allowed = outbox.TO_ORIGIN
            relayed = _relayed(tx, partner, node) if move is Move.PROVIDE_ASSISTANCE else None
            if relayed is not None:
                allowed, acting = allowed | {move}, relayed
        if partner.name in (node.props.get("assist_partners") or []):  # type: ignore[operator]
            allowed = allowed | outbox.FROM_ASKED  # a partner asked for assistance
        if not allowed:
            raise not_found(message.clue_id)
    if move not in allowed:
        raise Forbidden(f"a partner may not {move} this clue through the exchange")
    apply_in(tx, acting, Call(move, key, dict(args)), message.id, config)
    return key


def _relayed(tx: GraphTx, partner: Partner, node: Node) -> Principal | None:
    """The asked party, when the holder asked an agency of its own region (not one of our
    partners) for assistance and reports its answer: the move is made as that party."""
    asked = node.props.get("assistance_from")
    if not isinstance(asked, str) or "|" not in asked:
        return None
    region, agency = asked.split("|", 1)
    if region != partner.region or asked == partner.party \
            or partners.by_party(tx, asked) is not None:
        return None
    return Principal(partner.acting(Role.PARTNER).token_id, Role.PARTNER, region, agency)
