"""Contract: alert severity in [0, 1] — the calibration in risk.toml, monotone in the score,
stored on every alert, sorted and filtered by the store, unchanged by re-running (both stores)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

import pytest

from jointsup.errors import ConfigError, InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.services.risk.alerts import AlertFilters
from jointsup.services.risk.alerts import list_alerts as list_page
from jointsup.services.risk.base import REGISTRY
from jointsup.services.risk.config import default_config, load_config, model_config
from jointsup.services.risk.runner import run_models
from jointsup.services.risk.severity import calibration, severity
from tests.contract.risk_world import AS_OF, build
from tests.contract.test_risk_alerts import every

WHEN = date.fromisoformat(AS_OF)


def test_every_model_is_calibrated_and_the_mapping_is_monotone() -> None:
    import jointsup.services.risk.models  # noqa: F401 - importing registers every model

    config = default_config()
    for name in REGISTRY:
        section = model_config(config, name)
        base, low, high = calibration(section)
        scores = [low - 5, low, (low + high) / 2, high, high * 10]
        values = [severity(section, s) for s in scores]
        assert values == sorted(values), name
        assert values[0] == values[1] == base, name
        assert values[3] == values[4] == 1.0, name
        assert 0 <= base < values[2] < 1, name
    section = {"severity_base": 0.2, "severity_scores": [4, 14]}
    assert severity(section, 9) == 0.6  # halfway: 0.2 + 0.8 × 0.5


@pytest.mark.parametrize(("patch", "words"), [
    ({"severity_base": 1.5}, "'severity_base' must be within"),
    ({"severity_base": "high"}, "'severity_base' must be a number"),
    ({"severity_scores": [5, 5]}, "'severity_scores' must be \\[low, high\\]"),
    ({"severity_scores": [1]}, "'severity_scores'"),
])
def test_bad_calibrations_are_config_errors_naming_the_key(store: BaseGraphStore,
                                                           patch: dict[str, Any],
                                                           words: str) -> None:
    config = load_config(env={}, overrides={"models": {"same_address": patch}})
    with pytest.raises(ConfigError, match=words):
        run_models(store, ["same_address"], WHEN, config)
    assert store.count_nodes("RiskAlert") == 0


def test_severity_is_stored_sorted_filtered_and_stable(store: BaseGraphStore) -> None:
    build(store)
    run_models(store, as_of=WHEN)
    config = default_config()
    nodes = every(store, AlertFilters(sort="severity"))
    assert len(nodes) == store.count_nodes("RiskAlert") > 0
    values = [float(n.props["severity"]) for n in nodes]  # type: ignore[arg-type]
    assert values == sorted(values, reverse=True)
    for n in nodes:
        section = model_config(config, str(n.props["model"]))
        assert n.props["severity"] == severity(section, float(n.props["score"]))  # type: ignore[arg-type]
    # The filter keeps exactly the alerts at or above the bound, on the store and per enterprise.
    bound = sorted(values)[len(values) // 2]
    kept = every(store, AlertFilters(min_severity=bound), first=2)
    assert sorted(n.key for n in kept) == sorted(
        n.key for n in nodes if float(n.props["severity"]) >= bound)  # type: ignore[arg-type]
    usccs = {str(u) for n in nodes for u in n.props["usccs"]}  # type: ignore[union-attr]
    for uscc in sorted(usccs)[:3]:
        mine = every(store, AlertFilters(uscc=uscc, min_severity=bound, sort="severity"))
        assert all(float(n.props["severity"]) >= bound for n in mine)  # type: ignore[arg-type]
        assert [n.props["severity"] for n in mine] == sorted(
            (n.props["severity"] for n in mine), reverse=True)  # type: ignore[type-var]
    # Re-running changes neither the alerts nor their severities.
    run_models(store, as_of=WHEN)
    again = every(store, AlertFilters(sort="severity"))
    assert [(n.key, n.props["severity"]) for n in again] == [
        (n.key, n.props["severity"]) for n in nodes]


def test_bad_severity_arguments_are_refused(store: BaseGraphStore) -> None:
    for bad, words in ((AlertFilters(min_severity=1.5), "filters.minSeverity"),
                       (AlertFilters(sort="age"), "sort: must be one of score, severity")):
        with pytest.raises(InvalidInput, match=words):
            store.read(partial(list_page, filters=bad, first=5, after=None))
