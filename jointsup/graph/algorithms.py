"""Graph algorithms over any store's transaction: bounded neighbourhoods and shortest paths.

They are written once against the GraphTx primitives (batched one-hop expansion in a stable
order), so both adapters give identical answers; networkx runs on the loaded subgraph.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from operator import itemgetter

import networkx as nx

from jointsup.batching import batched
from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx, Neighbour, Path, Subgraph
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
# A frontier larger than this is bridged but never expanded: past two hubs (a region's and an
# industry's first PATH_FANOUT companies) the next level is tens of thousands of nodes, and the
# paths through it are hub-to-hub noise; with relationship types chosen, frontiers stay small.
PATH_EXPAND_BUDGET = 200
# Rows a ball reads per node beyond the room left: room for a few already-seen neighbours (the
# node it was reached from, shared neighbours) before a second, larger read is needed.
BALL_SLACK = 16


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
        done, reads = 0, 0
        while done < len(frontier) and not truncated:
            # Per node, the room left plus one (to tell a cut) plus some already seen; a node
            # whose rows run out at that limit is read again with a larger one, so a hub's
            # first neighbours being already seen hides nothing, yet hubs stream only what fits.
            limit = node_limit - len(seen) + 1 + BALL_SLACK
            # The nodes are read in order while those before them may still fall short of
            # filling the ball (the store estimates their rows), so a hub that fills it is the
            # last one read; a level whose rows turn out to be mostly seen already reads on
            # from where it stopped, with a budget doubled each time.
            expanded = tx.neighbours_prefix(frontier[done:done + FRONTIER_CHUNK], types=types,
                                            limit=limit, budget=limit << min(reads, 16))
            done, reads = done + len(expanded), reads + 1
            for centre, rows in expanded:
                truncated = _take(tx, centre, rows, limit, types, seen, nxt, node_limit)
                if truncated:
                    break
        frontier = nxt
        if not frontier or truncated:
            break
    # The walk went without properties; read them for the nodes kept, all labels at once.
    full = tx.get_nodes_by_ref(seen)
    nodes = [full[ref] for ref in seen]
    return Subgraph(nodes, tx.rels_among(list(seen), types), truncated)


def _take(tx: GraphTx, centre: NodeRef, rows: list[Neighbour], limit: int,
          types: Sequence[str] | None, seen: dict[NodeRef, Node], nxt: list[NodeRef],
          node_limit: int) -> bool:
    """Add `centre`'s unseen neighbours, in order, until the limit; True when it cut some."""
    done = 0
    while True:
        for nb in rows[done:]:
            if nb.node.ref in seen:
                continue
            if len(seen) >= node_limit:
                return True
            seen[nb.node.ref] = nb.node
            nxt.append(nb.node.ref)
        if len(rows) < limit:
            return False
        done, limit = len(rows), limit * 4
        rows = tx.neighbours([centre], types=types, limit=limit, props=False)[centre]


def shortest_paths(tx: GraphTx, src: NodeRef, dst: NodeRef, max_length: int,
                   types: Sequence[str] | None, first: int) -> list[Path]:
    """Simple paths from `src` to `dst` of at most `max_length` hops, shortest first.

    Two balls grow from the ends one level at a time, the side with the smaller frontier first,
    and after each step a bridge reads the relationships between the two frontiers. With radii
    rs and rt plus the bridge, every path of length <= rs + rt + 1 is loaded: each hop of it has
    an end one side expanded, or joins the two frontiers. So once `first` paths that short are
    known (counted after each step, not ranked), or that bound reaches `max_length`, the k
    shortest simple paths of the loaded graph (Yen's, networkx, run once on the nodes some
    short enough simple path can pass) are the answer; hubs' frontiers are bridged, never
    expanded, when the last hop is all that is missing. The bridge is read from the smaller
    frontier's side (`rels_between`: its nodes' relationships whose other end is in the larger
    one, tested in the store), so a hub's thousands of rows never reach Python. The walk goes
    without properties (`adjacency`: one query per level); only the chosen paths' nodes and
    relationships are read in full.
    """
    if not 1 <= max_length <= MAX_PATH_LENGTH:
        raise InvalidInput(f"max length must be between 1 and {MAX_PATH_LENGTH}")
    if not 1 <= first <= 100:
        raise InvalidInput("first must be between 1 and 100")
    ends = tx.get_nodes(src.label, [src.key]) + tx.get_nodes(dst.label, [dst.key])
    if ends[0] is None or ends[1] is None:
        raise NotFound(f"no node {(src if ends[0] is None else dst).global_id}")
    if src == dst:
        return [Path([ends[0]], [])]
    graph = _Loaded(src, dst)
    sides = [_Side(src), _Side(dst)]
    while True:
        reach = sides[0].radius + sides[1].radius + 1
        graph.add(_bridge(tx, sides, types))
        known = graph.count_paths(src, dst, reach, first)
        growable = [s for s in sides if 0 < len(s.frontier) <= PATH_EXPAND_BUDGET]
        if (known >= first or reach >= max_length or not growable
                or len(graph.adj) >= PATH_NODE_BUDGET):
            break
        side = min(growable, key=lambda s: len(s.frontier))  # src first on a tie
        graph.add(side.grow(tx, types))
    hops = _k_shortest(graph, src, dst, reach, first)
    return _materialise(tx, graph, [h for h in hops if len(h) - 1 <= max_length], types)


