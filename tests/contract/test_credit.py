"""Contract: computed credit classes, their explanations and the difference from ingested ones."""

from __future__ import annotations

import json
from datetime import date
from functools import partial

import pytest

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, NodeRef
from jointsup.services.credit import compute_classes
from jointsup.services.credit_compare import compare_classes
from jointsup.services.credit_indicators import months_back
from jointsup.services.risk.config import load_config
from tests.contract.risk_world import ENTERPRISES, build, uscc

MONTH = "2026-06"
CFG = load_config()["credit"]


@pytest.fixture
def rated(store: BaseGraphStore) -> BaseGraphStore:
    build(store)
    compute_classes(store, MONTH)
    return store


def rating(store: BaseGraphStore, n: int, source: str = "computed") -> Node:
    node = store.get_node(NodeRef("CreditRating", f"{uscc(n)}|{MONTH}|{source}"))
    assert node is not None
    return node


def test_every_enterprise_gets_a_class_with_its_top_indicators(rated: BaseGraphStore) -> None:
    assert rated.count_nodes("CreditRating") == len(ENTERPRISES) + 2  # and two ingested
    struck = rating(rated, 8)  # struck off, blacklisted, and E9 shares its legal rep
    indicators = json.loads(str(struck.props["indicators"]))
    assert [i["name"] for i in indicators] == ["serious_violation", "revoked", "related_party"]
    assert indicators[0]["points"] == CFG["serious_violation"]
    assert struck.props["score"] == sum(i["points"] for i in indicators)
    assert struck.props["credit_class"] == "D"
    explanation = struck.props["explanation"]
    assert isinstance(explanation, list)
    assert len(explanation) == CFG["explain_top"]
    points = CFG["serious_violation"]
    assert str(explanation[0]).startswith(f"serious_violation +{points:g}: listed")
    clean = rating(rated, 3)
    assert clean.props["credit_class"] == "A"
    assert clean.props["explanation"] in ([], None)


def test_penalties_and_complaints_count(rated: BaseGraphStore) -> None:
    repeat = rating(rated, 12)
    assert repeat.props["score"] == 2 * CFG["penalty"] + CFG["failed_inspection"]
    surge = rating(rated, 1)
    names = [e.split(" ")[0] for e in surge.props["explanation"]]  # type: ignore[union-attr]
    assert names[:2] == ["complaints", "complaint_trend"]


def test_risk_propagates_from_related_parties(rated: BaseGraphStore) -> None:
    fresh = rating(rated, 10)  # shares its legal representative with struck-off E8
    expected = min((CFG["serious_violation"] + CFG["revoked"]) * CFG["related_factor"],
                   CFG["related_cap"])
    assert fresh.props["score"] == expected
    assert str(fresh.props["explanation"][0]).startswith(f"related_party +{expected:g}: {uscc(8)}")  # type: ignore[index]


def test_recomputing_is_idempotent(rated: BaseGraphStore) -> None:
    again = compute_classes(rated, MONTH)
    assert again.unchanged == again.rated
    assert again.created == again.updated == 0
    assert sum(again.by_class.values()) == again.rated


def test_difference_from_ingested_classes(rated: BaseGraphStore) -> None:
    page = rated.read(lambda tx: compare_classes(tx, MONTH, True, 10, None))
    assert [(c.uscc, c.computed.props["credit_class"], c.ingested.props["credit_class"])  # type: ignore[union-attr]
            for c in page.items] == [(uscc(2), "A", "C")]
    assert page.total == 1
    assert not page.has_next


def test_all_computed_classes_page_through_with_ingested_beside(rated: BaseGraphStore) -> None:
    seen, after = [], None
    while True:
        page = rated.read(partial(compare_classes, month=MONTH, differs_only=False, first=4,
                                  after=after))
        seen += page.items
        if not page.has_next:
            break
        after = page.end_cursor
    assert [c.uscc for c in seen] == sorted(e.key for e in ENTERPRISES)
    assert page.total == len(ENTERPRISES)
    assert {c.uscc for c in seen if c.ingested is not None} == {uscc(2), uscc(8)}


@pytest.mark.parametrize(("as_of", "months", "first"), [
    ("2026-06-30", 12, "2025-07-01"), ("2026-06-30", 36, "2023-07-01"),
    ("2026-06-30", 3, "2026-04-01"), ("2026-02-28", 1, "2026-02-01"),
    ("2024-03-31", 1, "2024-03-01"), ("2026-03-15", 1, "2026-02-16"),
])
def test_month_windows_are_calendar_months_ending_on_the_day(as_of: str, months: int,
                                                              first: str) -> None:
    assert months_back(date.fromisoformat(as_of), months) == first


def test_bad_month_is_refused(rated: BaseGraphStore) -> None:
    for month in ("2026-13", "June", "2026-6"):
        with pytest.raises(InvalidInput, match="YYYY-MM"):
            compute_classes(rated, month)
