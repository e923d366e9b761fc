"""Credit classes and risk models on a generated dataset: time, and recall/precision per model.

Times are reported with a ratio against a baseline measured in the same run on the same data:
a bare scan of every Enterprise node (`list_nodes` pages), the least any whole-population
computation must read. Recall and precision are measured against the generator's truth.json,
first with the AGAINST links as ingested (a respondent code in the row, plus whatever the clue
ingest's text linker found), then after adding an AGAINST link for every enterprise the gold
annotations name (perfect text linking) — this second step WRITES to the store, so point
--data-dir at a throwaway copy.

    python -m bench.risk_bench --data-dir DIR --generated GEN [--month 2026-06]
                               [--out bench/results/risk.json]

DIR holds a store loaded with `jointsup ingest reference` and `jointsup ingest dir GEN`.

    python -m bench.risk_bench --data-dir DIR --stats [--repeat 3] [--out FILE]

times the dashboard's `stats` (read only): grouping by RISK_CLASS against REGION alone (a count
the store groups itself: the baseline), median of --repeat calls each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from jointsup.config import Settings
from jointsup.graph import open_store
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.ingest.generate.clock import ANCHOR
from jointsup.services.credit import compute_classes
from jointsup.services.risk.base import REGISTRY, Context
from jointsup.services.risk.config import load_config, model_config
from jointsup.services.risk.evaluate import TARGETS, link_from_gold, score
from jointsup.services.risk.runner import run_models
from jointsup.services.risk.world import load_world, scan
from jointsup.services.stats import Dimension, StatsFilters, stats

T = TypeVar("T")


def timed(fn: Callable[[], T]) -> tuple[T, float]:
    """The result and the seconds it took."""
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def per_model(store: BaseGraphStore, as_of: date) -> dict[str, dict[str, Any]]:
    """Each model's alerts and seconds over one loaded world."""
    config = load_config()

    def run(tx: GraphTx) -> dict[str, dict[str, Any]]:
        world = load_world(tx)
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(REGISTRY):
            ctx = Context(world, model_config(config, name), as_of, tx)
            alerts, secs = timed(partial(REGISTRY[name].run, ctx))
            out[name] = {"alerts": alerts, "seconds": secs}
        return out

    return store.read(run)


def quality(found: dict[str, dict[str, Any]], truth: dict[str, Any]) -> dict[str, Any]:
    """Recall and precision of the models that have a planted pattern."""
    out = {}
    for model, pattern in TARGETS.items():
        s = score(model, found[model]["alerts"], truth)
        out[model] = {"pattern": pattern, "planted": s.planted, "found": s.found,
                      "alerts": s.alerts, "recall": round(s.recall, 3),
                      "precision": round(s.precision, 3)}
    return out


STATS_CASES: list[tuple[str, list[Dimension], StatsFilters | None]] = [
    ("REGION (baseline)", [Dimension.REGION], None),
    ("RISK_CLASS", [Dimension.RISK_CLASS], None),
    ("RISK_CLASS × REGION", [Dimension.RISK_CLASS, Dimension.REGION], None),
    ("RISK_CLASS, region 510100", [Dimension.RISK_CLASS], StatsFilters(region="510100")),
    ("REGION, riskClass D", [Dimension.REGION], StatsFilters(risk_class="D")),
]


def stats_timings(store: BaseGraphStore, repeat: int) -> dict[str, Any]:
    """Median seconds per `stats` case, and each case's total, interleaved over the repeats."""
    times: dict[str, list[float]] = {name: [] for name, _, _ in STATS_CASES}
    totals: dict[str, int] = {}
    for _ in range(repeat):
        for name, dims, filters in STATS_CASES:
            found, secs = timed(lambda d=dims, f=filters: store.read(  # type: ignore[misc]
                lambda tx: stats(tx, d, f)))
            times[name].append(secs)
            totals[name] = found.total
    base = statistics.median(times[STATS_CASES[0][0]])
    return {name: {"seconds": round(statistics.median(v), 3),
                   "ratio": round(statistics.median(v) / base, 2), "total": totals[name]}
            for name, v in times.items()}


