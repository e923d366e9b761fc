"""Daily chain heads (每日链头): the last entry of each day, the thing a partner countersigns.

A day is a local day in China Standard Time (the clue deadlines' day), taken from each entry's
`at`. A day's head names its first and last `seq`, how many entries it holds and the last
entry's hash: since every hash covers the one before it, a head commits to the whole chain up to
that entry, so a partner holding a signed head can later tell whether anything before it changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.services import audit
from jointsup.services.clues.ops import CST

HEADS_FORMAT = "jointsup.audit-heads/1"
HEAD_FORMAT = "jointsup.audit-head/1"  # what a signature covers (see `DayHead.message`)


@dataclass(frozen=True)
class DayHead:
    """One day's chain head."""

    day: str
    first_seq: int
    last_seq: int
    count: int
    hash: str
    algorithm: str

    def to_json(self) -> dict[str, Any]:
        """The head as a JSON object."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: object, where: str) -> DayHead:
        """Parse a head; errors name `where` and the field."""
        if not isinstance(data, dict):
            raise InvalidInput(f"{where}: a head is a JSON object")
        out: dict[str, Any] = {}
        for name, kind in (("day", str), ("first_seq", int), ("last_seq", int), ("count", int),
                           ("hash", str), ("algorithm", str)):
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise InvalidInput(f"{where}: field {name!r} is missing or not a "
                                   f"{kind.__name__}")
            out[name] = value
        return cls(**out)

    def message(self) -> bytes:
        """The exact bytes a countersignature signs: canonical JSON of the head and a format tag."""
        return audit.canonical({"format": HEAD_FORMAT, **self.to_json()}).encode("utf-8")


def day_of(entry: audit.AuditEntry) -> str:
    """The entry's local day (China Standard Time), ISO; empty when its time is unreadable."""
    try:
        return dt.datetime.fromisoformat(entry.at).astimezone(CST).date().isoformat()
    except ValueError:
        return ""


def day_heads(entries: Iterable[audit.AuditEntry], since: dt.date | None = None,
              until: dt.date | None = None) -> list[DayHead]:
    """Each day's head among `entries` (in chain order), days from `since` to `until` inclusive."""
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    count: dict[str, int] = {}
    digest: dict[str, str] = {}
    algo: dict[str, str] = {}
    low = since.isoformat() if since else ""
    high = until.isoformat() if until else "9999-12-31"
    for e in entries:
        day = day_of(e)
        if not low <= day <= high:
            continue
        first.setdefault(day, e.seq)
        last[day], digest[day], algo[day] = e.seq, e.hash, e.algorithm
        count[day] = count.get(day, 0) + 1
    return [DayHead(d, first[d], last[d], count[d], digest[d], algo[d]) for d in sorted(last)]


def heads(store: BaseGraphStore, since: dt.date | None = None,
          until: dt.date | None = None) -> list[DayHead]:
    """The stored chain's day heads (one read transaction over the chain)."""
    return store.read(lambda tx: day_heads(audit.entries(tx), since, until))


def heads_document(found: list[DayHead]) -> dict[str, Any]:
    """What `jointsup audit heads` writes for the partner to countersign."""
    return {"format": HEADS_FORMAT, "heads": [h.to_json() for h in found]}


def parse_heads(doc: object, where: str) -> list[DayHead]:
    """The heads of a heads or countersignature document; errors name the file and the head."""
    if not isinstance(doc, dict) or not isinstance(doc.get("heads"), list):
        raise InvalidInput(f"{where}: not a heads document (no 'heads' list)")
    return [DayHead.from_json(h, f"{where}: heads[{i}]") for i, h in enumerate(doc["heads"])]
