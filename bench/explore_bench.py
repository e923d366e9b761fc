"""Exploration benchmark: neighbourhoods, paths and suspected relations, on either store.

The issue's targets, on the embedded store with 1,000,000 enterprises: a depth-2 neighbourhood
capped at 500 nodes p99 <= 200 ms, shortest paths up to 6 hops p99 <= 300 ms, suspectedRelations
p99 <= 300 ms. Calls go through the services the GraphQL fields use (no HTTP: api_bench measures
the server), one at a time, in one process.

Absolute times on a shared machine are noise, so two baselines are measured in the same run on
the same data, interleaved with ours: a single-key lookup (`store.get_node`) and the bare store
ball (`store.neighbourhood`, what store_bench times) at the same depth and cap. Ratios are ours /
baseline p50.

The store: reference data plus `jointsup demo generate`'s dataset of N enterprises loaded by the
ingest pipeline into DIR (default TMPDIR/jointsup-explore-bench-N); a DIR holding a loaded store
is reused as it is (a 1M ingest takes long), a half-loaded one resumes (the ingest ledger skips
committed batches). `--skip clues` leaves a dataset out. Seeds are random
enterprises (fixed by --seed) and, for suspectedRelations, also every planted member from
truth.json up to a quarter of the sample. Prints one table; writes the figures as JSON.

`--store neo4j` times the same calls on a local Neo4j server (started like store_bench's, its
files in DIR/neo4j, reused on the next run). It holds the same graph: every node and
relationship of the embedded store in DIR, copied once by neo4j-admin's offline importer
(bench.neo4j_copy; the ingest pipeline writes to Neo4j row by row, hours at 1M; the copy is the
same graph, person keys included). The same seeds are asked of both stores and the answers
compared: the JSON records how many were identical.

    python -m bench.explore_bench [--enterprises N] [--data-dir DIR] [--samples K]
                                  [--store embedded|neo4j] [--skip DATASET ...]
                                  [--out bench/results/explore.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from jointsup import collector
from jointsup.graph.algorithms import warm_paths
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.model import NodeRef
from jointsup.services.explore.subgraph import neighbourhood, paths
from jointsup.services.explore.suspected import suspected_relations
from jointsup.services.policy import Principal, Role

TARGETS_MS = {"neighbourhood d2/500": 200.0, "paths ≤6 hops": 300.0,
              "suspectedRelations": 300.0}
WHO = Principal("bench", Role.INVESTIGATOR)


MARKER = "explore-bench-loaded.json"


def say(message: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[explore_bench] {message}", file=sys.stderr, flush=True)


def prepare_store(data_dir: Path, enterprises: int, seed: int, skip: Sequence[str]
                  ) -> dict[str, Any]:
    """Reuse a loaded store in `data_dir`, or generate the dataset and load it (resumably)."""
    from jointsup.config import Settings
    from jointsup.ingest.generate import generate
    from jointsup.ingest.jobs import dataset_files, ingest_file, make_context
    from jointsup.ingest.reference import load_reference

    marker = data_dir / MARKER
    if marker.exists():
        return {"reused": True, **json.loads(marker.read_text(encoding="utf-8"))}
    settings = Settings.from_env(data_dir=data_dir, store="embedded")
    folder = data_dir / "dataset"
    timings: dict[str, float] = {}
    if not (folder / "manifest.json").exists():
        say(f"generating {enterprises:,} enterprises (seed {seed}) in {folder}")
        t = time.perf_counter()
        generate(folder, enterprises, seed)
        timings["generate_s"] = time.perf_counter() - t
    data_dir.mkdir(parents=True, exist_ok=True)
    with EmbeddedStore(settings.embedded_path) as store:
        t = time.perf_counter()
        load_reference(store, None, settings.batch_size)
        ctx = make_context(store, settings)
        for name, path in dataset_files(folder):
            if name not in skip:
                say(f"ingesting {name}")
                ingest_file(store, settings, name, path, ctx=ctx)
        timings["load_s"] = time.perf_counter() - t
        counts = store.stats()
    info = {"enterprises": enterprises, "seed": seed, "skipped": list(skip),
            "nodes": sum(counts.nodes.values()), "relationships":
                sum(counts.relationships.values()), **timings}
    marker.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return {"reused": False, **info}


def percentile(sorted_ms: Sequence[float], q: float) -> float:
    """The q-quantile (0–1) by nearest rank."""
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * len(sorted_ms) + 0.5) - 1))]


def sample_usccs(path: Path, count: int, seed: int) -> list[str]:
    """`count` random enterprise keys, drawn by random row id, read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        top = conn.execute("SELECT max(id) FROM nodes").fetchone()[0]
        rng, found = random.Random(seed), dict[str, None]()
        while len(found) < count:
            ids = [rng.randrange(1, top + 1) for _ in range(count * 4)]
            marks = ",".join("?" * len(ids))
            query = f"SELECT key FROM nodes WHERE label = 'Enterprise' AND id IN ({marks})"  # noqa: S608
            for (key,) in conn.execute(query, ids):
                found.setdefault(key)
        return list(found)[:count]
    finally:
        conn.close()


