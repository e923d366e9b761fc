"""NLP linking of received copies (链接), after they are committed, in the delivery worker.

Linking a clue's text takes far longer than a receive may (the linker's gazetteer is built on
first use), so `receive` stores a copy without links and without a `linked_with` stamp, and the
delivery worker links it a moment later against *our* enterprises, regions and laws — the same
links `registerClue` and `jointsup nlp relink` make (`nlp.relink.plan_links`/`write_links`).

The worklist is the audit log: every received share is an `exchange.receive` entry (indexed by
action), read in chain order after an in-memory cursor, `SCAN` entries at most per round, of
which at most `batch` copies are linked (one write transaction). A copy already stamped with the
current linker version is skipped, so re-reading entries after a restart (the cursor starts at 0)
costs reads only: idempotent. A copy whose text changed between planning and writing (a new
transfer refreshed it) is left for the entry that refresh wrote.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.ingest.dataset import Rows
from jointsup.model import Node
from jointsup.nlp.linker import Linker
from jointsup.nlp.relink import is_stale, plan_links, write_links
from jointsup.services.exchange.events import PREFIX

log = logging.getLogger("jointsup.exchange")
ACTION = "exchange.receive"
SCAN = 500  # audit entries one round reads at most
BATCH = 20  # copies one round links at most (one transaction)
LinkerFn = Callable[[], Linker | None]  # None: not built yet, try next round


@dataclass
class CopyLinking:
    """The worker's linking state: the audit cursor it has read up to, and what it did."""

    batch: int = BATCH
    after: int = 0
    linked: int = 0
    failed: list[str] = field(default_factory=list)  # "copy key: why", not retried until restart
    _given_up: set[str] = field(default_factory=set)

    def run(self, store: BaseGraphStore, linker: LinkerFn) -> int:
        """One round: link up to `batch` received copies still unlinked; how many."""
        entries = store.read(lambda tx: _received(tx, self.after))
        if not entries:
            return 0
        keys: dict[str, int] = {}  # copy key -> seq of its first entry after the cursor
        for seq, key in entries:
            keys.setdefault(key, seq)
        nodes = [n for n in store.read(lambda tx: tx.get_nodes("Clue", list(keys))) if n]
        waiting = [n for n in nodes if _unlinked_copy(n) and n.key not in self._given_up]
        todo, left = waiting[: self.batch], waiting[self.batch:]
        # Past every entry read, unless the batch is full: then to just before the first copy
        # left for the next round (entries of copies linked meanwhile are read again, skipped).
        # Moved only once the batch is written: a failure (the linker, the store) retries it.
        after = keys[left[0].key] - 1 if left else entries[-1][0]
        if not todo:
            self.after = after
            return 0
        source = linker()
        if source is None:  # still being built: never wait for it here (deliveries would)
            return 0
        planned: list[tuple[Rows, object]] = []
        for node in todo:
            try:
                planned.append((plan_links(node, source), node.props.get("text")))
            except InvalidInput as exc:  # e.g. a text over the linker's limit
                self._given_up.add(node.key)
                self.failed.append(f"{node.key}: {exc}")
                log.warning("received copy %s not linked: %s", node.key, exc)
        done: int = store.transaction(lambda tx: _write_unchanged(tx, planned)) if planned else 0
        self.after = after
        self.linked += done
        return done


def _received(tx: GraphTx, after: int) -> list[tuple[int, str]]:
    """(seq, clue key) of up to `SCAN` receive entries after `after`, in chain order."""
    page = tx.list_nodes("AuditEntry", filters=[Filter("action", "eq", ACTION),
                                                Filter("seq", "gte", after + 1)],
                         order_by="seq", first=SCAN)
    out = [(int(str(n.props.get("seq"))), str(n.props.get("subject")).removeprefix(PREFIX))
           for n in page.items if str(n.props.get("subject")).startswith(PREFIX)]
    return out


def _unlinked_copy(node: Node) -> bool:
    return isinstance(node.props.get("origin_partner"), str) and is_stale(node)


def _write_unchanged(tx: GraphTx, planned: list[tuple[Rows, object]]) -> int:
    """Write the planned links of the copies whose text is still the one planned for."""
    keys = [rows.primary.key for rows, _ in planned]
    now = {n.key: n.props.get("text") for n in tx.get_nodes("Clue", keys) if n is not None}
    keep = [rows for rows, text in planned if rows.primary.key in now
            and now[rows.primary.key] == text]
    if keep:
        write_links(tx, keep)
    return len(keep)
