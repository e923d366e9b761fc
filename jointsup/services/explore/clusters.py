"""Clusters (同址多企, 一人多企, 共用电话): enterprises sharing one address, person or phone.

Built on the store's `hubs` primitive (one grouped, index-backed pass over the relationship
type), then each cluster's enterprises are read for the page asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, Direction, GraphTx
from jointsup.model import Node, NodeRef
from jointsup.services.explore.suspected import ROLES, load_nodes
from jointsup.services.explore.view import ViewNode, present
from jointsup.services.policy import Principal
from jointsup.services.supervision import region_prefix

MAX_MIN_SIZE = 1000


class ClusterKind(StrEnum):
    """What the enterprises of a cluster share."""

    SAME_ADDRESS = "SAME_ADDRESS"
    SAME_PERSON = "SAME_PERSON"
    SAME_PHONE = "SAME_PHONE"


# kind → (relationship types, the shared node's end of them, the walk from it to enterprises)
SHAPES: dict[ClusterKind, tuple[list[str], str, Direction]] = {
    ClusterKind.SAME_ADDRESS: (["LOCATED_AT"], "dst", "in"),
    ClusterKind.SAME_PERSON: (list(ROLES), "src", "out"),
    ClusterKind.SAME_PHONE: (["HAS_PHONE"], "dst", "in"),
}


@dataclass(frozen=True)
class Cluster:
    """One shared node and the enterprises that share it (by USCC), largest clusters first."""

    kind: ClusterKind
    shared: ViewNode
    size: int
    enterprises: list[Node]


@dataclass(frozen=True)
class ClusterPage:
    """A page of clusters and how many there are in all."""

    clusters: list[Cluster]
    total: int


def clusters(store: BaseGraphStore, principal: Principal, kind: ClusterKind, min_size: int = 3,
             region: str | None = None, offset: int = 0, limit: int = 20) -> ClusterPage:
    """Clusters of at least `min_size` enterprises, largest first, then by the shared key.

    With `region` (a region code: everything inside it), only enterprises registered there
    count, and a cluster must reach `min_size` with those alone.
    """
    if not 2 <= min_size <= MAX_MIN_SIZE:
        raise InvalidInput(f"minSize must be between 2 and {MAX_MIN_SIZE}, not {min_size}")
    prefix = None
    if region is not None:
        code = region.strip()
        if not (code.isdigit() and 2 <= len(code) <= 6):
            raise InvalidInput(f"region must be a region code such as 510104, not {region!r}")
        prefix = region_prefix(code)
    def run(tx: GraphTx) -> ClusterPage:
        found, total = _page(tx, kind, min_size, prefix, offset, limit)
        shared = load_nodes(tx, [ref for ref, _ in found])
        view = {v.node.ref: v for v in present(tx, principal, list(shared.values()), []).nodes}
        return ClusterPage([Cluster(kind, view[ref], len(nodes), nodes)
                            for ref, nodes in found if ref in view], total)

    return store.read(run)


def _page(tx: GraphTx, kind: ClusterKind, min_size: int, prefix: str | None, offset: int,
          limit: int) -> tuple[list[tuple[NodeRef, list[Node]]], int]:
    """One page of (shared node, its enterprises) and the number of clusters in all."""
    types, end, _ = SHAPES[kind]
    hubs = tx.hubs(types, end="src" if end == "src" else "dst", labels=["Enterprise"],
                   min_degree=min_size)
    if prefix is None:
        chosen = hubs[offset:offset + limit]
        members = _members(tx, kind, [ref for ref, _ in chosen])
        return [(ref, members[ref]) for ref, _ in chosen], len(hubs)
    # Counting inside a region needs every candidate's enterprises: the global count is only
    # an upper bound of the regional one.
    members = _members(tx, kind, [ref for ref, _ in hubs])
    inside = [(ref, [n for n in members[ref]
                     if str(n.props.get("reg_region_code") or "").startswith(prefix)])
              for ref, _ in hubs]
    found = sorted(((ref, nodes) for ref, nodes in inside if len(nodes) >= min_size),
                   key=lambda item: (-len(item[1]), item[0].key, item[0].label))
    return found[offset:offset + limit], len(found)


def _members(tx: GraphTx, kind: ClusterKind, refs: list[NodeRef]) -> dict[NodeRef, list[Node]]:
    """Each shared node's enterprises (each once, by USCC)."""
    types, _, direction = SHAPES[kind]
    out: dict[NodeRef, list[Node]] = {}
    chunk = 200
    for i in range(0, len(refs), chunk):
        part = refs[i:i + chunk]
        found = tx.neighbours(part, types=types, direction=direction, labels=["Enterprise"])
        for ref in part:
            unique = {nb.node.key: nb.node for nb in found[ref]}
            out[ref] = [unique[k] for k in sorted(unique)]
    return out
