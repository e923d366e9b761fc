"""Investigator exploration: neighbourhoods, paths, suspected relations, clusters, communities."""

from __future__ import annotations

from typing import Annotated

import strawberry
from starlette.concurrency import run_in_threadpool

from jointsup.resolvers.relay import PageInfo, decode_id, offset_cursor, page_size, parse_offset
from jointsup.resolvers.types.common import Ctx
from jointsup.resolvers.types.graph import (
    Cluster,
    ClusterConnection,
    ClusterEdge,
    ClusterKind,
    CommunityReport,
    GraphPath,
    Subgraph,
    SuspectedRelation,
)
from jointsup.services.explore import clusters, communities, subgraph, suspected
from jointsup.services.policy import require_internal

Types = Annotated[list[str] | None, strawberry.argument(
    description="Only these relationship types (e.g. LEGAL_REP_OF, LOCATED_AT); null: all.")]


@strawberry.type
class ExploreQuery:
    """Root fields for investigators; merged into `Query`."""

    @strawberry.field(description="The nodes within `depth` (1–3) hops of a node, nearest first, "
                                  "at most `nodeLimit` (1–500) of them, and the edges among them.")
    async def neighbourhood(self, info: Ctx, id: strawberry.ID, depth: int = 1,
                            relationship_types: Types = None,
                            node_limit: int = 200) -> Subgraph:
        principal = info.context.principal
        require_internal(principal)
        ref = decode_id(id)
        found = await run_in_threadpool(
            subgraph.neighbourhood, info.context.store, principal, ref, depth,
            relationship_types, node_limit)
        return Subgraph.of(found)

    @strawberry.field(description="Up to `first` (1–20) simple paths between two nodes of at most "
                                  "`maxLength` (1–6) edges, shortest first, in any direction.")
    async def paths(self, info: Ctx,
                    from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
                    to: strawberry.ID, max_length: int = 4, relationship_types: Types = None,
                    first: int = 5) -> list[GraphPath]:
        principal = info.context.principal
        require_internal(principal)
        src, dst = decode_id(from_), decode_id(to)
        found = await run_in_threadpool(
            subgraph.paths, info.context.store, principal, src, dst, max_length,
            relationship_types, first)
        return [GraphPath.of(p) for p in found]

    @strawberry.field(description="Enterprises linked to this one through a shared legal "
                                  "representative, shareholder, executive or liaison, phone or "
                                  "address, or a person behind struck-off or listed companies; "
                                  "strongest first, each with its evidence.")
    async def suspected_relations(self, info: Ctx, uscc: str,
                                  first: int = 20) -> list[SuspectedRelation]:
        principal = info.context.principal
        require_internal(principal)
        found = await run_in_threadpool(
            suspected.suspected_relations, info.context.store, principal, uscc, first)
        return [SuspectedRelation.of(r) for r in found]

    @strawberry.field(description="Clusters of at least `minSize` enterprises sharing an address, "
                                  "a person or a phone, largest first; `region` is a region code "
                                  "(only enterprises registered inside it count).")
    async def clusters(self, info: Ctx, kind: ClusterKind, min_size: int = 3,
                       region: str | None = None, first: int | None = None,
                       after: str | None = None) -> ClusterConnection:
        principal = info.context.principal
        require_internal(principal)
        size, start = page_size(first), parse_offset(after)
        found = await run_in_threadpool(
            clusters.clusters, info.context.store, principal, clusters.ClusterKind(kind.value),
            min_size, region, start, size)
        edges = [ClusterEdge(cursor=offset_cursor(start + i), node=Cluster.of(c))
                 for i, c in enumerate(found.clusters)]
        return ClusterConnection(
            edges=edges, total_count=found.total,
            page_info=PageInfo(has_next_page=start + size < found.total,
                               end_cursor=edges[-1].cursor if edges else None))

    @strawberry.field(description="Louvain communities of the seed's neighbourhood within `depth` "
                                  "(1–3) hops over people, address, phone and branch links, with "
                                  "their most central members.")
    async def communities(self, info: Ctx, seed: strawberry.ID,
                          depth: int = 2) -> CommunityReport:
        principal = info.context.principal
        require_internal(principal)
        ref = decode_id(seed)
        found = await run_in_threadpool(
            communities.communities, info.context.store, principal, ref, depth)
        return CommunityReport.of(found)
