"""Tests of the reference-data parsers against the bundled data and small synthetic files."""

from __future__ import annotations

import csv
import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

import jointsup
from jointsup.errors import IngestError
from jointsup.ingest.reference.industries import read_industries
from jointsup.ingest.reference.laws import read_laws
from jointsup.ingest.reference.regions import read_regions
from jointsup.model import Node, Rel

REF = Path(jointsup.__file__).parent / "data" / "reference"
ARTICLE_LINE = re.compile(r"^第[零〇一二三四五六七八九十百千]+条")


@cache
def regions() -> tuple[list[Node], list[Rel]]:
    """Parsed once: the files do not change during a run."""
    return read_regions(REF / "regions")


@cache
def industries() -> tuple[list[Node], list[Rel]]:
    """Parsed once."""
    return read_industries(REF / "industries" / "gbt4754_2017.csv")


@cache
def laws() -> tuple[list[Node], list[Rel]]:
    """Parsed once."""
    return read_laws(REF / "laws")


def csv_rows(path: Path) -> list[dict[str, str]]:
    """Data rows of a CSV, read independently of the parsers."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def by_key(nodes: list[Node], label: str) -> dict[str, Node]:
    """Nodes of one label by key."""
    return {n.key: n for n in nodes if n.label == label}


def parents(rels: list[Rel]) -> dict[str, str]:
    """Child key → parent key over `PART_OF` rels."""
    return {r.src.key: r.dst.key for r in rels if r.type == "PART_OF"}


# --- regions ---------------------------------------------------------------------------------

def test_region_counts_match_csv_rows() -> None:
    root = REF / "regions"
    areas = csv_rows(root / "areas.csv")
    # Prefectures without counties (东莞市 4419 …) appear in areas.csv as their own county.
    self_listed = [r for r in areas if r["code"] == r["cityCode"] + "00"]
    assert [r["name"] for r in self_listed] == ["东莞市", "中山市", "儋州市"]
    levels = Counter(n.props["level"] for n in regions()[0])
    assert levels == {
        "province": len(csv_rows(root / "provinces.csv")),  # 31 (the file has 32 lines)
        "city": len(csv_rows(root / "cities.csv")),  # 342
        "county": len(areas) - len(self_listed),  # 2,978 - 3
        "township": len(csv_rows(root / "streets_50_51.csv")),  # 4,142
    }
    assert levels["province"] == 31
    assert levels["city"] == 342
    assert len(areas) == 2978


def test_every_non_province_has_one_parent() -> None:
    nodes, rels = regions()
    up = parents(rels)
    for node in nodes:
        assert (node.key in up) == (node.props["level"] != "province")
        assert up.get(node.key) == node.props["parent_code"]


def test_chongqing_placeholders_and_wuhou_chain() -> None:
    nodes, rels = regions()
    region, up = by_key(nodes, "Region"), parents(rels)
    assert region["500100"].props["placeholder"]
    assert region["500200"].props["placeholder"]
    assert region["500103"].props["full_name"] == "重庆市渝中区"
    wuhou = region["510107"].props
    assert (wuhou["name"], wuhou["full_name"]) == ("武侯区", "四川省成都市武侯区")
    assert (up["510107"], up["510100"]) == ("510100", "510000")
    assert wuhou["province_code"] == "510000"
    assert not wuhou["placeholder"]
    assert region["441900"].props["level"] == "city"


# --- industries ------------------------------------------------------------------------------

def test_industry_counts() -> None:
    levels = Counter(n.props["level"] for n in industries()[0])
    # 1,380 class rows in the CSV plus 3741 飞机制造, which the CSV miscodes as a second `374` row.
    assert levels == {1: 20, 2: 97, 3: 473, 4: 1381}
    rows = csv_rows(REF / "industries" / "gbt4754_2017.csv")
    assert sum(r["level"] == "4" for r in rows) == 1380


def test_every_class_has_a_group_parent() -> None:
    nodes, rels = industries()
    industry, up = by_key(nodes, "Industry"), parents(rels)
    for node in nodes:
        if node.props["level"] == 4:
            assert up[node.key] == node.key[:3]
            assert industry[node.key[:3]].props["level"] == 3
    assert up["01"] == "A"
    assert up["011"] == "01"
    derived = industry["019"].props
    assert derived["derived"]
    assert derived["name"] == industry["0190"].props["name"]
    assert industry["374"].props["name"] == "航空、航天器及设备制造"
    assert industry["3741"].props["name"] == "飞机制造"


# --- laws ------------------------------------------------------------------------------------

def independent_law_counts() -> tuple[int, int, int]:
    """Files, `第X条` article lines and `第X 条` (typo) lines, counted without the parser."""
    files = sorted((REF / "laws").rglob("*.md"))
    strict = typo = 0
    for path in files:
        body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[1]
        strict += sum(bool(ARTICLE_LINE.match(line)) for line in body.splitlines())
        typo += len(re.findall(r"^第[零〇一二三四五六七八九十百千]+ 条", body, re.MULTILINE))
    return len(files), strict, typo


def test_law_and_article_counts() -> None:
    files, strict, typo = independent_law_counts()
    assert (files, strict, typo) == (49, 3101, 1)
    nodes, rels = laws()
    labels = Counter(n.label for n in nodes)
    assert labels == {"Law": files, "Article": strict + typo}
    assert sum(r.type == "OF_LAW" for r in rels) == strict + typo


def test_versions_supersede_and_only_newest_is_current() -> None:
    nodes, rels = laws()
    law = by_key(nodes, "Law")
    pairs = {(law[r.src.key].props["short_title"], law[r.src.key].props["version"],
              law[r.dst.key].props["version"]) for r in rels if r.type == "SUPERSEDES"}
    assert pairs == {
        ("农产品质量安全法", "2022-09-02", "2018-10-26"),
        ("计量法实施细则", "2022-03-29", "2018-03-19"),
        ("认证认可条例", "2023-07-20", "2020-11-29"),
        ("化妆品监督管理条例", "2020-06-16", "2019-03-02"),
    }
    stale = {(n.props["short_title"], n.props["repealed"]) for n in law.values()
             if not n.props["current"]}
    assert stale == {("农产品质量安全法", False), ("计量法实施细则", False),
                     ("认证认可条例", False), ("化妆品卫生监督条例", True)}


def test_law_properties() -> None:
    law = by_key(laws()[0], "Law")
    price = law["中华人民共和国价格法|1997-12-29"].props
    assert (price["short_title"], price["rank"], price["issuer"]) == ("价格法", "law", None)
    assert price["history"] == ["1997年12月29日 第八届全国人民代表大会常务委员会第二十九次会议通过"]
    rule = law["明码标价和禁止价格欺诈规定|2022-04-14"].props
    assert (rule["rank"], rule["issuer"]) == ("department_rule", "市场监督管理总局")
    metrology = law["中华人民共和国计量法|2018-10-26"].props["history"]
    assert isinstance(metrology, list)
    assert len(metrology) == 6
    assert "〈中华人民共和国计量法〉的决定》第四次修正" in str(metrology[4])


def test_article_spot_checks() -> None:
    article = by_key(laws()[0], "Article")
    second = article["中华人民共和国价格法|1997-12-29|2"].props
    assert (second["number"], second["chapter"], second["section"]) == (2, "第一章 总则", None)
    assert second["text"] == (
        "第二条 在中华人民共和国境内发生的价格行为，适用本法。\n"
        "本法所称价格包括商品价格和服务价格。\n"
        "商品价格是指各类有形产品和无形资产的价格。\n"
        "服务价格是指各类有偿服务的收费。")
    last = article["中华人民共和国价格法|1997-12-29|48"].props
    assert last["chapter"] == "第七章 附则"
    contract = "重庆市合同格式条款监督条例|2010-07-30"
    assert "第十五" not in str(article[f"{contract}|14"].props["text"])
    assert str(article[f"{contract}|15"].props["text"]).startswith("第十五 条工商行政管理部门")


# --- malformed inputs ------------------------------------------------------------------------

def write_law(root: Path, name: str, text: str, folder: str = "经济法") -> Path:
    """A synthetic law file under `root/folder`."""
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


GOOD_HEADER = "# 测试法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n"


@pytest.mark.parametrize(("name", "text", "line"), [
    ("测试法(2020-01-01).md", "测试法\n\n<!-- INFO END -->\n", 1),
    ("测试法(2020-01-01).md", "# 测试法\n\n第一条 内容。\n", None),
    ("测试法(2020-13-01).md", GOOD_HEADER + "第一条 内容。\n", None),
    ("测试法.md", GOOD_HEADER + "第一条 内容。\n", None),
    ("测试法(2020-01-01).md", GOOD_HEADER + "第一条 甲。\n\n第三条 乙。\n\n第二条 丙。\n", 11),
    ("测试法(2020-01-01).md", GOOD_HEADER + "第一条 甲。\n\n第一条 乙。\n", 9),
])
def test_malformed_law_file_raises(tmp_path: Path, name: str, text: str, line: int | None) -> None:
    path = write_law(tmp_path, name, text)
    with pytest.raises(IngestError) as caught:
        read_laws(tmp_path)
    assert (caught.value.path, caught.value.line) == (str(path), line)


def test_synthetic_law_sections_and_mid_sentence_references(tmp_path: Path) -> None:
    text = GOOD_HEADER + (
        "## 第一章　总 则\n\n### 第一节 一般\n\n第一条 依照第三条 规定。\n\n（一）项；\n\n"
        "第三条规定的事项除外。\n\n## 第二章 附则\n\n第二条 施行。\n")
    write_law(tmp_path, "测试法(2020-01-01).md", text)
    articles = [n.props for n in read_laws(tmp_path)[0] if n.label == "Article"]
    assert [(a["number"], a["chapter"], a["section"]) for a in articles] == [
        (1, "第一章 总则", "第一节 一般"), (2, "第二章 附则", None)]
    assert articles[0]["text"] == "第一条 依照第三条 规定。\n（一）项；\n第三条规定的事项除外。"


def write_regions(root: Path, cities: str, areas: str) -> Path:
    """Synthetic region CSVs with one province (四川省) and no townships."""
    files = {"provinces.csv": "code,name\n51,四川省\n",
             "cities.csv": f"code,name,provinceCode\n{cities}",
             "areas.csv": f"code,name,cityCode,provinceCode\n{areas}",
             "streets_50_51.csv": "code,name,areaCode,provinceCode,cityCode\n"}
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_region_with_missing_city_attaches_to_province(tmp_path: Path) -> None:
    nodes, rels = read_regions(write_regions(tmp_path, "", "510107,武侯区,5101,51\n"))
    assert parents(rels) == {"510107": "510000"}
    assert by_key(nodes, "Region")["510107"].props["full_name"] == "四川省武侯区"


@pytest.mark.parametrize(("cities", "areas", "line"), [
    ("5101,成都市,51\n5101,成都市,51\n", "", None),  # duplicate code
    ("510,成都市,51\n", "", 2),  # code of the wrong width
    ("5101,,51\n", "", 2),  # empty name
])
def test_malformed_region_file_raises(tmp_path: Path, cities: str, areas: str,
                                      line: int | None) -> None:
    with pytest.raises(IngestError) as caught:
        read_regions(write_regions(tmp_path, cities, areas))
    assert caught.value.line == line


@pytest.mark.parametrize(("rows", "line"), [
    ("A,1,A,农业,\nA,1,A,农业,\n", 3),  # duplicate code
    ("A,5,A,农业,\n", 2),  # unknown level
    ("A,1,A,农业,\n011,2,A,谷物,\n", 3),  # code does not fit the level
    ("A,1,A,农业,\n0111,4,A,稻谷,\n", None),  # no division 01 above the derived group 011
])
def test_malformed_industry_file_raises(tmp_path: Path, rows: str, line: int | None) -> None:
    path = tmp_path / "industries.csv"
    path.write_text("code,level,section,name,note\n" + rows, encoding="utf-8")
    with pytest.raises(IngestError) as caught:
        read_industries(path)
    assert caught.value.line == line
