"""Regenerate docs/BENCHMARKS.md from bench/notes/*.md and bench/results/*.json.

    python -m bench.report          # write docs/BENCHMARKS.md (refused while a section is missing)
    python -m bench.report --check  # exit 1 when the committed doc differs from the generated one
    python -m bench.report --out F  # write elsewhere (a preview); --partial allows missing sections
    python -m bench.report --render bench/results/x.json  # print one results file's block

The notes files are concatenated in file-name order. A line consisting of exactly
`{{results/<file>.json}}` is replaced by the command, date and machine recorded in that JSON and
the table(s) returned by `bench.<json["bench"]>.render(json)`; a JSON without "bench" is mapped by
its file-name prefix (`store-1m.json` -> `bench.store_bench`).
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("00-header.md", "10-store.md", "20-ingest.md", "30-api.md", "35-load.md",
            "40-nlp.md", "50-risk.md", "60-clues.md", "70-explore.md")
PLACEHOLDER = re.compile(r"^\{\{results/([A-Za-z0-9_.-]+\.json)\}\}$")
GIB = 1024 ** 3


class ReportError(Exception):
    """A notes file or results JSON the report cannot use; the message names it."""


def bench_module(name: str, result: dict[str, Any]) -> str:
    """The bench module that renders a results file: its "bench" key, else its name's prefix."""
    declared = result.get("bench")
    if isinstance(declared, str) and declared:
        return declared
    return re.split(r"[-_.]", name, maxsplit=1)[0] + "_bench"


def machine_text(result: dict[str, Any]) -> str:
    """One line describing where a result was measured, from whatever the JSON recorded."""
    info = result.get("machine")
    if isinstance(info, str):
        return info
    info = dict(info) if isinstance(info, dict) else {}
    for key in ("python", "sqlite", "neo4j"):  # older files keep versions at the top level
        if key in result and isinstance(result[key], str):
            info.setdefault(key, result[key])
    parts = []
    cpus = info.get("nproc") or info.get("cpu_count")
    if cpus:
        parts.append(f"{cpus} CPUs" + (f" ({info['cpu']})" if info.get("cpu") else ""))
    if info.get("ram_bytes"):
        parts.append(f"{info['ram_bytes'] / GIB:.1f} GiB RAM")
    for key, label in (("python", "Python"), ("sqlite", "SQLite"), ("neo4j", "Neo4j")):
        if info.get(key):
            parts.append(f"{label} {info[key]}")
    load = info.get("loadavg_at_start") or info.get("loadavg")
    if isinstance(load, list | tuple) and load:
        parts.append(f"load average {float(load[0]):.1f} at start")
    return ", ".join(parts)


def render_file(path: Path, shown: str, source: str) -> str:
    """The block for one results file: command, date, machine, then its module's tables."""
    if not path.is_file():
        raise ReportError(f"{source}: {shown} does not exist")
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ReportError(f"{shown}: not valid JSON ({exc})") from exc
    if not isinstance(result, dict):
        raise ReportError(f"{shown}: top level is not an object")
    module_name = bench_module(path.name, result)
    try:
        module = importlib.import_module(f"bench.{module_name}")
    except ImportError as exc:
        raise ReportError(f"{shown}: no module bench.{module_name} ({exc})") from exc
    render = getattr(module, "render", None)
    if render is None:
        raise ReportError(f"{shown}: bench.{module_name} has no render()")
    try:
        tables = render(result)
    except Exception as exc:  # a render written for another JSON shape: say which
        raise ReportError(f"{shown}: bench.{module_name}.render failed: "
                          f"{type(exc).__name__}: {exc}") from exc
    head = []
    if result.get("command"):
        head += [f"`{result['command']}`", ""]
    when = [f"Run {result['date']}" if result.get("date") else "Run (date not recorded)"]
    if machine := machine_text(result):
        when.append(f"on {machine}")
    head += [" ".join(when) + f"; results in `{shown}`.", ""]
    return "\n".join([*head, str(tables).strip("\n")])


def generate(root: Path = ROOT) -> tuple[str, list[str]]:
    """The document's text and the expected sections whose notes file is missing."""
    notes_dir = root / "bench" / "notes"
    notes = sorted(notes_dir.glob("*.md"))
    missing = [name for name in SECTIONS if not (notes_dir / name).is_file()]
    parts = []
    for note in notes:
        out = []
        for number, line in enumerate(note.read_text(encoding="utf-8").splitlines(), 1):
            match = PLACEHOLDER.match(line.strip())
            if match:
                name = f"bench/results/{match.group(1)}"
                out.append(render_file(root / name, name,
                                       f"{note.relative_to(root)} line {number}"))
            else:
                out.append(line.rstrip())
        parts.append("\n".join(out).strip("\n"))
    return "\n\n".join(parts) + "\n", missing


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the committed doc differs from the generated one")
    parser.add_argument("--out", type=Path, help="write here instead of docs/BENCHMARKS.md")
    parser.add_argument("--partial", action="store_true",
                        help="write even while some sections' notes files are missing")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="print the block of one results file and exit")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root: Path = args.root
    try:
        if args.render is not None:
            print(render_file(args.render, str(args.render), "--render"))
            return 0
        text, missing = generate(root)
    except ReportError as exc:
        print(f"bench.report: {exc}", file=sys.stderr)
        return 2
    target = args.out or root / "docs" / "BENCHMARKS.md"
    if args.check:
        current = target.read_text(encoding="utf-8") if target.is_file() else ""
        if current == text:
            print(f"{target}: up to date")
            return 0
        diff = difflib.unified_diff(current.splitlines(), text.splitlines(),
                                    str(target), "generated", lineterm="", n=1)
        print("\n".join(list(diff)[:60]))
        print(f"{target}: differs from `python -m bench.report`", file=sys.stderr)
        return 1
    if missing and not args.partial:
        print(f"bench.report: notes missing: {', '.join(missing)} (use --partial to write "
              "anyway)", file=sys.stderr)
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}" + (f" (missing: {', '.join(missing)})" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
