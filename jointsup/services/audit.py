"""The tamper-evident audit log (审计日志): append-only entries chained by their hashes.

Each entry's hash covers its sequence number, time, action, subject, payload and the previous
entry's hash, so editing, deleting or reordering any entry breaks the chain at that point. The
hash is SM3 where the Python build's OpenSSL offers it, else SHA-256; each entry records which.

An entry is appended inside the caller's transaction, so the change and its record land together
or not at all. Appends are serialised by writing the `AuditHead` node first: on SQLite writers are
serialised anyway; on Neo4j that write takes the head's exclusive lock, so a second transaction
waits and then reads the head the first one committed — the chain cannot fork. (A unique key on
`seq` alone would not do: Neo4j's MERGE matches the other transaction's entry and overwrites it.)
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from jointsup.errors import JointsupError
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node, NodeRef, Props, PropValue

ALGORITHM = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"
GENESIS = "0" * 64
CHAIN = "main"
HEAD = NodeRef("AuditHead", CHAIN)
PAGE = 1000


class AuditConflict(JointsupError):
    """Another transaction took the sequence number this append computed (should not happen)."""

    code = "AUDIT_CONFLICT"


@dataclass(frozen=True)
class AuditEntry:
    """One link of the chain."""

    seq: int
    at: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str
    algorithm: str

    @classmethod
    def from_node(cls, node: Node) -> AuditEntry:
        """The entry a stored node holds (missing fields read as empty: verify flags them)."""
        p = node.props
        seq = p.get("seq")
        return cls(seq if isinstance(seq, int) else -1, str(p.get("at", "")),
                   str(p.get("action", "")), str(p.get("subject", "")),
                   str(p.get("payload", "")), str(p.get("prev_hash", "")),
                   str(p.get("hash", "")), str(p.get("algorithm", "")))

    def payload_data(self) -> object:
        """The payload decoded from its canonical JSON."""
        return json.loads(self.payload)


@dataclass(frozen=True)
class AuditProblem:
    """The first place the chain does not hold, and why."""

    seq: int
    reason: str


def canonical(value: object) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 text as is."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def entry_hash(algorithm: str, seq: int, at: str, action: str, subject: str, payload: str,
               prev_hash: str) -> str:
    """The hash of one entry's content and its predecessor's hash."""
    text = canonical([seq, at, action, subject, payload, prev_hash])
    return hashlib.new(algorithm, text.encode("utf-8")).hexdigest()


def append(tx: GraphTx, action: str, subject: str, payload: object) -> AuditEntry:
    """Append an entry in the caller's transaction (the one making the change it records)."""
    return append_many(tx, [(action, subject, payload)])[0]


def append_many(tx: GraphTx, items: Sequence[tuple[str, str, object]]) -> list[AuditEntry]:
    """Append several entries (action, subject, payload) in the caller's transaction, taking the
    head's lock once and writing them in one batch: what a request reading ten clues costs."""
    if not items:
        return []
    if any(not action or not subject for action, subject, _ in items):
        raise ValueError("an audit entry needs an action and a subject")
    # Write first, read second: the write is what serialises concurrent appends (see above).
    tx.upsert_nodes([Node(HEAD.label, HEAD.key, {"chain": CHAIN, "lock": uuid.uuid4().hex})])
    head = tx.get_node(HEAD)
    props: Props = head.props if head else {}
    last = props.get("seq")
    seq = last if isinstance(last, int) else 0
    prev = str(props.get("hash") or GENESIS)
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    made: list[AuditEntry] = []
    for action, subject, payload in items:
        seq += 1
        body = canonical(payload)
        digest = entry_hash(ALGORITHM, seq, at, action, subject, body, prev)
        made.append(AuditEntry(seq, at, action, subject, body, prev, digest, ALGORITHM))
        prev = digest
    written = tx.upsert_nodes([Node("AuditEntry", str(e.seq), _props(e)) for e in made])
    if written.created != len(made):
        raise AuditConflict(f"audit entries {made[0].seq}-{seq} already exist: the chain head "
                            "was not locked")
    tx.upsert_nodes([Node(HEAD.label, HEAD.key, {"seq": seq, "hash": prev,
                                                 "algorithm": ALGORITHM, "lock": None})])
    return made


