"""The outbox (发件箱): messages to partners, written in the same transaction as the move.

`on_move` runs inside every clue move's transaction (`services.clues.ops.apply_in`): a transfer
to a configured partner writes a `clue.share` message carrying the clue as that partner may see
it, and so does an assistance request (协查) to a configured partner that does not hold the clue
(purpose `assistance`); later moves on a clue exchanged with a partner write `clue.move`
messages — the holder's moves (accept, refuse, assistance requests, feedback …) to the origin,
the origin's (its own assistance requests, assistance provided — only when the holder's copy
asked for it too —, evidence, close) to the holder, an asked partner's
(assistance provided, evidence) to the origin. A move that arrived from a partner is never sent
back to that partner, but it is passed on to the others it concerns: a third party's assistance
reaches the holder through the origin. A refusal ends the holding: the origin's clue forgets
its holder (`exchange_partner`), and a refused copy reports nothing more.
The delivery worker (`deliver`) posts pending messages in order, one partner at a time, and
records the partner's receipt or the failed attempt here.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jointsup.errors import NotFound
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node, NodeRef, Props
from jointsup.services import audit
from jointsup.services.clues.config import ClueConfig
from jointsup.services.clues.lifecycle import Move, State
from jointsup.services.clues.sharing import scoped
from jointsup.services.exchange import partners  # a module: partners imports clues first
from jointsup.services.exchange.config import ExchangeConfig
from jointsup.services.policy import Principal, Role

LABEL = "ExchangeMessage"
SHARE, MOVE = "clue.share", "clue.move"
PENDING, DELIVERED, REJECTED, FAILED = "PENDING", "DELIVERED", "REJECTED", "FAILED"
# Moves the holder of a received copy makes that the origin must learn, and the reverse.
TO_ORIGIN = frozenset({Move.ACCEPT, Move.REFUSE, Move.REQUEST_ASSISTANCE, Move.FEEDBACK,
                       Move.EXTEND, Move.ATTACH_EVIDENCE})
TO_HOLDER = frozenset({Move.REQUEST_ASSISTANCE, Move.PROVIDE_ASSISTANCE, Move.ATTACH_EVIDENCE,
                       Move.CLOSE})
# What a partner asked for assistance (not the holder) reports back to the origin.
FROM_ASKED = frozenset({Move.PROVIDE_ASSISTANCE, Move.ATTACH_EVIDENCE})
TRANSFER, ASSISTANCE = "transfer", "assistance"  # why a clue.share was sent (its `purpose`)
ROUND = 200  # messages one delivery round looks at
# On the origin's clue, set by each assistance request while a partner holds it: whether the
# holder's copy waits for the answer too (its own request, or the origin's made there as well).
# Only then does `provideAssistance` go to the holder.
HOLDER_ASKED = "holder_asked"


@dataclass(frozen=True)
class Message:
    """One outbox message as stored."""

    id: str
    partner: str
    kind: str
    clue_id: str
    payload: str
    payload_hash: str
    status: str
    attempts: int
    next_at: str

    @classmethod
    def from_node(cls, node: Node) -> Message:
        """The message a stored node holds."""
        p = node.props
        attempts = p.get("attempts")
        return cls(node.key, str(p.get("partner")), str(p.get("kind")), str(p.get("clue_id")),
                   str(p.get("payload")), str(p.get("payload_hash")), str(p.get("status")),
                   attempts if isinstance(attempts, int) else 0, str(p.get("next_at")))


def stamp(at: datetime) -> str:
    """Times of the exchange: UTC with microseconds (they order the outbox)."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def payload_hash(payload: str) -> str:
    """The digest both sides compute over a message's payload text."""
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def copy_key(origin: str, clue_id: str) -> str:
    """Our key for a copy of partner `origin`'s clue `clue_id`: its own namespace, so a copy can
    never collide with (or reveal) a clue of ours or of another partner."""
    return f"{clue_id}@{origin}"


def clue_subject(clue_id: str) -> str:
    """The audit subject of a clue (as `ops.subject`; `ops` imports this module)."""
    return f"Clue:{clue_id}"


def on_move(tx: GraphTx, principal: Principal, move: Move, args: dict[str, str], before: Node,
            after: Node, config: ClueConfig) -> None:
    """Enqueue what a move on a clue must tell a partner (called in the move's transaction).
    A move received from a partner is never sent back to it (`sender`)."""
    sender = partners.sender_of(principal)
    body: dict[str, Any] = {"move": move.value, "args": args}
    origin = before.props.get("origin_partner")
    if isinstance(origin, str):  # our copy of a partner's clue
        _report_to_origin(tx, origin, sender, move, body, before, after)
        return
    holder = _holder(tx, move, before, after)
    if move is Move.TRANSFER:
        _on_transfer(tx, sender, after, config)
    elif move is Move.REQUEST_ASSISTANCE:
        _on_request_assistance(tx, holder, sender, body, before, after, config)
    elif move is Move.PROVIDE_ASSISTANCE and before.props.get(HOLDER_ASKED) is False:
        return  # the holder's copy was not asked (the origin asked the holder itself)
    elif isinstance(holder, str) and move in TO_HOLDER and holder != sender:
        enqueue(tx, holder, MOVE, after.key, body)


