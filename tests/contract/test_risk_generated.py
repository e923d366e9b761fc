"""Contract: on a generated dataset every planted pattern a model targets is found (recall 1.0)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.generate import generate
from jointsup.ingest.generate.clock import ANCHOR
from jointsup.ingest.jobs import ingest_dir
from jointsup.services.credit import compute_classes
from jointsup.services.credit_compare import compare_classes
from jointsup.services.risk.evaluate import TARGETS, link_from_gold, score
from jointsup.services.risk.runner import find_alerts

STRUCTURAL = ("same_address", "person_companies", "serious_new_company")


@pytest.fixture
def generated(ref_store: BaseGraphStore, tmp_path: Path) -> tuple[BaseGraphStore, Path]:
    out = tmp_path / "gen"
    generate(out, 600, seed=11)
    ingest_dir(ref_store, Settings(data_dir=tmp_path / "data", hash_key="k"), out)
    return ref_store, out


@pytest.mark.timeout(300)
def test_planted_patterns_are_all_found(generated: tuple[BaseGraphStore, Path]) -> None:
    store, out = generated
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    # Registry data alone: the structural patterns need no complaint linking.
    found = find_alerts(store, STRUCTURAL, ANCHOR)
    for model in STRUCTURAL:
        result = score(model, found[model], truth)
        assert result.planted >= 3
        assert result.recall == 1.0, result
    # With every complaint linked to the enterprises it names (perfect text linking).
    assert link_from_gold(store, out / "clues_gold.jsonl") > 0
    found = find_alerts(store, as_of=ANCHOR)
    for model in TARGETS:
        result = score(model, found[model], truth)
        assert result.recall == 1.0, result
        assert result.precision > 0.5, result


@pytest.mark.timeout(300)
def test_credit_classes_cover_the_generated_enterprises(
        generated: tuple[BaseGraphStore, Path]) -> None:
    store, _ = generated
    month = f"{ANCHOR:%Y-%m}"
    summary = compute_classes(store, month)
    living = store.count_nodes("Enterprise") - sum(
        n for (status,), n in store.count_by("Enterprise", ["status"]) if status == "注销")
    assert summary.rated <= living
    assert summary.rated > 0.9 * living  # the rest were founded after the month
    assert all(summary.by_class[c] > 0 for c in "ABCD")
    page = store.read(lambda tx: compare_classes(tx, month, True, 100, None))
    assert all(c.differs for c in page.items)
    assert compute_classes(store, month).unchanged == summary.rated
