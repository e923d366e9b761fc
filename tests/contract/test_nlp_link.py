"""Contract: the linker gives the same links on both stores for a small hand-made registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.jsonl import link_file
from jointsup.nlp.linker import Linker
from jointsup.nlp.result import LinkResult
from tests.contract import nlp_world as w


@pytest.fixture
def linker(ref_store: BaseGraphStore, tmp_path: Path) -> Linker:
    w.load(ref_store)
    return Linker.from_store(ref_store, cache_dir=tmp_path / "cache")


def spans_ok(text: str, result: LinkResult) -> None:
    spans = [(e.start, e.end) for e in result.enterprises]
    spans += [(r.start, r.end) for r in result.regions] + [(x.start, x.end) for x in result.laws]
    for start, end in spans:
        assert 0 <= start < end <= len(text)
    for e in result.enterprises:
        assert text[e.start:e.end] == e.name
    for r in result.regions:
        assert text[r.start:r.end] == r.name


def test_full_name_links_with_its_span(linker: Linker) -> None:
    text = "我在成都金宝商贸有限公司买的香肠过期了。"
    result = linker.link(text)
    spans_ok(text, result)
    [ent] = result.enterprises
    assert (ent.uscc, ent.name, ent.score) == (w.JINBAO, "成都金宝商贸有限公司", 1.0)
    assert set(result.to_json()) == {"enterprises", "regions", "laws", "invalid_codes",
                                     "category", "departments"}


@pytest.mark.parametrize(("text", "expected"), [
    ("锦江区的蜀香餐饮卫生很差。", w.SHUXIANG_JJ),
    ("重庆渝中区，蜀香餐饮卫生很差。", w.SHUXIANG_YZ),
    ("成都的蜀香餐饮卫生很差。", w.SHUXIANG_JJ),
])
def test_short_name_decided_by_the_region_named(linker: Linker, text: str, expected: str) -> None:
    result = linker.link(text)
    spans_ok(text, result)
    linked = [e for e in result.enterprises if e.name == "蜀香餐饮"]
    assert [e.uscc for e in linked] == [expected]
    assert 0.5 <= linked[0].score <= 1.0
    assert "region" in linked[0].explanation


def test_ambiguous_short_name_stays_a_candidate(linker: Linker) -> None:
    [ent] = linker.link("蜀香餐饮卫生很差。").enterprises
    assert ent.uscc is None
    assert ent.score < 0.5
    assert set(ent.candidates) == {w.SHUXIANG_JJ, w.SHUXIANG_YZ}


def test_struck_off_namesake_is_less_likely(linker: Linker) -> None:
    [ent] = linker.link("华兴药房卖过期药。").enterprises
    assert ent.uscc == w.HUAXING
    assert "struck off" not in ent.explanation


def test_former_name_and_trade_name_in_quotes(linker: Linker) -> None:
    result = linker.link("成都旧瑞物业管理有限公司乱收费，“夏记”也一样。")
    assert [e.uscc for e in result.enterprises] == [w.XINRUI, w.XIAJI]


@pytest.mark.parametrize("written", [
    w.JINBAO, w.JINBAO.lower(), " ".join(w.JINBAO[i:i + 4] for i in range(0, 18, 4)),
    "".join(chr(ord(c) + 0xFEE0) for c in w.JINBAO),
])
def test_credit_codes_as_typed(linker: Linker, written: str) -> None:
    text = f"统一社会信用代码为{written}的商家。"
    result = linker.link(text)
    spans_ok(text, result)
    assert [(e.uscc, e.name) for e in result.enterprises] == [(w.JINBAO, written)]
    assert result.invalid_codes == []


def test_mistyped_code_is_reported_with_the_likely_enterprise(linker: Linker) -> None:
    typo = w.JINBAO[:10] + ("K" if w.JINBAO[10] != "K" else "L") + w.JINBAO[11:]
    text = f"信用代码 {typo} 的商家卖假货。"
    result = linker.link(text)
    [bad] = result.invalid_codes
    assert (bad.code, bad.suggested_uscc) == (typo, w.JINBAO)
    assert text[bad.start:bad.end] == typo


def test_regions_most_specific_and_historical(linker: Linker) -> None:
    text = "南充市营山县和綦江县都有，还有峨边。"
    result = linker.link(text)
    spans_ok(text, result)
    assert [(r.code, r.name) for r in result.regions] == [
        ("511322", "南充市营山县"), ("500110", "綦江县"), ("511132", "峨边")]


def test_law_articles_resolved_to_the_version_in_force(linker: Linker) -> None:
    text = "违反了《食品安全法》第三十四条和农产品质量安全法34条，以及《中华人民共和国广告法》。"
    result = linker.link(text, "2020-05-01T10:00:00+08:00")
    got = [(law.law, law.article, text[law.start:law.end]) for law in result.laws]
    assert got == [("中华人民共和国食品安全法", 34, "《食品安全法》第三十四条"),
                   ("中华人民共和国农产品质量安全法", 34, "农产品质量安全法34条"),
                   ("中华人民共和国广告法", None, "《中华人民共和国广告法》")]
    assert result.laws[1].version == "2018-10-26"
    assert linker.link("农产品质量安全法第34条").laws[0].version == "2022-09-02"
    assert result.laws[0].article_key == "中华人民共和国食品安全法|2021-04-29|34"


def test_unregistered_shop_is_an_unresolved_mention(linker: Linker) -> None:
    text = "昨天在老李烧烤店买的羊肉串不新鲜，旁边的张记水果店也缺斤少两。"
    result = linker.link(text)
    spans_ok(text, result)
    assert [(e.uscc, e.name) for e in result.enterprises] == [(None, "老李烧烤店"),
                                                              (None, "张记水果店")]


def test_link_file_writes_a_line_per_input_and_errors_per_line(linker: Linker,
                                                               tmp_path: Path) -> None:
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    lines = [{"id": 1, "text": "成都金宝商贸有限公司"}, {"id": 2, "text": "好" * 20_001},
             {"id": 3, "text": "锦江区的蜀香餐饮", "received_at": "2024-01-01"}]
    source.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\nxx\n",
                      encoding="utf-8")
    run = link_file(linker, source, target)
    out = [json.loads(x) for x in target.read_text(encoding="utf-8").splitlines()]
    assert (run.read, run.linked, run.errors) == (4, 2, 2)
    assert [o["id"] for o in out] == [1, 2, 3, None]
    assert "20000" in out[1]["error"]
    assert "error" in out[3]
    assert out[2]["enterprises"][0]["uscc"] == w.SHUXIANG_JJ


def test_cache_is_reused_and_invalidated_by_new_content(ref_store: BaseGraphStore,
                                                        tmp_path: Path) -> None:
    w.load(ref_store)
    cache = tmp_path / "cache"
    Linker.from_store(ref_store, cache_dir=cache)
    [first] = list(cache.glob("gazetteer-*.pickle"))
    again = Linker.from_store(ref_store, cache_dir=cache)
    assert again.link("成都金宝商贸有限公司").enterprises[0].uscc == w.JINBAO
    assert list(cache.glob("gazetteer-*.pickle")) == [first]
    from jointsup.model import make_node

    extra = make_node("Enterprise", {"uscc": w.code("91510104MA6C7Q8Y9"),
                                     "name": "成都新开张餐饮有限公司", "reg_region_code": "510104",
                                     "status": "存续"})
    ref_store.transaction(lambda tx: tx.upsert_nodes([extra]))
    fresh = Linker.from_store(ref_store, cache_dir=cache)
    assert [p.name for p in cache.glob("gazetteer-*.pickle")] != [first.name]
    assert fresh.link("成都新开张餐饮有限公司").enterprises[0].uscc == extra.key
