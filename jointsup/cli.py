"""The `jointsup` command line: thin Typer commands over the ingest jobs and the store."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from jointsup.config import Settings
from jointsup.errors import JointsupError
from jointsup.graph import open_store
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.batches import ProgressFn, Summary

app = typer.Typer(help="Knowledge graph for joint market supervision (川渝联合监管).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
ingest_app = typer.Typer(help="Load data into the configured store.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo: `jointsup demo` loads the demo data and serves it; "
                       "`jointsup demo generate` only writes the dataset.")
token_app = typer.Typer(help="API bearer tokens (stored only as hashes).", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")
app.add_typer(demo_app, name="demo")
app.add_typer(token_app, name="token")
err = Console(stderr=True)


class _State:
    settings: Settings | None = None


@app.callback()
def _configure(
    data_dir: Annotated[Path | None, typer.Option(
        help="Data directory (JOINTSUP_DATA_DIR).")] = None,
    store: Annotated[str | None, typer.Option(help="embedded or neo4j (JOINTSUP_STORE).")] = None,
) -> None:
    """Read settings once from the environment; options override it."""
    _State.settings = Settings.from_env(data_dir=data_dir, store=store)


def settings() -> Settings:
    """The settings the callback read (or the environment's, when called without it)."""
    return _State.settings or Settings.from_env()


@contextmanager
def opened_store() -> Iterator[BaseGraphStore]:
    """The configured store, closed afterwards."""
    store = open_store(settings())
    try:
        yield store
    finally:
        store.close()


@contextmanager
def progress_bars() -> Iterator[ProgressFn]:
    """A rich progress bar per task on stderr (hidden when stderr is not a terminal)."""
    bars = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err, transient=False,
                    disable=not err.is_terminal)
    tasks: dict[str, TaskID] = {}

    def report(task: str, done: int, total: int) -> None:
        if task not in tasks:
            tasks[task] = bars.add_task(task, total=total)
        bars.update(tasks[task], completed=done, total=total)

    with bars:
        yield report


def print_summaries(summaries: Sequence[Summary]) -> None:
    """The end-of-run table."""
    table = Table(title="ingest summary")
    for column in ("step", "read", "created", "updated", "unchanged", "rejected", "warnings"):
        table.add_column(column, justify="left" if column == "step" else "right",
                         no_wrap=column == "step")
    for s in summaries:
        table.add_row(s.name, *(str(v) for v in (s.read, s.created, s.updated, s.unchanged,
                                                 s.rejected, s.warnings)))
    Console(width=max(Console().width, 120)).print(table)


@ingest_app.command("reference")
def ingest_reference(
    source: Annotated[Path | None, typer.Option(
        help="Folder laid out like shared/data (default: the copy inside the package).")] = None,
) -> None:
    """Load regions, industries and laws (with articles) — safe to re-run."""
    from jointsup.ingest.reference import load_reference

    with opened_store() as store, progress_bars() as progress:
        summaries = load_reference(store, source, settings().batch_size, progress)
    print_summaries(summaries)


FileArg = Annotated[Path, typer.Argument(help="The file (.csv or .jsonl; see docs/ingest.md).")]
EncodingOpt = Annotated[str | None, typer.Option(
    help="utf-8, utf-8-sig or gb18030 (default: detected).")]


def _ingest_command(dataset: str) -> None:
    def command(path: FileArg, encoding: EncodingOpt = None) -> None:
        from jointsup.ingest.jobs import ingest_file

        with opened_store() as store, progress_bars() as progress:
            summary = ingest_file(store, settings(), dataset, path, encoding, progress)
        print_summaries([summary])
        _say_rejects([(path, summary)])

    command.__doc__ = f"Ingest a {dataset} file — validated, idempotent, resumable."
    ingest_app.command(dataset)(command)


def _say_rejects(results: Sequence[tuple[Path, Summary]]) -> None:
    for path, summary in results:
        if summary.rejected:
            err.print(f"{summary.rejected} row(s) rejected: see "
                      f"{path.with_name(path.name + '.rejects.csv')}")


