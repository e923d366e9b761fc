"""Neighbourhoods (邻域) and paths (关联路径) for investigators, within the published limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jointsup.errors import InvalidInput
from jointsup.graph.algorithms import neighbourhood as ball
from jointsup.graph.algorithms import shortest_paths
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import REL_TYPES, NodeRef
from jointsup.services.explore.view import (
    ViewGraph,
    ViewNode,
    check_seed,
    present,
    risk_levels,
)
from jointsup.services.policy import Principal

MAX_DEPTH = 3
MAX_NODES = 500
MAX_PATH_LENGTH = 6
MAX_PATHS = 20


@dataclass(frozen=True)
class ViewPath:
    """One path as shown: its nodes in order and the relationships between them."""

    length: int
    graph: ViewGraph

    @property
    def nodes(self) -> list[ViewNode]:
        """The path's nodes, from the start to the end."""
        return self.graph.nodes


def check_range(name: str, value: int, low: int, high: int) -> int:
    """`value` if low ≤ value ≤ high, else INVALID_INPUT naming the argument and the range."""
    if not low <= value <= high:
        raise InvalidInput(f"{name} must be between {low} and {high}, not {value}")
    return value


def check_types(types: Sequence[str] | None) -> list[str] | None:
    """Relationship types a caller asked for: known ones only (None means all)."""
    if types is None:
        return None
    unknown = [t for t in types if t not in REL_TYPES]
    if unknown:
        raise InvalidInput(f"unknown relationship type {unknown[0]!r}; one of "
                           f"{', '.join(sorted(REL_TYPES))}")
    return list(dict.fromkeys(types))


def neighbourhood(store: BaseGraphStore, principal: Principal, ref: NodeRef, depth: int = 1,
                  types: Sequence[str] | None = None, node_limit: int = 200) -> ViewGraph:
    """The nodes within `depth` hops of `ref` (nearest first, at most `node_limit`)."""
    check_range("depth", depth, 1, MAX_DEPTH)
    check_range("nodeLimit", node_limit, 1, MAX_NODES)
    wanted = check_types(types)
    check_seed(ref)

    def run(tx: GraphTx) -> ViewGraph:
        found = ball(tx, ref, depth, wanted, node_limit)
        return present(tx, principal, found.nodes, found.rels, found.truncated)

    return store.read(run)


def paths(store: BaseGraphStore, principal: Principal, src: NodeRef, dst: NodeRef,
          max_length: int = 4, types: Sequence[str] | None = None, first: int = 5
          ) -> list[ViewPath]:
    """Up to `first` simple paths between two nodes, shortest first, ignoring direction."""
    check_range("maxLength", max_length, 1, MAX_PATH_LENGTH)
    check_range("first", first, 1, MAX_PATHS)
    wanted = check_types(types)
    check_seed(src)
    check_seed(dst)

    def run(tx: GraphTx) -> list[ViewPath]:
        found = shortest_paths(tx, src, dst, max_length, wanted, first)
        # One risk-level look-up for the nodes of all paths, not one per path.
        risks = risk_levels(tx, (n.ref for p in found for n in p.nodes))
        return [ViewPath(len(p.rels), present(tx, principal, p.nodes, p.rels, risks=risks))
                for p in found]

    return store.read(run)
