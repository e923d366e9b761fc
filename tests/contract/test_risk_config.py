"""Risk configuration loading and the rolling-window arithmetic (no store needed)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from jointsup.errors import ConfigError
from jointsup.services.credit import classify
from jointsup.services.risk.base import REGISTRY
from jointsup.services.risk.config import ENV_VAR, load_config, model_config, number
from jointsup.services.risk.runner import model_names
from jointsup.services.risk.windows import clusters, surges


def test_every_registered_model_has_a_config_section() -> None:
    config = load_config(env={})
    assert len(model_names()) >= 10
    for name in REGISTRY:
        assert model_config(config, name), name


def test_a_file_named_in_the_environment_overrides_single_keys(tmp_path: Path) -> None:
    path = tmp_path / "risk.toml"
    path.write_text("[credit]\ncutoffs = [5.0, 10.0, 20.0]\n[models.same_address]\n"
                    "min_enterprises = 9\n", encoding="utf-8")
    config = load_config(env={ENV_VAR: str(path)})
    assert config["credit"]["cutoffs"] == [5.0, 10.0, 20.0]
    assert config["credit"]["penalty"] == load_config(env={})["credit"]["penalty"]
    assert model_config(config, "same_address")["min_enterprises"] == 9


def test_bad_configuration_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=ENV_VAR):
        load_config(env={ENV_VAR: str(tmp_path / "missing.toml")})
    (tmp_path / "bad.toml").write_text("[credit\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(env={ENV_VAR: str(tmp_path / "bad.toml")})
    with pytest.raises(ConfigError, match="min_count"):
        number({"min_count": "five"}, "min_count")
    with pytest.raises(ConfigError, match="nope"):
        model_config(load_config(env={}), "nope")


def test_cutoffs_split_scores_into_four_classes() -> None:
    cut = [10.0, 25.0, 45.0]
    assert [classify(s, cut) for s in (0, 9.99, 10, 24, 25, 44.9, 45, 200)] == list("AABBCCDD")


def days(start: date, offsets: list[int]) -> list[date]:
    return sorted(start + timedelta(days=o) for o in offsets)


def test_a_burst_after_a_quiet_baseline_is_one_episode() -> None:
    start = date(2026, 1, 1)
    found = surges(days(start, [0, 60, 120, 200, 201, 202, 203, 205, 208]), 30, 6, 5, 3.0, 1.0)
    assert [(e.start, e.end, e.count) for e in found] == [
        (start + timedelta(days=200), start + timedelta(days=208), 6)]
    assert found[0].z >= 3.0


def test_a_steady_stream_surges_only_at_its_onset() -> None:
    steady = days(date(2025, 1, 1), list(range(0, 400, 5)))  # six clues every 30 days
    found = surges(steady, 30, 6, 5, 3.0, 1.0)
    assert [e.start for e in found] == [steady[0]]  # from nothing to six a month, then normal
    assert found[0].end < steady[0] + timedelta(days=90)


def test_clusters_need_enough_events_inside_the_window() -> None:
    start = date(2026, 1, 1)
    assert clusters(days(start, [0, 10, 20, 100]), 30, 3)[0].count == 3
    assert clusters(days(start, [0, 40, 80]), 30, 2) == []
