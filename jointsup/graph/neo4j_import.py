"""Copy an embedded store into a new Neo4j database with neo4j-admin's offline importer.

Upserts over Bolt load a few thousand rows a second here, so a million-enterprise graph (≈25 M
nodes and relationships) would take hours; `neo4j-admin database import full` writes the store
files directly, in minutes. This module writes the importer's CSV input from an embedded store,
and the arguments that import it into an empty database (`Neo4jServer.import_csv` runs them with
the test launcher's jars; on a real server, run `neo4j-admin` with the same arguments).

The files reproduce what our upserts would have written, value for value:
- one node file per label and *property shape* (the names and types of a node's properties), so
  every column is typed (`long`, `double`, `boolean`, `string`, arrays of each) and no node gets a
  property it did not have; the natural key is the `key:ID(<label>)` column (one id space per
  label); relationships likewise per type, end labels and shape;
- strings are quoted, with quotes doubled; array elements are joined with U+001F (an element
  holding it is refused); rows with a line break go to separate files that the importer reads
  with multi-line parsing (`--multiline-fields`), the rest to the fast path;
- null properties are left out (Neo4j stores no nulls, as `SET n += {p: null}` removes `p`);
- empty lists cannot be written as CSV (an empty array field reads as no value), so they are
  listed in `empty-lists.jsonl` and `apply_empty_lists` sets them through the store once the
  server runs.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from jointsup.batching import batched
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.model import Node, NodeRef, Props, PropValue, Rel

ARRAY_DELIMITER = "\x1f"
EMPTY_LISTS = "empty-lists.jsonl"
MANIFEST = "import.json"
OPEN_FILES = 200  # shapes beyond this many are reopened for appending as they come round
_KIND = {bool: "boolean", int: "long", float: "double", str: "string"}

Shape = tuple[tuple[str, str], ...]  # (property, importer type) in name order


class ImportDataError(ValueError):
    """A value the importer's CSV cannot carry; the message names the node or relationship."""


def _kind(value: PropValue) -> str:
    if isinstance(value, list):
        return _KIND[type(value[0])] + "[]"
    return _KIND[type(value)]


def _scalar(value: bool | int | float | str) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)


def _quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _cell(name: str, value: bool | int | float | str | list[Any]) -> str:
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, list):
        items = [_scalar(v) for v in value]
        if any(ARRAY_DELIMITER in item for item in items):
            raise ImportDataError(f"property {name!r} has an element holding U+001F, the "
                                  "importer's array delimiter")
        return _quoted(ARRAY_DELIMITER.join(items))
    return _scalar(value)


@dataclass
class _Group:
    """The files of one node label or relationship type, end labels and property shape."""

    name: str  # label or relationship type
    header: str
    path: Path
    multiline: Path
    rows: int = 0
    multiline_rows: int = 0


@dataclass
class ImportFiles:
    """An exported store: its CSV files and what the importer needs to read them."""

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)  # (label, file)
    rels: list[tuple[str, Path]] = field(default_factory=list)  # (type, file)
    multiline: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def admin_args(self, database: str = "neo4j") -> list[str]:
        """`neo4j-admin` arguments that import these files into an empty `database`."""
        # The database first: a name after the variadic --nodes/--relationships would be read
        # as one more file.
        args = ["database", "import", "full", database, "--array-delimiter=U+001F",
                "--report-file=" + str(self.folder / "import.report")]
        if self.multiline:
            args += ["--multiline-fields-format=v2",
                     "--multiline-fields=" + ",".join(str(p) for p in self.multiline)]
        args += [f"--nodes={label}={path}" for label, path in self.nodes]
        args += [f"--relationships={rel_type}={path}" for rel_type, path in self.rels]
        return args

    def save(self) -> None:
        """Write the manifest (`import.json`) beside the files."""
        doc = {"nodes": [[n, str(p)] for n, p in self.nodes],
               "rels": [[t, str(p)] for t, p in self.rels],
               "multiline": [str(p) for p in self.multiline], "counts": self.counts}
        (self.folder / MANIFEST).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


