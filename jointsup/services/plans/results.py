"""Results of a plan's checks, each due for publication within 20 working days (一公开).

Recording a result writes the check's outcome, an `Inspection` (the supervision action, so the
next plan recuses its officers), the publication deadline, and an audit entry — one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel, make_node
from jointsup.services import audit
from jointsup.services.plans.service import DRAWN, get_plan, now, spec_of
from jointsup.services.workdays import WorkCalendar, work_calendar

PUBLICATION_WORKING_DAYS = 20


class Outcome(StrEnum):
    """Result of one item check (抽查结果)."""

    NO_PROBLEM = "NO_PROBLEM"
    PROBLEM_CORRECTED = "PROBLEM_CORRECTED"
    NOT_CONTACTABLE = "NOT_CONTACTABLE"
    INFORMATION_FALSE = "INFORMATION_FALSE"
    REFUSED_INSPECTION = "REFUSED_INSPECTION"
    CASE_OPENED = "CASE_OPENED"


# The national enterprise credit publicity system's wording of random-check results.
OUTCOMES = {
    Outcome.NO_PROBLEM: "未发现问题",
    Outcome.PROBLEM_CORRECTED: "发现问题已责令改正",
    Outcome.NOT_CONTACTABLE: "通过登记的住所或者经营场所无法联系",
    Outcome.INFORMATION_FALSE: "公示信息隐瞒真实情况、弄虚作假",
    Outcome.REFUSED_INSPECTION: "不配合检查情节严重",
    Outcome.CASE_OPENED: "发现问题待后续处理",
}


@dataclass(frozen=True)
class ResultInput:
    """One item's result on one visit."""

    plan_id: str
    uscc: str
    item_code: str
    outcome: str
    checked_on: dt.date
    note: str | None = None


def record_result(store: BaseGraphStore, data: ResultInput,
                  calendar: WorkCalendar | None = None) -> Node:
    """Record (or correct) one check's result; returns the check.

    The publication deadline counts `calendar`, by default the shared one (services/workdays.py).
    """
    cal = calendar if calendar is not None else work_calendar()
    if data.outcome not in OUTCOMES:
        raise InvalidInput(f"outcome: {data.outcome!r} is not one of {', '.join(OUTCOMES)}")

    def write(tx: GraphTx) -> Node:
        # Lock the check first, then read: two concurrent corrections cannot both correct the
        # same earlier outcome (Neo4j reads committed data; SQLite serialises writers anyway).
        key = f"{data.plan_id}|{data.uscc}|{data.item_code}"
        locked = tx.lock_node(NodeRef("PlanCheck", key))
        plan = get_plan(tx, data.plan_id)
        if plan.props.get("status") != DRAWN:
            raise InvalidInput(f"plan {data.plan_id!r} has not been drawn: nothing to record yet")
        spec = spec_of(plan)
        if not spec.window_start <= data.checked_on <= spec.window_end:
            raise InvalidInput(f"checked_on: {data.checked_on} is outside the plan's window "
                               f"{spec.window_start} – {spec.window_end}")
        visit = tx.get_node(NodeRef("PlanVisit", f"{data.plan_id}|{data.uscc}"))
        if visit is None:
            raise NotFound(f"uscc: plan {data.plan_id!r} has no visit to {data.uscc}")
        items = [str(c) for c in visit.props.get("item_codes") or []]  # type: ignore[union-attr]
        if data.item_code not in items:
            raise InvalidInput(f"item_code: {data.item_code} is not checked on the visit to "
                               f"{data.uscc}; the visit checks {', '.join(items)}")
        check = locked
        if check is None:  # the lock made a stub: raising rolls it back
            raise NotFound(f"no check of {data.item_code} on the visit to {data.uscc}")
        return _write(tx, visit, check, data, cal)

    return store.transaction(write)


def _write(tx: GraphTx, visit: Node, check: Node, data: ResultInput,
           calendar: WorkCalendar) -> Node:
    dept = str(check.props["department_code"])
    officers = [nb.node.key for nb in tx.neighbours([visit.ref], types=["ASSIGNED"],
                                                    direction="out", labels=["Officer"])
                [visit.ref] if nb.rel.props.get("department_code") == dept]
    deadline = calendar.add_working_days(data.checked_on, PUBLICATION_WORKING_DAYS)
    result = OUTCOMES[Outcome(data.outcome)]
    previous = check.props.get("outcome")
    if (previous == data.outcome and check.props.get("checked_on") == data.checked_on.isoformat()
            and check.props.get("note") == data.note):
        tx.unlock(check.ref)
        return check  # the same result again changes nothing and logs nothing
    inspection = make_node("Inspection", {
        "id": f"{data.plan_id}/{data.uscc}/{data.item_code}", "uscc": data.uscc,
        "item_code": data.item_code, "department_code": dept, "officer_ids": officers,
        "date": data.checked_on.isoformat(), "result": result, "plan_id": data.plan_id})
    me = inspection.ref
    tx.upsert_nodes([inspection])
    tx.upsert_rels([Rel("TARGETS", me, NodeRef("Enterprise", data.uscc)),
                    Rel("UNDER_ITEM", me, NodeRef("SupervisionItem", data.item_code)),
                    Rel("BY_DEPARTMENT", me, NodeRef("Department", dept)),
                    *(Rel("BY_OFFICER", me, NodeRef("Officer", o)) for o in officers),
                    Rel("RECORDED_AS", check.ref, me)])
    props = {**check.props, "status": "RECORDED", "outcome": data.outcome, "result": result,
             "checked_on": data.checked_on.isoformat(), "note": data.note,
             "publish_by": deadline.isoformat(), "publication_status": "PENDING",
             "recorded_at": now(), "lock": None}
    tx.upsert_nodes([Node(check.label, check.key, props)])
    audit.append(tx, "plan.result", NodeRef("InspectionPlan", data.plan_id).global_id, {
        "uscc": data.uscc, "item_code": data.item_code, "outcome": data.outcome,
        "checked_on": props["checked_on"], "publish_by": props["publish_by"],
        "corrects": previous})
    return Node(check.label, check.key, {k: v for k, v in props.items() if v is not None})
