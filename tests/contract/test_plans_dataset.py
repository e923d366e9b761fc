"""Contract on a generated 2,000-enterprise dataset: a joint plan draws, re-draws identically,
saves visits, recuses last inspectors, records results — and Neo4j answers as the embedded store
does (the Neo4j run draws the same plan on an embedded copy and compares)."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import ingest_dir
from jointsup.model import Node
from jointsup.services import audit, plans
from jointsup.services.stats import Dimension, stats

PLAN = {
    "id": "JP-GEN", "name": "成都市餐饮零售跨部门联合抽查", "seed": "2026Q3",
    "items": [{"item_code": "SCJG-JC-012", "department_code": "510100-SCJG"},
              {"item_code": "SCJG-JC-013", "department_code": "510100-SCJG"},
              {"item_code": "SW-JC-001", "department_code": "510100-SW"}],
    "target": {"region": "510100"},
    "ratios": {"A": 0.1, "B": 0.3, "C": 0.6, "D": 1.0, "UNKNOWN": 0.3},
    "window": {"start": "2026-07-01", "end": "2026-09-30"}, "rating_month": "2026-06"}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(out, 2000, seed=5)
    return out


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _load(store: BaseGraphStore, dataset: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", batch_size=2000, hash_key="test-key")
    for summary in ingest_dir(store, settings, dataset):
        assert summary.rejected == 0, summary


def _answers(store: BaseGraphStore) -> tuple[Node, list[Node], object]:
    plans.create_plan(store, PLAN)
    drawn = plans.draw_plan(store, "JP-GEN")
    visits = store.read(lambda tx: plans.visits_page(tx, "JP-GEN", first=1000)).items
    table = store.read(lambda tx: stats(tx, [Dimension.RISK_CLASS, Dimension.REGION]))
    return drawn, visits, [(b.values, b.count) for b in table.buckets]


def test_a_joint_plan_on_generated_data(ref_store: BaseGraphStore, dataset: Path,
                                        tmp_path: Path, reference_template: Path) -> None:
    _load(ref_store, dataset, tmp_path)
    drawn, visits, table = _answers(ref_store)
    assert drawn.props["status"] == plans.DRAWN
    assert 0 < drawn.props["visits"] < drawn.props["visits_without_merging"]  # type: ignore[operator]
    assert len(visits) == drawn.props["visits"]
    assert plans.redraw(ref_store, "JP-GEN").same_draw
    firms = {r["uscc"]: r for r in _csv(dataset / "enterprises.csv")}
    last: dict[str, tuple[str, str, list[str]]] = {}
    for r in _csv(dataset / "inspections.csv"):
        seen = last.get(r["uscc"])
        if seen is None or (r["date"], r["id"]) > seen[:2]:
            last[r["uscc"]] = (r["date"], r["id"], r["officer_ids"].split("|"))
    pool = {r["cert_no"]: r["department_code"] for r in _csv(dataset / "officers.csv")
            if r["in_random_pool"] == "true"}
    for v in visits:
        uscc = str(v.props["uscc"])
        assert firms[uscc]["reg_region_code"].startswith("5101")
        assert firms[uscc]["status"] in ("存续", "在业")
        officers = [str(o) for o in v.props["officer_ids"]]  # type: ignore[union-attr]
        assert not set(officers) & set(last.get(uscc, ("", "", []))[2]), uscc
        assert all(pool[o] in v.props["department_codes"] for o in officers)  # type: ignore[operator]
    first = visits[0]
    check = plans.record_result(ref_store, plans.ResultInput(
        "JP-GEN", str(first.props["uscc"]), str(first.props["item_codes"][0]),  # type: ignore[index]
        "NO_PROBLEM", dt.date(2026, 7, 15)))
    assert check.props["publish_by"] == "2026-08-12"  # 20 working days, none a holiday
    assert audit.verify(ref_store) is None
    if ref_store.kind != "neo4j":
        return
    # The same dataset on an embedded store: the same draw, visits, officers and counts.
    path = tmp_path / "copy" / "graph.sqlite"
    path.parent.mkdir()
    shutil.copy(reference_template, path)
    with EmbeddedStore(path) as embedded:
        _load(embedded, dataset, tmp_path)
        other, other_visits, other_table = _answers(embedded)
    for key in ("frame_hash", "draw_hash", "visits", "visits_without_merging", "candidates"):
        assert other.props[key] == drawn.props[key], key
    assert [(v.key, v.props) for v in other_visits] == [
        (v.key, v.props) for v in store_visits(ref_store)]
    assert other_table == table


def store_visits(store: BaseGraphStore) -> list[Node]:
    return store.read(lambda tx: plans.visits_page(tx, "JP-GEN", first=1000)).items
