"""Contract: routing a clue to departments by category and county, on both stores."""

from __future__ import annotations

import shutil
from pathlib import Path

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.ingest.jobs import ingest_file
from jointsup.nlp.routing import Router, rank_systems, route

DEV = Path(__file__).parents[1] / "data" / "nlp_dev"


def load_fixture(store: BaseGraphStore, tmp_path: Path, *datasets: str) -> None:
    """Ingest fixture files from a copy (ingest writes reject files beside its source)."""
    settings = Settings(data_dir=tmp_path / "data", batch_size=500, hash_key="test-key")
    for name in datasets:
        src = tmp_path / f"{name}.csv"
        shutil.copy(DEV / f"{name}.csv", src)
        summary = ingest_file(store, settings, name, src)
        assert summary.rejected == 0, name


def codes(store: BaseGraphStore, category: str, region: str | None) -> list[str]:
    return [d["code"] for d in store.read(lambda tx: route(tx, category, region))]


def test_county_department_first_then_city_then_province(ref_store: BaseGraphStore,
                                                         tmp_path: Path) -> None:
    load_fixture(ref_store, tmp_path, "departments", "items")
    # Food in 武侯区: market regulation has a county office there.
    assert codes(ref_store, "食品", "510107") == ["510107-SCJG"]
    # Drugs: 药监 owns most drug items but has no county office: the city's, after the county's
    # market regulation office.
    assert codes(ref_store, "药品", "510107") == ["510107-SCJG", "510100-YJ"]
    # 锦江区 has no offices of its own in the fixture: the city's, the sector regulator first.
    assert codes(ref_store, "药品", "510104") == ["510100-YJ", "510100-SCJG"]
    # Chongqing has no prefecture: a district falls back to the municipality.
    assert codes(ref_store, "药品", "500103") == ["500103-SCJG", "500000-YJ"]
    assert codes(ref_store, "旅游", "500103") == ["500103-WL", "500103-SCJG"]
    assert codes(ref_store, "农资", "510703") == ["510703-NY", "510703-SCJG"]
    # 自贡: no fixture office below the province.
    assert codes(ref_store, "教育培训", "510302") == ["510000-JY", "510000-SCJG"]
    names = ref_store.read(lambda tx: route(tx, "医疗美容", "510107"))
    assert names == [{"code": "510107-WJ", "name": "成都市武侯区卫生健康局"},
                     {"code": "510107-SCJG", "name": "成都市武侯区市场监督管理局"}]


def test_other_and_unknown_go_to_market_regulation(ref_store: BaseGraphStore,
                                                   tmp_path: Path) -> None:
    load_fixture(ref_store, tmp_path, "departments", "items")
    assert codes(ref_store, "其他", "510107") == ["510107-SCJG"]
    assert codes(ref_store, "计量", "500103") == ["500103-SCJG"]  # no 计量 item: the default
    assert codes(ref_store, "食品", None) == []
    assert codes(ref_store, "食品", "999999") == []


def test_without_departments_nothing_is_routed(ref_store: BaseGraphStore) -> None:
    assert codes(ref_store, "食品", "510107") == []


def test_router_is_loaded_once_and_agrees_with_route(ref_store: BaseGraphStore,
                                                     tmp_path: Path) -> None:
    load_fixture(ref_store, tmp_path, "departments", "items")
    router = ref_store.read(Router.load)
    assert router.systems["药品"] == ("药监", "市场监管")
    assert router.systems["食品"] == ("市场监管",)
    for category, region in (("药品", "510107"), ("旅游", "500103"), ("其他", "510703")):
        def one(tx: GraphTx, c: str = category, r: str = region) -> list[dict[str, str]]:
            return route(tx, c, r)

        assert router.route(category, region) == ref_store.read(one)
    assert router.route("食品", None) == []


def test_rank_systems() -> None:
    items = [("药品零售检查", "市场监管"), ("药品批发检查", "药监"), ("假药处罚", "药监")]
    assert rank_systems(items, ("药品", "假药")) == ("药监", "市场监管")
    assert rank_systems([("培训收费", "教育"), ("培训广告", "市场监管")], ("培训",)) == \
        ("教育", "市场监管")
    assert rank_systems(items, ("计量",)) == ("市场监管",)
