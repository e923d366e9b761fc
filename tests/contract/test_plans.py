"""Contract: joint random inspection plans draw reproducibly, merge visits, recuse officers, on
both stores, in a small hand-made world whose expected draw the test recomputes by itself."""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from typing import Any

import pytest

from jointsup.errors import InvalidInput, JointsupError, NotFound
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel, make_node
from jointsup.services import audit, plans

CHENGDU = "510100"
RESTAURANT, SHOP = "6210", "5211"
A_FIRMS = [f"9151010400000{n:04d}A" for n in range(12)]   # rated A
C_FIRMS = [f"9151010700000{n:04d}C" for n in range(10)]   # rated C
U_FIRMS = [f"9151010400001{n:04d}U" for n in range(14)]   # never rated
SHOPS = [f"9151010400002{n:04d}S" for n in range(8)]      # retail, rated D
CQ_FIRMS = [f"9150010300000{n:04d}Q" for n in range(4)]   # Chongqing: outside 510100
DEAD = [f"9151010400003{n:04d}X" for n in range(3)]       # 注销: never drawn
CONFLICTED = U_FIRMS[0]  # last inspected by S1, S2; its legal rep shares S3's name
SCJG = [f"S{n}" for n in range(1, 7)]  # S6 is not in the random pool
SW = ["W1", "W2", "W3"]
WJ = ["H1", "H2"]
ITEMS = [("SCJG-1", "市场监管", ["62"]), ("SW-1", "商务", [RESTAURANT, SHOP]),
         ("WJ-1", "卫健", ["H"]), ("SCJG-X", "市场监管", ["62"])]


def _firm(uscc: str, industry: str, status: str = "存续") -> Node:
    region = "500103" if uscc.startswith("91500") else uscc[2:8]
    return make_node("Enterprise", {"uscc": uscc, "name": f"企业{uscc[-6:]}", "status": status,
                                    "reg_region_code": region, "industry_code": industry,
                                    "entity_type": "company"})


def build_world(store: BaseGraphStore) -> None:
    """Departments, items, officers, enterprises, ratings, people and one past inspection."""
    nodes: list[Node] = [
        make_node("Industry", {"code": c, "section": s, "level": lv})
        for c, s, lv in [("H", "H", 1), ("62", "H", 2), ("621", "H", 3), (RESTAURANT, "H", 4),
                         ("F", "F", 1), ("52", "F", 2), ("521", "F", 3), (SHOP, "F", 4)]]
    for code, system in [("SCJG", "市场监管"), ("SW", "商务"), ("WJ", "卫健")]:
        nodes.append(make_node("Department", {"code": f"{CHENGDU}-{code}", "system": system,
                                              "level": "city", "region_code": CHENGDU}))
    for code, system, industries in ITEMS:
        nodes.append(make_node("SupervisionItem", {
            "code": code, "name": code, "department_system": system,
            "object_industries": industries, "random_check": code != "SCJG-X"}))
    rels: list[Rel] = []
    for dept, certs in [("SCJG", SCJG), ("SW", SW), ("WJ", WJ)]:
        for cert in certs:
            officer = make_node("Officer", {"cert_no": cert, "name": f"官员{cert}",
                                            "department_code": f"{CHENGDU}-{dept}",
                                            "in_random_pool": cert != "S6"})
            nodes.append(officer)
            rels.append(Rel("MEMBER_OF", officer.ref, NodeRef("Department", f"{CHENGDU}-{dept}")))
    firms = [*(_firm(u, RESTAURANT) for u in A_FIRMS + C_FIRMS + U_FIRMS + CQ_FIRMS),
             *(_firm(u, SHOP) for u in SHOPS), *(_firm(u, RESTAURANT, "注销") for u in DEAD)]
    nodes += firms
    for uscc, grade in [*((u, "A") for u in A_FIRMS), *((u, "C") for u in C_FIRMS),
                        *((u, "D") for u in SHOPS)]:
        rating = make_node("CreditRating", {"uscc": uscc, "month": "2026-06",
                                            "source": "ingested", "credit_class": grade})
        nodes.append(rating)
        rels.append(Rel("RATES", rating.ref, NodeRef("Enterprise", uscc)))
    # A later month must not count: the plan rates as of its window's start month.
    late = make_node("CreditRating", {"uscc": A_FIRMS[0], "month": "2026-09",
                                      "source": "ingested", "credit_class": "D"})
    nodes.append(late)
    rels.append(Rel("RATES", late.ref, NodeRef("Enterprise", A_FIRMS[0])))
    person = make_node("Person", {"person_id": "P1", "name": "官员S3"})
    old = make_node("Inspection", {"id": "OLD-1", "uscc": CONFLICTED, "date": "2025-03-01"})
    older = make_node("Inspection", {"id": "OLD-0", "uscc": CONFLICTED, "date": "2024-03-01"})
    nodes += [person, old, older]
    rels += [Rel("LEGAL_REP_OF", person.ref, NodeRef("Enterprise", CONFLICTED)),
             Rel("TARGETS", old.ref, NodeRef("Enterprise", CONFLICTED)),
             Rel("TARGETS", older.ref, NodeRef("Enterprise", CONFLICTED)),
             Rel("BY_OFFICER", old.ref, NodeRef("Officer", "S1")),
             Rel("BY_OFFICER", old.ref, NodeRef("Officer", "S2")),
             Rel("BY_OFFICER", older.ref, NodeRef("Officer", "S4"))]

    def write(tx: GraphTx) -> None:
        tx.upsert_nodes(nodes)
        tx.upsert_rels(rels)

    store.transaction(write)