def warm_paths(store: BaseGraphStore) -> int:
    """Have the store read ahead the largest hubs' adjacency as `shortest_paths` asks for it
    (BaseGraphStore.warm_adjacency; a server's start-up warm-up); returns how many hubs."""
    return store.warm_adjacency(PATH_FANOUT)


def _bridge(tx: GraphTx, sides: list[_Side], types: Sequence[str] | None) -> list[Rel]:
    """The relationships joining one frontier to the other, read from the smaller one's side."""
    a, b = sides
    ours, theirs = (b, a) if len(b.frontier) < len(a.frontier) else (a, b)
    return tx.rels_between(ours.frontier, theirs.frontier, types)


class _Side:
    """One end's breadth-first ball: the nodes seen, the next level to expand, the radius."""

    def __init__(self, centre: NodeRef) -> None:
        self.seen, self.frontier, self.radius = {centre}, [centre], 0

    def grow(self, tx: GraphTx, types: Sequence[str] | None) -> list[Rel]:
        """Expand the frontier one level; the relationships crossed, in a stable order."""
        crossed: list[Rel] = []
        nxt: list[NodeRef] = []
        seen = self.seen
        for chunk in batched(self.frontier, 500):
            expanded = tx.adjacency(chunk, types=types, limit=PATH_FANOUT)
            for ref in chunk:
                rels = expanded[ref]
                crossed += rels
                for rel in rels:
                    other = rel.dst if rel.src == ref else rel.src
                    if other not in seen:
                        seen.add(other)
                        nxt.append(other)
        self.frontier, self.radius = nxt, self.radius + 1
        return crossed