def _props(entry: AuditEntry) -> Props:
    values: dict[str, PropValue] = {
        "seq": entry.seq, "at": entry.at, "action": entry.action, "subject": entry.subject,
        "payload": entry.payload, "prev_hash": entry.prev_hash, "hash": entry.hash,
        "algorithm": entry.algorithm}
    return values


def entries(tx: GraphTx, subject: str | None = None) -> Iterator[AuditEntry]:
    """Entries in chain order (all, or those of one subject)."""
    filters = [Filter("subject", "eq", subject)] if subject is not None else []
    return (AuditEntry.from_node(n) for n in iter_nodes(tx, filters=filters))


def head(store: BaseGraphStore) -> tuple[int, str]:
    """The chain's last sequence number and hash (0 and the genesis hash when empty)."""
    node = store.get_node(HEAD)
    seq = node.props.get("seq") if node else None
    return (seq if isinstance(seq, int) else 0,
            str(node.props.get("hash")) if node and seq else GENESIS)


def verify(store: BaseGraphStore) -> AuditProblem | None:
    """The first entry where the chain breaks (edited, missing, reordered), or where it no
    longer holds a head the partner countersigned (re-hashed after an edit); None if intact."""
    from jointsup.services.audit_sign import check_countersigned  # it builds on this module

    def run(tx: GraphTx) -> AuditProblem | None:
        return _verify(tx) or check_countersigned(tx)

    return store.read(run)


def _verify(tx: GraphTx) -> AuditProblem | None:
    expected_seq, prev = 1, GENESIS
    for node in iter_nodes(tx):
        e = AuditEntry.from_node(node)
        if node.key != str(e.seq):
            return AuditProblem(e.seq, f"entry stored under key {node.key} claims seq {e.seq}")
        if e.seq != expected_seq:
            return AuditProblem(expected_seq, f"entry {expected_seq} is missing "
                                              f"(the next one is {e.seq})")
        if e.algorithm not in hashlib.algorithms_available:
            return AuditProblem(e.seq, f"unknown hash algorithm {e.algorithm!r}")
        if e.prev_hash != prev:
            return AuditProblem(e.seq, "its prev_hash is not the hash of the entry before it "
                                       "(entries removed, reordered or replaced)")
        if entry_hash(e.algorithm, e.seq, e.at, e.action, e.subject, e.payload,
                      e.prev_hash) != e.hash:
            return AuditProblem(e.seq, "its content does not match its hash (edited)")
        expected_seq, prev = e.seq + 1, e.hash
    last = expected_seq - 1
    head_node = tx.get_node(HEAD)
    head_seq = head_node.props.get("seq") if head_node else None
    head_seq = head_seq if isinstance(head_seq, int) else 0
    if head_seq != last:
        return AuditProblem(min(head_seq, last) + 1,
                            f"the chain head says seq {head_seq} but the log ends at {last} "
                            "(entries removed at the end, or the head edited)")
    if last and head_node is not None and head_node.props.get("hash") != prev:
        return AuditProblem(last, "the chain head's hash is not the last entry's hash")
    return None


def iter_nodes(tx: GraphTx, label: str = "AuditEntry", filters: list[Filter] | None = None,
               order_by: str | None = "seq") -> Iterator[Node]:
    """Every node of an audit label, page by page (entries by seq; those without one last,
    where verify flags them)."""
    after: str | None = None
    while True:
        page = tx.list_nodes(label, filters=filters or [], order_by=order_by, first=PAGE,
                             after=after)
        yield from page.items
        if not page.has_next:
            return
        after = page.end_cursor
