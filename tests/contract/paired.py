"""A store under test beside an embedded reference holding the same graph, for contract tests
that compare the two adapters' answers read for read."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, Rel


@contextmanager
def beside_reference(store: BaseGraphStore, path: Path, nodes: Sequence[Node],
                     rels: Sequence[Rel]) -> Iterator[tuple[BaseGraphStore, BaseGraphStore]]:
    """(store, an embedded store at `path`), both holding `nodes` and `rels`."""
    with EmbeddedStore(path) as reference:
        for s in (store, reference):
            s.upsert_nodes(nodes)
            s.upsert_rels(rels)
        yield store, reference
