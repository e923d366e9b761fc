"""Complaint categories from the weighted lexicon: labels, ties, fallbacks, dev-set accuracy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jointsup.nlp.category import CATEGORIES, MIN_SCORE, classify, scores
from jointsup.nlp.category_lexicon import LEXICON

DEV = Path(__file__).parents[1] / "data" / "nlp_dev" / "dev.jsonl"


def test_the_lexicon_covers_the_taxonomy() -> None:
    assert set(LEXICON) == set(CATEGORIES)
    assert all(1 <= w <= 3 for words in LEXICON.values() for w in words.values())


@pytest.mark.parametrize(("text", "expected"), [
    ("在火锅店吃饭，毛肚是馊的，吃完拉肚子", "食品"),
    ("药店不要处方就卖抗生素", "药品"),
    ("小区电梯又困人了，检验合格证过期", "特种设备"),
    ("液化气钢瓶漏气，送气工还要加钱", "燃气"),
    ("健身房跑路了，年卡还剩半年", "预付式消费"),
    ("导游强迫我们进购物店", "旅游"),
    ("做了双眼皮，术后不对称", "医疗美容"),
    ("买的复合肥是假的，秧苗都死了", "农资"),
    ("秤有问题，短斤少两", "计量"),
    ("请问营业执照怎么补办", "其他"),
    ("", "其他"),
])
def test_typical_complaints(text: str, expected: str) -> None:
    assert classify(text) == expected


def test_each_word_counts_once_and_full_width_is_folded() -> None:
    assert scores("过期过期过期") == {"食品": 2}
    assert classify("买的插线板没有３Ｃ标志") == "产品质量"


def test_weak_cues_alone_fall_back_to_other() -> None:
    weak = [w for w, weight in LEXICON["食品"].items() if weight < MIN_SCORE]
    assert weak
    assert classify(weak[0]) == "其他"


def test_other_wins_only_when_strictly_ahead() -> None:
    assert classify("发票") == "其他"
    assert classify("开发票，过期酸奶") == "食品"


def test_a_law_title_is_read_whole() -> None:
    # 食品安全法 is one word (weight 3), not 食品 (2) plus the rest.
    assert scores("依据食品安全法") == {"食品": 3}


def test_accuracy_on_the_development_set() -> None:
    with DEV.open(encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    right = sum(classify(d["text"]) == d["category"] for d in docs)
    assert right / len(docs) >= 0.9


def test_the_textcat_alternative_learns_its_training_texts() -> None:
    from jointsup.nlp.category_textcat import predict, train_textcat

    pairs = [("火锅里吃出苍蝇，拉肚子", "食品"), ("药店卖假药，没有处方", "药品"),
             ("电梯困人，检验过期", "特种设备"), ("健身卡跑路，会员卡退不了", "预付式消费")] * 4
    nlp = train_textcat(pairs, epochs=8)
    assert sum(predict(nlp, text) == cat for text, cat in pairs[:4]) >= 3
    assert set(nlp.get_pipe("textcat").labels) == set(CATEGORIES)  # type: ignore[attr-defined]