def planted_members(dataset: Path) -> list[str]:
    """Every member of the planted person, address and phone groups, from truth.json."""
    truth = json.loads((dataset / "truth.json").read_text(encoding="utf-8"))
    return sorted({u for name in ("one_person_many_companies", "same_address", "shared_phone")
                   for group in truth.get(name, []) for u in group["usccs"]})


CPU_MS: dict[str, list[float]] = {}


def timed(fn: Callable[[], Any], name: str = "") -> tuple[float, Any]:
    """Wall milliseconds of one call, and its result; its CPU milliseconds go to CPU_MS[name].

    On a shared machine wall time is mostly waiting for a core; this process's CPU time (which
    does not count a Neo4j server's) shows what the call itself costs.
    """
    c, t = time.process_time(), time.perf_counter()
    out = fn()
    wall = (time.perf_counter() - t) * 1000
    CPU_MS.setdefault(name, []).append((time.process_time() - c) * 1000)
    return wall, out


def summary(ms: list[float]) -> dict[str, float]:
    """p50, p99, max and mean of some timings."""
    s = sorted(ms)
    return {"n": len(s), "p50": percentile(s, 0.5), "p99": percentile(s, 0.99), "max": s[-1],
            "mean": statistics.fmean(s)}


def run(store: BaseGraphStore, usccs: list[str], suspects: list[str]) -> dict[str, Any]:
    """Each row's timings; baselines interleaved call by call with ours.

    `answers` holds, per call of ours, what it answered (ids only), to compare the stores.
    """
    rows: dict[str, list[float]] = {k: [] for k in (
        "key lookup", "store ball d2/500", "neighbourhood d2/500", "paths ≤6 hops",
        "suspectedRelations")}
    sizes: dict[str, list[int]] = {"neighbourhood d2/500": [], "paths ≤6 hops": [],
                                   "suspectedRelations": []}
    answers: dict[str, list[Any]] = {k: [] for k in sizes}
    refs = [NodeRef("Enterprise", u) for u in usccs]
    for i, ref in enumerate(refs):
        ms, _ = timed(partial(store.get_node, ref), "key lookup")
        rows["key lookup"].append(ms)
        ms, _ = timed(partial(store.neighbourhood, ref, depth=2, node_limit=500),
                      "store ball d2/500")
        rows["store ball d2/500"].append(ms)
        ms, graph = timed(partial(neighbourhood, store, WHO, ref, 2, None, 500),
                          "neighbourhood d2/500")
        rows["neighbourhood d2/500"].append(ms)
        sizes["neighbourhood d2/500"].append(len(graph.nodes))
        answers["neighbourhood d2/500"].append(
            [[n.id for n in graph.nodes], sorted(e.id for e in graph.edges), graph.truncated])
        other = refs[(i + 1) % len(refs)]
        ms, found = timed(partial(paths, store, WHO, ref, other, 6, None, 5), "paths ≤6 hops")
        rows["paths ≤6 hops"].append(ms)
        sizes["paths ≤6 hops"].append(len(found))
        answers["paths ≤6 hops"].append([[e.id for e in p.graph.edges] for p in found])
        uscc = suspects[i % len(suspects)]
        ms, related = timed(partial(suspected_relations, store, WHO, uscc),
                            "suspectedRelations")
        rows["suspectedRelations"].append(ms)
        sizes["suspectedRelations"].append(len(related))
        answers["suspectedRelations"].append([[r.enterprise.key, r.score] for r in related])
    return {"timings": {k: summary(v) for k, v in rows.items()},
            "cpu_timings": {k: summary(CPU_MS[k]) for k in rows if CPU_MS.get(k)},
            "result_sizes": {k: summary([float(x) for x in v]) for k, v in sizes.items()},
            "answers": answers}


