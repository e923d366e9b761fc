"""Graph views for the explorer: nodes, edges, subgraphs, paths, suspected relations, clusters."""

from __future__ import annotations

from enum import Enum
from typing import cast

import strawberry
from strawberry.scalars import JSON

from jointsup.resolvers.relay import PageInfo
from jointsup.resolvers.types.enterprise import Enterprise
from jointsup.services.explore import clusters as cluster_service
from jointsup.services.explore import communities as community_service
from jointsup.services.explore import subgraph as subgraph_service
from jointsup.services.explore import suspected as suspected_service
from jointsup.services.explore.view import ViewEdge, ViewGraph, ViewNode


@strawberry.type(description="A node on the explorer's canvas.")
class GraphNode:
    id: strawberry.ID = strawberry.field(
        description="Global id (a person's is opaque to callers who see masked data).")
    label: str = strawberry.field(description="Enterprise, Person, Address, Phone, Region, …")
    caption: str = strawberry.field(
        description="Name, address text, phone number…; a person's name masked per role.")
    risk_level: str | None = strawberry.field(
        description="An enterprise's latest credit class A–D; null when unknown or not one.")
    properties: JSON = strawberry.field(
        description="The node's stored properties, personal fields masked as elsewhere.")

    @classmethod
    def of(cls, view: ViewNode) -> GraphNode:
        """The GraphQL view of a service node."""
        return cls(id=strawberry.ID(view.id), label=view.label, caption=view.caption,
                   risk_level=view.risk_level, properties=cast(JSON, view.properties))


@strawberry.type(description="A relationship on the explorer's canvas, in its stored direction.")
class GraphEdge:
    id: strawberry.ID = strawberry.field(description="`<TYPE>|<source id>|<target id>`.")
    type: str
    source: strawberry.ID = strawberry.field(description="The GraphNode id it starts at.")
    target: strawberry.ID = strawberry.field(description="The GraphNode id it ends at.")
    properties: JSON

    @classmethod
    def of(cls, view: ViewEdge) -> GraphEdge:
        """The GraphQL view of a service edge."""
        return cls(id=strawberry.ID(view.id), type=view.type, source=strawberry.ID(view.source),
                   target=strawberry.ID(view.target),
                   properties=cast(JSON, view.properties))


@strawberry.type(description="Nodes and the edges among them.")
class Subgraph:
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    truncated: bool = strawberry.field(description="The node limit cut the result.")

    @classmethod
    def of(cls, view: ViewGraph) -> Subgraph:
        """The GraphQL view of a service graph."""
        return cls(nodes=[GraphNode.of(n) for n in view.nodes],
                   edges=[GraphEdge.of(e) for e in view.edges], truncated=view.truncated)


@strawberry.type(description="One path: its nodes in order and the edges between them.")
class GraphPath:
    length: int = strawberry.field(description="Number of edges.")
    nodes: list[GraphNode]
    edges: list[GraphEdge]

    @classmethod
    def of(cls, path: subgraph_service.ViewPath) -> GraphPath:
        """The GraphQL view of a service path."""
        graph = Subgraph.of(path.graph)
        return cls(length=path.length, nodes=graph.nodes, edges=graph.edges)


@strawberry.type(description="An enterprise linked to the one asked about, why, and how "
                             "strongly (疑似关联).")
class SuspectedRelation:
    enterprise: Enterprise = strawberry.field(description="The related enterprise.")
    score: float = strawberry.field(
        description="In [0, 1): noisy-OR of the evidence weights (docs/explore.md); ≥ 0.5 "
                    "means the link is part of a pattern of 3 or more enterprises.")
    reasons: list[str] = strawberry.field(description="One line per piece of evidence.")
    evidence: Subgraph = strawberry.field(
        description="The nodes and edges linking the two enterprises.")

    @classmethod
    def of(cls, found: suspected_service.SuspectedRelation) -> SuspectedRelation:
        """The GraphQL view of a service relation."""
        return cls(enterprise=Enterprise(raw=found.enterprise), score=found.score,
                   reasons=found.reasons, evidence=Subgraph.of(found.evidence))


@strawberry.enum(description="What the enterprises of a cluster share.")
class ClusterKind(Enum):
    SAME_ADDRESS = "SAME_ADDRESS"
    SAME_PERSON = "SAME_PERSON"
    SAME_PHONE = "SAME_PHONE"


# A registration agent's address can hold thousands of companies: a page of clusters must not
# carry them all (and their nested fields); the count stays exact.
CLUSTER_MEMBERS_SHOWN = 200


@strawberry.type(description="Enterprises sharing one address, person or phone (同址多企, "
                             "一人多企, 共用电话).")
class Cluster:
    kind: ClusterKind
    shared: GraphNode = strawberry.field(description="The shared address, person or phone.")
    size: int = strawberry.field(description="How many enterprises share it (in the region).")
    enterprises: list[Enterprise] = strawberry.field(
        description=f"By USCC; at most the first {CLUSTER_MEMBERS_SHOWN} (`size` is the count).")

    @classmethod
    def of(cls, found: cluster_service.Cluster) -> Cluster:
        """The GraphQL view of a service cluster, its member list cut to a bounded length."""
        shown = found.enterprises[:CLUSTER_MEMBERS_SHOWN]
        return cls(kind=ClusterKind(found.kind.value), shared=GraphNode.of(found.shared),
                   size=found.size, enterprises=[Enterprise(raw=n) for n in shown])


@strawberry.type
class ClusterEdge:
    cursor: str
    node: Cluster


@strawberry.type(description="Clusters, largest first (ties by the shared node's key).")
class ClusterConnection:
    edges: list[ClusterEdge]
    page_info: PageInfo
    total_count: int


@strawberry.type(description="One community of the seed's neighbourhood.")
class Community:
    size: int
    central: list[GraphNode] = strawberry.field(
        description="The most central members (PageRank), at most 5.")
    members: list[GraphNode] = strawberry.field(description="By PageRank, highest first.")

    @classmethod
    def of(cls, found: community_service.Community) -> Community:
        """The GraphQL view of a service community."""
        return cls(size=found.size, central=[GraphNode.of(n) for n in found.central],
                   members=[GraphNode.of(n) for n in found.members])


@strawberry.type(description="Louvain communities around a seed (people, address, phone and "
                             "branch links), largest first.")
class CommunityReport:
    seed: GraphNode
    communities: list[Community]

    @classmethod
    def of(cls, found: community_service.CommunityReport) -> CommunityReport:
        """The GraphQL view of a service report."""
        return cls(seed=GraphNode.of(found.seed),
                   communities=[Community.of(c) for c in found.communities])
