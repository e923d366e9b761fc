"""Contract: a generated dataset ingests into either store with no rejects; a re-run is a no-op."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import DATASETS, ingest_dir


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(out, 300, seed=11)
    return out


def rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_generated_dataset_ingests_whole_and_reruns_clean(ref_store: BaseGraphStore,
                                                          dataset: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, batch_size=500, hash_key="test-key")
    first = ingest_dir(ref_store, settings, dataset)
    assert [s.name.split(" ")[0] for s in first] == list(DATASETS)
    for summary in first:
        assert summary.rejected == 0, summary
    counts = ref_store.stats().nodes
    for label, name in [("Enterprise", "enterprises"), ("Department", "departments"),
                        ("SupervisionItem", "items"), ("Officer", "officers"),
                        ("Inspection", "inspections"), ("Clue", "clues"),
                        ("CheckImplementation", "implementations"), ("CreditRating", "credit")]:
        assert counts[label] == rows(dataset / f"{name}.csv"), label
    truth = json.loads((dataset / "truth.json").read_text(encoding="utf-8"))
    # A planted one-person-many-companies pattern is in the graph as written.
    planted = truth["one_person_many_companies"][0]
    person = ref_store.list_nodes("Person", first=1000).items
    assert any(p.key == planted["person_id"] for p in person)
    before = ref_store.stats()
    second = ingest_dir(ref_store, settings, dataset)
    assert all(s.created == 0 and s.updated == 0 for s in second), second
    assert ref_store.stats() == before
