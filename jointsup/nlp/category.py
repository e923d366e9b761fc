"""Complaint categories (投诉举报分类): one label per text from the fixed taxonomy in docs/nlp.md.

A weighted keyword lexicon (category_lexicon.py): every lexicon word found in the text adds its
weight to its category once; the highest total wins, ties going to the earlier category in
CATEGORIES; a text whose best total is under MIN_SCORE is 其他. One compiled regular expression
scans the text once, so classifying is a few microseconds per complaint. 其他 has words of
its own (霸王条款, 发票) but, last in CATEGORIES, wins only when it scores strictly highest.

The text is read after NFKC and upper-casing, longest words first (食品安全法 is the law, not
食品 plus the rest); `wordscan.WordScanner` does that without normalising texts that NFKC
would not change in any way the lexicon can see.
"""

from __future__ import annotations

from jointsup.nlp.category_lexicon import LEXICON
from jointsup.nlp.wordscan import WordScanner

CATEGORIES = ("食品", "药品", "化妆品", "医疗器械", "特种设备", "价格", "计量", "广告",
              "产品质量", "商标与知识产权", "预付式消费", "网络交易", "旅游", "教育培训",
              "医疗美容", "农资", "燃气", "其他")
MIN_SCORE = 2

_WORDS: dict[str, list[tuple[int, int]]] = {}
for _cat, _words in LEXICON.items():
    for _word, _weight in _words.items():
        _WORDS.setdefault(_word, []).append((CATEGORIES.index(_cat), _weight))

_SCANNER = WordScanner(_WORDS)


def scores(text: str) -> dict[str, int]:
    """Each category's total weight in the text (categories without a hit are left out).

    Enterprise names are scored too: 康宁大药房 says 药品 (blanking names measured worse).
    """
    seen = _SCANNER.words(text)
    totals: dict[int, int] = {}
    for word in seen:
        for index, weight in _WORDS[word]:
            totals[index] = totals.get(index, 0) + weight
    return {CATEGORIES[i]: s for i, s in sorted(totals.items())}


def classify(text: str) -> str:
    """The category of a complaint text (one of CATEGORIES): `scores` without the dictionary
    keyed by name (a list by category index is enough for the winner)."""
    totals = [0] * len(CATEGORIES)
    for word in _SCANNER.words(text):
        for index, weight in _WORDS[word]:
            totals[index] += weight
    best = max(totals)
    if not best or best < MIN_SCORE:
        return "其他"
    return CATEGORIES[totals.index(best)]  # on a tie, the earlier category
