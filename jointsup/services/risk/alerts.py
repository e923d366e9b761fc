"""The alert workflow: list and read alerts, and dispose of them (处置) with a history."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import Filter, GraphTx, Page, decode_cursor, encode_cursor
from jointsup.model import Node, NodeRef
from jointsup.services import audit
from jointsup.services.risk.base import OPEN, history_entry

# action → (statuses it may start from, status it leads to); NOTE keeps the status.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "ACKNOWLEDGE": (frozenset({"OPEN"}), "ACKNOWLEDGED"),
    "INVESTIGATE": (frozenset({"OPEN", "ACKNOWLEDGED"}), "INVESTIGATING"),
    "CLOSE": (frozenset({"OPEN", "ACKNOWLEDGED", "INVESTIGATING"}), "CLOSED"),
    "DISMISS": (frozenset({"OPEN", "ACKNOWLEDGED", "INVESTIGATING"}), "DISMISSED"),
    "REOPEN": (frozenset({"CLOSED", "DISMISSED"}), OPEN),
    "NOTE": (frozenset({"OPEN", "ACKNOWLEDGED", "INVESTIGATING", "CLOSED", "DISMISSED"}), None),
}
T = TypeVar("T")
STATUSES = ("OPEN", "ACKNOWLEDGED", "INVESTIGATING", "CLOSED", "DISMISSED")
MAX_NOTE = 2000


@dataclass(frozen=True)
class AlertFilters:
    """What `alerts(filters:)` may narrow by; all optional, combined with AND."""

    model: str | None = None
    status: str | None = None
    region: str | None = None  # a region code: everything inside it
    uscc: str | None = None
    min_severity: float | None = None  # severity at least this, in [0, 1]
    sort: str = "score"  # "score" or "severity", highest first


SORTS = ("score", "severity")


def region_prefix(code: str) -> str:
    """510000 → 51, 510100 → 5101, 510104 → 510104 (the codes inside a region share it)."""
    code = code.strip()
    if not code.isdigit() or len(code) != 6:
        raise InvalidInput(f"filters.region: must be a 6-digit region code, not {code!r}")
    while code.endswith("00") and len(code) > 2:
        code = code[:-2]
    return code


def _filters(f: AlertFilters) -> list[Filter]:
    out = []
    if f.model:
        out.append(Filter("model", "eq", f.model.strip()))
    if f.status:
        status = f.status.strip().upper()
        if status not in STATUSES:
            raise InvalidInput(f"filters.status: must be one of {', '.join(STATUSES)}, "
                               f"not {f.status!r}")
        out.append(Filter("status", "eq", status))
    if f.region:
        out.append(Filter("region_code", "prefix", region_prefix(f.region)))
    if f.min_severity is not None:
        if not 0.0 <= f.min_severity <= 1.0:
            raise InvalidInput(f"filters.minSeverity: must be within [0, 1], not {f.min_severity}")
        out.append(Filter("severity", "gte", float(f.min_severity)))
    return out


def _sort(f: AlertFilters) -> str:
    if f.sort not in SORTS:
        raise InvalidInput(f"sort: must be one of {', '.join(SORTS)}, not {f.sort!r}")
    return f.sort


def list_alerts(tx: GraphTx, filters: AlertFilters, first: int, after: str | None) -> Page:
    """A page of alerts, highest score (or severity) first (keyset cursors)."""
    conditions = _filters(filters)
    order = _sort(filters)
    if filters.uscc:
        return _alerts_of(tx, filters.uscc.strip().upper(), conditions, order, first, after)
    return tx.list_nodes("RiskAlert", filters=conditions, order_by=order, descending=True,
                         first=first, after=after)


def count_alerts(tx: GraphTx, filters: AlertFilters) -> int:
    """How many alerts match (for totalCount)."""
    if filters.uscc:
        return len(_alerts_of(tx, filters.uscc.strip().upper(), _filters(filters), "score",
                              10**6, None).items)
    return tx.count_nodes("RiskAlert", _filters(filters))


def _matches(node: Node, conditions: list[Filter]) -> bool:
    for f in conditions:
        if f.op == "gte":
            if _number(node, f.prop) < float(f.value):  # type: ignore[arg-type]
                return False
            continue
        value = str(node.props.get(f.prop) or "")
        if (f.op == "eq" and value != f.value) or (
                f.op == "prefix" and not value.startswith(str(f.value))):
            return False
    return True


def _number(node: Node, prop: str) -> float:
    value = node.props.get(prop)
    return float(value) if isinstance(value, int | float) else 0.0


def _alerts_of(tx: GraphTx, uscc: str, conditions: list[Filter], order: str, first: int,
               after: str | None) -> Page:
    ref = NodeRef("Enterprise", uscc)
    found = tx.neighbours([ref], types=["ABOUT"], direction="in", labels=["RiskAlert"])[ref]
    nodes = sorted((nb.node for nb in found if _matches(nb.node, conditions)),
                   key=lambda n: (-_number(n, order), n.key))
    items, end, has_next = page_in_memory(nodes, lambda n: n.key, first, after)
    return Page(items, end, has_next)


def page_in_memory(items: Sequence[T], key_of: Callable[[T], str], first: int,
                   after: str | None) -> tuple[list[T], str | None, bool]:
    """A page of an ordered in-memory list, continuing after the item whose key the cursor
    names (keyset cursors, like the store's): the items, the end cursor, whether more follow."""
    start = 0
    if after:
        _, last = decode_cursor(after)
        start = next((i + 1 for i, x in enumerate(items) if key_of(x) == last), len(items))
    chunk = list(items[start:start + first])
    end = encode_cursor(None, key_of(chunk[-1])) if chunk else None
    return chunk, end, start + first < len(items)


def history(node: Node) -> list[dict[str, Any]]:
    """The disposal history, oldest first."""
    raw = node.props.get("history")
    return [json.loads(h) for h in raw if isinstance(h, str)] if isinstance(raw, list) else []


def dispose_alert(tx: GraphTx, alert_id: str, action: str, note: str, by: str) -> Node:
    """Apply a disposal action (处置), append it to the history and the audit log; repeating the
    last identical call changes nothing. InvalidInput for a transition the status does not
    allow."""
    node = tx.lock_node(NodeRef("RiskAlert", alert_id))
    if node is None:
        raise NotFound(f"id: no risk alert {alert_id!r}")  # rolls back the stub the lock made
    act = action.strip().upper()
    if act not in TRANSITIONS:
        raise InvalidInput(f"action: must be one of {', '.join(TRANSITIONS)}, not {action!r}")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note: {len(note)} characters; the limit is {MAX_NOTE}")
    status = str(node.props.get("status") or OPEN)
    past = history(node)
    if past and {k: past[-1].get(k) for k in ("action", "status", "note", "by")} == {
            "action": act, "status": status, "note": note, "by": by}:
        tx.unlock(node.ref)
        return node  # the same call again: already done
    allowed, target = TRANSITIONS[act]
    if status not in allowed:
        raise InvalidInput(f"alert {alert_id} is {status}: {act} is not allowed "
                           f"(allowed from {', '.join(sorted(allowed))})")
    new_status = target or status
    raw = node.props.get("history")
    kept = [h for h in raw if isinstance(h, str)] if isinstance(raw, list) else []
    entries = [*kept, history_entry(act, new_status, note, by)]
    tx.upsert_nodes([Node("RiskAlert", alert_id,
                          {"status": new_status, "history": entries, "lock": None})])
    # A status change is audited in its own transaction (domain rule), like plan changes.
    audit.append(tx, "alert.dispose", node.ref.global_id,
                 {"action": act, "from": status, "to": new_status, "note": note, "by": by})
    return Node("RiskAlert", alert_id, {**node.props, "status": new_status, "history": entries})
