"""Contract: listing, filtering, paging and disposing of alerts (处置) on both stores."""

from __future__ import annotations

import itertools
from datetime import date
from functools import partial

import pytest

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node
from jointsup.services import audit
from jointsup.services.risk.alerts import (
    TRANSITIONS,
    AlertFilters,
    count_alerts,
    dispose_alert,
    history,
)
from jointsup.services.risk.alerts import list_alerts as list_page
from jointsup.services.risk.runner import run_models
from tests.contract.risk_world import AS_OF, build, uscc
from tests.contract.test_plans import race

WHEN = date.fromisoformat(AS_OF)


@pytest.fixture
def alerted(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    run_models(store, as_of=WHEN)
    return store


def every(store: BaseGraphStore, filters: AlertFilters, first: int = 3) -> list[Node]:
    out: list[Node] = []
    after = None
    while True:
        page = store.read(partial(list_page, filters=filters, first=first, after=after))
        out += page.items
        if not page.has_next:
            return out
        after = page.end_cursor


def test_paging_visits_every_alert_once_highest_score_first(alerted: BaseGraphStore) -> None:
    nodes = every(alerted, AlertFilters())
    assert len(nodes) == len({n.key for n in nodes}) == alerted.count_nodes("RiskAlert")
    scores = [float(n.props["score"]) for n in nodes]  # type: ignore[arg-type]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(("filters", "models"), [
    (AlertFilters(model="same_address"), ["same_address"]),
    (AlertFilters(region="500000"), []),
    (AlertFilters(region="510000", model="licence_shared"), ["licence_shared"]),
    (AlertFilters(uscc=uscc(1)),
     ["complaint_surge", "cross_region", "prepaid_cluster", "trade_surge"]),
    (AlertFilters(uscc=uscc(1), model="trade_surge"), ["trade_surge"]),
    (AlertFilters(status="closed"), []),
])
def test_filters(alerted: BaseGraphStore, filters: AlertFilters, models: list[str]) -> None:
    nodes = every(alerted, filters, first=2)
    assert sorted(str(n.props["model"]) for n in nodes) == models
    assert alerted.read(lambda tx: count_alerts(tx, filters)) == len(models)


def test_bad_filters_are_refused(alerted: BaseGraphStore) -> None:
    for bad in (AlertFilters(status="SOLVED"), AlertFilters(region="51")):
        with pytest.raises(InvalidInput):
            alerted.read(partial(list_page, filters=bad, first=5, after=None))


def dispose(store: BaseGraphStore, alert_id: str, action: str, note: str = "") -> Node:
    return store.transaction(lambda tx: dispose_alert(tx, alert_id, action, note, "coordinator:t1"))


def surge_id(store: BaseGraphStore) -> str:
    def find(tx: GraphTx) -> str:
        return list_page(tx, AlertFilters(model="complaint_surge"), 1, None).items[0].key
    return store.read(find)


def test_disposal_walks_the_status_machine_and_keeps_history(alerted: BaseGraphStore) -> None:
    alert_id = surge_id(alerted)
    assert dispose(alerted, alert_id, "acknowledge").props["status"] == "ACKNOWLEDGED"
    assert dispose(alerted, alert_id, "INVESTIGATE", "visit on Monday").props["status"] == \
        "INVESTIGATING"
    closed = dispose(alerted, alert_id, "CLOSE", "refunds arranged")
    assert closed.props["status"] == "CLOSED"
    with pytest.raises(InvalidInput, match="CLOSED"):
        dispose(alerted, alert_id, "ACKNOWLEDGE")
    stored = alerted.get_node(closed.ref)
    assert stored is not None
    assert [(h["action"], h["status"]) for h in history(stored)] == [
        ("RAISED", "OPEN"), ("ACKNOWLEDGE", "ACKNOWLEDGED"), ("INVESTIGATE", "INVESTIGATING"),
        ("CLOSE", "CLOSED")]
    assert history(stored)[-1]["note"] == "refunds arranged"
    assert history(stored)[-1]["by"] == "coordinator:t1"
    # Every status change is in the audit log, in order, and the chain holds.
    logged = alerted.read(lambda tx: list(audit.entries(tx, closed.ref.global_id)))
    assert [(e.action, e.payload_data()) for e in logged] == [
        ("alert.dispose", {"action": h["action"], "from": before["status"], "to": h["status"],
                           "note": h["note"], "by": h["by"]})
        for before, h in itertools.pairwise(history(stored))]
    assert audit.verify(alerted) is None


def test_repeating_a_disposal_changes_nothing(alerted: BaseGraphStore) -> None:
    alert_id = surge_id(alerted)
    dispose(alerted, alert_id, "NOTE", "called the shop")
    dispose(alerted, alert_id, "NOTE", "called the shop")
    node = alerted.get_node(Node("RiskAlert", alert_id).ref)
    assert node is not None
    assert len(history(node)) == 2
    assert audit.head(alerted)[0] == 1  # logged once


def test_rerunning_models_keeps_status_and_history(alerted: BaseGraphStore) -> None:
    alert_id = surge_id(alerted)
    dispose(alerted, alert_id, "DISMISS", "known promotion")
    run_models(alerted, ["complaint_surge"], WHEN)
    node = alerted.get_node(Node("RiskAlert", alert_id).ref)
    assert node is not None
    assert node.props["status"] == "DISMISSED"
    assert [h["action"] for h in history(node)] == ["RAISED", "DISMISS"]
    assert dispose(alerted, alert_id, "REOPEN").props["status"] == "OPEN"


def test_unknown_alert_or_action_is_refused(alerted: BaseGraphStore) -> None:
    with pytest.raises(NotFound):
        dispose(alerted, "complaint_surge-0000", "CLOSE")
    with pytest.raises(InvalidInput, match="action"):
        dispose(alerted, surge_id(alerted), "ESCALATE")


def test_concurrent_disposals_keep_one_history_entry_per_transition(
        alerted: BaseGraphStore) -> None:
    alert_id = surge_id(alerted)
    acts = ["ACKNOWLEDGE", "CLOSE", "INVESTIGATE", "DISMISS", "ACKNOWLEDGE", "CLOSE"]
    done, failed = race(lambda i: dispose(alerted, alert_id, acts[i], f"race-{i}"), len(acts))
    assert done, "one disposal must win"
    assert all(isinstance(e, InvalidInput) and "is not allowed" in e.message
               for e in failed.values()), failed
    stored = alerted.get_node(Node("RiskAlert", alert_id).ref)
    assert stored is not None
    assert "lock" not in stored.props
    past = history(stored)
    # Exactly one entry per successful call, each a transition its status allowed.
    assert sorted(h["note"] for h in past[1:]) == sorted(f"race-{i}" for i in done)
    for before, h in itertools.pairwise(past):
        allowed, target = TRANSITIONS[h["action"]]
        assert before["status"] in allowed
        assert h["status"] == (target or before["status"])
    assert stored.props["status"] == past[-1]["status"]
    logged = alerted.read(lambda tx: list(audit.entries(tx, stored.ref.global_id)))
    assert [e.payload_data()["note"] for e in logged] == [  # type: ignore[index]
        h["note"] for h in past[1:]]
    assert audit.verify(alerted) is None