@ingest_app.command("dir")
def ingest_directory(
    folder: Annotated[Path, typer.Argument(help="A folder of <dataset>.csv/.jsonl files.")],
    encoding: EncodingOpt = None,
) -> None:
    """Ingest every dataset file of a folder, in dependency order."""
    from jointsup.ingest.jobs import dataset_files, ingest_dir

    with opened_store() as store, progress_bars() as progress:
        summaries = ingest_dir(store, settings(), folder, encoding, progress)
    print_summaries(summaries)
    _say_rejects([(p, s) for (_, p), s in zip(dataset_files(folder), summaries, strict=True)])


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Node counts by label and relationship counts by type in the configured store."""
    with opened_store() as store:
        counts = store.stats()
    if as_json:
        typer.echo(json.dumps({"nodes": counts.nodes, "relationships": counts.relationships},
                              ensure_ascii=False, sort_keys=True))
        return
    table = Table(title=f"{settings().store} store")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("count", justify="right")
    for label, n in counts.nodes.items():
        table.add_row("node", label, str(n))
    for rel_type, n in counts.relationships.items():
        table.add_row("relationship", rel_type, str(n))
    Console(width=max(Console().width, 120)).print(table)


@demo_app.command("generate")
def demo_generate(
    out: Annotated[Path, typer.Option(help="Output folder.")],
    enterprises: Annotated[int, typer.Option(min=10, help="How many enterprises.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same bytes).")] = 1,
) -> None:
    """Write a realistic Sichuan–Chongqing dataset with planted patterns and gold annotations."""
    from jointsup.ingest.generate import generate

    summary = generate(out, enterprises, seed)
    table = Table(title=f"{out} (seed {summary.seed}, generator {summary.version})")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, str(rows))
    Console(width=max(Console().width, 120)).print(table)


# ---------------------------------------------------------------- serving

# With --workers above 1, uvicorn's supervisor pings each worker and kills one that does not answer
# within this many seconds. The answer comes from a thread of the worker, which waits for the
# interpreter lock behind the request threads: with 40 busy threads it took up to 8 s, so
# uvicorn's 5 s killed live workers under load (dropping their connections). 30 s still finds a
# hung worker well within a minute.
WORKER_HEALTHCHECK_S = 30


def _serve(host: str, port: int, workers: int, dev: bool, log_level: str) -> None:
    import os

    import uvicorn

    from jointsup.server import configure_logging

    current = settings()
    # Workers build their app from the environment (factory), so hand the options down through it.
    os.environ.update({"JOINTSUP_STORE": current.store, "JOINTSUP_DATA_DIR": str(current.data_dir),
                       "JOINTSUP_DEV": "1" if dev else "0",
                       "JOINTSUP_LOG_LEVEL": log_level.upper()})
    configure_logging(log_level.upper())
    # Open the store once before the workers do: an unreachable store fails here with one clear
    # line, and the store's schema set-up runs once (concurrent first start-ups of several
    # workers can deadlock on Neo4j's schema locks).
    with opened_store() as store:
        store.ping()
    uvicorn.run("jointsup.server:app_from_env", factory=True, host=host, port=port,
                workers=workers, http="jointsup.http_protocol:NoDelayHttpProtocol",
                log_config=None, access_log=False, log_level=log_level.lower(),
                timeout_keep_alive=max(1, round(current.keep_alive_s)),
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S, timeout_graceful_shutdown=15)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    dev: Annotated[bool, typer.Option(
        "--dev", help="Introspection, field suggestions and GraphiQL at /graphiql.")] = False,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the GraphQL API at /graphql (probes: /healthz, /readyz); JSON logs on stderr."""
    _serve(host, port, workers, dev, log_level)


# ---------------------------------------------------------------- tokens