def _report_to_origin(tx: GraphTx, origin: str, sender: str | None, move: Move,
                      body: dict[str, Any], before: Node, after: Node) -> None:
    """On our copy of a partner's clue: report the moves the origin waits for back to it."""
    back = FROM_ASKED if before.props.get("copy_of") == ASSISTANCE else TO_ORIGIN
    if move is Move.PROVIDE_ASSISTANCE and _asked_here(tx, origin, before):
        back = back | {move}  # an agency of ours asked by the holder (us) answered
    if before.props.get("status") == State.REFUSED:
        return  # we refused it: we hold it no more, what we add to our copy is ours
    if move in back and origin != sender:
        enqueue(tx, origin, MOVE, after.key, body, str(before.props.get("origin_id")))


def _holder(tx: GraphTx, move: Move, before: Node, after: Node) -> str | None:
    """The partner holding our clue after `move`, if any. A holder that refused holds it no
    more, so no later move goes to its copy (the copy and both audits keep the history); a clue
    refused before this rule loses its stale holder on its next move from REFUSED."""
    holder = before.props.get("exchange_partner")
    if not isinstance(holder, str):
        return None
    if move is Move.REFUSE or before.props.get("status") == State.REFUSED:
        tx.upsert_nodes([Node("Clue", after.key, {"exchange_partner": None, HOLDER_ASKED: None})])
        return None
    return holder


def _on_transfer(tx: GraphTx, sender: str | None, after: Node, config: ClueConfig) -> None:
    """A transfer to a configured partner: it holds the clue now and gets it."""
    partner = partners.by_party(tx, after.props.get("transferred_to"))
    if partner is not None and partner.name != sender:
        tx.upsert_nodes([Node("Clue", after.key, {"exchange_partner": partner.name})])
        _share(tx, partner, after, config, TRANSFER)


def _on_request_assistance(tx: GraphTx, holder: str | None, sender: str | None,
                           body: dict[str, Any], before: Node, after: Node,
                           config: ClueConfig) -> None:
    """The origin's own request, or the holder's (received) naming a third party: a configured
    partner other than the holder gets the clue, once per request; the holder's copy is asked
    too when it must wait for the same answer the origin waits for."""
    party = after.props.get("assistance_from")
    asked = partners.by_party(tx, party)
    props: Props = {}
    if asked is not None and asked.name not in (holder, sender):
        named = [str(n) for n in before.props.get("assist_partners") or []]  # type: ignore[union-attr]
        if asked.name not in named:
            props["assist_partners"] = [*named, asked.name]
        _share(tx, asked, after, config, ASSISTANCE)
    if holder is not None:
        # The origin's own request (not one naming the holder itself) is made there too.
        held = partners.by_name(tx, holder)
        mirrored = holder != sender and (held is None or party != held.party)
        props[HOLDER_ASKED] = holder == sender or mirrored
        if mirrored:
            enqueue(tx, holder, MOVE, after.key, body)
    if props:
        tx.upsert_nodes([Node("Clue", after.key, props)])


def _asked_here(tx: GraphTx, origin: str, copy: Node) -> bool:
    """Whether the assistance on our (the holder's) copy was asked of a party other than the
    origin: an agency of our region, whose answer we record and report to the origin."""
    source = partners.by_name(tx, origin)
    asked = copy.props.get("assistance_from")
    return isinstance(asked, str) and source is not None and asked != source.party


def _share(tx: GraphTx, partner: partners.Partner, clue: Node, config: ClueConfig,
           purpose: str) -> None:
    """A `clue.share` message: the clue as `partner` may see it (scope, masking)."""
    seen = scoped(partner.acting(Role.PARTNER), clue, config)
    body: dict[str, Any] = {"clue": seen.props}
    if purpose != TRANSFER:  # a transfer's payload is as it always was
        body["purpose"] = purpose
    enqueue(tx, partner.name, SHARE, clue.key, body)


