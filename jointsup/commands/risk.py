"""`jointsup credit compute` and `jointsup risk run`; registered on the app by `jointsup.cli`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

credit_app = typer.Typer(help="Credit risk classes (信用风险分类).", no_args_is_help=True)
risk_app = typer.Typer(help="Risk-warning models (风险预警).", no_args_is_help=True)

MonthOpt = Annotated[str, typer.Option(help="The month to classify, YYYY-MM.")]
ConfigOpt = Annotated[Path | None, typer.Option(
    "--config", help="A risk TOML merged over the defaults (default: $JOINTSUP_RISK_CONFIG).")]
ModelOpt = Annotated[list[str] | None, typer.Option(
    "--model", help="Run only this model (repeatable; default: all). See `risk models`.")]
AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="The reference day of the windows, YYYY-MM-DD (default: today, UTC).")]


@credit_app.command("compute")
def compute(month: MonthOpt, config: ConfigOpt = None) -> None:
    """Compute every enterprise's class A–D for MONTH from weighted indicators (idempotent)."""
    from rich.table import Table

    from jointsup.cli import err, opened_store, progress_bars
    from jointsup.services.credit import compute_classes
    from jointsup.services.risk.config import load_config

    settings_ = load_config(config)
    with opened_store() as store, progress_bars() as progress:
        summary = compute_classes(store, month, settings_, progress)
    table = Table(title=f"credit classes {summary.month}")
    for column in ("rated", *summary.by_class, "created", "updated", "unchanged"):
        table.add_column(column, justify="right")
    table.add_row(str(summary.rated), *(str(n) for n in summary.by_class.values()),
                  str(summary.created), str(summary.updated), str(summary.unchanged))
    err.print(table)


@risk_app.command("run")
def run(model: ModelOpt = None, as_of: AsOfOpt = None, config: ConfigOpt = None) -> None:
    """Run the risk models and write their alerts; re-running updates, never duplicates."""
    from rich.table import Table

    from jointsup.cli import err, opened_store, progress_bars
    from jointsup.errors import InvalidInput
    from jointsup.services.risk.config import load_config
    from jointsup.services.risk.runner import run_models

    try:
        when = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise InvalidInput(f"--as-of must be YYYY-MM-DD, not {as_of!r}") from None
    settings_ = load_config(config)
    with opened_store() as store, progress_bars() as progress:
        runs = run_models(store, model, when, settings_, progress)
    table = Table(title="risk models")
    for column in ("model", "alerts", "new", "updated"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for r in runs:
        table.add_row(r.model, str(r.alerts), str(r.created), str(r.updated))
    err.print(table)


@risk_app.command("alerts")
def alerts(
    model: Annotated[str | None, typer.Option(help="Only this model's alerts.")] = None,
    status: Annotated[str | None, typer.Option(help="OPEN, ACKNOWLEDGED, INVESTIGATING, "
                                                    "CLOSED or DISMISSED.")] = None,
    region: Annotated[str | None, typer.Option(help="A region code: alerts inside it.")] = None,
    min_severity: Annotated[float | None, typer.Option(
        "--min-severity", help="Severity at least this, 0–1.")] = None,
    sort: Annotated[str, typer.Option(help="score or severity (highest first).")] = "score",
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many to list.")] = 20,
) -> None:
    """List alerts as JSON lines: id, model, severity, score, status, subject, explanation."""
    import json

    from jointsup.cli import opened_store
    from jointsup.services.risk.alerts import AlertFilters, list_alerts

    wanted = AlertFilters(model, status, region, None, min_severity, sort)
    with opened_store() as store:
        page = store.read(lambda tx: list_alerts(tx, wanted, limit, None))
    for node in page.items:
        typer.echo(json.dumps({k: node.props.get(k) for k in (
            "id", "model", "severity", "score", "status", "subject", "window", "region_code",
            "explanation")}, ensure_ascii=False))


@risk_app.command("models")
def models() -> None:
    """List the registered models."""
    import jointsup.services.risk.models  # noqa: F401 - importing registers every model
    from jointsup.services.risk.base import REGISTRY

    for name in sorted(REGISTRY):
        typer.echo(f"{name}\t{REGISTRY[name].title}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(credit_app, name="credit")
    app.add_typer(risk_app, name="risk")
