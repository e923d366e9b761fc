"""Reading clues: by id, shared, overdue, and a clue's audit trail — each through sharing.

A partner's read of shared clues is itself audited (domain.md: every access to personal data is
logged): the clues of one request are read *inside* one write transaction that appends a
`clue.view` entry per clue (one batch, `audit.append_many`), so a view is never served without
its record and a request costs one transaction however many clues it reads (aliases, lists).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node
from jointsup.services import audit
from jointsup.services.clues import sharing
from jointsup.services.clues.config import ClueConfig
from jointsup.services.clues.lifecycle import VERIFYING, State
from jointsup.services.clues.ops import subject
from jointsup.services.policy import Principal

PAGE = 1000


def load_visible(store: BaseGraphStore, principal: Principal, keys: Sequence[str],
                 config: ClueConfig) -> list[Node | None]:
    """The clues the caller may see (scoped), None for the rest; partner views are audited."""
    if sharing.is_internal(principal):
        found = store.read(lambda tx: tx.get_nodes("Clue", list(keys)))
        return list(found)

    def run(tx: GraphTx) -> list[Node | None]:
        return _partner_view(tx, principal, tx.get_nodes("Clue", list(keys)), config)

    return store.transaction(run)


def _partner_view(tx: GraphTx, principal: Principal, nodes: Sequence[Node | None],
                  config: ClueConfig) -> list[Node | None]:
    out: list[Node | None] = []
    seen: dict[str, None] = {}
    for node in nodes:
        if node is None or not sharing.visible(principal, node):
            out.append(None)
            continue
        seen[node.key] = None
        out.append(sharing.scoped(principal, node, config))
    who = {"by": principal.token_id, "party": sharing.caller_party(principal)}
    # Last in the transaction and in one batch: the chain head stays locked only until commit.
    audit.append_many(tx, [("clue.view", subject(key), who) for key in seen])
    return out


def _all(tx: GraphTx, filters: list[Filter]) -> list[Node]:
    nodes: list[Node] = []
    after: str | None = None
    while True:
        page = tx.list_nodes("Clue", filters=filters, order_by="received_at", descending=True,
                             first=PAGE, after=after)
        nodes.extend(page.items)
        if not page.has_next:
            return nodes
        after = page.end_cursor


def shared_clues(store: BaseGraphStore, principal: Principal) -> list[Node]:
    """Clues shared with partners (a partner: with it), newest first, unscoped: the caller
    pages them and reads the page through `load_visible`, which scopes and audits.

    Both reads are indexed: internal callers list `shared` clues through its index, a partner
    follows its party's `SHARED_WITH` links (never a scan of every clue)."""
    if sharing.is_internal(principal):
        return store.read(lambda tx: _all(tx, [Filter("shared", "eq", True)]))
    party = sharing.caller_party(principal)
    if party is None:
        return []

    def run(tx: GraphTx) -> list[Node]:
        keys = sharing.clue_keys_shared_with(tx, party)
        found = [n for n in tx.get_nodes("Clue", keys) if n and sharing.visible(principal, n)]
        return sorted(found, key=lambda n: (str(n.props.get("received_at") or ""), n.key),
                      reverse=True)

    return store.read(run)


@dataclass(frozen=True)
class Overdue:
    """A clue past a deadline: which one, and by how many working days."""

    clue: Node
    deadline: str
    due: str
    working_days_late: int


def overdue(store: BaseGraphStore, principal: Principal, config: ClueConfig,
            today: dt.date) -> list[Overdue]:
    """Clues the caller may see past their accept or verify deadline on `today`, oldest due
    first (unscoped, like `shared_clues`)."""
    yesterday = (today - dt.timedelta(days=1)).isoformat()

    def run(tx: GraphTx) -> list[Overdue]:
        found: list[Overdue] = []
        checks = (("accept", "accept_due", [State.TRANSFERRED.value]),
                  ("verify", "verify_due", sorted(s.value for s in VERIFYING)))
        for name, prop, states in checks:
            for node in _all(tx, [Filter("status", "in", states), Filter(prop, "lte", yesterday)]):
                if sharing.visible(principal, node):
                    due = str(node.props[prop])
                    late = config.calendar.working_days_between(dt.date.fromisoformat(due), today)
                    if late > 0:  # due on a Friday is not yet late on the weekend
                        found.append(Overdue(node, name, due, late))
        return sorted(found, key=lambda o: (o.due, o.clue.key))

    return store.read(run)


def trail(store: BaseGraphStore, principal: Principal, clue_id: str) -> list[audit.AuditEntry]:
    """A clue's audit history in chain order (NotFound, as for a missing clue, if not shared)."""
    def run(tx: GraphTx) -> list[audit.AuditEntry]:
        node = tx.get_node(Node("Clue", clue_id).ref)
        sharing.require_visible(principal, node, clue_id)
        return list(audit.entries(tx, subject(clue_id)))

    return store.read(run)
