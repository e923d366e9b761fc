"""Text assembly with exact gold spans, and the ways people mention businesses, places and laws."""

from __future__ import annotations

import random
from typing import Any

from jointsup.ingest.generate import uscc
from jointsup.ingest.generate.entities import Enterprise
from jointsup.ingest.generate.laws import LawBook, cn_numeral
from jointsup.ingest.generate.reference import County, Regions

NATIONAL = "中华人民共和国"


class Text:
    """A text built piece by piece; every mention records its [start, end) span as it is added."""

    def __init__(self) -> None:
        """An empty text with empty annotation lists."""
        self._parts: list[str] = []
        self.length = 0
        self.enterprises: list[dict[str, Any]] = []
        self.regions: list[dict[str, Any]] = []
        self.laws: list[dict[str, Any]] = []
        self.invalid_codes: list[dict[str, Any]] = []

    def add(self, piece: str) -> tuple[int, int]:
        """Append literal text; returns its span."""
        start = self.length
        self._parts.append(piece)
        self.length += len(piece)
        return start, self.length

    def business(self, surface: str, code: str | None) -> None:
        """A business mention; `code` is None for shops that are not registered."""
        start, end = self.add(surface)
        self.enterprises.append({"uscc": code, "name": surface, "start": start, "end": end})

    def region(self, surface: str, code: str) -> None:
        """A place mention resolved to a GB/T 2260 code."""
        start, end = self.add(surface)
        self.regions.append({"code": code, "name": surface, "start": start, "end": end})

    def law(self, surface: str, title: str, article: int | None) -> None:
        """A law mention (with its article when given) resolved to the official title."""
        start, end = self.add(surface)
        self.laws.append({"law": title, "article": article, "start": start, "end": end})

    def invalid_code(self, surface: str, likely: str) -> None:
        """A credit code that fails the check, with the enterprise it most likely meant."""
        start, end = self.add(surface)
        self.invalid_codes.append({"text": surface, "start": start, "end": end,
                                   "likely_uscc": likely})
        self.enterprises.append({"uscc": likely, "name": surface, "start": start, "end": end})

    @property
    def value(self) -> str:
        """The text so far."""
        return "".join(self._parts)


def mention_business(text: Text, ent: Enterprise, rng: random.Random,
                     after_place: bool = False) -> None:
    """Full name, short name, 字号, former name, credit code, or name plus code."""
    styles = ["full", "short", "trade", "code", "name_code"]
    weights = [0 if after_place else 40, 25, 8, 5, 0 if after_place else 15]
    if ent.former_names and not after_place:
        styles.append("former")
        weights.append(10)
    style = rng.choices(styles, weights=weights)[0]
    if style == "full":
        text.business(ent.name, ent.uscc)
    elif style == "short":
        short = ent.short_name + (ent.county.short + "分公司" if ent.parent_uscc else "")
        text.business(short, ent.uscc)
    elif style == "trade":
        text.add("“")
        text.business(ent.trade, ent.uscc)
        text.add("”")
    elif style == "former":
        text.business(rng.choice(ent.former_names), ent.uscc)
        text.add("（现已更名）")
    elif style == "code":
        text.add("统一社会信用代码为")
        mention_code(text, ent.uscc, rng)
        text.add("的商家")
    else:
        opening = rng.choice(("（统一社会信用代码：", "（信用代码 ", "（"))
        text.business(ent.name, ent.uscc)
        text.add(opening)
        mention_code(text, ent.uscc, rng)
        text.add("）")


def mention_code(text: Text, code: str, rng: random.Random) -> None:
    """The code as typed: exact, spaced, full-width, or with a typo that breaks the check."""
    roll = rng.random()
    if roll < 0.4:
        text.business(code, code)
    elif roll < 0.6:
        text.business(" ".join(code[i:i + 4] for i in range(0, 18, 4)), code)
    elif roll < 0.8:
        text.business("".join(chr(ord(c) + 0xFEE0) for c in code), code)
    else:
        text.invalid_code(typo(code, rng), code)


def typo(code: str, rng: random.Random) -> str:
    """One wrong character (or O for 0) so that the check character no longer fits."""
    while True:
        pos = rng.randrange(2, 18)
        if code[pos] == "0" and rng.random() < 0.3:
            wrong = code[:pos] + "O" + code[pos + 1:]
        else:
            choice = rng.choice([c for c in uscc.ALPHABET if c != code[pos]])
            wrong = code[:pos] + choice + code[pos + 1:]
        if not uscc.is_valid(wrong):
            return wrong


def mention_region(text: Text, county: County, regions: Regions, rng: random.Random) -> None:
    """A district with or without 区, a district with its city, or just the city."""
    roll = rng.random()
    city = regions.city_of(county)
    ambiguous = county.name in regions.ambiguous_names
    if roll < 0.35 and not ambiguous:
        text.region(county.name, county.code)
    elif roll < 0.5 and not ambiguous and county.short != county.name \
            and county.short not in regions.ambiguous_names:
        text.region(county.short, county.code)
    elif roll < 0.75:
        head = (city.short if city else "重庆") if rng.random() < 0.5 else (
            city.name if city else "重庆市")
        text.region(head + county.name, county.code)
    elif city is not None:
        text.region(rng.choice((city.short, city.name)), city.code)
    else:
        text.region(rng.choice(("重庆", "重庆市")), "500000")


def mention_law(text: Text, laws: LawBook, key: str, article: int | None,
                rng: random.Random) -> None:
    """《食品安全法》第三十四条, 消费者权益保护法第55条, 《中华人民共和国广告法》, 消法…."""
    law = laws.law(key)
    if article is not None and article not in law.articles:
        raise ValueError(f"{law.title} has no article {article}")
    roll = rng.random()
    if key == "消费者权益保护法" and roll < 0.1:
        name = "消法"
    elif roll < 0.6:
        name = f"《{law.short}》"
    elif roll < 0.8 and law.title.startswith(NATIONAL):
        name = f"《{law.title}》"
    else:
        name = law.short
    if article is not None:
        number = cn_numeral(article) if rng.random() < 0.6 else str(article)
        name += f"第{number}条"
    text.law(name, law.title, article)
