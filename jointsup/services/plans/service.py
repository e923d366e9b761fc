"""Plan lifecycle over the store: create, draw (once, audited), look up, check a re-draw."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, Filter, GraphTx, Page
from jointsup.model import ROLE_TYPES, Node, NodeRef, Rel, make_node
from jointsup.services import audit
from jointsup.services.plans.draw import Assignment, Draw, draw_officers, draw_targets, recusals
from jointsup.services.plans.frame import Frame, build_frame
from jointsup.services.plans.spec import (
    ALGORITHM,
    LEGACY_FIELDS,
    PlanSpec,
    check_against_store,
    parse_plan,
)

CREATED, DRAWN = "CREATED", "DRAWN"


def now() -> str:
    """UTC now, ISO seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def plan_ref(plan_id: str) -> NodeRef:
    """The plan node's identity."""
    return NodeRef("InspectionPlan", plan_id)


def spec_of(plan: Node) -> PlanSpec:
    """The recorded spec of a plan node."""
    recorded = json.loads(str(plan.props["spec"]))
    return parse_plan({k: v for k, v in recorded.items() if k not in LEGACY_FIELDS})


def get_plan(tx: GraphTx, plan_id: str) -> Node:
    """The plan, or NotFound naming it."""
    node = tx.get_node(plan_ref(plan_id))
    if node is None:
        raise NotFound(f"no inspection plan {plan_id!r}")
    return node


def create_plan(store: BaseGraphStore, data: Mapping[str, Any]) -> Node:
    """Record a plan (idempotent: the same definition again returns the plan as it is)."""
    spec = parse_plan(data)

    def write(tx: GraphTx) -> Node:
        check_against_store(tx, spec)
        # Lock the plan's node, then look: of two concurrent creates with one id only the first
        # writes, and the other compares with what it wrote (the write that created the node
        # means there was no plan yet).
        existing = tx.lock_node(plan_ref(spec.id))
        if existing is not None:
            old = spec_of(existing)
            # Without a seed of its own, the repeated document matches the recorded seed.
            new = spec if data.get("seed") else parse_plan({**data, "seed": old.seed})
            if new.to_json() != old.to_json():
                raise InvalidInput(f"id: plan {spec.id!r} already exists with another definition")
            tx.unlock(existing.ref)
            return existing
        plan = make_node("InspectionPlan", {
            "id": spec.id, "name": spec.name, "status": CREATED, "lock": None,
            "spec": audit.canonical(spec.to_json()), "seed": spec.seed, "algorithm": ALGORITHM,
            "window_start": spec.window_start.isoformat(),
            "window_end": spec.window_end.isoformat(), "created_at": now()})
        tx.upsert_nodes([plan])
        tx.upsert_rels([Rel("PLAN_ITEM", plan.ref, NodeRef("SupervisionItem", i.item_code),
                            {"department_code": i.department_code}) for i in spec.items])
        audit.append(tx, "plan.create", plan.ref.global_id, spec.to_json())
        return Node(plan.label, plan.key, {k: v for k, v in plan.props.items() if v is not None})

    return store.transaction(write)


@dataclass(frozen=True)
class Staffing:
    """Officer assignments of every visit."""

    by_visit: dict[str, list[Assignment]]

    def digest(self) -> str:
        """SHA-256 of who was drawn for which visit and department (published with the draw, so
        an officer swapped afterwards shows)."""
        drawn = {u: {a.department_code: sorted(a.officers) for a in assigned}
                 for u, assigned in self.by_visit.items()}
        return hashlib.sha256(audit.canonical(drawn).encode()).hexdigest()


def compute_draw(store: BaseGraphStore, spec: PlanSpec) -> tuple[Frame, Draw, Staffing]:
    """Frame, targets, visits and officers from the store as it is now (no writes)."""
    def run(tx: GraphTx) -> tuple[Frame, Draw, Staffing]:
        frame = build_frame(tx, spec)
        drawn = draw_targets(spec, frame)
        return frame, drawn, _staff(tx, spec, drawn)

    return store.read(run)


