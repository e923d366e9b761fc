"""Contract: every risk model finds its pattern in the hand-made world, and nothing else."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import NodeRef
from jointsup.services.risk.base import REGISTRY, Alert
from jointsup.services.risk.config import load_config
from jointsup.services.risk.runner import find_alerts, run_models
from tests.contract.risk_world import A1, AS_OF, P1, E, build, uscc

WHEN = date.fromisoformat(AS_OF)

EXPECTED: dict[str, list[tuple[NodeRef, str]]] = {
    "complaint_surge": [(E(1), "2026-05-01")],
    "prepaid_cluster": [(E(1), "2026-05-01")],
    "cross_region": [(E(1), "")],
    "trade_surge": [(NodeRef("Region", "510104"), "62:2026-05-01")],
    "same_address": [(A1.ref, "")],
    "person_companies": [(P1, "")],
    "serious_new_company": [(E(10), "")],
    "licence_shared": [(E(11), "")],
    "repeat_violation": [(E(12), "")],
    "special_equipment": [(E(14), "2024-12-31")],  # 2024 is a leap year
    "acute_harm": [(NodeRef("Clue", "H1"), "")],
}


@pytest.fixture
def world(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    return store


def test_at_least_ten_models_are_registered() -> None:
    find_alerts  # noqa: B018 - importing the runner registers the models
    assert set(REGISTRY) == set(EXPECTED)


def test_each_model_finds_exactly_its_planted_case(world: BaseGraphStore) -> None:
    found = find_alerts(world, as_of=WHEN)
    got = {name: sorted((a.subject, a.window) for a in alerts) for name, alerts in found.items()}
    assert got == EXPECTED


def test_alerts_name_the_enterprises_concerned(world: BaseGraphStore) -> None:
    found = {name: alerts[0] for name, alerts in find_alerts(world, as_of=WHEN).items()}
    assert found["same_address"].enterprises == [uscc(n) for n in (2, 3, 4, 5)]
    assert found["trade_surge"].enterprises == [uscc(1), uscc(16)]
    assert sorted(found["person_companies"].enterprises) == [uscc(n) for n in (8, 9, 10)]
    assert found["acute_harm"].enterprises == [uscc(13)]
    assert "食物中毒" in found["acute_harm"].explanation
    assert found["complaint_surge"].score >= load_config()["models"]["complaint_surge"][
        "z_threshold"]


def test_evidence_nodes_and_edges_exist_in_the_store(world: BaseGraphStore) -> None:
    alerts = [a for found in find_alerts(world, as_of=WHEN).values() for a in found]

    def check(tx: GraphTx, *, alert: Alert) -> None:
        for ref in alert.nodes:
            assert tx.get_node(ref) is not None, (alert.model, ref)
        stored = {(r.type, r.src, r.dst) for r in tx.rels_among(alert.nodes)}
        assert alert.edges, alert.model
        assert set(alert.edges) <= stored, alert.model

    for alert in alerts:
        world.read(partial(check, alert=alert))


def test_configuration_moves_the_thresholds(world: BaseGraphStore) -> None:
    stricter = load_config(overrides={"models": {
        "same_address": {"min_enterprises": 5}, "repeat_violation": {"min_violations": 2},
        "special_equipment": {"interval_days": 1000}}})
    found = find_alerts(world, ["same_address", "repeat_violation", "special_equipment"],
                        WHEN, stricter)
    assert found["same_address"] == []
    assert found["special_equipment"] == []
    assert sorted(a.subject for a in found["repeat_violation"]) == [E(12), E(13)]


def test_windows_follow_the_reference_day(world: BaseGraphStore) -> None:
    # A year earlier the equipment check was not yet due and the poisoning not yet reported.
    found = find_alerts(world, ["special_equipment", "acute_harm"], date(2024, 6, 30))
    assert found == {"special_equipment": [], "acute_harm": []}


@pytest.mark.parametrize(("model", "first_day", "subject"), [
    ("repeat_violation", date(2024, 5, 1), E(12)),  # its oldest violation, inspection J1
    ("acute_harm", date(2026, 3, 1), NodeRef("Clue", "H1")),
])
def test_a_window_of_n_days_is_the_n_days_ending_on_the_reference_day(
        world: BaseGraphStore, model: str, first_day: date, subject: NodeRef) -> None:
    days = (WHEN - first_day).days + 1  # the window whose first day is exactly first_day

    def subjects(window_days: int) -> list[NodeRef]:
        cfg = load_config(overrides={"models": {model: {"window_days": window_days}}})
        return [a.subject for a in find_alerts(world, [model], WHEN, cfg)[model]]

    assert subject in subjects(days)
    assert subject not in subjects(days - 1)


def test_rerunning_updates_instead_of_duplicating(world: BaseGraphStore) -> None:
    first = run_models(world, as_of=WHEN)
    assert sum(r.created for r in first) == sum(len(v) for v in EXPECTED.values())
    again = run_models(world, as_of=WHEN)
    assert sum(r.created for r in again) == 0
    assert [r.updated for r in again] == [r.alerts for r in first]
    assert world.count_nodes("RiskAlert") == sum(r.alerts for r in first)
    about = world.neighbours([E(1)], types=["ABOUT"], direction="in")[E(1)]
    assert sorted(str(nb.node.props["model"]) for nb in about) == [
        "complaint_surge", "cross_region", "prepaid_cluster", "trade_surge"]
