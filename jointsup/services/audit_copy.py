"""The partner's copy of the audit log (`jointsup audit export`) and its check on the other side.

A copy holds every entry from the first one of `since` to the chain's end, so the receiver can
check every link from the *anchor* (the hash of the entry before the first exported one) to the
last entry, and the day heads. A full copy carries whole entries, and every hash is recomputed.
A partner's copy carries whole entries — payload withheld, as in `auditTrail` — only for the
clues shared with the partner; every other entry is a bare link (seq, prev_hash, hash), which
shows that something happened but not what.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.services import audit
from jointsup.services.audit_heads import DayHead, day_heads, day_of, parse_heads
from jointsup.services.clues.ops import subject
from jointsup.services.clues.sharing import clue_keys_shared_with

COPY_FORMAT = "jointsup.audit-copy/1"


@dataclass(frozen=True)
class CopyCheck:
    """What checking a copy found: entries, how many were checked in full, and the first problem."""

    entries: int
    full: int
    heads: int
    problem: audit.AuditProblem | None


def partner_party(store: BaseGraphStore, partner: str) -> str:
    """The party (`region|agency`) `--partner` names: given as such, or the name of a partner
    added with `jointsup partners add` (exact, else the one name equal ignoring case).
    InvalidInput names the unknown partner and lists the known ones."""
    from jointsup.services.exchange.partners import all_partners  # exchange imports clues

    value = partner.strip()
    if "|" in value:
        region, _, agency = value.partition("|")
        if not region.strip() or not agency.strip():
            raise InvalidInput(f"--partner {value!r}: a party is REGION|AGENCY, both non-empty")
        return f"{region.strip()}|{agency.strip()}"
    known = store.read(all_partners)
    found = [p for p in known if p.name == value] or \
        [p for p in known if p.name.casefold() == value.casefold()]
    if len(found) == 1:
        return found[0].party
    listed = ", ".join(f"{p.name} ({p.party})" for p in known) or \
        "none (add one with `jointsup partners add`)"
    raise InvalidInput(f"no partner named {value!r}; known partners: {listed}; "
                       f"or give the party as REGION|AGENCY")


def export(store: BaseGraphStore, since: dt.date, party: str | None = None) -> dict[str, Any]:
    """The copy of every entry from local day `since` on; for `party` (`region|agency`) the
    partner's copy. One read transaction, so the copy is one consistent state of the chain."""
    def run(tx: GraphTx) -> dict[str, Any]:
        chain = list(audit.entries(tx))
        start = next((i for i, e in enumerate(chain) if day_of(e) >= since.isoformat()),
                     len(chain))
        theirs = None if party is None else {subject(k) for k in clue_keys_shared_with(tx, party)}
        rows = [_row(e, theirs) for e in chain[start:]]
        anchor = {"seq": chain[start - 1].seq, "hash": chain[start - 1].hash} if start else \
            {"seq": 0, "hash": audit.GENESIS}
        return {"format": COPY_FORMAT, "since": since.isoformat(), "party": party,
                "anchor": anchor, "entries": rows,
                "heads": [h.to_json() for h in day_heads(chain[start:])]}

    return store.read(run)


def _row(e: audit.AuditEntry, theirs: set[str] | None) -> dict[str, Any]:
    if theirs is None:
        return {"seq": e.seq, "at": e.at, "action": e.action, "subject": e.subject,
                "payload": e.payload, "prev_hash": e.prev_hash, "hash": e.hash,
                "algorithm": e.algorithm}
    if e.subject in theirs:
        return {"seq": e.seq, "at": e.at, "action": e.action, "subject": e.subject,
                "payload": None, "prev_hash": e.prev_hash, "hash": e.hash,
                "algorithm": e.algorithm}
    return {"seq": e.seq, "prev_hash": e.prev_hash, "hash": e.hash}


def check_copy(doc: object, where: str) -> CopyCheck:
    """Check a copy on its own: every link from the anchor, every whole entry's hash, every head.

    Raises InvalidInput when the file is not a copy at all; a copy that does not hold together
    comes back with its first problem, naming the entry."""
    if not isinstance(doc, dict) or doc.get("format") != COPY_FORMAT:
        raise InvalidInput(f"{where}: not an audit copy (format {COPY_FORMAT})")
    anchor, rows = doc.get("anchor"), doc.get("entries")
    if not isinstance(anchor, dict) or not isinstance(rows, list):
        raise InvalidInput(f"{where}: 'anchor' and 'entries' are required")
    heads = parse_heads(doc, where)
    seq, prev = anchor.get("seq"), anchor.get("hash")
    if not isinstance(seq, int) or not isinstance(prev, str):
        raise InvalidInput(f"{where}: anchor: 'seq' (integer) and 'hash' are required")
    hashes: dict[int, str] = {}
    full = 0
    for i, row in enumerate(rows):
        seq += 1
        problem = _check_row(row, seq, prev, f"{where}: entries[{i}]")
        if problem:
            return CopyCheck(len(rows), full, len(heads), problem)
        full += isinstance(row.get("payload"), str)
        prev = hashes[seq] = str(row["hash"])
    return CopyCheck(len(rows), full, len(heads), _check_heads(heads, hashes, seq))


def _check_row(row: object, seq: int, prev: str, where: str) -> audit.AuditProblem | None:
    if not isinstance(row, dict) or row.get("seq") != seq:
        got = row.get("seq") if isinstance(row, dict) else None
        return audit.AuditProblem(seq, f"{where}: expected entry {seq}, found {got!r} "
                                       "(entries missing or reordered)")
    if row.get("prev_hash") != prev or not isinstance(row.get("hash"), str):
        return audit.AuditProblem(seq, f"{where}: its prev_hash is not the hash of the entry "
                                       "before it")
    payload, algo = row.get("payload"), row.get("algorithm")
    if not isinstance(payload, str):
        return None  # a bare link or a withheld payload: only the link can be checked
    if not isinstance(algo, str) or algo not in hashlib.algorithms_available:
        return audit.AuditProblem(seq, f"{where}: unknown hash algorithm {algo!r}")
    digest = audit.entry_hash(algo, seq, str(row.get("at")), str(row.get("action")),
                              str(row.get("subject")), payload, prev)
    if digest != row["hash"]:
        return audit.AuditProblem(seq, f"{where}: its content does not match its hash (edited)")
    return None


def _check_heads(heads: Sequence[DayHead], hashes: dict[int, str],
                 last: int) -> audit.AuditProblem | None:
    for h in heads:
        if hashes.get(h.last_seq) != h.hash:
            return audit.AuditProblem(h.last_seq, f"the head of {h.day} names entry {h.last_seq} "
                                                  "with a hash the copy's entry does not have")
    if hashes and max((h.last_seq for h in heads), default=0) != last:
        return audit.AuditProblem(last, f"the heads end before the last entry {last}")
    return None