RATIOS = {"A": 0.25, "C": 0.5, "D": 1.0, "UNKNOWN": 1.0}


def plan_doc(**overrides: Any) -> dict[str, Any]:
    """A joint plan of three departments over Chengdu restaurants and shops."""
    doc: dict[str, Any] = {
        "id": "JP-T1", "name": "成都餐饮联合抽查", "seed": "seed-1",
        "items": [{"item_code": "SCJG-1", "department_code": f"{CHENGDU}-SCJG"},
                  {"item_code": "SW-1", "department_code": f"{CHENGDU}-SW"},
                  {"item_code": "WJ-1", "department_code": f"{CHENGDU}-WJ"}],
        "target": {"region": CHENGDU}, "ratios": RATIOS,
        "window": {"start": "2026-07-01", "end": "2026-09-30"}}
    return {**doc, **overrides}


def expected_targets(seed: str, frame: dict[str, list[str]], grade: dict[str, str],
                     coordinated: bool = True) -> dict[str, list[str]]:
    """The documented algorithm, written again from docs/inspection-planning.md."""
    out: dict[str, list[str]] = {}
    for item, members in frame.items():
        salt = "" if coordinated else item
        chosen: list[str] = []
        for cls in sorted({grade.get(u, "UNKNOWN") for u in members}):
            stratum = [u for u in members if grade.get(u, "UNKNOWN") == cls]
            stratum.sort(key=lambda u: hashlib.sha256(f"{seed}|{salt}|{u}".encode()).hexdigest())
            chosen += stratum[:math.ceil(RATIOS[cls] * len(stratum) - 1e-9)]
        out[item] = sorted(chosen)
    return out


def world_frame() -> tuple[dict[str, list[str]], dict[str, str]]:
    """Per item the Chengdu enterprises it supervises; and their class as of 2026-07."""
    restaurants = A_FIRMS + C_FIRMS + U_FIRMS
    grade = {**dict.fromkeys(A_FIRMS, "A"), **dict.fromkeys(C_FIRMS, "C"),
             **dict.fromkeys(SHOPS, "D")}
    return ({"SCJG-1": restaurants, "SW-1": restaurants + SHOPS, "WJ-1": restaurants}, grade)


def visits(store: BaseGraphStore, plan_id: str) -> list[Node]:
    return store.read(lambda tx: plans.visits_page(tx, plan_id, first=1000)).items


