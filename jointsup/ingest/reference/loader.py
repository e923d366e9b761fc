"""Load the reference data (regions, industries, laws) into a store; re-running changes nothing."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from jointsup.errors import IngestError
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.batches import ProgressFn, Summary, no_progress, write_nodes, write_rels
from jointsup.ingest.reference.industries import read_industries
from jointsup.ingest.reference.laws import read_laws
from jointsup.ingest.reference.regions import read_regions
from jointsup.model import Node, Rel


def bundled_reference() -> Path:
    """The copy of shared/data shipped inside the package (with its SOURCES.md)."""
    return Path(str(files("jointsup") / "data" / "reference"))


def read_reference(source: Path) -> dict[str, tuple[list[Node], list[Rel]]]:
    """Parse every reference dataset under `source` (refusing a folder that lacks one)."""
    for sub in ("regions", "industries/gbt4754_2017.csv", "laws"):
        if not (source / sub).exists():
            raise IngestError(f"reference data incomplete: {sub} is missing", path=str(source))
    return {
        "regions": read_regions(source / "regions"),
        "industries": read_industries(source / "industries" / "gbt4754_2017.csv"),
        "laws": read_laws(source / "laws"),
    }


def load_reference(store: BaseGraphStore, source: Path | None = None, batch_size: int = 1000,
                   progress: ProgressFn = no_progress) -> list[Summary]:
    """Upsert regions, industries and laws with their articles; one summary per node kind."""
    parsed = read_reference(source or bundled_reference())
    summaries = []
    for name, (nodes, rels) in parsed.items():
        node_summary = Summary(f"{name}: nodes", read=len(nodes))
        write_nodes(store, nodes, node_summary, batch_size, progress)
        rel_summary = Summary(f"{name}: relationships", read=len(rels))
        write_rels(store, rels, rel_summary, batch_size, progress)
        summaries += [node_summary, rel_summary]
    return summaries
