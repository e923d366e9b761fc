"""Run one dataset file into the store: validate rows, reject the bad ones with reasons, and
commit batches whole, each recorded in a ledger in its own transaction so a re-run after a crash
resumes where the last committed batch ended."""

from __future__ import annotations

import csv
import gc
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from jointsup.batching import batched
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx, WriteCount
from jointsup.ingest.batches import ProgressFn, Summary, no_progress
from jointsup.ingest.bulk import BulkWindow
from jointsup.ingest.dataset import Context, Dataset, Lookup, Rows
from jointsup.ingest.normalize import FieldError
from jointsup.ingest.source import BadRecord, Record, Source, open_source, records
from jointsup.model import Node, NodeRef, Rel, make_node

REJECT_COLUMNS = ("line", "field", "value", "reason")


@dataclass
class _Batch:
    """The accepted rows of one batch and the rels deferred to the end of the file."""

    rows: list[Rows] = field(default_factory=list)


class RejectFile:
    """`<input>.rejects.csv` beside the input: line, field, value and reason of every reject."""

    def __init__(self, source: Path) -> None:
        self.path = source.with_name(source.name + ".rejects.csv")
        self._file: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None
        self.count = 0
        self.path.unlink(missing_ok=True)

    def add(self, line: int, field_name: str, value: str, reason: str) -> None:
        """Record one rejected row."""
        if self._writer is None:
            self._file = self.path.open("w", encoding="utf-8", newline="")
            self._writer = csv.DictWriter(self._file, REJECT_COLUMNS)
            self._writer.writeheader()
        self._writer.writerow({"line": line, "field": field_name, "value": value[:200],
                               "reason": reason})
        self.count += 1

    def close(self) -> None:
        """Flush and close (nothing is created when no row was rejected)."""
        if self._file is not None:
            self._file.close()


def _ledger(store: BaseGraphStore, source_id: str) -> set[str]:
    done: set[str] = set()
    after = None
    while True:
        page = store.list_nodes("IngestBatch", filters=[Filter("source", "eq", source_id)],
                                first=1000, after=after)
        done.update(str(n.props["batch"]) for n in page.items)
        if not page.has_next:
            return done
        after = page.end_cursor


def _missing(store: BaseGraphStore, refs: Iterable[NodeRef]) -> set[NodeRef]:
    """The nodes among `refs` that the store does not hold (one batched look-up per label)."""
    wanted = sorted(set(refs))
    return store.read(lambda tx: tx.missing(wanted)) if wanted else set()