def test_draw_follows_the_published_algorithm_and_is_audited(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc())
    drawn = plans.draw_plan(store, "JP-T1")
    frame, grade = world_frame()
    want = expected_targets("seed-1", frame, grade)
    got: dict[str, list[str]] = {code: [] for code in want}
    for v in visits(store, "JP-T1"):
        for code in v.props["item_codes"]:  # type: ignore[union-attr]
            got[str(code)].append(str(v.props["uscc"]))
    assert {k: sorted(v) for k, v in got.items()} == want
    # The draw's hash is published in the audit log, in the draw's own entry.
    entry = store.read(lambda tx: list(audit.entries(tx, "InspectionPlan:JP-T1")))[-1]
    assert entry.action == "plan.draw"
    assert entry.seq == drawn.props["draw_audit_seq"]
    published = entry.payload_data()
    assert isinstance(published, dict)
    assert published["draw_hash"] == drawn.props["draw_hash"]
    assert published["seed"] == "seed-1"
    assert published["algorithm"] == plans.ALGORITHM
    # So are the officers drawn: the hash of what the store holds for each visit.
    staffed: dict[str, dict[str, list[str]]] = {}
    for v in visits(store, "JP-T1"):
        assigned = store.neighbours([v.ref], types=["ASSIGNED"], direction="out")[v.ref]
        per_dept = staffed.setdefault(str(v.props["uscc"]), {})
        for nb in assigned:
            per_dept.setdefault(str(nb.rel.props["department_code"]), []).append(nb.node.key)
    canonical = audit.canonical({u: {d: sorted(c) for d, c in by.items()}
                                 for u, by in staffed.items()})
    assert published["officers_hash"] == drawn.props["officers_hash"] == hashlib.sha256(
        canonical.encode()).hexdigest()
    assert audit.verify(store) is None


def test_drawing_again_and_redrawing_give_the_same_list(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc())
    first = plans.draw_plan(store, "JP-T1")
    before = [(v.key, v.props) for v in visits(store, "JP-T1")]
    entries = audit.head(store)[0]
    again = plans.draw_plan(store, "JP-T1")
    assert again.props["draw_hash"] == first.props["draw_hash"]
    assert [(v.key, v.props) for v in visits(store, "JP-T1")] == before
    assert audit.head(store)[0] == entries  # no second publication
    check = plans.redraw(store, "JP-T1")
    assert check.same_frame
    assert check.same_draw
    # A second plan with the same definition and seed draws the same enterprises.
    plans.create_plan(store, plan_doc(id="JP-T2"))
    plans.draw_plan(store, "JP-T2")
    assert [v.props["uscc"] for v in visits(store, "JP-T2")] == [p["uscc"] for _, p in before]


def test_joint_visits_merge_departments_and_report_the_saving(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc())
    drawn = plans.draw_plan(store, "JP-T1")
    frame, grade = world_frame()
    want = expected_targets("seed-1", frame, grade)
    firms = {u for us in want.values() for u in us}
    separate = sum(1 for us in want.values() for _ in us)  # one department per item here
    assert drawn.props["visits"] == len(firms) == len(visits(store, "JP-T1"))
    assert drawn.props["visits_without_merging"] == separate
    assert separate > len(firms)  # coordinated ranking makes the samples overlap
    for v in visits(store, "JP-T1"):
        items = [c for c, us in want.items() if v.props["uscc"] in us]
        assert v.props["item_codes"] == items
        assert len(v.props["department_codes"]) == len(items)  # type: ignore[arg-type]
    # Independent ranks per item overlap less: never fewer visits than coordinated ones.
    plans.create_plan(store, plan_doc(id="JP-IND", coordinated=False))
    independent = plans.draw_plan(store, "JP-IND")
    assert independent.props["visits"] == len(
        {u for us in expected_targets("seed-1", frame, grade, False).values() for u in us})
    assert independent.props["visits"] >= drawn.props["visits"]  # type: ignore[operator]