def agreement(ours: dict[str, list[Any]], reference: dict[str, list[Any]]) -> dict[str, Any]:
    """Per query, how many answers were identical to the reference store's, and the first not."""
    out: dict[str, Any] = {}
    for name, answers in ours.items():
        same = [a == b for a, b in zip(answers, reference[name], strict=True)]
        out[name] = {"identical": sum(same), "of": len(same),
                     "first_different": next((i for i, ok in enumerate(same) if not ok), None)}
    return out


def render(result: dict[str, Any]) -> str:
    """The markdown table of one results JSON: p50/p99, ratios to both baselines, the target."""
    t = result["timings"]
    lookup, ball = t["key lookup"]["p50"], t["store ball d2/500"]["p50"]
    store, n = result.get("store", "embedded"), result.get("enterprises", 0)
    lines = [f"{store} store, {n:,} enterprises, {t['key lookup']['n']} calls per row; "
             f"p50/p99 wall ms (CPU ms of this process in brackets where measured)", "",
             "| query | p50 ms | p99 ms | max ms | ÷ key look-up | ÷ store ball | target p99 "
             "(1M) | met |", "|---|---|---|---|---|---|---|---|"]
    cpu = result.get("cpu_timings", {})
    for name, s in t.items():
        target = TARGETS_MS.get(name)
        c = cpu.get(name)
        extra = (f" ({c['p50']:.1f})", f" ({c['p99']:.1f})") if c else ("", "")
        met = "–" if target is None else ("yes" if s["p99"] <= target else "**no**")
        lines.append(f"| {name} | {s['p50']:.2f}{extra[0]} | {s['p99']:.2f}{extra[1]} | "
                     f"{s['max']:.2f} | {s['p50'] / lookup:,.1f} | {s['p50'] / ball:.2f} | "
                     f"{f'≤ {target:.0f}' if target else '–'} | {met} |")
    sizes = result["result_sizes"]
    lines += ["", "Result sizes (mean): neighbourhood nodes "
              f"{sizes['neighbourhood d2/500']['mean']:.0f}, paths "
              f"{sizes['paths ≤6 hops']['mean']:.1f}, suspected relations "
              f"{sizes['suspectedRelations']['mean']:.1f}."]
    for name, same in result.get("same_answers_as_embedded", {}).items():
        lines.append(f"{name}: {same['identical']} of {same['of']} answers identical to the "
                     "embedded store's.")
    machine = result.get("machine", {})
    if "loadavg_start" in machine:
        lines.append(f"Load average {machine['loadavg_start'][0]:.1f} at start, "
                     f"{machine.get('loadavg_end', [0.0])[0]:.1f} at the end.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Prepare (or reuse) the store, time the rows, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip", nargs="*", default=[], help="datasets to leave out")
    parser.add_argument("--store", choices=("embedded", "neo4j"), default="embedded")
    parser.add_argument("--neo4j-heap", default=None, help="default: as store_bench's")
    parser.add_argument("--neo4j-page-cache", default=None, help="default: as store_bench's")
    parser.add_argument("--cold", action="store_true",
                        help="Neo4j: measure without reading the graph through it first")
    parser.add_argument("--out", default="bench/results/explore.json")
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir or Path(tempfile.gettempdir()) /
                    f"jointsup-explore-bench-{args.enterprises}")
    setup = prepare_store(data_dir, args.enterprises, args.seed, args.skip)
    path = data_dir / "graph.sqlite"
    usccs = sample_usccs(path, args.samples, args.seed)
    planted = planted_members(data_dir / "dataset") if (data_dir / "dataset").exists() else []
    rng = random.Random(args.seed)
    suspects = usccs[:args.samples - min(len(planted), args.samples // 4)]
    suspects += rng.sample(planted, min(len(planted), args.samples // 4))
    rng.shuffle(suspects)
    extra: dict[str, Any] = {}
    if args.store == "neo4j":
        result, extra = run_neo4j(data_dir, args, usccs, suspects)
    else:
        load_start = os.getloadavg()
        with EmbeddedStore(path) as store:
            result = measure(store, usccs, suspects)
        extra["loadavg"] = [load_start, os.getloadavg()]
    answers = result.pop("answers")
    if args.store == "neo4j":  # the same calls on the embedded store, untimed, to compare
        with EmbeddedStore(path) as store:
            reference = run(store, usccs, suspects)["answers"]
        result["same_answers_as_embedded"] = agreement(answers, reference)
    loadavg = extra.pop("loadavg")
    report = {
        "bench": "explore_bench",
        "command": "python -m bench.explore_bench " + shlex.join(sys.argv[1:] if argv is None
                                                                 else argv),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"nproc": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "loadavg_start": loadavg[0],
                    "loadavg_end": loadavg[1]},
        "store": args.store, "enterprises": args.enterprises, "setup": setup, **extra,
        "planted_in_sample": len(set(suspects) & set(planted)), **result}
    print(render(report))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


def measure(store: BaseGraphStore, usccs: list[str], suspects: list[str]) -> dict[str, Any]:
    """Warm the store (page cache, connection, a JVM's compiled plans), then `run`.

    Every timed call is warmed, not only the neighbourhood: each has queries of its own (the
    bridge, the directed expansions of suspectedRelations) whose first plan would otherwise be
    compiled inside a timed call, as a server in use would not.
    """
    started = time.perf_counter()
    hubs = warm_paths(store)  # as the server does after start-up (the hubs' adjacency, on Neo4j)
    warmed = {"hubs_read_ahead": hubs, "hubs_read_ahead_s": round(time.perf_counter() - started, 1)}
    refs = [NodeRef("Enterprise", uscc) for uscc in usccs[:20]]
    for i, ref in enumerate(refs):
        neighbourhood(store, WHO, ref, 2, None, 500)
        paths(store, WHO, ref, refs[(i + 1) % len(refs)], 6, None, 5)
        suspected_relations(store, WHO, suspects[i % len(suspects)])
    collector.settle("the benchmark's warm-up")  # as the server does after its warm-ups
    return {**warmed, **run(store, usccs, suspects)}


def run_neo4j(data_dir: Path, args: argparse.Namespace, usccs: list[str],
              suspects: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Start Neo4j on DIR/neo4j (the embedded store's graph copied in once), warm its page
    cache (unless --cold) and `measure`."""
    from bench.neo4j_copy import neo4j_from_embedded, warm_page_cache
    from bench.store_bench import neo4j_memory
    from jointsup.graph.neo4j_store import Neo4jStore

    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    heap, page_cache = neo4j_memory(args.enterprises, ram)
    server, copy = neo4j_from_embedded(data_dir, args.neo4j_heap or heap,
                                       args.neo4j_page_cache or page_cache)
    try:
        warmed = None if args.cold else warm_page_cache(server.uri)
        with Neo4jStore(server.uri, None, timeout_s=300.0) as store:
            stats = store.stats()
            load_start = os.getloadavg()
            result = measure(store, usccs, suspects)
            load_end = os.getloadavg()
    finally:
        server.stop()
    return result, {"loadavg": [load_start, load_end], "neo4j": {
        "heap_mib": server.heap_mib, "page_cache_mib": server.page_cache_mib, "copy": copy,
        "page_cache_warmed_s": warmed,
        "nodes": sum(stats.nodes.values()), "relationships": sum(stats.relationships.values())}}


if __name__ == "__main__":
    main()
