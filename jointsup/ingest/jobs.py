"""The ingest entry points: one file of a named dataset, or a whole dataset folder in order."""

from __future__ import annotations

import csv
import itertools
from contextlib import ExitStack
from importlib.resources import files
from pathlib import Path

from jointsup.config import Settings
from jointsup.errors import IngestError
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.batches import ProgressFn, Summary, no_progress
from jointsup.ingest.bulk import BulkWindow
from jointsup.ingest.dataset import Context, Dataset
from jointsup.ingest.datasets import (
    clues,
    credit,
    departments,
    enterprises,
    implementations,
    inspections,
    items,
    lists,
    officers,
    persons,
)
from jointsup.ingest.runner import Ingest

# Dependency order: what a later dataset refers to is loaded by an earlier one.
DATASETS: dict[str, Dataset] = {d.name: d for d in (
    departments.DATASET, items.DATASET, implementations.DATASET, officers.DATASET,
    enterprises.DATASET, persons.DATASET, inspections.DATASET, lists.DATASET, credit.DATASET,
    clues.DATASET,
)}


def region_successors() -> dict[str, str]:
    """Retired region codes mapped to their successors (package data, see its .md)."""
    path = Path(str(files("jointsup") / "data" / "region_successors.csv"))
    with path.open(encoding="utf-8") as f:
        return {row["old_code"]: row["new_code"] for row in csv.DictReader(f)}


def make_context(store: BaseGraphStore, settings: Settings) -> Context:
    """What row builders consult, read once per run."""
    return Context(store, settings.identity_key(), region_successors(),
                   memo={"nlp_cache_dir": settings.data_dir / "nlp-cache"})


def ingest_file(store: BaseGraphStore, settings: Settings, dataset: str, path: Path,
                encoding: str | None = None, progress: ProgressFn = no_progress,
                ctx: Context | None = None, window: BulkWindow | None = None) -> Summary:
    """Ingest one file of one dataset (in `window`, or in a bulk window of its own)."""
    if dataset not in DATASETS:
        raise IngestError(f"unknown dataset {dataset!r}; one of {', '.join(DATASETS)}",
                          path=str(path))
    if window is None:
        with BulkWindow(store, progress, DATASETS[dataset].labels) as own:
            return ingest_file(store, settings, dataset, path, encoding, progress, ctx, own)
    job = Ingest(store, DATASETS[dataset], ctx or make_context(store, settings),
                 settings.batch_size, progress, window)
    return job.run(path, encoding)


def dataset_files(folder: Path) -> list[tuple[str, Path]]:
    """The dataset files of a folder (`<dataset>.csv` or `.jsonl`), in dependency order."""
    if not folder.is_dir():
        raise IngestError("not a folder", path=str(folder))
    found = []
    for name in DATASETS:
        candidates = [folder / f"{name}{ext}" for ext in (".csv", ".jsonl")]
        present = [c for c in candidates if c.exists()]
        if len(present) > 1:
            raise IngestError(f"both {present[0].name} and {present[1].name}: keep one",
                              path=str(folder))
        found += [(name, p) for p in present]
    if not found:
        raise IngestError(f"no dataset files (expected names: {', '.join(DATASETS)})",
                          path=str(folder))
    return found


def ingest_dir(store: BaseGraphStore, settings: Settings, folder: Path,
               encoding: str | None = None, progress: ProgressFn = no_progress) -> list[Summary]:
    """Ingest every dataset file of a folder in dependency order; consecutive bulk datasets
    share one bulk window (the indexes are built once, before the next dataset that reads)."""
    ctx = make_context(store, settings)
    summaries = []
    window: BulkWindow | None = None
    listed = dataset_files(folder)
    with ExitStack() as stack:
        for at, (name, path) in enumerate(listed):
            bulk = DATASETS[name].bulk
            if window is not None and not bulk:
                stack.close()  # the indexes are built before a dataset that reads
                window = None
            elif window is None and bulk:
                # The labels of every file of the window, known before its first write.
                group = itertools.takewhile(lambda f: DATASETS[f[0]].bulk, listed[at:])
                labels = [label for n, _ in group for label in DATASETS[n].labels]
                window = stack.enter_context(BulkWindow(store, progress, labels))
            summaries.append(ingest_file(store, settings, name, path, encoding, progress, ctx,
                                         window))
    return summaries
