"""Communities (团伙) around a seed: Louvain on its neighbourhood, most central members first."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from jointsup.graph.algorithms import neighbourhood as ball
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import ROLE_TYPES, NodeRef
from jointsup.services.explore.subgraph import MAX_DEPTH, MAX_NODES, check_range
from jointsup.services.explore.view import ViewNode, check_seed, present
from jointsup.services.policy import Principal

# Who-is-behind-whom links only: regions, industries and catalogues are hubs every company
# touches, and would merge everything into one community.
COMMUNITY_TYPES = [*ROLE_TYPES.values(), "LOCATED_AT", "HAS_PHONE", "BRANCH_OF"]
LOUVAIN_SEED = 7  # fixed, so the same graph always splits the same way
CENTRAL = 5  # members reported as most central per community


@dataclass(frozen=True)
class Community:
    """One community: its members by PageRank (highest first) and the most central of them."""

    size: int
    central: list[ViewNode]
    members: list[ViewNode]


@dataclass(frozen=True)
class CommunityReport:
    """The seed and the communities of its neighbourhood, largest first."""

    seed: ViewNode
    communities: list[Community]
    truncated: bool


def communities(store: BaseGraphStore, principal: Principal, seed: NodeRef,
                depth: int = 2) -> CommunityReport:
    """Louvain communities of the seed's neighbourhood (at most 500 nodes, people links only)."""
    check_range("depth", depth, 1, MAX_DEPTH)
    check_seed(seed)
    return store.read(lambda tx: _report(tx, principal, seed, depth))


def pagerank(graph: nx.Graph, damping: float = 0.85, rounds: int = 100,
             tol: float = 1e-10) -> dict[NodeRef, float]:
    """PageRank by power iteration (networkx's own needs scipy, which we do not ship)."""
    nodes = list(graph)
    if not nodes:
        return {}
    n = len(nodes)
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(rounds):
        # Isolated nodes hand their rank to everyone, as in the standard formulation.
        idle = sum(rank[v] for v in nodes if graph.degree(v) == 0)
        base = (1.0 - damping) / n + damping * idle / n
        nxt = {v: base + damping * sum(rank[u] / graph.degree(u) for u in graph.neighbors(v))
               for v in nodes}
        done = sum(abs(nxt[v] - rank[v]) for v in nodes) < tol
        rank = nxt
        if done:
            break
    return rank


def _report(tx: GraphTx, principal: Principal, seed: NodeRef, depth: int) -> CommunityReport:
    found = ball(tx, seed, depth, COMMUNITY_TYPES, MAX_NODES)
    view = present(tx, principal, found.nodes, found.rels, found.truncated)
    by_ref = {v.node.ref: v for v in view.nodes}
    graph = nx.Graph()
    graph.add_nodes_from(sorted(by_ref))  # insertion order fixes networkx's iteration order
    for rel in sorted(found.rels, key=lambda r: (r.type, r.src, r.dst)):
        if rel.src != rel.dst:
            graph.add_edge(rel.src, rel.dst)
    parts = nx.community.louvain_communities(graph, seed=LOUVAIN_SEED)
    rank = pagerank(graph)

    def order(ref: NodeRef) -> tuple[float, NodeRef]:
        return (-round(rank[ref], 9), ref)  # rounded: float noise must not reorder ties

    groups = sorted((sorted(part, key=order) for part in parts),
                    key=lambda members: (-len(members), min(members)))
    out = [Community(len(members), [by_ref[r] for r in members[:CENTRAL]],
                     [by_ref[r] for r in members]) for members in groups]
    return CommunityReport(by_ref[seed], out, found.truncated)
