"""Reading the gazetteer's rows from a store, and caching the built gazetteer on disk.

The cache artifact is keyed by the store's content: node counts of the labels the gazetteer
reads plus the ingest ledger's batch counts per source, so any committed ingest batch (which
always writes a ledger entry) invalidates it.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import os
import pickle
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node
from jointsup.nlp.gazetteer import EnterpriseRow, Gazetteer, GazetteerBuilder, LawRow, RegionRow

CACHE_VERSION = "4"  # 4: automaton of ints (singles/shared tables)
_LABELS = ("Enterprise", "Region", "Law", "Department")


def _all(store: BaseGraphStore, label: str, page: int = 1000) -> Iterator[Node]:
    after = None
    while True:
        got = store.list_nodes(label, first=page, after=after)
        yield from got.items
        if not got.has_next:
            return
        after = got.end_cursor


def former_region_names() -> list[tuple[str, str]]:
    """(former name, successor code) for renamed regions (package data region_successors.csv)."""
    path = Path(str(files("jointsup") / "data" / "region_successors.csv"))
    with path.open(encoding="utf-8", newline="") as fh:
        return [(row["old_name"], row["new_code"]) for row in csv.DictReader(fh)]


def build_from_store(store: BaseGraphStore) -> Gazetteer:
    """A gazetteer of every region, law, department and enterprise in the store."""
    builder = GazetteerBuilder()
    builder.regions((RegionRow(str(n.props["code"]), str(n.props["name"]),
                               str(n.props.get("level", "")),
                               _opt(n.props.get("parent_code"))) for n in _all(store, "Region")),
                    former_region_names())
    builder.laws(LawRow(str(n.props["title"]), str(n.props.get("short_title") or n.props["title"]),
                        str(n.props["version"]), int(str(n.props.get("article_count") or 0)),
                        bool(n.props.get("current")), bool(n.props.get("repealed")))
                 for n in _all(store, "Law"))
    builder.departments((str(n.props["code"]), str(n.props.get("name") or ""))
                        for n in _all(store, "Department"))
    builder.enterprises(_enterprise_row(n) for n in _all(store, "Enterprise"))
    return builder.build()


def _enterprise_row(node: Node) -> EnterpriseRow:
    props = node.props
    former = props.get("former_names")
    return EnterpriseRow(str(props["uscc"]), str(props.get("name") or ""),
                         str(props.get("reg_region_code") or ""), str(props.get("status") or ""),
                         tuple(str(f) for f in former) if isinstance(former, list) else ())


def _opt(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _code_digest() -> str:
    """A digest of the modules that shape the gazetteer: a code change rebuilds the cache."""
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in ("gazetteer.py", "names.py", "source.py", "normalize.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def content_key(store: BaseGraphStore) -> str:
    """A digest of what the gazetteer depends on in this store."""
    parts: dict[str, object] = {"version": CACHE_VERSION, "code": _code_digest(),
                                "store": type(store).__name__}
    for label in _LABELS:
        parts[label] = store.count_nodes(label)
    # Clue batches change nothing the gazetteer holds; every other committed batch may.
    parts["ledger"] = [[str(k[0]), n] for k, n in store.count_by("IngestBatch", ["source"])
                       if not str(k[0]).startswith("clues:")]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def load_or_build(store: BaseGraphStore, cache_dir: Path | None) -> Gazetteer:
    """The cached gazetteer for this store's content, else a fresh one (then cached)."""
    if cache_dir is None:
        return build_from_store(store)
    path = cache_dir / f"gazetteer-{content_key(store)}.pickle"
    if path.exists():
        cached = load_artifact(path)
        if cached is not None:
            return cached
    gaz = build_from_store(store)
    cache_dir.mkdir(parents=True, exist_ok=True)
    for old in cache_dir.glob("gazetteer-*.pickle"):
        old.unlink(missing_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with tmp.open("wb") as fh:
        pickle.dump(gaz, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # atomic: a concurrent reader sees the whole file or none
    return gaz


def load_artifact(path: Path) -> Gazetteer | None:
    """The gazetteer pickled at `path`, or None when the file is torn or stale. The cyclic
    garbage collector is paused meanwhile: hundreds of thousands of shared-surface tuples
    arrive, and each collection would rescan those already read (about an eighth of the load
    time at a million enterprises)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)  # noqa: S301  (our own artifact in the data dir)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        return None  # rebuilt by the caller
    finally:
        if enabled:
            gc.enable()
    return cached if isinstance(cached, Gazetteer) else None
