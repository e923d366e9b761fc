"""Per-request DataLoaders: each level of a query resolves in one batched store call.

On the embedded store a batch is a few indexed SQLite lookups (well under a millisecond), so it
runs on the event loop itself: a hop to the thread pool and back costs more than the lookup, and
adds two context switches and a GIL hand-over per level of every query. On Neo4j a batch is a
network round trip and goes to the thread pool, so the loop serves other requests meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from starlette.concurrency import run_in_threadpool
from strawberry.dataloader import DataLoader

from jointsup.graph.store import BaseGraphStore, Direction, Filter, GraphTx, Neighbour, Page
from jointsup.model import Node, NodeRef
from jointsup.services.supervision import ApplicableItem, applicable_items, enterprise_target

# (region prefix, first, after): one page of the enterprises registered inside a region.
RegionPageKey = tuple[str, int, str | None]
T = TypeVar("T")
INLINE_STORES = frozenset({"embedded"})  # store kinds whose batched reads run on the loop


class Loaders:
    """DataLoaders over one store; create one per request."""

    def __init__(self, store: BaseGraphStore) -> None:
        self.store = store
        self.inline = store.kind in INLINE_STORES
        self._nodes: dict[str, DataLoader[str, Node | None]] = {}
        self._neighbours: dict[tuple[tuple[str, ...], str, tuple[str, ...]],
                               DataLoader[NodeRef, list[Neighbour]]] = {}
        self.applicable: DataLoader[str, list[ApplicableItem]] = DataLoader(
            load_fn=self._applicable)
        self.law_versions: DataLoader[str, list[Node]] = DataLoader(load_fn=self._law_versions)
        self.region_enterprises: DataLoader[RegionPageKey, tuple[Page, int]] = DataLoader(
            load_fn=self._region_enterprises)

    async def call(self, fn: Callable[[], T]) -> T:
        """Run one batched store call: on the loop for the embedded store, else in a thread."""
        return fn() if self.inline else await run_in_threadpool(fn)

    def node(self, label: str) -> DataLoader[str, Node | None]:
        """Nodes of one label by key."""
        if label not in self._nodes:
            async def load(keys: list[str]) -> Sequence[Node | None]:
                return await self.call(lambda: self.store.get_nodes(label, keys))

            self._nodes[label] = DataLoader(load_fn=load)
        return self._nodes[label]

    def neighbours(self, types: Sequence[str], direction: Direction = "both",
                   labels: Sequence[str] = ()) -> DataLoader[NodeRef, list[Neighbour]]:
        """Neighbours of nodes through some relationship types (and end labels)."""
        spec = (tuple(types), direction, tuple(labels))
        if spec not in self._neighbours:
            async def load(refs: list[NodeRef]) -> Sequence[list[Neighbour]]:
                found = await self.call(
                    lambda: self.store.neighbours(refs, types=list(types), direction=direction,
                                                  labels=list(labels) or None))
                return [found.get(ref, []) for ref in refs]

            self._neighbours[spec] = DataLoader(load_fn=load)
        return self._neighbours[spec]

    async def _applicable(self, usccs: list[str]) -> Sequence[list[ApplicableItem]]:
        def run(tx: GraphTx) -> list[list[ApplicableItem]]:
            nodes = [n for n in tx.get_nodes("Enterprise", usccs) if n is not None]
            found = applicable_items(tx, [enterprise_target(n) for n in nodes])
            return [found.get(u, []) for u in usccs]

        return await self.call(lambda: self.store.read(run))

    async def _law_versions(self, titles: list[str]) -> Sequence[list[Node]]:
        def run(tx: GraphTx) -> list[list[Node]]:
            page = tx.list_nodes("Law", filters=[Filter("title", "in", list(titles))],
                                 order_by="version", first=1000)
            return [[n for n in page.items if n.props.get("title") == t] for t in titles]

        return await self.call(lambda: self.store.read(run))

    async def _region_enterprises(self, keys: list[RegionPageKey]
                                  ) -> Sequence[tuple[Page, int]]:
        def run(tx: GraphTx) -> list[tuple[Page, int]]:
            out = []
            for prefix, first, after in keys:
                filters = [Filter("reg_region_code", "prefix", prefix)]
                out.append((tx.list_nodes("Enterprise", filters=filters, first=first,
                                          after=after), tx.count_nodes("Enterprise", filters)))
            return out

        # Counting a region's enterprises is O(enterprises in it): never on the loop.
        return await run_in_threadpool(self.store.read, run)
