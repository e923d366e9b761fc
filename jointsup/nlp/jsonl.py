"""`jointsup link` as a function: JSONL texts in, one JSON result (or error) per line out."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jointsup.errors import InvalidInput
from jointsup.ingest.batches import ProgressFn, no_progress
from jointsup.nlp.linker import Linker


@dataclass
class LinkRun:
    """Counts of one run: lines read, linked, and answered with an error."""

    read: int = 0
    linked: int = 0
    errors: int = 0


def link_line(linker: Linker, line: str, number: int) -> dict[str, Any]:
    """The output object for one input line: the result, or `{"id", "error"}`."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"line {number} is not JSON: {exc.msg}"}
    if not isinstance(row, dict):
        return {"id": None, "line": number, "error": f"line {number} is not a JSON object"}
    ident, text, received = row.get("id"), row.get("text"), row.get("received_at")
    if not isinstance(text, str):
        return {"id": ident, "line": number, "error": "`text` is missing or not a string"}
    if received is not None and not isinstance(received, str):
        return {"id": ident, "line": number, "error": "`received_at` is not a string"}
    try:
        result = linker.link(text, received)
    except InvalidInput as exc:
        return {"id": ident, "line": number, "error": str(exc)}
    return {"id": ident, **result.to_json()}


def link_file(linker: Linker, source: Path, target: Path,
              progress: ProgressFn = no_progress) -> LinkRun:
    """Link every line of `source` into `target`; a bad line gets an error line, not a stop."""
    with source.open(encoding="utf-8-sig") as fh:
        total = sum(1 for line in fh if line.strip())
    run = LinkRun()
    with source.open(encoding="utf-8-sig") as fin, target.open("w", encoding="utf-8") as fout:
        for number, line in enumerate(fin, start=1):
            if not line.strip():
                continue
            out = link_line(linker, line, number)
            run.read += 1
            if "error" in out:
                run.errors += 1
            else:
                run.linked += 1
            fout.write(json.dumps(out, ensure_ascii=False) + "\n")
            if run.read % 100 == 0 or run.read == total:
                progress("linking", run.read, total)
    return run
