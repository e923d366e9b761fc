"""Run the risk models over one read of the graph and write their alerts (idempotent)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import jointsup.services.risk.models  # noqa: F401 - importing registers every model
from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.services.risk.base import REGISTRY, Alert, Context, write_alerts
from jointsup.services.risk.config import load_config, model_config
from jointsup.services.risk.severity import calibration, severity
from jointsup.services.risk.world import load_world

WRITE_BATCH = 500
Progress = Callable[[str, int, int], None]


def today() -> date:
    """The default reference day: today in UTC, so two machines running together agree."""
    return datetime.now(UTC).date()


def _quiet(task: str, done: int, total: int) -> None:
    """No progress reporting."""


@dataclass(frozen=True)
class ModelRun:
    """What one model found and how many of its alerts were new."""

    model: str
    alerts: int
    created: int
    updated: int


def model_names(names: Sequence[str] | None = None) -> list[str]:
    """The chosen models (all, by default); InvalidInput for an unknown name."""
    if not names:
        return sorted(REGISTRY)
    unknown = [n for n in names if n not in REGISTRY]
    if unknown:
        raise InvalidInput(f"unknown risk model(s) {', '.join(unknown)}; "
                           f"known: {', '.join(sorted(REGISTRY))}")
    return list(dict.fromkeys(names))


def find_alerts(store: BaseGraphStore, names: Sequence[str] | None = None,
                as_of: date | None = None, config: dict[str, Any] | None = None,
                progress: Progress = _quiet) -> dict[str, list[Alert]]:
    """Each chosen model's alerts, computed in one read transaction (nothing written)."""
    chosen = model_names(names)
    config = config if config is not None else load_config()
    when = as_of or today()

    def compute(tx: GraphTx) -> dict[str, list[Alert]]:
        world = load_world(tx)
        out: dict[str, list[Alert]] = {}
        for i, name in enumerate(chosen):
            progress("risk models", i, len(chosen))
            section = model_config(config, name)
            calibration(section)  # a bad calibration fails before the model runs
            out[name] = REGISTRY[name].run(Context(world, section, when, tx))
            for alert in out[name]:
                alert.severity = severity(section, alert.score)
        progress("risk models", len(chosen), len(chosen))
        return out

    return store.read(compute)


def run_models(store: BaseGraphStore, names: Sequence[str] | None = None,
               as_of: date | None = None, config: dict[str, Any] | None = None,
               progress: Progress = _quiet) -> list[ModelRun]:
    """Run the models and upsert their alerts in batches; re-running creates no duplicates."""
    when = as_of or today()
    found = find_alerts(store, names, when, config, progress)
    total = sum(len(a) for a in found.values())
    done = 0
    runs = []
    for name, alerts in found.items():
        created = updated = 0
        for start in range(0, len(alerts), WRITE_BATCH):
            part = alerts[start:start + WRITE_BATCH]
            c, u = store.transaction(partial(write_alerts, alerts=part, as_of=when))
            created, updated = created + c, updated + u
            done += len(part)
            progress("alerts written", done, total)
        runs.append(ModelRun(name, len({a.id for a in alerts}), created, updated))
    progress("alerts written", total, total)
    return runs
