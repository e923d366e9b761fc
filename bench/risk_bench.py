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
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
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


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print one table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--generated", type=Path, required=True)
    parser.add_argument("--month", default=f"{ANCHOR:%Y-%m}")
    parser.add_argument("--out", type=Path, default=Path("bench/results/risk.json"))
    args = parser.parse_args(argv)
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
        "command": "python -m bench.risk_bench " + shlex.join(sys.argv[1:] if argv is None
                                                              else argv),
        "python": platform.python_version(), "enterprises": enterprises, "month": args.month,
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