@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="coordinator, investigator, partner or admin.")],
    region: Annotated[str | None, typer.Option(help="Region code the caller acts for.")] = None,
    department: Annotated[str | None, typer.Option(
        help="Department code the caller acts for.")] = None,
    note: Annotated[str | None, typer.Option(help="What the token is for.")] = None,
) -> None:
    """Create a token; the bearer string is printed once, as the last line."""
    from jointsup.services.tokens import create_token

    with opened_store() as store:
        bearer = create_token(store, role, region, department, note=note)
    token_id = bearer.removeprefix("jst_").split(".", 1)[0]
    err.print(f"created token {token_id} ({role}); keep it secret, it is not stored")
    typer.echo(bearer)


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The token id (or the token).")]
                 ) -> None:
    """Revoke a token (other running servers stop accepting it within 5 seconds)."""
    from jointsup.errors import NotFound
    from jointsup.services.tokens import revoke_token

    with opened_store() as store:
        if not revoke_token(store, token_id):
            raise NotFound(f"no token {token_id.split('.', 1)[0]!r}")
    typer.echo(f"revoked {token_id.removeprefix('jst_').split('.', 1)[0]}")


@token_app.command("list")
def token_list(as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False
               ) -> None:
    """Every token: id, role, scope, created and revoked times (never a secret)."""
    from dataclasses import asdict

    from jointsup.services.tokens import list_tokens

    with opened_store() as store:
        infos = list(list_tokens(store))
    if as_json:
        for info in infos:
            typer.echo(json.dumps(asdict(info), ensure_ascii=False))
        return
    table = Table(title="API tokens")
    for column in ("token_id", "role", "region", "department", "created_at", "revoked_at",
                   "note"):
        table.add_column(column)
    for info in infos:
        table.add_row(info.token_id, info.role.value, info.region or "", info.department or "",
                      info.created_at, info.revoked_at or "", info.note or "")
    Console(width=max(Console().width, 120)).print(table)


# ---------------------------------------------------------------- the demo

@demo_app.callback(invoke_without_command=True)
def demo(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port on 127.0.0.1.")] = 8000,
) -> None:
    """Generate the demo dataset (once), load it with the reference data, serve it in dev mode."""
    if ctx.invoked_subcommand is not None:
        return
    from jointsup.ingest.generate import generate
    from jointsup.ingest.jobs import ingest_dir
    from jointsup.ingest.reference import load_reference
    from jointsup.services.tokens import create_token, list_tokens, revoke_token

    current = settings()
    folder = current.data_dir / "demo"
    if not (folder / "manifest.json").exists():
        err.print(f"generating the demo dataset in {folder} (20,000 enterprises, seed 1)")
        generate(folder, 20_000, 1)
    with opened_store() as store, progress_bars() as progress:
        load_reference(store, None, current.batch_size, progress)
        ingest_dir(store, current, folder, None, progress)
        for old in list_tokens(store):  # one live demo token at a time
            if old.note == "demo" and old.revoked_at is None:
                revoke_token(store, old.token_id)
        bearer = create_token(store, "admin", note="demo")
    url = f"http://127.0.0.1:{port}"
    typer.echo(f"\njointsup demo: GraphQL at {url}/graphql")
    typer.echo(f"GraphiQL (dev mode): {url}/graphiql#token={bearer}")
    typer.echo(f"Graph explorer:      {url}/explore/#token={bearer}")
    typer.echo("admin token (send as `Authorization: Bearer <token>`):")
    typer.echo(bearer)
    _serve("127.0.0.1", port, 1, True, "info")


def _register_ingest_commands() -> None:
    from jointsup.ingest.jobs import DATASETS

    for name in DATASETS:
        _ingest_command(name)


_register_ingest_commands()


def _register_command_groups() -> None:
    # Imported late: the groups use this module's settings(), opened_store() and progress_bars().
    from jointsup.commands import audit, clues, neo4j, nlp, partners, plans, risk

    for group in (nlp, risk, plans, clues, audit, partners, neo4j):
        group.register(app)


_register_command_groups()


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: known errors become one clear line and exit code 1."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except JointsupError as exc:
        err.print(f"[red]error[/red] [{exc.code}] {exc.message}")
        sys.exit(1)
