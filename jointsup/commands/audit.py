"""`jointsup audit verify|export|heads|keygen|countersign|import-countersignature` (docs/audit.md);
registered on the main app by `jointsup.cli`."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer

audit_app = typer.Typer(help="The hash-chained audit log, its copies and countersigned heads.",
                        no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="File to write (replaced atomically).")]
SinceOpt = Annotated[str, typer.Option("--since", help="First local day, YYYY-MM-DD.")]


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not YYYY-MM-DD", param_hint=option) from None


def _read_json(path: Path) -> Any:
    from jointsup.errors import InvalidInput

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: {exc}") from None


def _write_json(path: Path, data: object) -> None:
    """Write next to the target, then rename: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@audit_app.command("verify")
def audit_verify(copy: Annotated[Path | None, typer.Option(
        "--copy", help="Check a copy received from the partner instead of the local chain.")]
        = None) -> None:
    """Check the chain and every countersigned head (or a received copy); names the first bad
    entry (exit 1)."""
    from jointsup.cli import err, opened_store
    from jointsup.services import audit

    if copy is not None:
        from jointsup.services.audit_copy import check_copy

        found = check_copy(_read_json(copy), str(copy))
        if found.problem is not None:
            err.print(f"[red]audit copy broken[/red] at entry {found.problem.seq}: "
                      f"{found.problem.reason}")
            raise typer.Exit(1)
        typer.echo(f"audit copy intact: {found.entries} entries ({found.full} checked in full), "
                   f"{found.heads} day heads")
        return
    with opened_store() as store:
        problem = audit.verify(store)
        seq, digest = audit.head(store)
    if problem is not None:
        err.print(f"[red]audit chain broken[/red] at entry {problem.seq}: {problem.reason}")
        raise typer.Exit(1)
    typer.echo(f"audit chain intact: {seq} entries, head {digest} ({audit.ALGORITHM})")


@audit_app.command("export")
def audit_export(since: SinceOpt, out: OutOpt, partner: Annotated[str | None, typer.Option(
        "--partner", help="The partner: its name (`partners add`) or its party REGION|AGENCY; "
                          "only its clues in full.")] = None) -> None:
    """Write the partner's copy: entries from --since on and their day heads."""
    from jointsup.cli import opened_store
    from jointsup.services.audit_copy import export, partner_party

    day = _day(since, "--since")
    with opened_store() as store:
        party = partner_party(store, partner) if partner is not None else None
        doc = export(store, day, party)
    _write_json(out, doc)
    typer.echo(f"{out}: {len(doc['entries'])} entries, {len(doc['heads'])} day heads")


@audit_app.command("heads")
def audit_heads(since: SinceOpt, out: OutOpt, until: Annotated[str | None, typer.Option(
        "--until", help="Last local day (default: yesterday, the last complete day).")]
        = None) -> None:
    """Write each day's chain head (last entry hash, count) for the partner to countersign."""
    from jointsup.cli import opened_store
    from jointsup.services import audit_heads
    from jointsup.services.clues import today

    last = _day(until, "--until") if until else today() - dt.timedelta(days=1)
    with opened_store() as store:
        found = audit_heads.heads(store, _day(since, "--since"), last)
    _write_json(out, audit_heads.heads_document(found))
    typer.echo(f"{out}: {len(found)} day heads")


@audit_app.command("keygen")
def audit_keygen(out: Annotated[Path, typer.Option(
        "--out", help="Path prefix: writes PREFIX.key (private, mode 600) and PREFIX.pub.")]
        ) -> None:
    """Generate an Ed25519 key pair for countersigning chain heads."""
    from jointsup.services.audit_sign import fingerprint, keygen

    private, public = keygen(out)
    typer.echo(f"{private}, {public}: key {fingerprint(public.read_text(encoding='ascii'))}")


@audit_app.command("countersign")
def audit_countersign(
    heads: Annotated[Path, typer.Argument(help="The heads file the other instance exported.")],
    key: Annotated[Path, typer.Option("--key", help="Your private key (from keygen).")],
    out: OutOpt,
    signer: Annotated[str | None, typer.Option(
        "--signer", help="Your name in the signature (default: the key's fingerprint).")] = None,
) -> None:
    """The partner's side: sign every head of a heads file; send --out back."""
    from jointsup.services.audit_sign import countersign, load_private

    doc = countersign(_read_json(heads), load_private(key), str(heads), signer)
    _write_json(out, doc)
    typer.echo(f"{out}: {len(doc['heads'])} heads signed by {doc['signer']}")


@audit_app.command("import-countersignature")
def audit_import(
    file: Annotated[Path, typer.Argument(help="The countersignature file the partner sent.")],
    public_key: Annotated[Path, typer.Option(
        "--public-key", help="The partner's public key, received out of band.")],
) -> None:
    """Check the partner's signatures and that the chain holds every signed head; store them."""
    from jointsup.cli import opened_store
    from jointsup.errors import InvalidInput
    from jointsup.services.audit_sign import import_countersignature

    try:
        trusted = public_key.read_text(encoding="ascii")
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{public_key}: {exc}") from None
    with opened_store() as store:
        stored = import_countersignature(store, _read_json(file), trusted, str(file))
    typer.echo(f"{file}: {stored} countersigned heads stored")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(audit_app, name="audit")
