"""A bulk window: consecutive large loads that may run with the store's secondary indexes
suspended, built once when the window closes.

Datasets marked `bulk` (their rows need only look-ups by key while they load) announce their
rows with `expect`; before the first batch that writes, `before_write` asks the store to suspend
the indexes that writing nodes of the window's `labels` (given when it opens: those of all its
files) and relationships maintain, for everything announced (`BaseGraphStore.suspended_indexes`,
which declines when it would not pay).
Work that needs the indexes — resolving a branch's parent by its name — is handed to `after`
and runs once they are built again: at once when nothing was suspended, and also when a later
file of the window failed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from types import TracebackType

from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.batches import ProgressFn, no_progress

INDEX_TASK = "building indexes"


class BulkWindow:
    """Use as a context manager around the loads; see the module docstring."""

    def __init__(self, store: BaseGraphStore, progress: ProgressFn = no_progress,
                 labels: Iterable[str] = ()) -> None:
        self.store, self.progress = store, progress
        self.suspended = False
        self._rows = self._asked = 0
        self._labels = sorted(set(labels))
        self._stack = ExitStack()
        self._after: list[Callable[[], None]] = []

    def expect(self, rows: int) -> None:
        """Announce a file of about `rows` rows."""
        self._rows += rows

    def before_write(self) -> None:
        """Called before a batch is written: suspend the indexes if it pays and not done yet."""
        if not self.suspended and self._rows > self._asked:
            self._asked = self._rows  # a refusal is asked again only when more rows come
            self.suspended = self._stack.enter_context(self.store.suspended_indexes(
                self._rows, lambda done, total: self.progress(INDEX_TASK, done, total),
                labels=self._labels))

    def after(self, fn: Callable[[], None]) -> None:
        """Run `fn` once the indexes are there (now, when none are suspended)."""
        if self.suspended:
            self._after.append(fn)
        else:
            fn()

    def __enter__(self) -> BulkWindow:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stack.close()  # builds the suspended indexes, also when a load failed
        self.suspended = False
        pending, self._after = self._after, []
        # What is pending belongs to files that loaded whole: finish them even when a later
        # file failed (a broken file is refused before it writes), but not when stopped.
        if kind is None or issubclass(kind, Exception):
            for fn in pending:
                fn()
