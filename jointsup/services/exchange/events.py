"""The `clueEvents` feed: what happened to the clues a caller may see, after a cursor.

Events are the audit log's entries about clues, in chain order; the cursor is the audit sequence
number. A partner gets the entries of clues visible to it (the same `sharing.visible` rule as
every other read) without payloads; views (`clue.view`) are left out — reading is not a change.
One call reads at most `SCAN` entries, so a partner with few shared clues on a busy instance
gets short (even empty) pages whose cursor still moves on: `hasNextPage` says to ask again.
"""

from __future__ import annotations

from dataclasses import dataclass

from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.services.audit import AuditEntry
from jointsup.services.clues.sharing import is_internal, visible
from jointsup.services.policy import Principal

SCAN = 1000
MAX_FIRST = 200
SKIPPED = frozenset({"clue.view"})
PREFIX = "Clue:"


@dataclass(frozen=True)
class ClueEvent:
    """One change of a clue."""

    seq: int
    at: str
    action: str
    clue_id: str
    payload: str | None


@dataclass(frozen=True)
class EventPage:
    """A page of the feed and where to go on from."""

    events: list[ClueEvent]
    cursor: int
    has_next: bool


def clue_events(store: BaseGraphStore, principal: Principal, after: int = 0,
                first: int = 50) -> EventPage:
    """Up to `first` events with sequence numbers above `after`."""
    first = max(1, min(first, MAX_FIRST))
    after = max(after, 0)

    def read(tx: GraphTx) -> EventPage:
        page = tx.list_nodes("AuditEntry", filters=[Filter("seq", "gte", after + 1)],
                             order_by="seq", first=SCAN)
        entries = [AuditEntry.from_node(n) for n in page.items]
        keys = sorted({e.subject.removeprefix(PREFIX) for e in entries
                       if e.subject.startswith(PREFIX)})
        clues = {n.key: n for n in tx.get_nodes("Clue", keys) if n is not None}
        internal, cursor = is_internal(principal), after
        out: list[ClueEvent] = []
        for i, e in enumerate(entries):
            cursor = e.seq
            key = e.subject.removeprefix(PREFIX)
            if e.subject.startswith(PREFIX) and e.action not in SKIPPED \
                    and visible(principal, clues.get(key)):
                out.append(ClueEvent(e.seq, e.at, e.action, key,
                                     e.payload if internal else None))
                if len(out) == first:
                    return EventPage(out, cursor, page.has_next or i + 1 < len(entries))
        return EventPage(out, cursor, page.has_next)

    return store.read(read)
