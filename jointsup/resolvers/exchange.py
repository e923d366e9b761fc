"""Clue exchange between two instances over GraphQL (issue 6): receive, receipts, the event feed.

docs/exchange.md. `receiveClueMessage` is what a partner's delivery worker calls with the token
we gave it; `clueEvents` is the feed a partner (or our own staff) follows; `exchangeMessages`
shows a clue's outbox messages and receipts to internal callers.
"""

from __future__ import annotations

import strawberry
from starlette.concurrency import run_in_threadpool

from jointsup.graph.store import Filter, GraphTx
from jointsup.model import NodeRef
from jointsup.resolvers.clues import clue_key
from jointsup.resolvers.relay import encode_id
from jointsup.resolvers.types import Ctx
from jointsup.services.clues import default_config
from jointsup.services.clues.sharing import require_visible
from jointsup.services.exchange import events, outbox, receive
from jointsup.services.policy import require_internal


@strawberry.type(description="The receiver's receipt for one exchange message (kept on both "
                             "sides).")
class ExchangeReceipt:
    message_id: str
    clue_id: str
    payload_hash: str = strawberry.field(description="SHA-256 of the payload as received.")
    received_at: str
    audit_hash: str = strawberry.field(description="Hash of the receiver's audit entry.")
    outcome: str = strawberry.field(description="APPLIED, or REJECTED with `detail`.")
    detail: str | None


@strawberry.type(description="An outbox message to a partner and its delivery state.")
class ExchangeMessage:
    message_id: str
    partner: str
    kind: str = strawberry.field(description="clue.share or clue.move.")
    status: str = strawberry.field(description="PENDING, DELIVERED, REJECTED or FAILED.")
    attempts: int
    payload_hash: str
    receipt_audit_hash: str | None
    last_error: str | None


@strawberry.type(description="A clue's exchange traffic on this instance.")
class ExchangeLog:
    sent: list[ExchangeMessage]
    received: list[ExchangeReceipt]


@strawberry.type(description="A change of a clue (an audit entry about it).")
class ClueEvent:
    seq: int
    at: str
    action: str
    clue_id: strawberry.ID = strawberry.field(description="The clue's global id.")
    payload: str | None = strawberry.field(description="Details (JSON); null for partners.")


@strawberry.type(description="A page of clue events; pass `cursor` as `after` for the next.")
class ClueEventPage:
    events: list[ClueEvent]
    cursor: str
    has_next_page: bool


def _receipt(r: receive.Receipt) -> ExchangeReceipt:
    return ExchangeReceipt(message_id=r.message_id, clue_id=r.clue_id,
                           payload_hash=r.payload_hash, received_at=r.received_at,
                           audit_hash=r.audit_hash, outcome=r.outcome, detail=r.detail)


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None


@strawberry.type
class ExchangeQuery:
    """Root query fields of the exchange; merged into `Query`."""

    @strawberry.field(description="Changes of the clues the caller may see, oldest first, after "
                                  "`after` (a cursor from an earlier page; default: the start).")
    async def clue_events(self, info: Ctx, after: str | None = None,
                          first: int = 50) -> ClueEventPage:
        ctx = info.context
        start = int(after) if after and after.isdigit() else 0
        page = await run_in_threadpool(events.clue_events, ctx.store, ctx.principal, start,
                                       first)
        return ClueEventPage(events=[ClueEvent(seq=e.seq, at=e.at, action=e.action,
                                               clue_id=strawberry.ID(encode_id("Clue", e.clue_id)),
                                               payload=e.payload) for e in page.events],
                             cursor=str(page.cursor), has_next_page=page.has_next)

    @strawberry.field(description="A clue's outbox messages and receipts (internal callers).")
    async def exchange_messages(self, info: Ctx, clue_id: strawberry.ID) -> ExchangeLog:
        ctx = info.context
        require_internal(ctx.principal)
        key = clue_key(clue_id)

        def read(tx: GraphTx) -> ExchangeLog:
            require_visible(ctx.principal, tx.get_node(NodeRef("Clue", key)), key)
            sent = tx.list_nodes(outbox.LABEL, filters=[Filter("clue_id", "eq", key)],
                                 order_by="created_at", first=1000).items
            return ExchangeLog(
                sent=[ExchangeMessage(
                    message_id=n.key, partner=str(n.props.get("partner")),
                    kind=str(n.props.get("kind")), status=str(n.props.get("status")),
                    attempts=int(str(n.props.get("attempts") or 0)),
                    payload_hash=str(n.props.get("payload_hash")),
                    receipt_audit_hash=_opt(n.props.get("receipt_audit_hash")),
                    last_error=_opt(n.props.get("last_error"))) for n in sent],
                received=[_receipt(r) for r in receive.receipts(tx, key)])

        return await run_in_threadpool(ctx.store.read, read)


@strawberry.type
class ExchangeMutation:
    """Root mutations of the exchange; merged into `Mutation`."""

    @strawberry.mutation(description="Receive one message from a partner instance (its delivery "
                                      "worker calls this with the token we gave it). Idempotent: "
                                      "a message id already received returns its first receipt.")
    async def receive_clue_message(self, info: Ctx, message_id: str,
                                   payload: str) -> ExchangeReceipt:
        ctx = info.context
        found = await run_in_threadpool(receive.receive, ctx.store, ctx.principal, message_id,
                                        payload, default_config())
        return _receipt(found)


__all__ = ["ClueEvent", "ClueEventPage", "ExchangeLog", "ExchangeMessage", "ExchangeMutation",
           "ExchangeQuery", "ExchangeReceipt"]
