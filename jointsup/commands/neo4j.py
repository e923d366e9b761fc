"""`jointsup neo4j export|finish`: move an embedded store into a new Neo4j database with
neo4j-admin's offline importer (jointsup.graph.neo4j_import); registered by `jointsup.cli`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

neo4j_app = typer.Typer(help="Copy the embedded store into a new Neo4j database (offline import).",
                        no_args_is_help=True)
FolderArg = Annotated[Path, typer.Argument(help="Folder of the import files.")]
ARGS_FILE = "import.args"


@neo4j_app.command("export")
def export(folder: FolderArg) -> None:
    """Write the embedded store of the data directory as neo4j-admin CSV into FOLDER (new or
    empty) and print the import command."""
    from jointsup.cli import err, progress_bars, settings
    from jointsup.errors import ConfigError
    from jointsup.graph.embedded import EmbeddedStore
    from jointsup.graph.neo4j_import import export_csv

    path = settings().embedded_path
    if not path.exists():
        raise ConfigError(f"no embedded store at {path}: set --data-dir or JOINTSUP_DATA_DIR")
    with EmbeddedStore(path) as store, progress_bars() as progress:
        stats = store.stats()
        totals = {"nodes": sum(stats.nodes.values()),
                  "relationships": sum(stats.relationships.values())}
        files = export_csv(store.all_nodes(), store.all_rels(), folder.resolve(),
                           lambda what, n: progress(f"export {what}", n, totals[what]))
    args = files.admin_args()
    (files.folder / ARGS_FILE).write_text("\n".join(args) + "\n", encoding="utf-8")
    counts = files.counts
    err.print(f"wrote {counts['nodes']:,} nodes and {counts['relationships']:,} relationships "
              f"in {counts['files']} files to {files.folder}")
    err.print("Next, with the Neo4j server stopped and its database empty, on its host:")
    typer.echo("neo4j-admin " + shlex.join(args))
    err.print(f"then start it and run: JOINTSUP_STORE=neo4j jointsup neo4j finish {files.folder}")


@neo4j_app.command("finish")
def finish(folder: FolderArg) -> None:
    """After the import, against the started server (JOINTSUP_STORE=neo4j): create jointsup's
    constraints and indexes and set the empty-list properties CSV cannot carry."""
    from jointsup.cli import err, opened_store
    from jointsup.errors import ConfigError
    from jointsup.graph.neo4j_import import MANIFEST, apply_empty_lists
    from jointsup.graph.neo4j_store import Neo4jStore

    if not (folder / MANIFEST).exists():
        raise ConfigError(f"{folder} holds no {MANIFEST}: give the folder `neo4j export` wrote")
    with opened_store() as store:  # a Neo4j store creates its schema as it opens
        if not isinstance(store, Neo4jStore):
            raise ConfigError("`neo4j finish` needs JOINTSUP_STORE=neo4j (the imported server)")
        done = apply_empty_lists(store, folder)
    err.print(f"schema in place; {done:,} empty-list properties set")


def register(app: typer.Typer) -> None:
    """Add the `neo4j` group to `app`."""
    app.add_typer(neo4j_app, name="neo4j")
