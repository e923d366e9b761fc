"""Enterprise ingest throughput against a raw-insert baseline measured in the same run.

    python -m bench.ingest_bench [--enterprises N] [--store embedded|neo4j|both]

The pipeline (parse, validate, normalise, upsert with change detection, ledger) is timed on a
generated enterprises.csv; the baseline writes the very same nodes and relationships with no
validation and no upsert logic: plain `executemany` into the same SQLite schema, plain
`UNWIND … CREATE` into Neo4j. The ratio pipeline/baseline is the figure; absolute rates are noise.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from jointsup.config import Settings
from jointsup.graph import sql
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import ingest_file, make_context
from jointsup.ingest.reference import bundled_reference, load_reference
from jointsup.ingest.source import Record, open_source, records
from jointsup.model import Node, Rel


def graph_rows(csv_path: Path, store: BaseGraphStore) -> Iterator[tuple[list[Node], list[Rel]]]:
    """The nodes and rels the pipeline would write, computed outside the timed baseline."""
    from jointsup.ingest.datasets.enterprises import DATASET

    ctx = make_context(store, Settings(hash_key="bench"))
    source = open_source(csv_path, DATASET.required)
    nodes: list[Node] = []
    rels: list[Rel] = []
    for rec in records(source):
        assert isinstance(rec, Record)
        rows = DATASET.build(rec, ctx)
        nodes += [rows.primary, *rows.nodes]
        rels += rows.rels
        if len(nodes) >= 5000:
            yield nodes, rels
            nodes, rels = [], []
    yield nodes, rels


def raw_sqlite(path: Path, batches: list[tuple[list[Node], list[Rel]]]) -> float:
    """Plain executemany of the same rows into the embedded schema; returns seconds."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in sql.PRAGMAS:
        conn.execute(pragma)
    for statement in (*sql.SCHEMA, *sql.index_statements()):
        conn.execute(statement)
    ids: dict[tuple[str, str], int] = {
        (label, key): i for i, label, key in conn.execute("SELECT id, label, key FROM nodes")}
    start = time.perf_counter()
    for nodes, rels in batches:
        conn.execute("BEGIN")
        for node in nodes:
            if (node.label, node.key) in ids:
                continue
            cur = conn.execute(sql.INSERT_NODE, (node.label, node.key,
                                                 json.dumps(node.props, ensure_ascii=False)))
            ids[(node.label, node.key)] = int(cur.lastrowid or 0)
        conn.executemany("INSERT OR IGNORE INTO rels (type, src, dst, props) VALUES (?,?,?,'{}')",
                         [(r.type, ids[r.src], ids[r.dst]) for r in rels])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def run_embedded(workdir: Path, csv_path: Path, n: int) -> dict[str, float]:
    """Pipeline and baseline on two fresh copies of a reference-loaded embedded store."""
    template = workdir / "reference.sqlite"
    with EmbeddedStore(template) as store:
        load_reference(store, bundled_reference(), batch_size=5000)
        batches = list(graph_rows(csv_path, store))
    for name in ("pipeline", "raw"):
        (workdir / f"{name}.sqlite").write_bytes(template.read_bytes())
    raw_s = raw_sqlite(workdir / "raw.sqlite", batches)
    del batches
    settings = Settings(data_dir=workdir / "pipeline-data", hash_key="bench", batch_size=5000)
    settings.data_dir.mkdir()
    (workdir / "pipeline.sqlite").rename(settings.embedded_path)
    with EmbeddedStore(settings.embedded_path) as store:
        start = time.perf_counter()
        summary = ingest_file(store, settings, "enterprises", csv_path)
        pipe_s = time.perf_counter() - start
        assert summary.created == n, summary
    return {"pipeline_rows_per_s": n / pipe_s, "raw_rows_per_s": n / raw_s,
            "ratio": raw_s / pipe_s, "pipeline_s": pipe_s, "raw_s": raw_s}


def main() -> None:
    """Generate, measure, print one table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/ingest.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jointsup-ingest-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        generate(workdir / "data", args.enterprises, seed=7)
        gen_s = time.perf_counter() - started
        result = run_embedded(workdir, workdir / "data" / "enterprises.csv", args.enterprises)
    result |= {"generate_s": gen_s, "peak_rss_mib":
               resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    report = {"command": " ".join(["python -m bench.ingest_bench", *sys.argv[1:]]),
              "date": time.strftime("%Y-%m-%d"), "enterprises": args.enterprises,
              "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
              "embedded": result}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"{'store':<10}{'N':>10}{'pipeline rows/s':>18}{'raw rows/s':>14}{'ratio':>8}"
          f"{'peak RSS MiB':>14}")
    print(f"{'embedded':<10}{args.enterprises:>10}{result['pipeline_rows_per_s']:>18.0f}"
          f"{result['raw_rows_per_s']:>14.0f}{result['ratio']:>8.2f}{result['peak_rss_mib']:>14.0f}")


if __name__ == "__main__":
    main()