def _staff(tx: GraphTx, spec: PlanSpec, drawn: Draw) -> Staffing:
    depts = sorted({d for v in drawn.visits for d in v.department_codes})
    members = tx.neighbours([NodeRef("Department", d) for d in depts], types=["MEMBER_OF"],
                            direction="in", labels=["Officer"])
    pools = {ref.key: [nb.node for nb in nbs if nb.node.props.get("in_random_pool") is True]
             for ref, nbs in members.items()}
    officers = {n.key: (str(n.props.get("name") or ""), _str(n.props.get("person_id")))
                for pool in pools.values() for n in pool}
    firms = [NodeRef("Enterprise", v.uscc) for v in drawn.visits]
    last = _last_officers(tx, firms)
    people = _linked_people(tx, firms)
    out: dict[str, list[Assignment]] = {}
    for v in drawn.visits:
        recused = recusals(last.get(v.uscc, ()), people.get(v.uscc, {}), officers)
        # An officer in two departments' pools serves one of them per visit; the smallest pool
        # draws first (ties: plan order) so a large pool does not take a small one's officers.
        busy: set[str] = set()
        by_dept: dict[str, Assignment] = {}
        for d in sorted(v.department_codes, key=lambda d: len(pools.get(d, []))):
            by_dept[d] = draw_officers(spec.seed, v.uscc, d, [n.key for n in pools.get(d, [])],
                                       recused, spec.officers_per_department, busy)
            busy.update(by_dept[d].officers)
        out[v.uscc] = [by_dept[d] for d in v.department_codes]
    return Staffing(out)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _last_officers(tx: GraphTx, firms: Sequence[NodeRef]) -> dict[str, list[str]]:
    """Officers of each enterprise's latest inspection (BY_OFFICER)."""
    found = tx.neighbours(firms, types=["TARGETS"], direction="in", labels=["Inspection"])
    latest = {ref.key: max(nbs, key=lambda nb: (str(nb.node.props.get("date") or ""),
                                                nb.node.key)).node.ref
              for ref, nbs in found.items() if nbs}
    by = tx.neighbours(sorted(set(latest.values())), types=["BY_OFFICER"], direction="out",
                       labels=["Officer"], props=False)
    return {uscc: [nb.node.key for nb in by.get(insp, [])] for uscc, insp in latest.items()}


def _linked_people(tx: GraphTx, firms: Sequence[NodeRef]) -> dict[str, dict[str, str]]:
    """Everyone with a role in each enterprise, its parent or its branches: id → name."""
    family = tx.neighbours(firms, types=["BRANCH_OF"], direction="both", labels=["Enterprise"],
                           props=False)
    related = {f: [f, *(nb.node.ref for nb in family.get(f, []))] for f in firms}
    all_refs = sorted({r for refs in related.values() for r in refs})
    roles = tx.neighbours(all_refs, types=list(ROLE_TYPES.values()), direction="in",
                          labels=["Person"])
    return {f.key: {nb.node.key: str(nb.node.props.get("name") or "")
                    for r in refs for nb in roles.get(r, [])} for f, refs in related.items()}


def draw_plan(store: BaseGraphStore, plan_id: str) -> Node:
    """Draw targets and officers once, publish the draw's hash in the audit log; later calls
    return the recorded draw unchanged."""
    plan = store.read(lambda tx: get_plan(tx, plan_id))
    if plan.props.get("status") != CREATED:
        return plan
    spec = spec_of(plan)
    frame, drawn, staffing = compute_draw(store, spec)

    def write(tx: GraphTx) -> Node:
        # Lock the plan, then look again: of two concurrent draws only the first writes.
        tx.lock_node(plan.ref)
        current = get_plan(tx, plan_id)
        if current.props.get("status") != CREATED:
            tx.unlock(plan.ref)
            return current
        return _write_draw(tx, current, spec, frame, drawn, staffing)

    return store.transaction(write)