def render(result: dict[str, Any]) -> str:
    """The markdown table(s) of one results JSON (a full run or a --stats run)."""
    if "stats" in result:
        lines = ["| `stats` grouping | seconds (median) | × REGION alone | counted |",
                 "|---|---|---|---|"]
        lines += [f"| {name} | {row['seconds']:.2f} | {row['ratio']:.2f} | {row['total']:,} |"
                  for name, row in result["stats"].items()]
        lines += ["", f"{result.get('enterprises', 0):,} enterprises, "
                      f"{result.get('ratings', 0):,} credit ratings, "
                      f"{result.get('repeat', 1)} calls per case."]
        return "\n".join(lines)
    lines = ["| step | seconds | × baseline |", "|---|---|---|"]
    ratios = result.get("ratios", {})
    lines += [f"| {name} | {secs:.2f} | {ratios.get(name, 0):.1f} |"
              for name, secs in result.get("seconds", {}).items()]
    quality = result.get("quality_gold_links", {})
    if quality:
        lines += ["", "| model | planted | found | alerts | recall | precision |",
                  "|---|---|---|---|---|---|"]
        lines += [f"| {m} | {q['planted']} | {q['found']} | {q['alerts']} | {q['recall']} | "
                  f"{q['precision']} |" for m, q in sorted(quality.items())]
    return "\n".join(lines)


def header(argv: list[str] | None) -> dict[str, Any]:
    """The keys every results JSON starts with."""
    return {"bench": "risk_bench",
            "command": "python -m bench.risk_bench " + shlex.join(
                sys.argv[1:] if argv is None else argv),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                       f"{platform.python_version()}",
            "date": date.today().isoformat()}


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--generated", type=Path)
    parser.add_argument("--month", default=f"{ANCHOR:%Y-%m}")
    parser.add_argument("--stats", action="store_true", help="time `stats` only (read only)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results/risk.json"))
    args = parser.parse_args(argv)
    if args.stats:
        with open_store(Settings.from_env(data_dir=args.data_dir)) as store:
            found = {**header(argv), "enterprises": store.count_nodes("Enterprise"),
                     "ratings": store.count_nodes("CreditRating"), "repeat": args.repeat,
                     "stats": stats_timings(store, args.repeat)}
        print(render(found))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        return
    if args.generated is None:
        parser.error("--generated is required (or pass --stats)")
    truth = json.loads((args.generated / "truth.json").read_text(encoding="utf-8"))
    settings = Settings.from_env(data_dir=args.data_dir)
    with open_store(settings) as store:
        enterprises, base = timed(lambda: store.read(
            lambda tx: sum(1 for _ in scan(tx, "Enterprise"))))
        _, world_s = timed(lambda: store.read(load_world))
        first, credit_s = timed(lambda: compute_classes(store, args.month))
        again, recredit_s = timed(lambda: compute_classes(store, args.month))
        ingested = per_model(store, ANCHOR)
        runs, write_s = timed(lambda: run_models(store, as_of=ANCHOR))
        rerun, rewrite_s = timed(lambda: run_models(store, as_of=ANCHOR))
        links = link_from_gold(store, args.generated / "clues_gold.jsonl")
        gold = per_model(store, ANCHOR)
    rows = [("scan enterprises (baseline)", base), ("load risk world", world_s),
            ("credit compute (first)", credit_s), ("credit compute (again)", recredit_s),
            ("risk run, all models (write)", write_s), ("risk run again (no new)", rewrite_s)]
    print(f"{enterprises} enterprises, month {args.month}, {first.rated} rated "
          f"{first.by_class}; again unchanged {again.unchanged}")
    print(f"{'step':<32}{'seconds':>10}{'× baseline':>12}")
    for name, secs in rows:
        print(f"{name:<32}{secs:>10.2f}{secs / base:>12.1f}")
    print(f"\n{'model':<22}{'alerts':>7}{'s':>7}{'recall ingest':>14}{'recall gold':>12}"
          f"{'precision gold':>15}")
    q_src, q_gold = quality(ingested, truth), quality(gold, truth)
    for name in sorted(REGISTRY):
        a, b = q_src.get(name), q_gold.get(name)
        print(f"{name:<22}{len(gold[name]['alerts']):>7}{gold[name]['seconds']:>7.2f}"
              f"{a['recall'] if a else '-':>14}{b['recall'] if b else '-':>12}"
              f"{b['precision'] if b else '-':>15}")
    result = {
        **header(argv), "enterprises": enterprises, "month": args.month,
        "seconds": dict(rows), "ratios": {k: round(v / base, 2) for k, v in rows},
        "credit": {"rated": first.rated, "by_class": first.by_class},
        "alerts_created": {r.model: r.created for r in runs},
        "alerts_created_on_rerun": sum(r.created for r in rerun), "gold_links": links,
        "models_ingested_links": {k: {"alerts": len(v["alerts"]), "seconds": round(v["seconds"], 3)}
                                for k, v in ingested.items()},
        "models_gold_links": {k: {"alerts": len(v["alerts"]), "seconds": round(v["seconds"], 3)}
                              for k, v in gold.items()},
        "quality_ingested_links": q_src, "quality_gold_links": q_gold}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
