"""`jointsup clues overdue`; registered on the main app by `jointsup.cli`.

Partners and their endpoints (`jointsup partners add|list`) come with delivery between two
instances (issue 6, second half).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Annotated

import typer

clues_app = typer.Typer(help="Clues (线索): the lifecycle and the exchange with partners.",
                        no_args_is_help=True)

AsOfOpt = Annotated[str | None, typer.Option(
    "--as-of", help="The day to check deadlines on, YYYY-MM-DD (default: today).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line.")]


@clues_app.command("overdue")
def overdue(as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """List clues past their accept or verify deadline, oldest due first; exit 1 if any."""
    from rich.table import Table

    from jointsup.cli import err, opened_store, settings
    from jointsup.services import clues
    from jointsup.services.policy import Principal, Role

    try:
        day = date.fromisoformat(as_of) if as_of else clues.today()
    except ValueError:
        raise typer.BadParameter(f"{as_of!r} is not YYYY-MM-DD", param_hint="--as-of") from None
    cli = Principal("cli", Role.ADMIN)  # the operator at the console sees every clue
    # Working days by the calendar of --data-dir (its calendar.toml), not the environment's.
    config = replace(clues.default_config(), data_dir=settings().data_dir)
    with opened_store() as store:
        found = clues.overdue(store, cli, config, day)
    if as_json:
        for o in found:
            typer.echo(json.dumps({"clue_id": o.clue.key, "status": o.clue.props.get("status"),
                                   "deadline": o.deadline, "due": o.due,
                                   "working_days_late": o.working_days_late,
                                   "holder": o.clue.props.get("transferred_to")},
                                  ensure_ascii=False))
    else:
        table = Table(title=f"overdue clues on {day.isoformat()}: {len(found)}")
        for column in ("clue", "status", "deadline", "due", "working days late", "holder"):
            table.add_column(column)
        for o in found:
            table.add_row(o.clue.key, str(o.clue.props.get("status")), o.deadline, o.due,
                          str(o.working_days_late), str(o.clue.props.get("transferred_to") or ""))
        err.print(table)
    if found:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(clues_app, name="clues")
