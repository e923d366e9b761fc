"""Enterprise ingest throughput against a raw-insert baseline measured in the same run.

    python -m bench.ingest_bench [--enterprises N (0: no embedded run)]
                                 [--neo4j-enterprises M (0: no Neo4j)] [--out F]

The pipeline (parse, validate, normalise, upsert with change detection, ledger) is timed on a
generated enterprises.csv; the baseline writes the very same nodes and relationships with no
validation and no upsert logic: plain `executemany` into the same SQLite schema, plain
`UNWIND … CREATE` into Neo4j. The ratio pipeline/baseline is the figure; absolute rates are noise.
On the embedded store both halves run in this process, so their CPU times are recorded too (a
ratio less disturbed by other work on a shared machine). Then the same dataset's persons.csv
(about 3.5 role rows per enterprise) is ingested into the embedded store and its rate recorded:
the other half of loading 1,000,000 enterprises with their people.
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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from neo4j import ManagedTransaction

from bench.store_bench import machine
from jointsup.config import Settings
from jointsup.graph import sql
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_server import Neo4jServer
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.bulk import BulkWindow
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import DATASETS, ingest_file, make_context
from jointsup.ingest.reference import bundled_reference, load_reference
from jointsup.ingest.source import Record, open_source, records
from jointsup.model import Node, Rel

T = TypeVar("T")
TARGET_RATIO = 0.5  # pipeline rows/s ÷ raw rows/s (issue 3)
TARGET_TOTAL_S = 300  # 1,000,000 enterprises with their people (issue 3)


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


def raw_sqlite(path: Path, batches: list[tuple[list[Node], list[Rel]]]) -> tuple[float, float]:
    """Plain executemany of the same rows into the embedded schema, the secondary indexes its
    rows maintain dropped first and built at the end (timed: the pipeline does the same on a
    bulk load); (seconds, CPU seconds)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in sql.PRAGMAS:
        conn.execute(pragma)
    for statement in (*sql.TABLES, *sql.secondary_indexes()):
        conn.execute(statement)
    ids: dict[tuple[str, str], int] = {
        (label, key): i for i, label, key in conn.execute("SELECT id, label, key FROM nodes")}
    start = time.perf_counter()
    cpu = time.process_time()
    written = sql.written_indexes({n.label for nodes, _ in batches for n in nodes})
    for (name,) in conn.execute(sql.SECONDARY_INDEX_NAMES).fetchall():
        if name in written:
            conn.execute(sql.drop_index(name))
    for nodes, rels in batches:
        conn.execute("BEGIN")
        for node in nodes:
            if (node.label, node.key) in ids:
                continue
            cur = conn.execute(sql.INSERT_NODE, (node.label, node.key,
                                                 json.dumps(node.props, ensure_ascii=False)))
            ids[(node.label, node.key)] = int(cur.lastrowid or 0)
        conn.executemany(sql.INSERT_REL.replace("INSERT", "INSERT OR IGNORE"),
                         [(r.type, ids[r.src], ids[r.dst], r.src.label, r.src.key, r.dst.label,
                           r.dst.key, "{}") for r in rels])
        conn.execute("COMMIT")
    for statement in sql.secondary_indexes():
        conn.execute(statement)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    conn.close()
    return elapsed, cpu


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """fn's result, elapsed and CPU seconds."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - start, time.process_time() - cpu


def run_embedded(workdir: Path, csv_path: Path, n: int) -> dict[str, float]:
    """Pipeline and baseline on two fresh copies of a reference-loaded embedded store.

    The pipeline loads the enterprises and then their people in one bulk window, as `ingest dir`
    does: the secondary indexes are suspended for both and built once at the end (`index_s`).
    The pipeline runs first, so the peak RSS recorded after it is the pipeline's own.
    """
    template = workdir / "reference.sqlite"
    with EmbeddedStore(template) as store:
        load_reference(store, bundled_reference(), batch_size=5000)
    for name in ("pipeline", "raw"):
        (workdir / f"{name}.sqlite").write_bytes(template.read_bytes())
    settings = Settings(data_dir=workdir / "pipeline-data", hash_key="bench", batch_size=5000)
    settings.data_dir.mkdir()
    (workdir / "pipeline.sqlite").rename(settings.embedded_path)
    with EmbeddedStore(settings.embedded_path) as store:
        window = BulkWindow(store, labels=[*DATASETS["enterprises"].labels,
                                          *DATASETS["persons"].labels])
        with window:
            summary, pipe_s, pipe_cpu = timed(lambda: ingest_file(
                store, settings, "enterprises", csv_path, window=window))
            assert summary.created == n, summary
            people, persons_s, persons_cpu = timed(lambda: ingest_file(
                store, settings, "persons", csv_path.with_name("persons.csv"), window=window))
            assert people.rejected == 0, people
            suspended = window.suspended
            start, cpu = time.perf_counter(), time.process_time()
        index_s, index_cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with EmbeddedStore(template) as store:
        batches = list(graph_rows(csv_path, store))
    raw_s, raw_cpu = raw_sqlite(workdir / "raw.sqlite", batches)
    del batches
    # The index build after both files is charged to the enterprises in the ratio (it also
    # covers the people's indexes, so the ratio is on the pipeline's unfavourable side).
    return {"pipeline_rows_per_s": n / pipe_s, "raw_rows_per_s": n / raw_s,
            "ratio": raw_s / (pipe_s + index_s), "pipeline_s": pipe_s, "raw_s": raw_s,
            "pipeline_cpu_s": pipe_cpu, "raw_cpu_s": raw_cpu,
            "cpu_ratio": raw_cpu / (pipe_cpu + index_cpu),
            "persons_rows": people.read, "persons_s": persons_s, "persons_cpu_s": persons_cpu,
            "persons_rows_per_s": people.read / persons_s, "index_s": index_s,
            "index_cpu_s": index_cpu, "indexes_suspended": float(suspended),
            "total_s": pipe_s + persons_s + index_s, "pipeline_peak_rss_mib": peak}


def raw_neo4j(store: Neo4jStore, batches: list[tuple[list[Node], list[Rel]]]) -> float:
    """Plain UNWIND … CREATE of the same rows (no MERGE, no change detection); seconds."""
    start = time.perf_counter()
    with store.driver.session() as session:
        for nodes, rels in batches:
            by_label: dict[str, list[dict[str, object]]] = {}
            for node in nodes:
                by_label.setdefault(node.label, []).append({"key": node.key, "props": node.props})
            by_type: dict[tuple[str, str, str], list[dict[str, str]]] = {}
            for rel in rels:
                by_type.setdefault((rel.type, rel.src.label, rel.dst.label), []).append(
                    {"src": rel.src.key, "dst": rel.dst.key})

            def write(tx: ManagedTransaction, by_label: dict[str, list[dict[str, object]]]
                      = by_label, by_type: dict[tuple[str, str, str], list[dict[str, str]]]
                      = by_type) -> None:
                for label, rows in by_label.items():
                    # MERGE only where a node is shared by rows (address, phone); CREATE else.
                    verb = "MERGE" if label in ("Address", "Phone") else "CREATE"
                    tx.run(f"UNWIND $rows AS r {verb} (n:`{label}` {{key: r.key}}) "
                           "SET n += r.props", rows=rows).consume()
                for (rel_type, src, dst), pairs in by_type.items():
                    tx.run(f"UNWIND $rows AS r MATCH (a:`{src}` {{key: r.src}}) "
                           f"MATCH (b:`{dst}` {{key: r.dst}}) CREATE (a)-[:`{rel_type}`]->(b)",
                           rows=pairs).consume()

            session.execute_write(write)
    return time.perf_counter() - start


def run_neo4j(csv_path: Path, n: int) -> dict[str, float]:
    """Baseline, wipe, then the pipeline, on one real local Neo4j with the reference data."""
    with Neo4jServer() as server:
        store = Neo4jStore(server.uri, auth=None, timeout_s=600)
        try:
            load_reference(store, bundled_reference(), batch_size=5000)
            batches = list(graph_rows(csv_path, store))
            raw_s = raw_neo4j(store, batches)
            del batches
            with store.driver.session() as session:
                session.run("MATCH (n) WHERE NOT n:Region AND NOT n:Industry AND NOT n:Law "
                            "AND NOT n:Article CALL (n) { DETACH DELETE n } "
                            "IN TRANSACTIONS OF 10000 ROWS").consume()
            settings = Settings(hash_key="bench", batch_size=5000)
            start = time.perf_counter()
            summary = ingest_file(store, settings, "enterprises", csv_path)
            pipe_s = time.perf_counter() - start
            assert summary.created == n, summary
        finally:
            store.close()
    return {"pipeline_rows_per_s": n / pipe_s, "raw_rows_per_s": n / raw_s,
            "ratio": raw_s / pipe_s, "pipeline_s": pipe_s, "raw_s": raw_s}


def render(result: dict[str, Any]) -> str:
    """The markdown table of one results JSON (older files lack "bench" and "machine")."""
    lines = ["| store | enterprises | pipeline rows/s | raw rows/s | pipeline/raw | target |",
             "|---|---|---|---|---|---|"]
    for name, r in result["results"].items():
        size = int(r.get("enterprises", result["enterprises"]))
        met = "met" if r["ratio"] >= TARGET_RATIO else "not met"
        lines.append(f"| {name} | {size:,} | {r['pipeline_rows_per_s']:,.0f} | "
                     f"{r['raw_rows_per_s']:,.0f} | **{r['ratio']:.2f}** | "
                     f"≥ {TARGET_RATIO} — {met} |")
    embedded = result["results"].get("embedded", {})
    if "cpu_ratio" in embedded:
        lines += ["", f"Embedded, CPU time of this process instead of elapsed time: pipeline "
                  f"{embedded['pipeline_cpu_s']:.1f} s, raw {embedded['raw_cpu_s']:.1f} s, "
                  f"raw/pipeline **{embedded['cpu_ratio']:.2f}**."]
    if "persons_rows_per_s" in embedded:
        lines += ["", f"People and roles (`persons.csv` of the same dataset, "
                  f"{int(embedded['persons_rows']):,} rows) into the embedded store after the "
                  f"enterprises: **{embedded['persons_rows_per_s']:,.0f} rows/s** "
                  f"({embedded['persons_s']:.1f} s"
                  + (f", {embedded['persons_cpu_s']:.1f} s of CPU"
                     if "persons_cpu_s" in embedded else "") + ")."]
    if "total_s" in embedded:
        at_size = int(result["enterprises"]) >= 1_000_000
        met = ("met" if embedded["total_s"] < TARGET_TOTAL_S else "not met") if at_size \
            else "not measured at this size"
        how = (f"secondary indexes suspended, built at the end in {embedded['index_s']:.1f} s"
               if embedded["indexes_suspended"] else
               "secondary indexes kept: too few rows to pay for a build")
        lines += ["", f"Enterprises and their people in one bulk window ({how}): "
                  f"**{embedded['total_s']:.1f} s** in all "
                  f"(target < {TARGET_TOTAL_S} s at 1,000,000 enterprises — {met}); "
                  f"peak RSS of the pipeline {embedded['pipeline_peak_rss_mib']:,.0f} MiB "
                  f"(target < 4 GiB)."]
    if "peak_rss_mib" in embedded:
        lines += ["", f"Peak RSS of the embedded run: {embedded['peak_rss_mib']:,.0f} MiB; "
                  f"generating the CSV took {embedded['generate_s']:.1f} s."]
    return "\n".join(lines)


def main() -> None:
    """Generate, measure, print one table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--neo4j-enterprises", type=int, default=20_000,
                        help="size for the Neo4j half (0 skips it)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/ingest.json"))
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="jointsup-ingest-bench-") as tmp:
        workdir = Path(tmp)
        if args.enterprises:
            started = time.perf_counter()
            generate(workdir / "data", args.enterprises, seed=7)
            gen_s = time.perf_counter() - started
            results["embedded"] = run_embedded(workdir, workdir / "data" / "enterprises.csv",
                                               args.enterprises)
            results["embedded"] |= {"generate_s": gen_s, "peak_rss_mib":
                                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        if args.neo4j_enterprises:
            generate(workdir / "neo", args.neo4j_enterprises, seed=7)
            results["neo4j"] = run_neo4j(workdir / "neo" / "enterprises.csv",
                                         args.neo4j_enterprises)
            results["neo4j"]["enterprises"] = args.neo4j_enterprises
    report = {"bench": "ingest_bench",
              "command": " ".join(["python -m bench.ingest_bench", *sys.argv[1:]]),
              "date": time.strftime("%Y-%m-%d"), "machine": machine(),
              "enterprises": args.enterprises,
              "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
              "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"{'store':<10}{'N':>10}{'pipeline rows/s':>18}{'raw rows/s':>14}{'ratio':>8}")
    for name, r in results.items():
        size = int(r.get("enterprises", args.enterprises))
        print(f"{name:<10}{size:>10}{r['pipeline_rows_per_s']:>18.0f}"
              f"{r['raw_rows_per_s']:>14.0f}{r['ratio']:>8.2f}")
    embedded = results.get("embedded", {})
    if embedded:
        print(f"embedded CPU: pipeline {embedded['pipeline_cpu_s']:.1f} s, raw "
              f"{embedded['raw_cpu_s']:.1f} s, ratio {embedded['cpu_ratio']:.2f}; persons "
              f"{embedded['persons_rows']:.0f} rows at {embedded['persons_rows_per_s']:.0f} rows/s")
    if "total_s" in embedded:
        print(f"enterprises + persons + index build: {embedded['total_s']:.1f} s "
              f"(indexes built in {embedded['index_s']:.1f} s)")
    if "peak_rss_mib" in embedded:
        print(f"embedded peak RSS: {results['embedded']['peak_rss_mib']:.0f} MiB; "
              f"generate: {results['embedded']['generate_s']:.1f} s")


if __name__ == "__main__":
    main()
