"""The GraphQL schema: the root Query and its construction."""

from __future__ import annotations

import datetime

import strawberry
from starlette.concurrency import run_in_threadpool
from strawberry.types.base import get_object_definition

from jointsup.errors import InvalidInput
from jointsup.resolvers.clues import ClueMutation, ClueQuery, visible_clue
from jointsup.resolvers.exchange import ExchangeMutation, ExchangeQuery
from jointsup.resolvers.explore import ExploreQuery
from jointsup.resolvers.jobs import JobMutation, JobQuery
from jointsup.resolvers.plans import PlanMutation, PlanQuery
from jointsup.resolvers.relay import (
    Connection,
    Edge,
    PageInfo,
    decode_id,
    offset_cursor,
    page_size,
    parse_offset,
    slice_connection,
)
from jointsup.resolvers.risk import RiskMutation, RiskQuery
from jointsup.resolvers.types import (
    AffectedItem,
    ApplicableItem,
    Article,
    Ctx,
    Department,
    Enterprise,
    JointSupervision,
    NodeInterface,
    enterprise_by_uscc,
    joint_supervision,
    wrap,
)
from jointsup.services import laws, search, supervision
from jointsup.services.policy import require_internal
from jointsup.services.visibility import opaque_person_key


@strawberry.type(description="One search hit: the enterprise and what matched.")
class EnterpriseSearchEdge:
    cursor: str
    node: Enterprise
    matched_field: str = strawberry.field(
        description="name, tradeName, formerName or uscc.")
    matched_text: str = strawberry.field(description="The text of the field that matched.")
    score: float = strawberry.field(
        description="1 exact; 0.8–0.99 contains the query; ≤ 0.75 fuzzy (typo-tolerant).")


@strawberry.type(description="Ranked enterprise search results.")
class EnterpriseSearchConnection:
    edges: list[EnterpriseSearchEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type
class Query(ExploreQuery, RiskQuery, PlanQuery, ClueQuery, JobQuery, ExchangeQuery):
    @strawberry.field(description="Any node by its global id (Relay).")
    async def node(self, info: Ctx, id: strawberry.ID) -> NodeInterface | None:
        ref = decode_id(id)
        if ref.label == "Person" and ref.key != opaque_person_key(info.context.principal,
                                                                  ref.key):
            return None  # callers who see masked people cannot resolve a person's id
        if ref.label == "Clue":  # partners resolve only clues shared with them (docs/clues.md)
            return await visible_clue(info, ref.key)
        found = await info.context.loaders.node(ref.label).load(ref.key)
        return wrap(found) if found else None

    @strawberry.field(description="One enterprise by its USCC.")
    async def enterprise(self, info: Ctx, uscc: str) -> Enterprise | None:
        return await enterprise_by_uscc(info, uscc)

    @strawberry.field(description="Enterprises by full name, short trade name (字号), former name "
                                  "or USCC prefix; typo-tolerant and ranked. `region` is a region "
                                  "code (everything inside it), `industry` a code at any level.")
    async def search_enterprises(self, info: Ctx, query: str, first: int | None = None,
                                 after: str | None = None, region: str | None = None,
                                 industry: str | None = None,
                                 status: str | None = None) -> EnterpriseSearchConnection:
        size = page_size(first)
        start = parse_offset(after)
        if len(query) > 200:
            raise InvalidInput("query is longer than 200 characters")
        hits = await run_in_threadpool(
            lambda: search.search_enterprises(info.context.store, query, region=region,
                                              industry=industry, status=status))
        chunk = hits[start:start + size]
        nodes = await info.context.loaders.node("Enterprise").load_many([h.uscc for h in chunk])
        edges = [EnterpriseSearchEdge(cursor=offset_cursor(start + i), node=Enterprise(raw=n),
                                      matched_field=h.field, matched_text=h.text, score=h.score)
                 for i, (h, n) in enumerate(zip(chunk, nodes, strict=True)) if n is not None]
        return EnterpriseSearchConnection(
            edges=edges, total_count=len(hits),
            page_info=PageInfo(has_next_page=start + size < len(hits),
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="For one enterprise: every department that supervises it, "
                                  "with the items, their legal basis, the implementation at the "
                                  "department's level and the last inspection of each.")
    async def joint_supervision(self, info: Ctx, uscc: str) -> JointSupervision | None:
        return await joint_supervision(info, uscc)

    @strawberry.field(description="Items that apply to an industry (the code or any ancestor). "
                                  "With `region`, each lists the responsible departments there.")
    async def items_for_industry(self, info: Ctx, code: str, region: str | None = None,
                                 first: int | None = None,
                                 after: str | None = None) -> Connection[ApplicableItem]:
        target = supervision.Target("q", code.strip().upper(), region.strip() if region else None)
        found = await run_in_threadpool(
            info.context.store.read, lambda tx: supervision.applicable_items(tx, [target]))
        return slice_connection(found["q"], first, after, lambda a: ApplicableItem(data=a))

    @strawberry.field(description="Article `number` of a law (official or short title), in the "
                                  "version in force on `asOf` (default: the current version).")
    async def article(self, info: Ctx, law: str, number: int,
                      as_of: datetime.date | None = None) -> Article | None:
        when = as_of.isoformat() if as_of else None
        node = await run_in_threadpool(
            info.context.store.read, lambda tx: laws.article(tx, law, number, when))
        return Article(raw=node) if node else None

    @strawberry.field(description="Items whose legal basis cites a superseded or repealed version "
                                  "of `law` — the items to review after the law changed.")
    async def affected_items(self, info: Ctx, law: str, first: int | None = None,
                             after: str | None = None) -> Connection[AffectedItem]:
        found = await run_in_threadpool(
            info.context.store.read, lambda tx: laws.affected_items(tx, law))
        return slice_connection(found, first, after, lambda a: AffectedItem(data=a))

    @strawberry.field(description="One department by code, with its items and the enterprises in "
                                  "its jurisdiction.")
    async def department(self, info: Ctx, code: str) -> Department | None:
        require_internal(info.context.principal)
        node = await info.context.loaders.node("Department").load(code.strip())
        return Department(raw=node) if node else None


@strawberry.type
class Mutation(RiskMutation, PlanMutation, ClueMutation, JobMutation, ExchangeMutation):
    """Every root mutation; each area contributes its own base class."""


__all__ = ["Connection", "Edge", "Mutation", "Query", "build_schema", "mutation_root"]


def mutation_root() -> type[Mutation] | None:
    """`Mutation`, or None while no area contributes a mutation (GraphQL forbids an empty type)."""
    definition = get_object_definition(Mutation, strict=True)
    return Mutation if definition.fields else None


def build_schema() -> strawberry.Schema:
    """The schema served at /graphql and exported to schema.graphql."""
    return strawberry.Schema(query=Query, mutation=mutation_root())
