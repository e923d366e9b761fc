"""Contract: `jointsup credit compute` and `jointsup risk run` against each store."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.graph.store import BaseGraphStore, Filter
from tests.conftest import cli_env
from tests.contract.risk_world import AS_OF, ENTERPRISES, build
from tests.contract.test_risk_models import EXPECTED


def test_credit_compute_command(store: BaseGraphStore, tmp_path: Path) -> None:
    build(store)
    runner = CliRunner()
    done = runner.invoke(app, ["credit", "compute", "--month", "2026-06"],
                         env=cli_env(store, tmp_path))
    assert done.exit_code == 0, done.output
    computed = [Filter("source", "eq", "computed")]
    assert store.count_nodes("CreditRating", computed) == len(ENTERPRISES)
    bad = runner.invoke(app, ["credit", "compute", "--month", "2026-13"],
                        env=cli_env(store, tmp_path))
    assert bad.exit_code != 0
    assert "YYYY-MM" in str(bad.exception)  # jointsup.cli.main prints it as `error [INVALID_INPUT]`


def test_risk_run_command_is_idempotent(store: BaseGraphStore, tmp_path: Path) -> None:
    build(store)
    runner = CliRunner()
    env = cli_env(store, tmp_path)
    for _ in range(2):
        done = runner.invoke(app, ["risk", "run", "--as-of", AS_OF], env=env)
        assert done.exit_code == 0, done.output
    assert store.count_nodes("RiskAlert") == sum(len(v) for v in EXPECTED.values())
    one = runner.invoke(app, ["risk", "run", "--model", "nope"], env=env)
    assert one.exit_code != 0
    assert "same_address" in str(one.exception)  # the error lists the known models
    listed = runner.invoke(app, ["risk", "models"], env=env)
    assert sorted(line.split("\t")[0] for line in listed.stdout.splitlines()) == sorted(EXPECTED)
