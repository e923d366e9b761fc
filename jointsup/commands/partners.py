"""`jointsup partners add|list|deliver|retry|backfill-shares` (docs/exchange.md, docs/clues.md);
registered on the main app by `jointsup.cli`."""

from __future__ import annotations

import json
from typing import Annotated

import typer

partners_app = typer.Typer(help="Partner instances of the clue exchange and the outbox.",
                           no_args_is_help=True)


@partners_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Short name, e.g. CQ (letters, digits, - or _).")],
    region: Annotated[str, typer.Option(help="The partner's region code, e.g. 500000.")],
    agency: Annotated[str, typer.Option(help="The partner's agency (department) code.")],
    endpoint: Annotated[str, typer.Option(help="The partner's GraphQL URL (…/graphql).")],
    send_token: Annotated[str | None, typer.Option(
        help="The bearer token the partner gave us (its `partners add` printed it).")] = None,
    enabled: Annotated[bool, typer.Option("--enabled/--disabled",
                                          help="Deliver to it (default) or hold messages.")] = True,
) -> None:
    """Add or update a partner. The first time, the token it must present to us is printed
    once, as the last line (only its hash is kept): give it to the partner's operator."""
    from jointsup.cli import err, opened_store
    from jointsup.services.exchange.partners import add_partner, masked

    with opened_store() as store:
        partner, bearer = add_partner(store, name, region, agency, endpoint, send_token, enabled)
    state = "enabled" if partner.enabled else "disabled"
    err.print(f"partner {partner.name}: {partner.party} at {partner.endpoint}, {state}, "
              f"we send {masked(partner.send_token)}")
    if bearer is not None:
        err.print(f"the token {partner.name} presents to us (shown once; give it to its "
                  "operator for their --send-token):")
        typer.echo(bearer)


@partners_app.command("list")
def list_partners(as_json: Annotated[bool, typer.Option("--json", help="One JSON object per "
                                                                        "line.")] = False) -> None:
    """The partners, their endpoints, masked credentials and outbox counts."""
    from rich.table import Table

    from jointsup.cli import err, opened_store
    from jointsup.services.exchange import outbox
    from jointsup.services.exchange.partners import all_partners, masked

    with opened_store() as store:
        found = store.read(all_partners)
        counts = {(str(k[0]), str(k[1])): n
                  for k, n in store.count_by(outbox.LABEL, ["partner", "status"])}
    statuses = (outbox.PENDING, outbox.DELIVERED, outbox.REJECTED, outbox.FAILED)
    rows = [{"name": p.name, "party": p.party, "endpoint": p.endpoint, "enabled": p.enabled,
             "send_token": masked(p.send_token), "inbound_token_id": p.inbound_token_id,
             **{s.lower(): counts.get((p.name, s), 0) for s in statuses}} for p in found]
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=f"partners: {len(rows)}")
    for column in rows[0] if rows else ("name",):
        table.add_column(column)
    for row in rows:
        table.add_row(*(str(v) for v in row.values()))
    err.print(table)


@partners_app.command("deliver")
def deliver(once: Annotated[bool, typer.Option(
        "--once", help="One round, then exit (default: a round every poll interval until "
                       "interrupted).")] = False) -> None:
    """Deliver pending outbox messages (what the server's worker does)."""
    import time

    from jointsup.cli import err, opened_store
    from jointsup.services.exchange.config import exchange_config
    from jointsup.services.exchange.deliver import deliver_due

    config = exchange_config()
    with opened_store() as store:
        while True:
            done = deliver_due(store, config)
            err.print(f"delivered {done.delivered}, rejected by the partner {done.rejected}, "
                      f"to retry {done.retrying}, given up {done.failed}, held {done.held}")
            if once:
                return
            time.sleep(config.poll_s)


@partners_app.command("retry")
def retry(name: Annotated[str | None, typer.Argument(help="Only this partner's.")] = None
          ) -> None:
    """Queue FAILED messages (retries used up) again, from attempt one."""
    from jointsup.cli import opened_store
    from jointsup.services.exchange.outbox import retry_failed

    with opened_store() as store:
        typer.echo(f"queued again: {retry_failed(store, name)}")


@partners_app.command("backfill-shares")
def backfill_shares() -> None:
    """Link clues shared before SHARED_WITH links existed to their partners' parties, so the
    partners' lists (`sharedClues`, the audit copy) find them. Run once after upgrading;
    idempotent (a second run writes nothing)."""
    from jointsup.cli import opened_store
    from jointsup.services.clues.sharing import backfill_shares as backfill

    with opened_store() as store:
        run = backfill(store)
    typer.echo(f"shared clues: {run.seen}; links written: {run.linked} on {run.clues} clues")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(partners_app, name="partners")
