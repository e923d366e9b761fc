"""The clue lifecycle and the Sichuan–Chongqing clue exchange (线索移送、协查、反馈)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import TypeVar

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node as StoreNode
from jointsup.resolvers.relay import Connection, Edge, decode_id, encode_id, slice_connection
from jointsup.resolvers.types import Clue, Ctx
from jointsup.services import clues
from jointsup.services.clues import sharing
from jointsup.services.policy import Principal

T = TypeVar("T")


def clue_loader(info: Ctx) -> DataLoader[str, StoreNode | None]:
    """This request's clue loader: batches every clue read of one request into one store call
    (for partners: one transaction that also writes the `clue.view` audit entries)."""
    state = info.context.area_state
    loader = state.get("clues.visible")
    if isinstance(loader, DataLoader):
        return loader
    store, principal = info.context.store, info.context.principal

    async def load(keys: list[str]) -> Sequence[StoreNode | None]:
        return await run_in_threadpool(clues.load_visible, store, principal, keys,
                                       clues.default_config())

    fresh: DataLoader[str, StoreNode | None] = DataLoader(load_fn=load)
    state["clues.visible"] = fresh
    return fresh


async def visible_clue(info: Ctx, key: str) -> Clue | None:
    """The clue as the caller may see it, or None exactly as for a clue that does not exist;
    `node(id)` uses this too."""
    node = await clue_loader(info).load(key)
    return Clue(raw=node) if node else None


async def visible_clue_page(info: Ctx, nodes: Sequence[StoreNode], first: int | None,
                            after: str | None) -> Connection[Clue]:
    """A page of clues (e.g. an enterprise's) as the caller may see them: those not shared with
    a partner are left out before paging, the page is read through the request's clue loader,
    so it is scoped, masked and view-audited exactly as `clue(id)`."""
    principal = info.context.principal
    mine = [n for n in nodes if sharing.visible(principal, n)]
    return await loaded_page(info, mine, first, after, lambda n: Clue(raw=n))


async def loaded_page(info: Ctx, nodes: Sequence[StoreNode], first: int | None,
                      after: str | None, wrap: Callable[[StoreNode], T]) -> Connection[T]:
    """A page of `nodes` (keyed by clue key) read through the request's clue loader — scoped,
    masked and view-audited — each kept clue wrapped by `wrap`."""
    page = slice_connection(nodes, first, after, lambda n: n.key)
    loaded = await clue_loader(info).load_many([e.node for e in page.edges])
    edges = [Edge(cursor=e.cursor, node=wrap(n))
             for e, n in zip(page.edges, loaded, strict=True) if n]
    return Connection(edges=edges, page_info=page.page_info, total_count=page.total_count)


@strawberry.type(description="A clue in the exchange: the clue (sharing scope applied) and "
                             "where it is in its lifecycle (docs/clues.md).")
class ClueCase:
    raw: strawberry.Private[StoreNode]
    replayed: bool = strawberry.field(
        default=False, description="True when an idempotency key replayed the first result.")

    @strawberry.field
    def clue(self) -> Clue:
        return Clue(raw=self.raw)

    @strawberry.field
    def clue_id(self) -> str:
        return self.raw.key

    @strawberry.field
    def status(self) -> str:
        return str(self.raw.props.get("status") or "")

    @strawberry.field(description="Moves legal from the current status.")
    def allowed_moves(self) -> list[str]:
        status = str(self.raw.props.get("status"))
        known = {s.value for s in clues.State}
        return clues.allowed_moves(clues.State(status)) if status in known else []

    @strawberry.field(description="Department the clue was routed to (分流).")
    def routed_to(self) -> str | None:
        return _str(self.raw, "routed_to")

    @strawberry.field(description="Party it was transferred to: `region|agency`.")
    def transferred_to(self) -> str | None:
        return _str(self.raw, "transferred_to")

    @strawberry.field(description="Party asked for assistance (协查): `region|agency`.")
    def assistance_from(self) -> str | None:
        return _str(self.raw, "assistance_from")

    @strawberry.field(description="Accept or refuse by this date (ISO).")
    def accept_due(self) -> str | None:
        return _str(self.raw, "accept_due")

    @strawberry.field(description="Verify and feed back by this date (ISO).")
    def verify_due(self) -> str | None:
        return _str(self.raw, "verify_due")

    @strawberry.field
    def refuse_reason(self) -> str | None:
        return _str(self.raw, "refuse_reason")

    @strawberry.field(description="The result fed back (反馈).")
    def result(self) -> str | None:
        return _str(self.raw, "result")

    @strawberry.field(description="Evidence references attached, oldest first.")
    def evidence(self) -> list[str]:
        value = self.raw.props.get("evidence")
        return [str(v) for v in value] if isinstance(value, list) else []

    @strawberry.field(description="Complainant's name; masked for partners.")
    def complainant_name(self) -> str | None:
        return _str(self.raw, "complainant_name")

    @strawberry.field(description="Complainant's phone; masked for partners.")
    def complainant_phone(self) -> str | None:
        return _str(self.raw, "complainant_phone")


@strawberry.type(description="A clue past a deadline.")
class OverdueClue:
    case: ClueCase
    deadline: str = strawberry.field(description="accept or verify.")
    due: str
    working_days_late: int


@strawberry.type(description="One audit entry of a clue's history.")
class AuditRecord:
    seq: int
    at: str
    action: str
    hash: str
    payload: str | None = strawberry.field(
        description="Canonical JSON of the details; null for partners.")


def _str(node: StoreNode, name: str) -> str | None:
    value = node.props.get(name)
    return value if isinstance(value, str) else None


def clue_key(clue_id: strawberry.ID | str) -> str:
    """A clue's key from its global id or its plain id."""
    text = str(clue_id).strip()
    try:
        ref = decode_id(text)
    except InvalidInput:
        return text
    return ref.key if ref.label == "Clue" else text


@strawberry.type
class ClueQuery:
    """Root query fields for clues; merged into `Query`."""

    @strawberry.field(description="One clue by its global or plain id; null when it does not "
                                  "exist or is not shared with the caller.")
    async def clue(self, info: Ctx, id: strawberry.ID) -> ClueCase | None:
        node = await clue_loader(info).load(clue_key(id))
        return ClueCase(raw=node) if node else None

    @strawberry.field(description="Clues shared with partners (a partner: with it), newest "
                                  "first.")
    async def shared_clues(self, info: Ctx, first: int | None = None,
                           after: str | None = None) -> Connection[ClueCase]:
        ctx = info.context
        found = await run_in_threadpool(clues.shared_clues, ctx.store, ctx.principal)
        return await loaded_page(info, found, first, after, lambda n: ClueCase(raw=n))

    @strawberry.field(description="Clues past their accept or verify deadline on `asOf` "
                                  "(default today), oldest due first.")
    async def overdue_clues(self, info: Ctx, first: int | None = None, after: str | None = None,
                            as_of: datetime.date | None = None) -> Connection[OverdueClue]:
        ctx = info.context
        day = as_of or clues.today()
        found = await run_in_threadpool(clues.overdue, ctx.store, ctx.principal,
                                        clues.default_config(), day)
        page = slice_connection(found, first, after, lambda o: o)
        nodes = await clue_loader(info).load_many([e.node.clue.key for e in page.edges])
        edges = [Edge(cursor=e.cursor, node=OverdueClue(
            case=ClueCase(raw=n), deadline=e.node.deadline, due=e.node.due,
            working_days_late=e.node.working_days_late))
            for e, n in zip(page.edges, nodes, strict=True) if n]
        return Connection(edges=edges, page_info=page.page_info, total_count=page.total_count)

    @strawberry.field(description="A clue's audit history; NOT_FOUND as for a missing clue "
                                  "when the caller may not see it.")
    async def audit_trail(self, info: Ctx, clue_id: strawberry.ID) -> list[AuditRecord]:
        ctx = info.context
        found = await run_in_threadpool(clues.trail, ctx.store, ctx.principal,
                                        clue_key(clue_id))
        internal = sharing.is_internal(ctx.principal)
        return [AuditRecord(seq=e.seq, at=e.at, action=e.action, hash=e.hash,
                            payload=e.payload if internal else None) for e in found]


async def _apply(info: Ctx, move: clues.Move, clue_id: strawberry.ID, key: str,
                 **args: str | None) -> ClueCase:
    ctx = info.context
    call = clues.Call(move, clue_key(clue_id), {k: v for k, v in args.items() if v is not None})
    return await _run(ctx.store, ctx.principal, lambda: clues.apply(
        ctx.store, ctx.principal, call, key, clues.default_config()))


async def _run(store: BaseGraphStore, principal: Principal,
               fn: Callable[[], tuple[StoreNode, bool]]) -> ClueCase:
    node, replayed = await run_in_threadpool(fn)
    return ClueCase(raw=sharing.scoped(principal, node, clues.default_config()),
                    replayed=replayed)


_KEY = "Idempotency key: a repeated call with the same key returns the first result."


@strawberry.type
class ClueMutation:
    """Root mutations of the clue lifecycle; merged into `Mutation`."""

    @strawberry.mutation(description="Register a clue (登记) and link its text to enterprises, "
                                     "places, laws, a category and departments. " + _KEY)
    async def register_clue(self, info: Ctx, text: str, channel: str, idempotency_key: str,
                            region_code: str | None = None, respondent_name: str | None = None,
                            complainant_name: str | None = None,
                            complainant_phone: str | None = None) -> ClueCase:
        ctx = info.context
        new = clues.NewClue(text, channel.strip().lower(), region_code, respondent_name,
                            complainant_name, complainant_phone)
        return await _run(ctx.store, ctx.principal, lambda: clues.register(
            ctx.store, ctx.principal, new, idempotency_key))

    @strawberry.mutation(description="Route (分流) to a department. " + _KEY)
    async def route_clue(self, info: Ctx, clue_id: strawberry.ID, department: str,
                         idempotency_key: str) -> ClueCase:
        return await _apply(info, clues.Move.ROUTE, clue_id, idempotency_key,
                            department=department)

    @strawberry.mutation(description="Transfer (移送) to a partner region and agency; shares "
                                     "the clue with it. " + _KEY)
    async def transfer_clue(self, info: Ctx, clue_id: strawberry.ID, region: str,
                            department: str, idempotency_key: str,
                            note: str | None = None) -> ClueCase:
        return await _apply(info, clues.Move.TRANSFER, clue_id, idempotency_key, region=region,
                            department=department, note=note)

    @strawberry.mutation(description="Accept (受理): a transferred clue by its receiver, or a "
                                     "routed clue handled locally. " + _KEY)
    async def accept_clue(self, info: Ctx, clue_id: strawberry.ID, idempotency_key: str,
                          note: str | None = None) -> ClueCase:
        return await _apply(info, clues.Move.ACCEPT, clue_id, idempotency_key, note=note)

    @strawberry.mutation(description="Refuse (不予受理) a transferred clue; a reason is "
                                     "required. " + _KEY)
    async def refuse_clue(self, info: Ctx, clue_id: strawberry.ID, reason: str,
                          idempotency_key: str) -> ClueCase:
        return await _apply(info, clues.Move.REFUSE, clue_id, idempotency_key, reason=reason)

    @strawberry.mutation(description="Request assistance (协查) from a region and agency; shares "
                                     "the clue with it. " + _KEY)
    async def request_assistance(self, info: Ctx, clue_id: strawberry.ID, region: str,
                                 department: str, idempotency_key: str,
                                 note: str | None = None) -> ClueCase:
        return await _apply(info, clues.Move.REQUEST_ASSISTANCE, clue_id, idempotency_key,
                            region=region, department=department, note=note)

    @strawberry.mutation(description="Provide the assistance requested. " + _KEY)
    async def provide_assistance(self, info: Ctx, clue_id: strawberry.ID, idempotency_key: str,
                                 note: str | None = None) -> ClueCase:
        return await _apply(info, clues.Move.PROVIDE_ASSISTANCE, clue_id, idempotency_key,
                            note=note)

    @strawberry.mutation(description="Feed back (反馈) the result of the verification. " + _KEY)
    async def feed_back(self, info: Ctx, clue_id: strawberry.ID, result: str,
                        idempotency_key: str) -> ClueCase:
        return await _apply(info, clues.Move.FEEDBACK, clue_id, idempotency_key, result=result)

    @strawberry.mutation(description="Extend the verification deadline once (by the configured "
                                     "working days); a reason is required. " + _KEY)
    async def extend_verification(self, info: Ctx, clue_id: strawberry.ID, reason: str,
                                  idempotency_key: str) -> ClueCase:
        return await _apply(info, clues.Move.EXTEND, clue_id, idempotency_key, reason=reason)

    @strawberry.mutation(description="Close (办结) the clue. " + _KEY)
    async def close_clue(self, info: Ctx, clue_id: strawberry.ID, idempotency_key: str,
                         note: str | None = None) -> ClueCase:
        return await _apply(info, clues.Move.CLOSE, clue_id, idempotency_key, note=note)

    @strawberry.mutation(description="Attach a piece of evidence (a reference or short "
                                     "description); any state but CLOSED. " + _KEY)
    async def attach_evidence(self, info: Ctx, clue_id: strawberry.ID, evidence: str,
                              idempotency_key: str) -> ClueCase:
        return await _apply(info, clues.Move.ATTACH_EVIDENCE, clue_id, idempotency_key,
                            evidence=evidence)


__all__ = ["AuditRecord", "ClueCase", "ClueMutation", "ClueQuery", "OverdueClue", "clue_key",
           "encode_id", "loaded_page", "visible_clue", "visible_clue_page"]
