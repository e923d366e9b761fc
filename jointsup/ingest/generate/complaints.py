"""Clues (线索): complaint and report texts with gold annotations, including planted ones."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from jointsup.ingest.generate import clock, phrases
from jointsup.ingest.generate.entities import Enterprise
from jointsup.ingest.generate.laws import LawBook
from jointsup.ingest.generate.mentions import (
    Text,
    mention_business,
    mention_code,
    mention_law,
    mention_region,
)
from jointsup.ingest.generate.names import Addresses
from jointsup.ingest.generate.patterns import Group
from jointsup.ingest.generate.profiles import INDIVIDUAL
from jointsup.ingest.generate.reference import County, Regions

CHANNELS = ("12315_hotline", "12315_web", "12315_app", "report", "partner_transfer", "risk_model")
CHANNEL_WEIGHTS = (30, 25, 20, 15, 6, 4)
_SLOT = re.compile(r"(\{[A-Z0-9]+\})")
WINDOW_START = date(2024, 7, 1)
MONEY = ("88元", "168元", "299元", "500元", "980元", "1200元", "2000元", "3680元", "5000元",
         "12800元")


@dataclass(frozen=True)
class Clue:
    """A clues.csv row plus its gold annotation."""

    row: tuple[str, ...]
    gold: dict[str, Any]


class ClueFactory:
    """Writes clue texts about enterprises, unregistered shops or nobody, numbering them."""

    def __init__(self, rng: random.Random, regions: Regions, laws: LawBook,
                 addresses: Addresses) -> None:
        """Shared reference objects; clue ids count up from 1."""
        self.rng, self.regions, self.laws, self.addresses = rng, regions, laws, addresses
        self.count = 0

    def ordinary(self, ent: Enterprise, recent: Iterable[Enterprise]) -> list[Clue]:
        """About one clue per five enterprises, sometimes naming a second business."""
        rng = self.rng
        if rng.random() >= 0.17:
            return []
        end = min(clock.ANCHOR, clock.plus_days(ent.ended, 60)) if ent.ended else clock.ANCHOR
        start = max(ent.established, WINDOW_START)
        if start > end:
            return []
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        category = self._category(ent)
        text = Text()
        if channel == "risk_model":
            text.add(rng.choice(phrases.OPENERS[channel]))
            mention_business(text, ent, rng)
            text.add(f"近期被多次投诉{category}问题，建议纳入重点检查。")
        else:
            text.add(rng.choice(phrases.OPENERS[channel]))
            self._body(text, category, ent, ent.county)
            second = [e for e in recent if e is not ent and e.profile.category == category
                      and e.county.province_code == ent.county.province_code]
            if second and rng.random() < 0.15:
                self._fill(text, rng.choice(phrases.SECOND), category, rng.choice(second),
                           ent.county)
            self._demand(text, category, ent.county)
        name, code = self._respondent(channel, ent)
        return [self._clue(text, channel, clock.between(rng, start, end), ent.county.code,
                           name, code, category)]

    def orphan(self, county: County) -> Clue:
        """A clue about an unregistered shop, or one that names no business at all."""
        rng = self.rng
        channel = rng.choices(CHANNELS[:4], weights=CHANNEL_WEIGHTS[:4])[0]
        text = Text()
        text.add(rng.choice(phrases.OPENERS[channel]))
        if rng.random() < 0.5:
            category, body = rng.choice(phrases.NO_BUSINESS)
            self._fill(text, body, category, None, county)
        else:
            category = rng.choice(("食品", "食品", "价格", "计量", "化妆品", "教育培训", "其他"))
            body = ""
            self._body(text, category, None, county)
        if "{L}" in body:
            text.add(rng.choice(phrases.DEMANDS))  # a legal question needs no second citation
        else:
            self._demand(text, category, county)
        day = clock.between(rng, WINDOW_START, clock.ANCHOR)
        return self._clue(text, channel, day, county.code, "", "", category)

    def surge(self, ent: Enterprise, group: Group) -> list[Clue]:
        """A burst of prepaid-card complaints inside the group's window (投诉激增)."""
        rng = self.rng
        clues = []
        for _ in range(rng.randint(6, 12)):
            channel = rng.choice(CHANNELS[:3])
            text = Text()
            text.add(rng.choice(phrases.OPENERS[channel]) + rng.choice(phrases.SURGE_LEADS))
            self._body(text, "预付式消费", ent, ent.county)
            self._demand(text, "预付式消费", ent.county)
            day = clock.between(rng, group.window[0], group.window[1])
            name, code = self._respondent(channel, ent)
            clue = self._clue(text, channel, day, ent.county.code, name, code, "预付式消费")
            clues.append(clue)
            group.extra.append(clue.row[0])
        return clues

    def licence(self, ent: Enterprise, group: Group) -> list[Clue]:
        """Shops that trade under this enterprise's licence (一照多用), one clue per shop."""
        rng = self.rng
        shops = ent.line.shops or ent.profile.shop_words or ("店",)
        word = ent.word if ent.kind == INDIVIDUAL else rng.choice(shops)
        base = ent.trade + word
        clues = []
        for number in range(rng.randint(3, 5)):
            road = self.addresses.road(rng)
            shop = rng.choice((f"{base}{road}店", f"{base}（{road}店）",
                               f"{base}{'一二三四五六'[number]}店" if number else f"{base}总店"))
            if shop in group.extra:
                continue
            group.extra.append(shop)
            text = Text()
            text.add(rng.choice(phrases.OPENERS["report"]) + self._when() + "在")
            text.business(shop, None)
            text.add("消费，发现店里挂的营业执照是")
            if rng.random() < 0.7:
                text.business(ent.name, ent.uscc)
            else:
                text.add("统一社会信用代码")
                mention_code(text, ent.uscc, rng)
            text.add("的，和店名对不上，怀疑一照多用。")
            self._demand(text, ent.profile.category, ent.county)
            day = clock.between(rng, max(ent.established, WINDOW_START), clock.ANCHOR)
            code = ent.uscc if rng.random() < 0.3 else ""
            clues.append(self._clue(text, "report", day, ent.county.code,
                                    shop if rng.random() < 0.5 else "", code,
                                    ent.profile.category))
        return clues

    def _category(self, ent: Enterprise) -> str:
        if self.rng.random() < 0.75:
            return ent.profile.category
        return self.rng.choice(phrases.PROFILE_ALTERNATIVES.get(ent.profile.key,
                                                                phrases.ALTERNATIVES))

    def _body(self, text: Text, category: str, ent: Enterprise | None, county: County) -> None:
        own = ent is not None and category == ent.profile.category
        bodies = phrases.PROFILE_BODIES.get(ent.profile.key, ()) if own and ent else ()
        template = self.rng.choice(bodies or phrases.BODIES[category])
        if "{R}" not in template and self.rng.random() < 0.2:
            template = "事发地点：{R}。" + template
        self._fill(text, template, category, ent, county)

    def _demand(self, text: Text, category: str, county: County) -> None:
        rng = self.rng
        if rng.random() < 0.3:
            self._fill(text, rng.choice(phrases.LAW_DEMANDS), category, None, county)
        else:
            text.add(rng.choice(phrases.DEMANDS))

    def _fill(self, text: Text, template: str, category: str, ent: Enterprise | None,
              county: County) -> None:
        rng = self.rng
        for piece in _SLOT.split(template):
            if piece in ("{E}", "{E2}"):
                if ent is None:
                    shops = phrases.UNREGISTERED.get(category, phrases.UNREGISTERED[""])
                    text.business(rng.choice(shops), None)
                else:
                    # Right after "{R}的" a full name would repeat the place (武侯区的成都市…).
                    last = text.regions[-1]["end"] if text.regions else -2
                    mention_business(text, ent, rng, after_place=last == text.length - 1)
            elif piece == "{R}":
                mention_region(text, county, self.regions, rng)
            elif piece == "{L}":
                options = phrases.LAWS[category]
                if not county.in_sichuan:
                    options += phrases.CHONGQING_LAWS.get(category, ())
                key, article = rng.choice(options)
                mention_law(text, self.laws, key, article, rng)
            elif piece == "{P}":
                products = ent.line.products if ent else phrases.ORPHAN_PRODUCTS.get(
                    category, ("商品", "东西"))
                text.add(rng.choice(products))
            elif piece == "{D}":
                text.add(self._when())
            elif piece == "{M}":
                text.add(rng.choice(MONEY))
            elif piece == "{N}":
                text.add(str(rng.randint(2, 5)))
            elif piece == "{AD}":
                text.add(rng.choice(phrases.ADS))
            elif piece == "{AD2}":
                text.add(rng.choice(phrases.TRAINING_ADS))
            elif piece:
                text.add(piece)

    def _when(self) -> str:
        phrase = self.rng.choice(phrases.TIMES)
        return phrase.format(m=self.rng.randint(1, 12), d=self.rng.randint(1, 28))

    def _respondent(self, channel: str, ent: Enterprise) -> tuple[str, str]:
        rng = self.rng
        share = {"12315_web": 0.6, "12315_app": 0.6, "12315_hotline": 0.2, "report": 0.3}
        if rng.random() >= share.get(channel, 0.0):
            return "", ""
        name = ent.name if rng.random() < 0.6 else ent.short_name
        return name, ent.uscc if rng.random() < 0.35 else ""

    def _clue(self, text: Text, channel: str, day: date, region: str, name: str, code: str,
              category: str) -> Clue:
        self.count += 1
        clue_id = f"XS{self.count:010d}"
        value = text.value
        row = (clue_id, channel, clock.timestamp(self.rng, day), value, region, name, code)
        gold = {"id": clue_id, "enterprises": text.enterprises, "regions": text.regions,
                "laws": text.laws, "invalid_codes": text.invalid_codes, "category": category}
        return Clue(row, gold)