def _write_draw(tx: GraphTx, plan: Node, spec: PlanSpec, frame: Frame, drawn: Draw,
                staffing: Staffing) -> Node:
    dept_of = {i.item_code: i.department_code for i in spec.items}
    visits, checks, rels = [], [], []
    short = 0
    for v in drawn.visits:
        assigned = staffing.by_visit[v.uscc]
        gap = sum(a.short_by for a in assigned)
        short += gap > 0
        visit = make_node("PlanVisit", {
            "plan_id": spec.id, "uscc": v.uscc, "credit_class": v.credit_class,
            "item_codes": list(v.item_codes), "department_codes": list(v.department_codes),
            "officer_ids": [c for a in assigned for c in a.officers],
            "recused_ids": sorted({c for a in assigned for c in a.recused}),
            "staffed": gap == 0, "officers_missing": gap})
        visits.append(visit)
        rels += [Rel("IN_PLAN", visit.ref, plan.ref),
                 Rel("VISITS", visit.ref, NodeRef("Enterprise", v.uscc))]
        rels += [Rel("ASSIGNED", visit.ref, NodeRef("Officer", c),
                     {"department_code": a.department_code}) for a in assigned for c in a.officers]
        for code in v.item_codes:
            check = make_node("PlanCheck", {
                "plan_id": spec.id, "uscc": v.uscc, "item_code": code,
                "department_code": dept_of[code], "status": "PENDING"})
            checks.append(check)
            rels.append(Rel("CHECK_OF", check.ref, visit.ref))
    tx.upsert_nodes([*visits, *checks])
    tx.upsert_rels(rels)
    summary: dict[str, Any] = {
        "plan": spec.id, "seed": spec.seed, "algorithm": ALGORITHM,
        "frame_hash": frame.digest(), "draw_hash": drawn.digest(),
        "officers_hash": staffing.digest(), "candidates": frame.size(),
        "targets": {k: len(v) for k, v in drawn.targets.items()},
        "visits": len(drawn.visits), "visits_without_merging": drawn.visits_without_merging}
    entry = audit.append(tx, "plan.draw", plan.ref.global_id, summary)
    updated = Node(plan.label, plan.key, {
        **plan.props, "lock": None, "status": DRAWN, "drawn_at": now(),
        "frame_hash": summary["frame_hash"], "draw_hash": summary["draw_hash"],
        "officers_hash": summary["officers_hash"],
        "candidates": frame.size(), "checks": len(checks), "visits": len(visits),
        "visits_without_merging": drawn.visits_without_merging, "understaffed_visits": short,
        "draw_audit_seq": entry.seq})
    tx.upsert_nodes([updated])
    return Node(plan.label, plan.key, {k: v for k, v in updated.props.items() if v is not None})


@dataclass(frozen=True)
class RedrawCheck:
    """A re-draw from the store as it is now, compared with the recorded draw."""

    frame_hash: str
    draw_hash: str
    same_frame: bool
    same_draw: bool


def redraw(store: BaseGraphStore, plan_id: str) -> RedrawCheck:
    """Recompute a drawn plan's frame and targets and compare their hashes with the record."""
    plan = store.read(lambda tx: get_plan(tx, plan_id))
    if plan.props.get("status") == CREATED:
        raise InvalidInput(f"plan {plan_id!r} has not been drawn yet")
    frame, drawn, _ = compute_draw(store, spec_of(plan))
    return RedrawCheck(frame.digest(), drawn.digest(),
                       frame.digest() == plan.props.get("frame_hash"),
                       drawn.digest() == plan.props.get("draw_hash"))


def visits_page(tx: GraphTx, plan_id: str, first: int = 20, after: str | None = None) -> Page:
    """A page of a plan's visits, by enterprise code."""
    return tx.list_nodes("PlanVisit", filters=[Filter("plan_id", "eq", plan_id)], first=first,
                         after=after)


def checks_of(tx: GraphTx, visits: Sequence[NodeRef]) -> dict[NodeRef, list[Node]]:
    """Each visit's item checks, by item code."""
    found = tx.neighbours(visits, types=["CHECK_OF"], direction="in", labels=["PlanCheck"])
    return {ref: sorted((nb.node for nb in nbs), key=lambda n: str(n.props.get("item_code")))
            for ref, nbs in found.items()}
