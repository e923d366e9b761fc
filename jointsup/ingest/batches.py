"""Writing prepared rows to the store in batches that each commit whole, with progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jointsup.batching import batched
from jointsup.graph.store import BaseGraphStore, GraphTx, WriteCount
from jointsup.model import Node, Rel

T = TypeVar("T")
ProgressFn = Callable[[str, int, int], None]
"""Called as (task, done, total) after every committed batch."""


def no_progress(task: str, done: int, total: int) -> None:
    """A progress callback that reports nothing (tests, library use)."""


@dataclass
class Summary:
    """What one ingest step did, for the end-of-run table."""

    name: str
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0

    def add(self, count: WriteCount) -> None:
        """Fold a batch's write counts in."""
        self.created += count.created
        self.updated += count.updated
        self.unchanged += count.unchanged

    @property
    def written(self) -> int:
        """Rows that changed the store."""
        return self.created + self.updated


def write_nodes(store: BaseGraphStore, nodes: Sequence[Node], summary: Summary, batch_size: int,
                progress: ProgressFn = no_progress) -> None:
    """Upsert nodes batch by batch, each batch in its own transaction."""
    _write(store, nodes, GraphTx.upsert_nodes, summary, batch_size, progress)


def write_rels(store: BaseGraphStore, rels: Sequence[Rel], summary: Summary, batch_size: int,
               progress: ProgressFn = no_progress) -> None:
    """Upsert relationships batch by batch, each batch in its own transaction."""
    _write(store, rels, GraphTx.upsert_rels, summary, batch_size, progress)


def _write(store: BaseGraphStore, items: Sequence[T], upsert: Callable[[GraphTx, Sequence[T]],
           WriteCount], summary: Summary, batch_size: int, progress: ProgressFn) -> None:
    done = 0
    for chunk in batched(items, batch_size):
        summary.add(store.transaction(lambda tx, c=chunk: upsert(tx, c)))  # type: ignore[misc]
        done += len(chunk)
        progress(summary.name, done, len(items))