class _Writer:
    """CSV files by group, at most OPEN_FILES of them open at once."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self.folder, self.prefix = folder, prefix
        self.groups: dict[Any, _Group] = {}
        self._open: OrderedDict[Path, IO[str]] = OrderedDict()

    def group(self, key: Any, name: str, ids: Sequence[str], shape: Shape) -> _Group:
        """The group of `key`, made on first use with the header of its id columns and shape."""
        found = self.groups.get(key)
        if found is None:
            stem = f"{self.prefix}-{len(self.groups):04d}-{name}"
            header = ",".join([*ids, *(f"{prop}:{kind}" for prop, kind in shape)])
            found = self.groups[key] = _Group(name, header, self.folder / f"{stem}.csv",
                                              self.folder / f"{stem}.multiline.csv")
        return found

    def write(self, group: _Group, line: str) -> None:
        """One row (its cells joined); a row with a line break goes to the multi-line file."""
        multiline = "\n" in line or "\r" in line
        path = group.multiline if multiline else group.path
        out = self._open.get(path)
        if out is None:
            fresh = not path.exists()
            if len(self._open) >= OPEN_FILES:
                self._open.popitem(last=False)[1].close()
            out = self._open[path] = path.open("a", encoding="utf-8", newline="")
            if fresh:
                out.write(group.header + "\n")
        out.write(line + "\n")
        if multiline:
            group.multiline_rows += 1
        else:
            group.rows += 1

    def close(self) -> None:
        for out in self._open.values():
            out.close()
        self._open.clear()

    def files(self) -> Iterator[tuple[str, Path, bool]]:
        """(name, file, multi-line) of every file written."""
        for group in self.groups.values():
            if group.rows:
                yield group.name, group.path, False
            if group.multiline_rows:
                yield group.name, group.multiline, True


def _split(props: Props) -> tuple[Shape, list[str], list[str]]:
    """A node's or relationship's shape, its cells, and the names of its empty lists (which have
    no cell); nulls are left out."""
    shape: list[tuple[str, str]] = []
    cells: list[str] = []
    empties: list[str] = []
    for name in sorted(props):
        value = props[name]
        if value is None:
            continue
        if isinstance(value, list) and not value:
            empties.append(name)
            continue
        shape.append((name, _kind(value)))
        cells.append(_cell(name, value))
    return tuple(shape), cells, empties


# What the export writes of a node or relationship: its file group (label, or type and end
# labels) and the group's name, its id columns and their cells, its properties, and the
# reference that names it in empty-list records and refusals.
_Item = tuple[tuple[str, ...], str, list[str], list[str], Props, list[str]]


def _node_item(node: Node) -> _Item:
    return ((node.label,), node.label, [f"key:ID({node.label})"], [_quoted(node.key)],
            node.props, ["node", node.label, node.key])


def _rel_item(rel: Rel) -> _Item:
    src, dst = rel.src, rel.dst
    return ((rel.type, src.label, dst.label), rel.type,
            [f":START_ID({src.label})", f":END_ID({dst.label})"],
            [_quoted(src.key), _quoted(dst.key)], rel.props,
            ["rel", rel.type, src.label, src.key, dst.label, dst.key])


def _owner(ref: list[str]) -> str:
    if ref[0] == "node":
        return f"{ref[1]}:{ref[2]}"
    return f"{ref[2]}:{ref[3]}-{ref[1]}->{ref[4]}:{ref[5]}"


def _write_items(items: Iterable[_Item], writer: _Writer, what: str, empty_out: IO[str],
                 tick: Callable[[str, int], None]) -> tuple[int, int]:
    """Write items to their groups' files; (items, empty lists)."""
    count = empty = 0
    try:
        for group, name, ids, id_cells, props, ref in items:
            try:
                shape, cells, empties = _split(props) if props else ((), [], [])
            except ImportDataError as exc:
                raise ImportDataError(f"{_owner(ref)}: {exc}") from None
            writer.write(writer.group((*group, shape), name, ids, shape),
                         ",".join([*id_cells, *cells]))
            for prop in empties:
                empty_out.write(json.dumps([*ref, prop]) + "\n")
            empty += len(empties)
            count += 1
            if count % 100_000 == 0:
                tick(what, count)
    finally:
        writer.close()
    return count, empty


def export_csv(nodes: Iterable[Node], rels: Iterable[Rel], folder: Path,
               progress: Callable[[str, int], None] | None = None) -> ImportFiles:
    """Write every node and relationship as importer CSV into `folder` (new or empty).

    The manifest (`import.json`) is written last: a folder without one is an export cut short
    (`jointsup neo4j finish` refuses it); delete it and export again."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise FileExistsError(f"{folder} is not empty: export into a new folder")
    tick = progress or (lambda what, n: None)
    files = ImportFiles(folder)
    node_files, rel_files = _Writer(folder, "nodes"), _Writer(folder, "rels")
    with (folder / EMPTY_LISTS).open("w", encoding="utf-8") as empty_out:
        n_nodes, empty_nodes = _write_items(map(_node_item, nodes), node_files, "nodes",
                                            empty_out, tick)
        n_rels, empty_rels = _write_items(map(_rel_item, rels), rel_files, "relationships",
                                          empty_out, tick)
    for listed, writer in ((files.nodes, node_files), (files.rels, rel_files)):
        for name, path, multiline in writer.files():
            listed.append((name, path))
            if multiline:
                files.multiline.append(path)
    files.counts = {"nodes": n_nodes, "relationships": n_rels,
                    "empty_lists": empty_nodes + empty_rels,
                    "files": len(files.nodes) + len(files.rels)}
    files.save()
    return files


def apply_empty_lists(store: Neo4jStore, folder: Path, batch: int = 10_000) -> int:
    """Set the empty-list properties the CSV could not carry; returns how many were set.

    Node properties go by (label, property) in batches of keys; relationship ones (none in the
    generated data) through the store's upsert."""
    path = folder / EMPTY_LISTS
    if not path.exists():
        return 0
    done = 0
    with path.open(encoding="utf-8") as lines:
        for chunk in batched((json.loads(line) for line in lines), batch):
            by_prop: dict[tuple[str, str], list[str]] = {}
            for entry in chunk:
                if entry[0] == "node":
                    by_prop.setdefault((entry[1], entry[3]), []).append(entry[2])
            for (label, prop), keys in by_prop.items():
                done += store.set_empty_lists(label, prop, keys)
            rels = [Rel(e[1], NodeRef(e[2], e[3]), NodeRef(e[4], e[5]), {e[6]: []})
                    for e in chunk if e[0] == "rel"]
            if rels:
                store.upsert_rels(rels)
                done += len(rels)
    return done
