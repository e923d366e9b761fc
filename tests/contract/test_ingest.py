"""Contract: dataset ingest validates, rejects precisely, never half-writes, and re-runs cleanly."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from jointsup.config import Settings
from jointsup.errors import IngestError
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.jobs import ingest_file
from jointsup.model import NodeRef

HEADER = ["uscc", "name", "former_names", "legal_rep", "reg_region_code", "address",
          "industry_code", "phone", "established", "status", "credit_class"]


def uscc(n: int, region: str = "510104") -> str:
    body = f"91{region}MA{n:07d}"[:17]
    return body + stdnum_uscc.calc_check_digit(body)


GOOD = [
    [uscc(1), "成都蜀香餐饮有限公司", "蜀香小吃店|蜀香餐厅", "张三", "510104",
     "成都市锦江区红星路１号", "6210", "028-8765 4321", "2015-03-01", "存续", "B"],
    [uscc(2, "510107"), "成都蜀香餐饮有限公司武侯分公司", "", "李四", "510107",
     "成都市锦江区红星路1号", "6210", "+86 138 0000 0000", "2019/5/6", "在业", ""],
    [uscc(3, "500103"), "重庆山城火锅有限公司", "", "赵六", "500103", "重庆市渝中区解放碑1号",
     "6210", "023-66666666", "2018年1月1日", "吊销", "A"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER,
              encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def settings(tmp_path: Path, batch_size: int = 2) -> Settings:
    return Settings(data_dir=tmp_path / "data", batch_size=batch_size, hash_key="test-key")


def rejects(path: Path) -> list[dict[str, str]]:
    reject_file = path.with_name(path.name + ".rejects.csv")
    if not reject_file.exists():
        return []
    with reject_file.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_enterprises_become_a_linked_graph(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "enterprises.csv", GOOD)
    summary = ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    assert (summary.read, summary.created, summary.rejected) == (3, 3, 0)
    first = ref_store.get_node(NodeRef("Enterprise", uscc(1)))
    assert first is not None
    assert first.props["former_names"] == ["蜀香小吃店", "蜀香餐厅"]
    assert first.props["phone"] == "02887654321"
    assert first.props["entity_type"] == "company"
    # One address written two ways is one node, shared by both companies.
    shared = ref_store.neighbours([NodeRef("Address", "成都市锦江区红星路1号")], direction="in")
    assert len(next(iter(shared.values()))) == 2
    # The branch found its parent by name.
    branch = NodeRef("Enterprise", uscc(2, "510107"))
    parent = ref_store.neighbours([branch], types=["BRANCH_OF"])
    assert [nb.node.key for nb in parent[branch]] == [uscc(1)]
    third = ref_store.get_node(NodeRef("Enterprise", uscc(3, "500103")))
    assert third is not None
    assert third.props["established"] == "2018-01-01"


def test_bad_rows_are_rejected_with_line_field_and_reason(ref_store: BaseGraphStore,
                                                          tmp_path: Path) -> None:
    bad_check = "91510104MA61234567"  # well-formed, wrong check character: a warning, not a reject
    rows = [
        GOOD[0],
        ["123", "格式错误公司", "", "", "510104", "", "6210", "", "2020-01-01", "存续", ""],
        [uscc(5), "无此行业公司", "", "", "510104", "", "9999", "", "2020-01-01", "存续", ""],
        [uscc(6), "日期错误公司", "", "", "510104", "", "6210", "", "2020-02-30", "存续", ""],
        [uscc(7), "状态错误公司", "", "", "510104", "", "6210", "", "2020-01-01", "营业中", ""],
        [uscc(8), "无此地区公司", "", "", "519999", "", "6210", "", "2020-01-01", "存续", ""],
        [bad_check, "老试点公司", "", "", "510122", "", "6210", "", "2020-01-01", "存续", "C"],
    ]
    src = write_csv(tmp_path / "enterprises.csv", rows)
    summary = ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    assert [(r["line"], r["field"]) for r in rejects(src)] == [
        ("3", "uscc"), ("4", "industry_code"), ("5", "established"), ("6", "status"),
        ("7", "reg_region_code")]
    assert "not a unified social credit code" in rejects(src)[0]["reason"]
    assert rejects(src)[1]["reason"] == "no Industry '9999' in the store"
    assert (summary.read, summary.created, summary.rejected, summary.warnings) == (7, 2, 5, 1)
    pilot = ref_store.get_node(NodeRef("Enterprise", bad_check))
    assert pilot is not None
    assert pilot.props["uscc_check_failed"] is True
    # A retired county code is mapped to its successor, the original kept.
    assert (pilot.props["reg_region_code"], pilot.props["reg_region_code_original"]) == (
        "510116", "510122")
    assert ref_store.count_nodes("Enterprise") == 2


def test_rerun_changes_nothing(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    src = write_csv(tmp_path / "enterprises.csv", GOOD)
    ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    before = ref_store.stats()
    again = ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert ref_store.stats() == before
    # The same rows in another file (another digest) are upserted, and still change nothing.
    copy = write_csv(tmp_path / "copy.csv", GOOD[::-1])
    third = ingest_file(ref_store, settings(tmp_path, batch_size=10), "enterprises", copy)
    assert (third.created, third.updated, third.unchanged) == (0, 0, 3)
    after = ref_store.stats()
    assert after.relationships == before.relationships
    assert {k: v for k, v in after.nodes.items() if k != "IngestBatch"} == {
        k: v for k, v in before.nodes.items() if k != "IngestBatch"}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_bom_and_gb18030_files_read_the_same(ref_store: BaseGraphStore, tmp_path: Path,
                                             encoding: str) -> None:
    src = write_csv(tmp_path / "enterprises.csv", GOOD, encoding=encoding)
    summary = ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    assert (summary.created, summary.rejected) == (3, 0)
    node = ref_store.get_node(NodeRef("Enterprise", uscc(1)))
    assert node is not None
    assert node.props["name"] == "成都蜀香餐饮有限公司"


def test_structural_errors_refuse_the_file_before_writing(ref_store: BaseGraphStore,
                                                          tmp_path: Path) -> None:
    before = ref_store.stats()
    wrong_header = write_csv(tmp_path / "a.csv", GOOD, header=[*HEADER[:-1], "credit"])
    with pytest.raises(IngestError, match=r"a\.csv:1: header lacks required column\(s\) credit"):
        ingest_file(ref_store, settings(tmp_path), "enterprises", wrong_header)
    broken = tmp_path / "b.csv"
    broken.write_bytes(write_csv(tmp_path / "ok.csv", GOOD).read_bytes() + b"\xff\xfe\xfa\n")
    with pytest.raises(IngestError, match="cannot decode"):
        ingest_file(ref_store, settings(tmp_path), "enterprises", broken, encoding="utf-8")
    assert ref_store.stats() == before


def test_jsonl_with_the_same_fields(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    src = tmp_path / "enterprises.jsonl"
    lines = [json.dumps(dict(zip(HEADER, row, strict=True)), ensure_ascii=False) for row in GOOD]
    src.write_text("\n".join([*lines, "{not json"]) + "\n", encoding="utf-8")
    summary = ingest_file(ref_store, settings(tmp_path), "enterprises", src)
    assert (summary.created, summary.rejected) == (3, 1)
    assert rejects(src)[0]["line"] == "4"


def test_identity_numbers_are_only_stored_hashed(ref_store: BaseGraphStore,
                                                 tmp_path: Path) -> None:
    ingest_file(ref_store, settings(tmp_path), "enterprises",
                write_csv(tmp_path / "enterprises.csv", GOOD))
    raw_id = "11010519491231002X"  # the standard's own example number
    people = write_csv(tmp_path / "persons.csv", [
        [uscc(1), raw_id, "张三", "法定代表人", ""],
        [uscc(1), "P0000000002", "李四", "shareholder", "60%"],
        [uscc(9), "P0000000003", "无主", "shareholder", "0.1"],
    ], header=["uscc", "person_id", "name", "role", "share_ratio"])
    summary = ingest_file(ref_store, settings(tmp_path), "persons", people)
    assert (summary.created, summary.rejected) == (2, 1)
    keys = [n.key for n in ref_store.list_nodes("Person", first=10).items]
    assert raw_id not in keys
    assert "P0000000002" in keys
    assert all(raw_id not in json.dumps(n.props) for n in
               ref_store.list_nodes("Person", first=10).items)
    roles = ref_store.neighbours([NodeRef("Enterprise", uscc(1))], labels=["Person"])
    assert sorted(nb.rel.type for nb in next(iter(roles.values()))) == [
        "LEGAL_REP_OF", "SHAREHOLDER_OF"]
