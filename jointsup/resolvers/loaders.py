"""Per-request DataLoaders: each level of a query resolves in one batched store call."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from jointsup.graph.store import BaseGraphStore, Direction, Neighbour
from jointsup.model import Node, NodeRef


class Loaders:
    """DataLoaders over one store; create one per request."""

    def __init__(self, store: BaseGraphStore) -> None:
        self.store = store
        self._nodes: dict[str, DataLoader[str, Node | None]] = {}
        self._neighbours: dict[tuple[tuple[str, ...], str, tuple[str, ...]],
                               DataLoader[NodeRef, list[Neighbour]]] = {}

    def node(self, label: str) -> DataLoader[str, Node | None]:
        """Nodes of one label by key."""
        if label not in self._nodes:
            async def load(keys: list[str]) -> Sequence[Node | None]:
                return await run_in_threadpool(self.store.get_nodes, label, keys)

            self._nodes[label] = DataLoader(load_fn=load)
        return self._nodes[label]

    def neighbours(self, types: Sequence[str], direction: Direction = "both",
                   labels: Sequence[str] = ()) -> DataLoader[NodeRef, list[Neighbour]]:
        """Neighbours of nodes through some relationship types (and end labels)."""
        spec = (tuple(types), direction, tuple(labels))
        if spec not in self._neighbours:
            async def load(refs: list[NodeRef]) -> Sequence[list[Neighbour]]:
                found = await run_in_threadpool(
                    lambda: self.store.neighbours(refs, types=list(types), direction=direction,
                                                  labels=list(labels) or None))
                return [found.get(ref, []) for ref in refs]

            self._neighbours[spec] = DataLoader(load_fn=load)
        return self._neighbours[spec]
