"""CSV and JSON output: fixed headers, UTF-8, LF line ends, row counts for the manifest."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

HEADERS: dict[str, tuple[str, ...]] = {
    "enterprises.csv": ("uscc", "name", "former_names", "legal_rep", "reg_region_code", "address",
                        "industry_code", "phone", "established", "status", "credit_class",
                        "parent_uscc"),
    "persons.csv": ("uscc", "person_id", "name", "role", "share_ratio"),
    "departments.csv": ("code", "name", "system", "level", "region_code", "parent_code"),
    "items.csv": ("code", "name", "parent_code", "item_type", "department_system",
                  "object_industries", "legal_basis", "random_check", "joint_check"),
    "implementations.csv": ("code", "item_code", "department_code", "method", "ratio",
                            "frequency"),
    "officers.csv": ("cert_no", "name", "department_code", "specialties", "in_random_pool"),
    "inspections.csv": ("id", "uscc", "item_code", "department_code", "officer_ids", "date",
                        "result", "articles"),
    "lists.csv": ("uscc", "list", "date", "reason", "removed_date"),
    "credit.csv": ("uscc", "month", "credit_class"),
    "clues.csv": ("id", "channel", "received_at", "text", "region_code", "respondent_name",
                  "respondent_uscc"),
}
BUFFER = 1 << 20


class Sinks:
    """One open CSV writer per file; rows stream straight to disk."""

    def __init__(self, out: Path) -> None:
        """Create `out` and write every header."""
        out.mkdir(parents=True, exist_ok=True)
        self.out = out
        self.counts: dict[str, int] = {}
        self._handles: list[TextIO] = []
        self._writers: dict[str, Any] = {}
        for name, header in HEADERS.items():
            handle = (out / name).open("w", encoding="utf-8", newline="", buffering=BUFFER)
            self._handles.append(handle)
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            self._writers[name] = writer
            self.counts[name] = 0
        self._gold = (out / "clues_gold.jsonl").open("w", encoding="utf-8", newline="\n",
                                                     buffering=BUFFER)
        self._handles.append(self._gold)
        self.counts["clues_gold.jsonl"] = 0

    def write(self, name: str, rows: Iterable[Sequence[str]]) -> None:
        """Append rows to one file."""
        before = self.counts[name]
        writer = self._writers[name]
        for row in rows:
            writer.writerow(row)
            before += 1
        self.counts[name] = before

    def gold(self, record: dict[str, Any]) -> None:
        """Append one line of clues_gold.jsonl."""
        self._gold.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
        self.counts["clues_gold.jsonl"] += 1

    def close(self) -> None:
        """Flush and close every file."""
        for handle in self._handles:
            handle.close()

    def __enter__(self) -> Sinks:
        """Context manager entry."""
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        """Close on exit, also after an error."""
        self.close()


def write_json(path: Path, data: Any) -> None:
    """Pretty, stable JSON (UTF-8, keys in insertion order, trailing newline)."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
