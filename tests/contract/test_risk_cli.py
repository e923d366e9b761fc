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


def test_risk_alerts_command_lists_by_severity(store: BaseGraphStore, tmp_path: Path) -> None:
    import json

    build(store)
    runner = CliRunner()
    env = cli_env(store, tmp_path)
    assert runner.invoke(app, ["risk", "run", "--as-of", AS_OF], env=env).exit_code == 0
    done = runner.invoke(app, ["risk", "alerts", "--sort", "severity", "--limit", "1000"],
                         env=env)
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(rows) == store.count_nodes("RiskAlert")
    severities = [r["severity"] for r in rows]
    assert severities == sorted(severities, reverse=True)
    assert all(0 <= s <= 1 for s in severities)
    bound = severities[len(severities) // 2]
    high = runner.invoke(app, ["risk", "alerts", "--min-severity", str(bound), "--limit", "1000"],
                         env=env)
    assert sorted(json.loads(line)["id"] for line in high.stdout.splitlines()) == sorted(
        r["id"] for r in rows if r["severity"] >= bound)
    bad = runner.invoke(app, ["risk", "alerts", "--sort", "age"], env=env)
    assert bad.exit_code != 0
    assert "sort" in str(bad.exception)
