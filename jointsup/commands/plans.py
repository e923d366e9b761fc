"""`jointsup plan …` (joint random inspection plans); `jointsup audit …` is in commands/audit.py."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from jointsup.model import Node

plan_app = typer.Typer(help="Joint random inspection plans (双随机、一公开).", no_args_is_help=True)

PlanId = Annotated[str, typer.Argument(help="The plan id.")]
SUMMARY = ("id", "name", "status", "seed", "algorithm", "window_start", "window_end",
           "candidates", "checks", "visits", "visits_without_merging", "understaffed_visits",
           "frame_hash", "draw_hash", "draw_audit_seq")


def _summary(plan: Node) -> dict[str, Any]:
    out = {k: plan.props.get(k) for k in SUMMARY if plan.props.get(k) is not None}
    merged, alone = out.get("visits"), out.get("visits_without_merging")
    if isinstance(merged, int) and isinstance(alone, int):
        out["visits_saved"] = alone - merged
    return out


def _echo(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


@plan_app.command("create")
def plan_create(file: Annotated[Path, typer.Option("--file", help="The plan as JSON.")]) -> None:
    """Record a plan from a JSON file (docs/inspection-planning.md); safe to repeat."""
    from jointsup.cli import opened_store
    from jointsup.errors import InvalidInput
    from jointsup.services.plans import create_plan

    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{file}: {exc}") from None
    if not isinstance(doc, dict):
        raise InvalidInput(f"{file}: a plan is a JSON object")
    with opened_store() as store:
        plan = create_plan(store, doc)
    _echo(_summary(plan))


@plan_app.command("draw")
def plan_draw(plan_id: PlanId) -> None:
    """Draw targets and officers (once; drawing again shows the same draw)."""
    from jointsup.cli import opened_store
    from jointsup.services.plans import draw_plan

    with opened_store() as store:
        _echo(_summary(draw_plan(store, plan_id)))


@plan_app.command("show")
def plan_show(plan_id: PlanId, visits: Annotated[int, typer.Option(
        min=0, max=1000, help="How many visits to list.")] = 20) -> None:
    """The plan, and its first visits with their checks and officers."""
    from jointsup.cli import opened_store
    from jointsup.graph.store import GraphTx
    from jointsup.services.plans import checks_of, get_plan, visits_page

    def read(tx: GraphTx) -> dict[str, Any]:
        plan = get_plan(tx, plan_id)
        page = visits_page(tx, plan_id, first=visits)
        checks = checks_of(tx, [v.ref for v in page.items])
        return {**_summary(plan), "visits_listed": [
            {"uscc": v.props.get("uscc"), "credit_class": v.props.get("credit_class"),
             "departments": v.props.get("department_codes"),
             "officers": v.props.get("officer_ids"), "staffed": v.props.get("staffed"),
             "checks": [{k: c.props.get(k) for k in ("item_code", "status", "result",
                                                      "checked_on", "publish_by")
                         if c.props.get(k) is not None} for c in checks.get(v.ref, [])]}
            for v in page.items]}

    with opened_store() as store:
        _echo(store.read(read))


@plan_app.command("record")
def plan_record(
    plan_id: PlanId,
    uscc: Annotated[str, typer.Argument(help="The visited enterprise.")],
    item_code: Annotated[str, typer.Argument(help="The item checked.")],
    outcome: Annotated[str, typer.Option(help="NO_PROBLEM, PROBLEM_CORRECTED, NOT_CONTACTABLE, "
                                              "INFORMATION_FALSE, REFUSED_INSPECTION, "
                                              "CASE_OPENED.")],
    date: Annotated[str, typer.Option(help="Date of the check (YYYY-MM-DD).")],
    note: Annotated[str | None, typer.Option(help="Free text.")] = None,
) -> None:
    """Record one item's result on a visit; prints its publication deadline."""
    from jointsup.cli import opened_store, settings
    from jointsup.errors import InvalidInput
    from jointsup.services.plans import ResultInput, record_result
    from jointsup.services.workdays import work_calendar

    calendar = work_calendar(settings().data_dir)  # --data-dir's calendar.toml, if any
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise InvalidInput(f"--date: {date!r} is not an ISO date") from None
    with opened_store() as store:
        check = record_result(store, ResultInput(plan_id, uscc, item_code, outcome.upper(), day,
                                                 note), calendar)
    _echo(check.props)


@plan_app.command("redraw")
def plan_redraw(plan_id: PlanId) -> None:
    """Re-draw from the store as it is now and compare with the recorded draw (exit 1: differs)."""
    from jointsup.cli import opened_store
    from jointsup.services.plans import redraw

    with opened_store() as store:
        check = redraw(store, plan_id)
    _echo({"frame_hash": check.frame_hash, "draw_hash": check.draw_hash,
           "same_frame": check.same_frame, "same_draw": check.same_draw})
    if not check.same_draw:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(plan_app, name="plan")
