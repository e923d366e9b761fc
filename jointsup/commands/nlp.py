"""`jointsup link`, `jointsup nlp evaluate` and `jointsup nlp relink`; registered on the main
app by `jointsup.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

nlp_app = typer.Typer(help="Linking complaint text: evaluation, re-linking stored clues.",
                      no_args_is_help=True)


def link(
    input: Annotated[Path, typer.Option("--input", help="JSONL: {id, text[, received_at]}.",
                                        exists=True, dir_okay=False)],
    output: Annotated[Path, typer.Option("--output", help="JSONL results, one per input line.")],
    max_chars: Annotated[int, typer.Option(help="Longest text linked; longer → error line.")]
    = 20_000,
) -> None:
    """Link texts to enterprises, regions, laws, a category and departments (writes no clues)."""
    from jointsup.cli import err, opened_store, progress_bars, settings
    from jointsup.nlp.jsonl import link_file
    from jointsup.nlp.linker import Linker

    with opened_store() as store, progress_bars() as progress:
        linker = Linker.from_store(store, max_chars=max_chars,
                                   cache_dir=settings().data_dir / "nlp-cache")
        run = link_file(linker, input, output, progress)
    err.print(f"linked {run.linked} of {run.read} lines ({run.errors} errors) → {output}")


@nlp_app.command("evaluate")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL (the link output contract + id).",
                                         exists=True, dir_okay=False)],
    texts: Annotated[Path | None, typer.Option(help="Texts JSONL/CSV when gold lacks them.")]
    = None,
) -> None:
    """Precision, recall and F1 for enterprises, regions and laws; category accuracy."""
    from jointsup.cli import opened_store
    from jointsup.nlp import evaluate as evaluation

    with opened_store() as store:
        report = evaluation.evaluate_file(store, gold, texts)
    typer.echo(report.table())


@nlp_app.command("relink")
def relink(
    everything: Annotated[bool, typer.Option(
        "--all/--stale", help="Re-link every clue, or (default) only those an older linker "
        "or none linked.")] = False,
) -> None:
    """Re-link stored clues with the current linker (idempotent; one transaction per batch)."""
    from jointsup.cli import err, opened_store, progress_bars, settings
    from jointsup.nlp import relink as relinking
    from jointsup.nlp.linker import Linker

    with opened_store() as store, progress_bars() as progress:
        linker = Linker.from_store(store, cache_dir=settings().data_dir / "nlp-cache")
        run = relinking.relink(store, linker, everything=everything, progress=progress)
    for failure in run.failed:
        err.print(f"not relinked: {failure}")
    err.print(f"relinked {run.relinked} of {run.seen} clues ({run.skipped} already current, "
              f"{len(run.failed)} failed)")


def register(app: typer.Typer) -> None:
    """Add `link` and the `nlp` group to `app`."""
    app.command("link")(link)
    app.add_typer(nlp_app, name="nlp")