def test_officers_are_drawn_per_department_with_recusal(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc())
    plans.draw_plan(store, "JP-T1")
    by_uscc = {v.props["uscc"]: v for v in visits(store, "JP-T1")}
    conflicted = by_uscc[CONFLICTED]  # unrated restaurants are all drawn (ratio 1)
    officers = set(conflicted.props["officer_ids"])  # type: ignore[arg-type]
    # S1, S2 did its last inspection; S3 shares a name with its legal rep; S6 is not in the pool.
    assert not officers & {"S1", "S2", "S3", "S6"}
    assert {"S1", "S2", "S3"} <= set(conflicted.props["recused_ids"])  # type: ignore[arg-type]
    assert "S4" in officers or "S5" in officers  # S4 only did an older inspection: not recused
    found = store.neighbours([v.ref for v in by_uscc.values()], types=["ASSIGNED"])
    for v in by_uscc.values():
        assigned = found[v.ref]
        per_dept: dict[str, int] = {}
        for nb in assigned:
            dept = str(nb.rel.props["department_code"])
            per_dept[dept] = per_dept.get(dept, 0) + 1
            assert nb.node.props["department_code"] == dept
        assert per_dept == dict.fromkeys(v.props["department_codes"], 2)  # type: ignore[arg-type]
        assert v.props["staffed"] is True


def test_an_officer_in_two_pools_serves_one_department_per_visit(store: BaseGraphStore) -> None:
    build_world(store)
    # Every 商务 and 卫健 officer is in the 市场监管 pool too.
    store.upsert_rels([Rel("MEMBER_OF", NodeRef("Officer", c), NodeRef("Department",
                                                                       f"{CHENGDU}-SCJG"))
                       for c in SW + WJ])
    plans.create_plan(store, plan_doc())
    plans.draw_plan(store, "JP-T1")
    for v in visits(store, "JP-T1"):
        ids = [str(c) for c in v.props["officer_ids"]]  # type: ignore[union-attr]
        assert len(ids) == len(set(ids)), v.key
        assigned = store.neighbours([v.ref], types=["ASSIGNED"], direction="out")[v.ref]
        assert sorted(nb.node.key for nb in assigned) == sorted(ids)
        per_dept: dict[str, int] = {}
        for nb in assigned:
            per_dept[str(nb.rel.props["department_code"])] = per_dept.get(
                str(nb.rel.props["department_code"]), 0) + 1
        depts = [str(d) for d in v.props["department_codes"]]  # type: ignore[union-attr]
        assert set(per_dept) <= set(depts)
        missing = sum(2 - per_dept.get(d, 0) for d in depts)
        assert v.props["officers_missing"] == missing
        assert v.props["staffed"] is (missing == 0)
        assert all(per_dept.get(d, 0) <= 2 for d in depts)
        # 卫健 has the smallest pool and draws first: its two officers are never taken.
        if f"{CHENGDU}-WJ" in depts:
            assert per_dept[f"{CHENGDU}-WJ"] == 2


def test_a_short_pool_is_reported_not_hidden(store: BaseGraphStore) -> None:
    build_world(store)
    plans.create_plan(store, plan_doc(officers_per_department=3))
    drawn = plans.draw_plan(store, "JP-T1")
    # 卫健 has two officers: every visit with a WJ-1 check is one officer short; at the
    # conflicted enterprise 市场监管 is short too (three of its five recused).
    short = [v for v in visits(store, "JP-T1")
             if "WJ-1" in v.props["item_codes"]]  # type: ignore[operator]
    assert short
    for v in short:
        assert v.props["staffed"] is False
        assert v.props["officers_missing"] == (2 if v.props["uscc"] == CONFLICTED else 1)
    assert drawn.props["understaffed_visits"] == len(short)


