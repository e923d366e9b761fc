"""Scoring of linked texts against gold, with hand-computed expectations."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from jointsup.errors import InvalidInput
from jointsup.nlp.eval_scoring import Counts, fold, match, score_document
from jointsup.nlp.evaluate import GoldDoc, evaluate, read_gold

A, B, C = "91510104MA0000001X", "91510104MA0000002X", "91510104MA0000003X"


def ent(uscc: str | None, name: str = "x", start: int = 0, end: int = 1) -> dict[str, Any]:
    return {"uscc": uscc, "name": name, "start": start, "end": end}


def test_counts_rates() -> None:
    c = Counts(tp=3, fp=1, fn=2)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / 1.35)
    assert Counts().precision == Counts().recall == 1.0
    assert Counts(fn=1).precision == 0.0
    assert Counts(fp=2).f1 == 0.0


def test_enterprises_by_uscc_and_unresolved_by_name() -> None:
    gold = {"enterprises": [ent(A), ent(A, "again"), ent(B), ent(None, "楼下那家小超市")]}
    got = {"enterprises": [ent(A), ent(C), ent(None, "小超市"), ent(None, "无名摊")]}
    counts, failures = score_document("d", "0123456789", gold, got)
    e = counts["enterprises"]
    # A matches (its repeat counts once), the shop by containment; B missed; C, 无名摊 extra
    assert (e.tp, e.fp, e.fn) == (2, 2, 1)
    assert {(f.what, f.key) for f in failures} == {
        ("missed", "uscc:" + B), ("spurious", "uscc:" + C), ("spurious", "name:无名摊")}


def test_a_resolved_gold_is_not_matched_by_an_unresolved_guess() -> None:
    counts, _ = score_document("d", "老王火锅", {"enterprises": [ent(A, "老王火锅")]},
                               {"enterprises": [ent(None, "老王火锅")]})
    e = counts["enterprises"]
    assert (e.tp, e.fp, e.fn) == (0, 1, 1)


def test_one_character_names_do_not_match_by_containment() -> None:
    assert match([("name", "店")], [("name", "小店")]) == (0, [("name", "店")], [("name", "小店")])


def test_regions_laws_and_codes() -> None:
    gold = {"regions": [{"code": "510107"}, {"code": "500103"}],
            "laws": [{"law": "中华人民共和国食品安全法", "article": 148},
                     {"law": "中华人民共和国广告法", "article": None}],
            "invalid_codes": [{"code": "9151 0104 MA00 0000 1Y"}]}
    got = {"regions": [{"code": "510107"}, {"code": "510100"}],
           "laws": [{"law": "中华人民共和国食品安全法", "article": 148},
                    {"law": "中华人民共和国广告法", "article": 9}],
           "invalid_codes": [{"code": "９１５１０１０４ＭＡ００００００１Ｙ"}]}
    counts, _ = score_document("d", "", gold, got)
    assert (counts["regions"].tp, counts["regions"].fp, counts["regions"].fn) == (1, 1, 1)
    assert (counts["laws"].tp, counts["laws"].fp, counts["laws"].fn) == (1, 1, 1)
    assert (counts["invalid_codes"].tp, counts["invalid_codes"].fn) == (1, 0)


def test_generator_gold_field_names_are_read() -> None:
    counts, _ = score_document("d", "", {"invalid_codes": [{"text": "ab 1", "likely_uscc": A}]},
                               {"invalid_codes": [{"code": "AB1", "suggested_uscc": A}]})
    assert counts["invalid_codes"].tp == 1
    assert fold(" ａｂ 1") == "AB1"


def test_report_adds_up_over_documents() -> None:
    docs = [GoldDoc("1", "武侯区老王火锅", None, {"enterprises": [ent(A)], "regions": [
        {"code": "510107", "start": 0, "end": 3}], "category": "食品"}),
            GoldDoc("2", "没有商家", None, {"enterprises": [], "category": "其他"})]
    answers: dict[str, Mapping[str, Any]] = {
        "武侯区老王火锅": {"enterprises": [ent(A), ent(B)], "regions": [], "category": "食品"},
        "没有商家": {"enterprises": [], "category": "价格"}}
    report = evaluate(docs, lambda text, _at: answers[text])
    assert report.documents == 2
    e, r = report.counts["enterprises"], report.counts["regions"]
    assert (e.tp, e.fp, e.fn, r.tp, r.fn) == (1, 1, 0, 0, 1)
    assert report.category_accuracy == 0.5
    data = report.to_json()
    assert data["enterprises"]["precision"] == 0.5
    assert data["category"]["confusions"] == [{"gold": "其他", "got": "价格", "count": 1}]
    assert any(f["snippet"] == "[武侯区]老王火锅" for f in data["failures"])
    table = report.table()
    assert "enterprises" in table
    assert "0.500" in table
    assert "(1/2)" in table


def test_gold_without_text_reads_texts_by_id(tmp_path: Path) -> None:
    (tmp_path / "clues_gold.jsonl").write_text(
        json.dumps({"id": "X1", "regions": [], "category": "食品"}) + "\n", encoding="utf-8")
    (tmp_path / "clues.csv").write_text(
        "id,channel,received_at,text\nX1,12315_app,2024-01-02T00:00:00+08:00,\"文本,一\"\n",
        encoding="utf-8")
    [doc] = read_gold(tmp_path / "clues_gold.jsonl")
    assert (doc.id, doc.text, doc.received_at) == ("X1", "文本,一", "2024-01-02T00:00:00+08:00")
    texts = tmp_path / "t.jsonl"
    texts.write_text(json.dumps({"id": "X1", "text": "另一个"}) + "\n", encoding="utf-8")
    assert read_gold(tmp_path / "clues_gold.jsonl", texts)[0].text == "另一个"
    texts.write_text(json.dumps({"id": "X2", "text": "别的"}) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no text for id 'X1'"):
        read_gold(tmp_path / "clues_gold.jsonl", texts)