def enqueue(tx: GraphTx, partner: str, kind: str, clue_id: str, body: dict[str, Any],
            remote_id: str | None = None) -> str:
    """Write a PENDING message and its audit entry in `tx`; the message id. `clue_id` is ours,
    `remote_id` the id the partner knows the clue by (for a copy: the origin's id)."""
    message_id, at = uuid.uuid4().hex, stamp(datetime.now(UTC))
    text = audit.canonical({"kind": kind, "clue_id": remote_id or clue_id, **body})
    digest = payload_hash(text)
    tx.upsert_nodes([Node(LABEL, message_id, {
        "id": message_id, "partner": partner, "kind": kind, "clue_id": clue_id, "payload": text,
        "payload_hash": digest, "status": PENDING, "attempts": 0, "created_at": at,
        "next_at": at})])
    audit.append(tx, "exchange.outbox", clue_subject(clue_id),
                 {"message_id": message_id, "partner": partner, "kind": kind,
                  "payload_hash": digest})
    return message_id


def pending(tx: GraphTx) -> list[Message]:
    """The oldest pending messages, in the order they were written."""
    page = tx.list_nodes(LABEL, filters=[Filter("status", "eq", PENDING)],
                         order_by="created_at", first=ROUND)
    return [Message.from_node(n) for n in page.items]


def backoff(attempt: int, config: ExchangeConfig,
            rand: Callable[[], float] = random.random) -> float:
    """Seconds before attempt `attempt + 1`: exponential, capped, with jitter (half to full)."""
    delay: float = min(config.max_delay_s, config.base_delay_s * 2.0 ** max(attempt - 1, 0))
    return delay * (0.5 + rand() / 2)


def record_failure(store: BaseGraphStore, message: Message, error: str,
                   config: ExchangeConfig, at: datetime) -> str:
    """Count a failed attempt: schedule the next one, or give up (FAILED) after the last."""

    def write(tx: GraphTx) -> str:
        node = _locked_pending(tx, message)
        if node is None:
            return "DONE"  # delivered meanwhile (another worker)
        attempts = Message.from_node(node).attempts + 1
        props: Props = {"attempts": attempts, "last_error": error[:500], "lock": None,
                        "last_attempt_at": stamp(at)}
        if attempts >= config.max_attempts:
            props["status"] = FAILED
            audit.append(tx, "exchange.failed", clue_subject(message.clue_id),
                         {"message_id": message.id, "partner": message.partner,
                          "attempts": attempts, "error": error[:500]})
        else:
            props["next_at"] = stamp(at + timedelta(seconds=backoff(attempts, config)))
        tx.upsert_nodes([Node(LABEL, message.id, props)])
        return str(props.get("status", PENDING))

    return store.transaction(write)


def record_receipt(store: BaseGraphStore, message: Message, receipt: dict[str, Any],
                   at: datetime) -> str:
    """Store the partner's receipt on the message and audit the send, in one transaction."""
    outcome = str(receipt.get("outcome"))
    status = DELIVERED if outcome == "APPLIED" else REJECTED

    def write(tx: GraphTx) -> str:
        node = _locked_pending(tx, message)
        if node is None:
            return "DONE"  # another worker stored it first
        tx.upsert_nodes([Node(LABEL, message.id, {
            "status": status, "lock": None, "delivered_at": stamp(at),
            "attempts": Message.from_node(node).attempts + 1,
            "receipt_received_at": str(receipt.get("receivedAt")),
            "receipt_audit_hash": str(receipt.get("auditHash")),
            "receipt_payload_hash": str(receipt.get("payloadHash")),
            "receipt_outcome": outcome, "receipt_detail": receipt.get("detail")})])
        audit.append(tx, "exchange.send", clue_subject(message.clue_id),
                     {"message_id": message.id, "partner": message.partner,
                      "payload_hash": message.payload_hash, "outcome": outcome,
                      "receipt_audit_hash": receipt.get("auditHash"),
                      "received_at": receipt.get("receivedAt")})
        return status

    return store.transaction(write)


def _locked_pending(tx: GraphTx, message: Message) -> Node | None:
    """The message, locked, while it is still PENDING; None (unlocked) once it is not."""
    node = tx.lock_node(NodeRef(LABEL, message.id))
    if node is None:
        raise NotFound(f"no outbox message {message.id!r}")  # rolls back the lock's stub
    if node.props.get("status") != PENDING:
        tx.unlock(node.ref)
        return None
    return node


def retry_failed(store: BaseGraphStore, partner: str | None = None) -> int:
    """Put FAILED messages (of one partner, or all) back in the queue; how many."""

    def write(tx: GraphTx) -> int:
        filters = [Filter("status", "eq", FAILED)]
        found = [Message.from_node(n) for n in tx.list_nodes(LABEL, filters=filters,
                                                             first=1000).items]
        again = [m for m in found if partner is None or m.partner == partner]
        now = stamp(datetime.now(UTC))
        tx.upsert_nodes([Node(LABEL, m.id, {"status": PENDING, "attempts": 0, "next_at": now})
                         for m in again])
        return len(again)

    return store.transaction(write)