@pytest.mark.parametrize(("change", "error", "words"), [
    ({"items": [{"item_code": "NOPE", "department_code": "510100-SCJG"}]}, NotFound,
     "items[0].item_code: no supervision item 'NOPE'"),
    ({"items": [{"item_code": "SCJG-1", "department_code": "510100-XX"}]}, NotFound,
     "items[0].department_code: no department '510100-XX'"),
    ({"items": [{"item_code": "SW-1", "department_code": "510100-SCJG"}]}, InvalidInput,
     "belongs to 商务"),
    ({"items": [{"item_code": "SCJG-X", "department_code": "510100-SCJG"}]}, InvalidInput,
     "not on the random-check list"),
    ({"ratios": {"B": 1.5}}, InvalidInput, "ratios.B: 1.5 is outside [0, 1]"),
    ({"ratios": {"E": 0.5}}, InvalidInput, "ratios.E: not a credit class"),
    ({"window": {"start": "2026-09-01", "end": "2026-08-01"}}, InvalidInput, "window.end"),
    ({"officers_per_department": 1}, InvalidInput, "officers_per_department"),
    ({"items": []}, InvalidInput, "items: a plan needs at least one item"),
    ({"coordinated": "false"}, InvalidInput, "coordinated: 'false' must be true or false"),
    ({"holidays": ["2026-10-01"]}, InvalidInput, "holidays: a plan no longer carries its own"),
    ({"makeup_days": []}, InvalidInput, "makeup_days: a plan no longer carries its own"),
])
def test_bad_plans_are_refused_naming_the_field(store: BaseGraphStore, change: dict[str, Any],
                                                error: type[JointsupError], words: str) -> None:
    build_world(store)
    with pytest.raises(error) as caught:
        plans.create_plan(store, plan_doc(**change))
    assert words in caught.value.message
    assert store.count_nodes("InspectionPlan") == 0
    assert audit.head(store)[0] == 0


def test_creating_again_is_idempotent_but_a_changed_definition_is_refused(
        store: BaseGraphStore) -> None:
    build_world(store)
    unseeded = {k: v for k, v in plan_doc().items() if k != "seed"}
    first = plans.create_plan(store, unseeded)
    assert plans.create_plan(store, unseeded).props["seed"] == first.props["seed"]
    with pytest.raises(InvalidInput, match="already exists with another definition"):
        plans.create_plan(store, {**unseeded, "name": "另一个计划"})
    with pytest.raises(NotFound, match="no inspection plan 'JP-NONE'"):
        plans.draw_plan(store, "JP-NONE")


def race(work: Callable[[int], object], n: int) -> tuple[dict[int, object], dict[int, Exception]]:
    """Run work(0..n-1) on n threads released together; each call's result or its error."""
    done: dict[int, object] = {}
    failed: dict[int, Exception] = {}
    barrier = threading.Barrier(n)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            done[i] = work(i)
        except Exception as e:
            failed[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing call did not finish"
    return done, failed


def test_concurrent_creates_with_one_id_let_one_definition_win_whole(
        store: BaseGraphStore) -> None:
    build_world(store)
    docs = plan_doc()
    # Threads 2k and 2k+1 send the same definition: k+1 items under their own name.
    variants = [{**docs, "name": f"计划-{i // 2}", "items": docs["items"][:i // 2 + 1]}
                for i in range(6)]
    done, failed = race(lambda i: plans.create_plan(store, variants[i]), 6)
    stored = store.get_node(NodeRef("InspectionPlan", "JP-T1"))
    assert stored is not None
    assert "lock" not in stored.props
    winner = next(v for v in variants if v["name"] == stored.props["name"])
    # The winner's twin gets the plan unchanged; every other definition is refused.
    assert sorted(done) == [i for i, v in enumerate(variants) if v["name"] == winner["name"]]
    assert all(n.props == stored.props for n in done.values())  # type: ignore[attr-defined]
    assert all(isinstance(e, InvalidInput) and "another definition" in e.message
               for e in failed.values()), failed
    assert plans.spec_of(stored).to_json() == plans.spec_of(
        plans.create_plan(store, winner)).to_json()
    items = store.neighbours([stored.ref], types=["PLAN_ITEM"], direction="out")[stored.ref]
    assert sorted(nb.node.key for nb in items) == sorted(i["item_code"] for i in winner["items"])
    logged = store.read(lambda tx: list(audit.entries(tx, stored.ref.global_id)))
    assert [e.action for e in logged] == ["plan.create"]
    assert audit.verify(store) is None
