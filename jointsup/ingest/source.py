"""Reading a source file: encoding detection, structural checks, and records with line numbers."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jointsup.errors import IngestError

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Source:
    """A checked source file: format, encoding, header and a digest of its bytes."""

    path: Path
    fmt: str  # "csv" or "jsonl"
    encoding: str
    header: tuple[str, ...]
    digest: str
    lines: int  # newline count: an upper bound on the records, for progress bars


@dataclass(frozen=True)
class Record:
    """One input row: where it starts in the file and its fields as text."""

    line: int
    fields: dict[str, str]


def _detect_and_check(path: Path, encoding: str | None) -> tuple[str, str, int]:
    """Decode the whole file once (refusing undecodable bytes) and hash it."""
    with path.open("rb") as f:
        head = f.read(4)
    if encoding is None:
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        candidates = [encoding, "gb18030"]
    else:
        candidates = [encoding]
    for candidate in candidates:
        decoder, digest, offset = codecs.getincrementaldecoder(candidate)(), hashlib.sha256(), 0
        lines = 0
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    decoder.decode(chunk)
                    digest.update(chunk)
                    offset += len(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            failure = f"bytes at offset {offset + exc.start} are not valid {candidate}"
            continue
        return candidate, digest.hexdigest(), lines
    raise IngestError(f"cannot decode the file ({failure}); pass --encoding", path=str(path))


def open_source(path: Path, required: Sequence[str], encoding: str | None = None) -> Source:
    """Check a file before anything is written: it exists, decodes, and has the columns."""
    if not path.is_file():
        raise IngestError("no such file", path=str(path))
    fmt = "jsonl" if path.suffix.lower() in (".jsonl", ".ndjson") else "csv"
    if fmt == "csv" and path.suffix.lower() not in (".csv", ".txt"):
        raise IngestError("expected a .csv or .jsonl file", path=str(path))
    encoding, digest, lines = _detect_and_check(path, encoding)
    header = _csv_header(path, encoding) if fmt == "csv" else tuple(required)
    missing = [c for c in required if c not in header]
    if missing:
        raise IngestError(f"header lacks required column(s) {', '.join(missing)}; "
                          f"found {', '.join(header) or 'nothing'}", path=str(path), line=1)
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise IngestError(f"header repeats column(s) {', '.join(duplicated)}",
                          path=str(path), line=1)
    return Source(path, fmt, encoding, header, digest, lines)


def _csv_header(path: Path, encoding: str) -> tuple[str, ...]:
    with path.open(encoding=encoding, newline="") as f:
        row = next(csv.reader(f), [])
    return tuple(c.strip().lstrip("\ufeff") for c in row)


class BadRecord(Exception):
    """A row that cannot even be read as a record (bad JSON, wrong field count)."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def records(source: Source) -> Iterator[Record | BadRecord]:
    """Every row as a Record, or a BadRecord for a row that does not parse."""
    reader = _csv_records if source.fmt == "csv" else _jsonl_records
    yield from reader(source)


def _csv_records(source: Source) -> Iterator[Record | BadRecord]:
    with source.path.open(encoding=source.encoding, newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        width = len(source.header)
        start = reader.line_num + 1
        for row in reader:
            if not any(cell.strip() for cell in row):
                start = reader.line_num + 1
                continue
            if len(row) != width:
                yield BadRecord(start, f"has {len(row)} fields, the header has {width}")
            else:
                yield Record(start, {k: v.strip() for k, v in zip(source.header, row,
                                                                   strict=True)})
            start = reader.line_num + 1


def _jsonl_records(source: Source) -> Iterator[Record | BadRecord]:
    with source.path.open(encoding=source.encoding) as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except ValueError as exc:
                yield BadRecord(number, f"not valid JSON: {exc}")
                continue
            if not isinstance(value, dict):
                yield BadRecord(number, "a JSON line must be an object")
                continue
            yield Record(number, {str(k): "" if v is None else _text(v)
                                  for k, v in value.items()})


def _text(value: object) -> str:
    if isinstance(value, list):
        return "|".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
