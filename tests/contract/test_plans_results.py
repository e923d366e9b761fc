"""Contract: recording plan results — validation, the 20-working-day deadline, the inspection
written for the next plan's recusal, and one audit entry per change (both stores)."""

from __future__ import annotations

import datetime as dt

import pytest

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, NodeRef
from jointsup.services import audit, plans
from jointsup.services.workdays import bundled_calendar
from tests.contract.test_plans import CONFLICTED, build_world, plan_doc, race


def _drawn(store: BaseGraphStore) -> Node:
    build_world(store)
    plans.create_plan(store, plan_doc(window={"start": "2026-07-01", "end": "2026-12-31"}))
    return plans.draw_plan(store, "JP-T1")


def _result(item: str = "SCJG-1", outcome: str = "NO_PROBLEM", day: str = "2026-09-25",
            uscc: str = CONFLICTED, note: str | None = None) -> plans.ResultInput:
    return plans.ResultInput("JP-T1", uscc, item, outcome, dt.date.fromisoformat(day), note)


def test_a_result_is_due_for_publication_in_20_working_days(store: BaseGraphStore) -> None:
    _drawn(store)
    calendar = bundled_calendar()
    check = plans.record_result(store, _result(), calendar)
    # Counted by hand from Friday 25 September: 28–30 Sep (3), National Day holidays skipped,
    # 8–9 Oct (5), Saturday 10 Oct is a make-up working day (6), then 12 Oct–29 Oct (20).
    assert check.props["publish_by"] == "2026-10-29"
    assert calendar.working_days_between(dt.date(2026, 9, 25), dt.date(2026, 10, 29)) == 20
    assert calendar.working_days_between(dt.date(2026, 10, 29), dt.date(2026, 9, 25)) == -20
    assert (check.props["status"], check.props["publication_status"]) == ("RECORDED", "PENDING")
    assert check.props["result"] == plans.OUTCOMES[plans.Outcome.NO_PROBLEM]
    # The result is a supervision action too, by the officers drawn for that department.
    visit = store.get_node(NodeRef("PlanVisit", f"JP-T1|{CONFLICTED}"))
    assert visit is not None
    inspection = store.neighbours([NodeRef("PlanCheck", f"JP-T1|{CONFLICTED}|SCJG-1")],
                                  types=["RECORDED_AS"])
    found = next(iter(inspection.values()))[0].node
    assert found.props["date"] == "2026-09-25"
    by = store.neighbours([found.ref], types=["BY_OFFICER"])[found.ref]
    scjg = [o for o in visit.props["officer_ids"] if str(o).startswith("S")]  # type: ignore[union-attr]
    assert sorted(nb.node.key for nb in by) == sorted(scjg)
    assert audit.verify(store) is None


def test_the_same_result_twice_logs_once_and_a_correction_logs_again(
        store: BaseGraphStore) -> None:
    _drawn(store)
    plans.record_result(store, _result())
    seq = audit.head(store)[0]
    plans.record_result(store, _result())
    assert audit.head(store)[0] == seq
    corrected = plans.record_result(store, _result(outcome="PROBLEM_CORRECTED"))
    assert corrected.props["outcome"] == "PROBLEM_CORRECTED"
    last = store.read(lambda tx: list(audit.entries(tx, "InspectionPlan:JP-T1")))[-1]
    assert last.seq == seq + 1
    assert last.payload_data() == {
        "uscc": CONFLICTED, "item_code": "SCJG-1", "outcome": "PROBLEM_CORRECTED",
        "checked_on": "2026-09-25", "publish_by": corrected.props["publish_by"],
        "corrects": "NO_PROBLEM"}


def test_recording_is_refused_with_a_clear_reason(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc())
    with pytest.raises(InvalidInput, match="has not been drawn"):
        plans.record_result(store, _result(day="2026-07-10"))
    plans.draw_plan(store, "JP-T1")
    with pytest.raises(InvalidInput, match="outcome: 'FINE' is not one of"):
        plans.record_result(store, _result(outcome="FINE", day="2026-07-10"))
    with pytest.raises(InvalidInput, match="outside the plan's window"):
        plans.record_result(store, _result(day="2026-10-08"))
    with pytest.raises(NotFound, match="has no visit to 91500103"):
        plans.record_result(store, _result(uscc="915001030000000000Q", day="2026-07-10"))
    shop = next(v for v in store.read(lambda tx: plans.visits_page(tx, "JP-T1", 1000)).items
                if v.props["item_codes"] == ["SW-1"])
    with pytest.raises(InvalidInput, match=r"SCJG-1 is not checked on the visit to .*the visit "
                                           r"checks SW-1"):
        plans.record_result(store, _result(uscc=str(shop.props["uscc"]), day="2026-07-10"))
    assert store.count_nodes("Inspection") == 2  # only the world's own two


def test_concurrent_corrections_form_one_linear_chain(store: BaseGraphStore) -> None:
    _drawn(store)
    plans.record_result(store, _result())
    others = [o.value for o in plans.Outcome if o is not plans.Outcome.NO_PROBLEM]
    done, failed = race(lambda i: plans.record_result(store, _result(outcome=others[i])),
                        len(others))
    assert not failed, failed
    assert len(done) == len(others)
    logged = [e.payload_data() for e in store.read(
        lambda tx: list(audit.entries(tx, "InspectionPlan:JP-T1"))) if e.action == "plan.result"]
    assert len(logged) == 1 + len(others)
    # Each correction corrects the outcome recorded just before it: no two correct the same one.
    chain = [p["corrects"] for p in logged]  # type: ignore[index]
    assert chain == [None, *(p["outcome"] for p in logged[:-1])]  # type: ignore[index]
    assert sorted(p["outcome"] for p in logged) == sorted(  # type: ignore[index]
        ["NO_PROBLEM", *others])
    check = store.get_node(NodeRef("PlanCheck", f"JP-T1|{CONFLICTED}|SCJG-1"))
    assert check is not None
    assert "lock" not in check.props
    assert check.props["outcome"] == logged[-1]["outcome"]  # type: ignore[index]
    assert audit.verify(store) is None