class _Loaded:
    """The loaded graph: undirected adjacency over node refs, the relationships per pair."""

    def __init__(self, *ends: NodeRef) -> None:
        self.adj: dict[NodeRef, dict[NodeRef, None]] = {end: {} for end in ends}
        self.rels: dict[tuple[NodeRef, NodeRef], dict[tuple[str, NodeRef, NodeRef], Rel]] = {}

    def add(self, rels: list[Rel]) -> None:
        """Add relationships (one edge per pair of ends; the first Rel per (type, src, dst))."""
        adj, pairs = self.adj, self.rels
        for rel in rels:
            a, b = rel.src, rel.dst
            pair = (a, b) if a <= b else (b, a)
            known = pairs.get(pair)
            if known is None:
                pairs[pair] = {(rel.type, a, b): rel}
                adj.setdefault(a, {})[b] = None
                adj.setdefault(b, {})[a] = None
            else:
                known.setdefault((rel.type, a, b), rel)

    def count_paths(self, src: NodeRef, dst: NodeRef, reach: int, first: int) -> int:
        """How many simple paths of at most `reach` hops join the ends, counted up to `first`.

        What Yen's would find, without ranking them: the loop only needs to know whether
        `first` paths are loaded yet, and Yen's runs once, at the end. A depth-first walk that
        steps only to nodes still close enough to `dst` (so every branch it takes ends there).
        Each node's neighbours are sorted by their distance to `dst` once, when first entered:
        a walk entering a hub again reads only those still close enough, not its thousands.
        """
        if reach < 1:
            return 0
        near_dst = self.distances(dst, reach)
        if src not in near_dst:
            return 0
        adj, count = self.adj, 0
        toward: dict[NodeRef, list[tuple[int, NodeRef]]] = {}

        def nearest_first(u: NodeRef) -> Iterator[tuple[int, NodeRef]]:
            steps = toward.get(u)
            if steps is None:
                steps = toward[u] = sorted(((near_dst[v], v) for v in adj[u] if v in near_dst),
                                           key=itemgetter(0))
            return iter(steps)

        on_path = {src}
        stack = [(src, 0, nearest_first(src))]
        while stack:
            node, depth, nexts = stack[-1]
            for left, v in nexts:
                if depth + 1 + left > reach:
                    stack.pop()
                    on_path.discard(node)
                    break
                if v in on_path:
                    continue
                if v == dst:
                    count += 1
                    if count >= first:
                        return count
                    continue
                on_path.add(v)
                stack.append((v, depth + 1, nearest_first(v)))
                break
            else:
                stack.pop()
                on_path.discard(node)
        return count

    def distances(self, centre: NodeRef, cutoff: int) -> dict[NodeRef, int]:
        """Hops from `centre` to every node within `cutoff` hops."""
        adj, dist, level, d = self.adj, {centre: 0}, [centre], 0
        while level and d < cutoff:
            d += 1
            nxt = []
            for u in level:
                for v in adj[u]:
                    if v not in dist:
                        dist[v] = d
                        nxt.append(v)
            level = nxt
        return dist


def _k_shortest(graph: _Loaded, src: NodeRef, dst: NodeRef, reach: int,
                first: int) -> list[list[NodeRef]]:
    """Up to `first` shortest simple paths of at most `reach` hops in the loaded graph."""
    if reach < 1:
        return []
    near_src = graph.distances(src, reach)
    if dst not in near_src:
        return []
    near_dst = graph.distances(dst, reach)
    # Only nodes on some path short enough matter; Yen's cost grows with the graph.
    kept = {v for v, d in near_src.items() if d + near_dst.get(v, reach + 1) <= reach}
    links = _inner(graph, kept, {src, dst})
    keep = sorted(links)
    core = nx.Graph()
    core.add_nodes_from(keep)
    core.add_edges_from(sorted((a, b) for a in keep for b in links[a] if a < b))
    found: list[list[NodeRef]] = []
    for hops in nx.shortest_simple_paths(core, src, dst):
        if len(hops) - 1 > reach or len(found) == first:
            break
        found.append(hops)
    return found


def _inner(graph: _Loaded, kept: set[NodeRef], ends: set[NodeRef]
           ) -> dict[NodeRef, set[NodeRef]]:
    """The loaded graph among `kept`, less the nodes no simple path between the ends passes.

    A node other than an end with fewer than two neighbours left cannot be inside a simple
    path, so such dead ends are dropped until none is left: when both ends touch one hub (the
    same region), its companies are all close enough to both, yet each joins them only through
    the hub, and Yen's would walk them all for nothing.
    """
    links = {v: {u for u in graph.adj[v] if u in kept and u != v} for v in kept}
    loose = [v for v, near in links.items() if len(near) < 2 and v not in ends]
    while loose:
        v = loose.pop()
        near = links.pop(v, None)
        for u in near or ():
            rest = links.get(u)
            if rest is not None:
                rest.discard(v)
                if len(rest) < 2 and u not in ends:
                    loose.append(u)
    return links


def _materialise(tx: GraphTx, graph: _Loaded, found: list[list[NodeRef]],
                 types: Sequence[str] | None) -> list[Path]:
    """The chosen paths with full nodes and, per hop, the first relationship by (type, ends)."""
    refs = list(dict.fromkeys(itertools.chain.from_iterable(found)))
    nodes = tx.get_nodes_by_ref(refs)
    full = {(r.type, r.src, r.dst): r for r in tx.rels_among(refs, types)} if refs else {}
    paths = []
    for hops in found:
        rels = []
        for a, b in itertools.pairwise(hops):
            between = graph.rels[(a, b) if a <= b else (b, a)]
            key = min(between)
            rels.append(full.get(key, between[key]))
        paths.append(Path([nodes[r] for r in hops], rels))
    return paths