_GC_LOCK = threading.Lock()
_GC_RUNS = 0
_GC_SAVED = gc.get_threshold()
BULK_GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Run with a higher collector threshold, restored when the last concurrent run ends.

    A batch allocates a few hundred thousand objects that all live until it commits; at the
    default generation-0 threshold (700) the collector walks them over and over for nothing
    (they are not cycles), which cost about a tenth of an enterprise load.
    """
    global _GC_RUNS, _GC_SAVED
    with _GC_LOCK:
        if _GC_RUNS == 0:
            _GC_SAVED = gc.get_threshold()
            gc.set_threshold(*BULK_GC_THRESHOLD)
        _GC_RUNS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_RUNS -= 1
            if _GC_RUNS == 0:
                gc.set_threshold(*_GC_SAVED)


class Ingest:
    """One run of one dataset over one file."""

    def __init__(self, store: BaseGraphStore, dataset: Dataset, ctx: Context,
                 batch_size: int = 1000, progress: ProgressFn = no_progress,
                 window: BulkWindow | None = None) -> None:
        self.store, self.dataset, self.ctx = store, dataset, ctx
        self.batch_size, self.progress = batch_size, progress
        # Where the file may load with the store's secondary indexes suspended (bulk datasets).
        self.window = window if dataset.bulk else None
        self._extras = True  # whether rows may carry extra columns (set per file)

    def run(self, path: Path, encoding: str | None = None) -> Summary:
        """Ingest `path`; refuses a structurally broken file before writing anything."""
        source = open_source(path, self.dataset.required, encoding)
        summary = Summary(f"{self.dataset.name} ({path.name})")
        # Ledger entries number batches of one size: a run with another batch size has a
        # ledger of its own (it redoes earlier batches, idempotently, rather than skip rows).
        source_id = f"{self.dataset.name}:{source.digest[:20]}:{self.batch_size}"
        done: set[str] = _ledger(self.store, source_id)
        rejects = RejectFile(path)
        self._extras = self._warn_columns(source, summary)
        with fewer_collections():
            try:
                self._run(source, source_id, done, rejects, summary)
            finally:
                rejects.close()
        summary.rejected = rejects.count
        return summary

    def _run(self, source: Source, source_id: str, done: set[str], rejects: RejectFile,
             summary: Summary) -> None:
        deferred: list[Rel] = []
        lookups: list[Lookup] = []
        total = source.lines - (1 if source.fmt == "csv" else 0)
        if self.window:
            self.window.expect(total)
        for number, chunk in enumerate(batched(records(source), self.batch_size)):
            batch = self._validate(chunk, rejects, summary)
            deferred += [rel for r in batch.rows for rel in r.deferred]
            lookups += [lk for r in batch.rows for lk in r.lookups]
            already = str(number) in done
            if self.window and not already:
                self.window.before_write()
            summary.add(self._commit(batch, source_id, str(number), already))
            self.progress(summary.name, summary.read, max(total, summary.read))

        def finish() -> None:  # look-ups by name need the indexes
            rels = deferred + _resolve(self.store, lookups, summary)
            self._commit_deferred(rels, source_id, done, summary)

        if self.window:
            self.window.after(finish)
        else:
            finish()

    def _warn_columns(self, source: Source, summary: Summary) -> bool:
        """Warn once per unusable extra column; False when no row can carry extra fields."""
        known = set(self.dataset.required) | set(self.dataset.optional)
        extras = [c for c in source.header if c not in known]
        usable = self.dataset.extras(dict.fromkeys(extras, "x"))
        summary.warnings += len(extras) - len(usable)
        return bool(usable) or source.fmt != "csv"  # a JSON line may bring its own fields

    def _validate(self, chunk: Sequence[Record | BadRecord], rejects: RejectFile,
                  summary: Summary) -> _Batch:
        built: list[tuple[Record, Rows]] = []
        bad: list[tuple[int, str, str, str]] = []
        for rec in chunk:
            summary.read += 1
            if isinstance(rec, BadRecord):
                bad.append((rec.line, "", "", rec.reason))
                continue
            try:
                rows = self.dataset.build(rec, self.ctx)
            except FieldError as exc:
                bad.append((rec.line, exc.field, rec.fields.get(exc.field, ""), exc.reason))
                continue
            extra = self.dataset.extras(rec.fields) if self._extras else None
            if extra:
                rows.primary = Node(rows.primary.label, rows.primary.key,
                                    {**extra, **rows.primary.props})
            built.append((rec, rows))
        # A row may rely on a node an earlier row of the same batch provides.
        provided = {n.ref for _, r in built for n in (r.primary, *r.nodes)}
        gone = _missing(self.store, (ref for _, r in built for _, ref in r.needs
                                     if ref not in provided))
        batch = _Batch()
        for rec, rows in built:
            absent = [(f, ref) for f, ref in rows.needs if ref in gone]
            if absent:
                f, ref = absent[0]
                bad.append((rec.line, f, rec.fields.get(f, ""),
                            f"no {ref.label} {ref.key!r} in the store"))
                continue
            summary.warnings += len(rows.warnings)
            batch.rows.append(rows)
        for line, field_name, value, reason in sorted(bad):
            rejects.add(line, field_name, value, reason)
        return batch

    def _commit(self, batch: _Batch, source_id: str, number: str, already: bool
                ) -> WriteCount:
        if already:
            return WriteCount(unchanged=len(batch.rows))
        primaries = [r.primary for r in batch.rows]
        nodes = [n for r in batch.rows for n in r.nodes]
        rels = [rel for r in batch.rows for rel in r.rels]
        entry = make_node("IngestBatch", {"source": source_id, "batch": number,
                                          "rows": len(batch.rows)})

        def write(tx: GraphTx) -> WriteCount:
            tx.upsert_nodes(nodes)
            count = tx.upsert_nodes(primaries)
            tx.upsert_rels(rels)
            tx.upsert_nodes([entry])  # the ledger entry lands with the batch or not at all
            return count

        return self.store.transaction(write)

    def _commit_deferred(self, rels: list[Rel], source_id: str, done: set[str],
                         summary: Summary) -> None:
        for number, chunk in enumerate(_existing_only(self.store, rels, summary,
                                                      self.batch_size)):
            tag = f"deferred-{number}"
            if tag in done:
                continue
            entry = make_node("IngestBatch", {"source": source_id, "batch": tag,
                                              "rows": len(chunk)})

            def write(tx: GraphTx, chunk: Sequence[Rel] = chunk, entry: Node = entry) -> None:
                tx.upsert_rels(chunk)
                tx.upsert_nodes([entry])

            self.store.transaction(write)


def _existing_only(store: BaseGraphStore, rels: list[Rel], summary: Summary,
                   size: int) -> Iterator[tuple[Rel, ...]]:
    """Deferred rels whose ends exist; a missing end is a warning (the row itself landed)."""
    for chunk in batched(rels, size):
        gone = _missing(store, (end for r in chunk for end in (r.src, r.dst)))
        kept = tuple(r for r in chunk if r.src not in gone and r.dst not in gone)
        summary.warnings += len(chunk) - len(kept)
        if kept:
            yield kept


def _resolve(store: BaseGraphStore, lookups: list[Lookup], summary: Summary) -> list[Rel]:
    """Rels to nodes found by a property value; no match or several is a warning."""
    rels = []
    for lk in lookups:
        found = store.list_nodes(lk.label, filters=[Filter(lk.prop, "eq", lk.value)], first=2)
        if len(found.items) == 1:
            rels.append(Rel(lk.rel_type, lk.src, found.items[0].ref))
        else:
            summary.warnings += 1
    return rels
