"""Graph algorithms over any store's transaction: bounded neighbourhoods and shortest paths.

They are written once against the GraphTx primitives (batched one-hop expansion in a stable
order), so both adapters give identical answers; networkx runs on the loaded subgraph.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import networkx as nx

from jointsup.batching import batched
from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import GraphTx, Path, Subgraph
from jointsup.model import Node, NodeRef, Rel

MAX_DEPTH = 3
MAX_NODE_LIMIT = 500
MAX_PATH_LENGTH = 6
# Expansion budgets for path search: hub nodes (a region, an industry) have huge degrees and
# would otherwise pull in much of the graph; a path through the 2,001st neighbour of a hub is
# not one an investigator can use anyway.
PATH_FANOUT = 2000
FRONTIER_CHUNK = 64
PATH_NODE_BUDGET = 50_000


def neighbourhood(tx: GraphTx, ref: NodeRef, depth: int, types: Sequence[str] | None,
                  node_limit: int) -> Subgraph:
    """Breadth-first ball around `ref`, nearest nodes first, cut at `node_limit` nodes."""
    if not 0 <= depth <= MAX_DEPTH:
        raise InvalidInput(f"depth must be between 0 and {MAX_DEPTH}")
    if not 1 <= node_limit <= MAX_NODE_LIMIT:
        raise InvalidInput(f"node limit must be between 1 and {MAX_NODE_LIMIT}")
    start = tx.get_node(ref)
    if start is None:
        raise NotFound(f"no node {ref.global_id}")
    seen: dict[NodeRef, Node] = {ref: start}
    frontier, truncated = [ref], False
    for _ in range(depth):
        nxt: list[NodeRef] = []
        for chunk in batched(frontier, FRONTIER_CHUNK):
            # Per node, more than the whole limit can hold (twice: a pair may be joined by
            # several types), so a node's first neighbours being already seen hides nothing.
            expanded = tx.neighbours(chunk, types=types, limit=2 * node_limit + 2, props=False)
            for nb in itertools.chain.from_iterable(expanded[src] for src in chunk):
                if nb.node.ref in seen:
                    continue
                if len(seen) >= node_limit:
                    truncated = True
                    break
                seen[nb.node.ref] = nb.node
                nxt.append(nb.node.ref)
            if truncated:
                break
        frontier = nxt
        if not frontier or truncated:
            break
    # The walk went without properties; read them for the nodes kept, one query per label.
    full: dict[NodeRef, Node] = {}
    for label in dict.fromkeys(ref.label for ref in seen):
        keys = [ref.key for ref in seen if ref.label == label]
        full.update((n.ref, n) for n in tx.get_nodes(label, keys) if n is not None)
    nodes = [full[ref] for ref in seen]
    return Subgraph(nodes, tx.rels_among(list(seen), types), truncated)


def shortest_paths(tx: GraphTx, src: NodeRef, dst: NodeRef, max_length: int,
                   types: Sequence[str] | None, first: int) -> list[Path]:
    """Simple paths from `src` to `dst` of at most `max_length` hops, shortest first."""
    if not 1 <= max_length <= MAX_PATH_LENGTH:
        raise InvalidInput(f"max length must be between 1 and {MAX_PATH_LENGTH}")
    if not 1 <= first <= 100:
        raise InvalidInput("first must be between 1 and 100")
    ends = tx.get_nodes(src.label, [src.key]) + tx.get_nodes(dst.label, [dst.key])
    if ends[0] is None or ends[1] is None:
        raise NotFound(f"no node {(src if ends[0] is None else dst).global_id}")
    if src == dst:
        return [Path([ends[0]], [])]
    # Every node of a path of length <= L lies within ceil(L/2) of src or floor(L/2) of dst,
    # and every hop has an end expanded by one of the two searches.
    nodes: dict[NodeRef, Node] = {src: ends[0], dst: ends[1]}
    rels: dict[tuple[str, NodeRef, NodeRef], Rel] = {}
    _ball(tx, src, (max_length + 1) // 2, types, nodes, rels)
    _ball(tx, dst, max_length // 2, types, nodes, rels)
    graph = nx.Graph()
    for ref in sorted(nodes):
        graph.add_node(ref)
    for rel in sorted(rels.values(), key=lambda r: (r.type, r.src, r.dst)):
        pair = graph.get_edge_data(rel.src, rel.dst)
        if pair is None:
            graph.add_edge(rel.src, rel.dst, rels=[rel])
        else:
            pair["rels"].append(rel)
    try:
        found = nx.shortest_simple_paths(graph, src, dst)
        chosen = []
        for hops in itertools.islice(found, first):
            if len(hops) - 1 > max_length:
                break
            chosen.append(hops)
    except nx.NetworkXNoPath:
        return []
    return [Path([nodes[r] for r in hops],
                 [graph.edges[a, b]["rels"][0] for a, b in itertools.pairwise(hops)])
            for hops in chosen]


def _ball(tx: GraphTx, centre: NodeRef, radius: int, types: Sequence[str] | None,
          nodes: dict[NodeRef, Node], rels: dict[tuple[str, NodeRef, NodeRef], Rel]) -> None:
    """Expand `radius` levels from `centre`, collecting nodes and the relationships crossed."""
    seen, frontier = {centre}, [centre]
    for _ in range(radius):
        if not frontier or len(nodes) >= PATH_NODE_BUDGET:
            return
        expanded = tx.neighbours(frontier, types=types, limit=PATH_FANOUT)
        nxt = []
        for ref in frontier:
            for nb in expanded[ref]:
                rels[(nb.rel.type, nb.rel.src, nb.rel.dst)] = nb.rel
                nodes.setdefault(nb.node.ref, nb.node)
                if nb.node.ref not in seen:
                    seen.add(nb.node.ref)
                    nxt.append(nb.node.ref)
        frontier = nxt
