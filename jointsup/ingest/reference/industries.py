"""Parse the GB/T 4754-2017 industry CSV into Industry nodes, deriving single-class groups."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from jointsup.errors import IngestError
from jointsup.model import Node, NodeRef, Props, Rel, make_node

_CODE_RE = {1: re.compile(r"[A-Z]"), 2: re.compile(r"\d{2}"), 3: re.compile(r"\d{3}"),
            4: re.compile(r"\d{4}")}

# Upstream slip: class 3741 飞机制造 is listed as a second row coded `374` at level 3, between
# group 374 and class 3742. Keyed by (code, name) so a corrected source is left alone.
MISCODED: dict[tuple[str, str], tuple[str, int]] = {("374", "飞机制造"): ("3741", 4)}


def read_industries(path: Path) -> tuple[list[Node], list[Rel]]:
    """Industry nodes (sections, divisions, groups, classes) and `PART_OF` rels child → parent."""
    rows = _rows(path)
    listed = {str(props["code"]) for _, props in rows}
    nodes: dict[str, Node] = {}
    for line, props in rows:
        code = str(props["code"])
        if code in nodes:
            raise IngestError(f"duplicate industry code {code}", path=str(path), line=line)
        group = code[:3]
        if props["level"] == 4 and group not in listed and group not in nodes:
            # The standard gives a group with a single class no row of its own.
            nodes[group] = make_node("Industry", {**props, "code": group, "level": 3,
                                                  "note": None, "derived": True})
        nodes[code] = make_node("Industry", props)
    rels = [Rel("PART_OF", node.ref, NodeRef("Industry", _parent(node, nodes, path)))
            for node in nodes.values() if node.props["level"] != 1]
    return list(nodes.values()), rels


def _parent(node: Node, nodes: dict[str, Node], path: Path) -> str:
    """The parent code: section letter for a division, else the code minus its last digit."""
    code = node.key
    parent = str(node.props["section"]) if len(code) == 2 else code[:-1]
    if parent not in nodes:
        raise IngestError(f"industry {code} has no parent {parent}", path=str(path))
    return parent


def _rows(path: Path) -> list[tuple[int, Props]]:
    """Each data row's properties with its line number (header is line 1)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return [(line, _props(path, line, record)) for line, record in enumerate(reader, start=2)]


def _props(path: Path, line: int, record: dict[str, str | None]) -> Props:
    """One row checked and turned into properties."""
    code, level_text, section, name = (
        (record.get(f) or "").strip() for f in ("code", "level", "section", "name"))
    if not level_text.isdigit() or int(level_text) not in _CODE_RE:
        raise IngestError(f"bad level {level_text!r}", path=str(path), line=line, field="level")
    code, level = MISCODED.get((code, name), (code, int(level_text)))
    if not _CODE_RE[level].fullmatch(code):
        raise IngestError(f"bad code {code!r} for level {level}", path=str(path), line=line,
                          field="code")
    if not name or not _CODE_RE[1].fullmatch(section):
        raise IngestError("missing name or section", path=str(path), line=line)
    note = (record.get("note") or "").strip() or None
    return {"code": code, "level": level, "section": section, "name": name, "note": note,
            "derived": False}
