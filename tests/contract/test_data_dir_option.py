"""The global `--data-dir` option reaches what reads the data dir — the calendar override of
`clues overdue`, the linker's gazetteer cache — through Settings, not the environment (both
stores); and the settings' own switches parse with clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.config import Settings
from jointsup.errors import ConfigError
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.fresh import cache_dir_for
from jointsup.services.clues import Move
from tests.conftest import cli_env
from tests.contract.test_clue_lifecycle import COORD, CQ, move, seed

FRIDAY = dt.date(2026, 9, 25)
# 23 October 2026 (a Friday) off: one working day fewer between a 22 October deadline and the
# Monday after.
OCTOBER_23_OFF = """
[2026]
notice = "test: 23 October 2026 off"
holidays = [["2026-10-23", "2026-10-23"]]
makeup_days = []
"""


def overdue(args: list[str], env: dict[str, str]) -> tuple[int, list[tuple[object, object]]]:
    """Exit code and (clue, working days late) of `jointsup [args] clues overdue` in-process."""
    result = CliRunner().invoke(app, [*args, "clues", "overdue", "--as-of", "2026-10-26",
                                      "--json"], env=env)
    assert result.exit_code in (0, 1), result.output  # 1: something is overdue
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, [(o["clue_id"], o["working_days_late"]) for o in rows]


def test_clues_overdue_counts_the_calendar_of_the_data_dir_option(
        store: BaseGraphStore, tmp_path: Path) -> None:
    env_dir = tmp_path / "env-data"  # what JOINTSUP_DATA_DIR names: no calendar override
    env_dir.mkdir()
    env = {**cli_env(store, tmp_path), "JOINTSUP_DATA_DIR": str(env_dir)}
    # --data-dir names the embedded store's own folder (where its file is), else any folder.
    option_dir = store.path.parent if isinstance(store, EmbeddedStore) else tmp_path / "opt"
    option_dir.mkdir(exist_ok=True)
    option = ["--data-dir", str(option_dir)]
    seed(store, "C1")
    move(store, COORD, Move.ROUTE, "r", department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, "t", region="500000", department="CQ-SCJ", today=FRIDAY)
    accepted = move(store, CQ, Move.ACCEPT, "a", today=FRIDAY)
    assert accepted.props["verify_due"] == "2026-10-22"  # 15 working days, bundled calendar

    assert overdue(option, env) == (1, [("C1", 2)])  # late on the 23rd and the 26th
    (option_dir / "calendar.toml").write_text(OCTOBER_23_OFF, encoding="utf-8")
    assert overdue(option, env) == (1, [("C1", 1)])  # the 23rd is off by --data-dir's calendar
    # Without the option, the environment's data dir again: the option left nothing behind.
    if isinstance(store, EmbeddedStore):
        assert overdue([], env) == (0, [])  # env-data holds a store of its own, empty
        assert (env_dir / "graph.sqlite").exists()
    else:
        assert overdue([], env) == (1, [("C1", 2)])  # env-data has no calendar.toml


def test_the_gazetteer_cache_follows_the_settings_data_dir(store: BaseGraphStore,
                                                           tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.setenv("JOINTSUP_DATA_DIR", str(tmp_path / "env"))
    given = cache_dir_for(store, tmp_path / "settings")
    if isinstance(store, EmbeddedStore):  # always next to the store's file
        assert given == cache_dir_for(store) == store.path.parent / "nlp-cache"
    else:
        assert given == tmp_path / "settings" / "nlp-cache"
        assert cache_dir_for(store) == tmp_path / "env" / "nlp-cache"  # no settings: the env


def test_the_nlp_warm_up_switch() -> None:
    assert Settings.from_env({}).nlp_warm_up is True
    assert Settings.from_env({"JOINTSUP_NLP_WARM_UP": "0"}).nlp_warm_up is False
    assert Settings.from_env({"JOINTSUP_NLP_WARM_UP": " Yes "}).nlp_warm_up is True
    with pytest.raises(ConfigError, match=r"JOINTSUP_NLP_WARM_UP must be .*'maybe'"):
        Settings.from_env({"JOINTSUP_NLP_WARM_UP": "maybe"})
