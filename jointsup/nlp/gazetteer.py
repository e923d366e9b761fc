"""The gazetteer (词典): every surface form the linker knows, in one Aho-Corasick automaton.

Each surface maps to one or more packed entries `index * 8 + kind`; the tables hold what the
indices point at (enterprises column-wise, so a million of them stay small). The automaton
won the measurement against spaCy's PhraseMatcher (bench/nlp_bench.py): it builds a million
names in seconds where the matcher needs a Doc per pattern.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum

import ahocorasick

from jointsup.nlp import names
from jointsup.nlp.normalize import TABLE as NORMALIZE_TABLE


class Kind(IntEnum):
    """What a surface names."""

    NAME = 0  # registered enterprise name
    FORMER = 1  # former name (曾用名)
    SHORT = 2  # 字号 + industry word
    TRADE = 3  # 字号 alone
    REGION = 4
    DEPARTMENT = 5
    LAW = 6


@dataclass
class EnterpriseRow:
    """One enterprise as the gazetteer needs it."""

    uscc: str
    name: str
    region_code: str
    status: str
    former_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegionRow:
    """One region: code, name, level, parent code (None at the top)."""

    code: str
    name: str
    level: str
    parent: str | None


@dataclass(frozen=True)
class LawRow:
    """One version of a law: official and short title, version date, article count, flags."""

    title: str
    short_title: str
    version: str
    article_count: int
    current: bool
    repealed: bool


# Usual abbreviations that are not simply the title without 中华人民共和国.
LAW_ALIASES = {"消法": "消费者权益保护法", "消保法": "消费者权益保护法", "食安法": "食品安全法",
               "电商法": "电子商务法", "反不正当竞争法": "反不正当竞争法"}
_REGION_SUFFIXES = ("自治州", "自治县", "自治旗", "地区", "省", "市", "区", "县", "盟", "旗")
MIN_SHORT = 4  # 日用品, 酒店管理 left of a name are ordinary words, not names
INACTIVE = frozenset({"吊销", "注销", "撤销", "迁出"})


@dataclass
class Gazetteer:
    """Surfaces → packed entries, and the tables the entries point into."""

    automaton: ahocorasick.Automaton
    usccs: list[str] = field(default_factory=list)
    ent_names: list[str] = field(default_factory=list)
    ent_regions: list[str] = field(default_factory=list)
    ent_inactive: bytearray = field(default_factory=bytearray)
    ent_words: list[str] = field(default_factory=list)
    regions: dict[str, RegionRow] = field(default_factory=dict)
    region_codes: list[str] = field(default_factory=list)
    region_weight: dict[str, int] = field(default_factory=dict)  # enterprises per province
    laws: dict[str, list[LawRow]] = field(default_factory=dict)  # title → versions, oldest first
    departments: list[tuple[str, str]] = field(default_factory=list)
    by_uscc: dict[str, int] = field(default_factory=dict)

    def matches(self, text: str) -> Iterator[tuple[int, int, int, tuple[int, ...]]]:
        """Longest non-overlapping matches as (start, end, mask of kinds, packed entries)."""
        if not text:
            return
        for end, value in self.automaton.iter_long(text):
            # The automaton does not return the key: its length is packed into the value. A
            # shared surface is a tuple whose head holds the length and the mask of its kinds.
            if isinstance(value, int):
                yield end + 1 - (value >> _LEN_SHIFT), end + 1, 1 << (value & 7), (value,)
            else:
                head = value[0]
                yield end + 1 - (head >> _LEN_SHIFT), end + 1, head & INDEX_MASK, value[1:]

    def region_at(self, index: int) -> RegionRow:
        """The region a REGION entry points at."""
        return self.regions[self.region_codes[index]]


_LEN_SHIFT = 40  # value = length << 40 | index << 3 | kind (indices stay below 2**37)
INDEX_MASK = (1 << _LEN_SHIFT) - 1


class GazetteerBuilder:
    """Adds surfaces one table row at a time, then freezes them into a Gazetteer."""

    def __init__(self) -> None:
        """An empty builder."""
        self.gaz = Gazetteer(ahocorasick.Automaton())
        self._region_names = names.RegionIndex()
        # Surfaces collect in a dict first: far cheaper than asking the automaton each time. A
        # shared surface holds a list (appended in place: a 字号 shared by a thousand
        # enterprises would otherwise be copied a thousand times), frozen to a tuple in build().
        self._surfaces: dict[str, int | list[int]] = {}

    def add(self, surface: str, kind: Kind, index: int) -> None:
        """One surface naming row `index` of `kind`'s table."""
        key = surface.translate(NORMALIZE_TABLE).strip()
        old = self._surfaces.get(key)
        if isinstance(old, list) and len(key) << _LEN_SHIFT | index << 3 | kind in old:
            return  # e.g. a region's former name that is also one of its current names
        self._put(key, kind, index)

    def _put(self, key: str, kind: Kind, index: int) -> None:
        """`add` for a surface already normalised."""
        if len(key) < 2:
            return
        value = len(key) << _LEN_SHIFT | index << 3 | kind
        surfaces = self._surfaces
        old = surfaces.setdefault(key, value)
        if old == value:
            return
        if isinstance(old, int):
            surfaces[key] = [old, value]
        elif old[-1] != value:  # one row's surfaces arrive together: a repeat can only be last
            old.append(value)

    def regions(self, rows: Iterable[RegionRow], former: Iterable[tuple[str, str]] = ()) -> None:
        """Regions under their names, names without the level suffix, and former names."""
        for row in rows:
            self.gaz.regions[row.code] = row
        self.gaz.region_codes = list(self.gaz.regions)
        index = {code: i for i, code in enumerate(self.gaz.region_codes)}
        for row in self.gaz.regions.values():
            if row.name in ("市辖区", "县") or row.name.endswith("直辖县级行政区划"):
                continue
            for surface in region_surfaces(row):
                self.add(surface, Kind.REGION, index[row.code])
                self._region_names.add(surface, row.code)
        for old_name, new_code in former:
            if new_code in self.gaz.regions:
                self.add(old_name, Kind.REGION, index[new_code])
                self._region_names.add(old_name, new_code)

    def laws(self, rows: Iterable[LawRow]) -> None:
        """Law titles, their short titles and usual abbreviations."""
        for row in sorted(rows, key=lambda r: r.version):
            self.gaz.laws.setdefault(row.title, []).append(row)
        titles = list(self.gaz.laws)
        for index, title in enumerate(titles):
            short = self.gaz.laws[title][-1].short_title
            for surface in {title, short, title.removeprefix("中华人民共和国")}:
                self.add(surface, Kind.LAW, index)
            for alias, target in LAW_ALIASES.items():
                if target == short:
                    self.add(alias, Kind.LAW, index)

    def departments(self, rows: Iterable[tuple[str, str]]) -> None:
        """Department names (so that 市场监督管理局 is never taken for a business)."""
        for code, name in rows:
            self.gaz.departments.append((code, name))
            self.add(name, Kind.DEPARTMENT, len(self.gaz.departments) - 1)

    def enterprises(self, rows: Iterable[EnterpriseRow]) -> None:
        """Many enterprises, with the cyclic garbage collector paused: a million rows allocate
        millions of objects, and every collection would rescan all that were kept."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            chunk: list[EnterpriseRow] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == 10_000:
                    self._chunk(chunk)
                    chunk = []
            self._chunk(chunk)
        finally:
            if enabled:
                gc.enable()

    def enterprise(self, row: EnterpriseRow) -> None:
        """An enterprise under its name, former names, short name and trade name."""
        self._chunk([row])

    def _chunk(self, rows: list[EnterpriseRow]) -> None:
        """Rows at a time: their names normalised in one call, each surface put without one."""
        if not rows:
            return
        gaz, put = self.gaz, self._put
        joined = "\n".join(row.name for row in rows).translate(NORMALIZE_TABLE).split("\n")
        clean = joined if len(joined) == len(rows) else [
            row.name.translate(NORMALIZE_TABLE) for row in rows]
        index = len(gaz.usccs)
        regions, short_name = self._region_names, names.short_name
        for row, name in zip(rows, clean, strict=True):
            gaz.usccs.append(row.uscc)
            gaz.ent_names.append(row.name)
            gaz.ent_regions.append(row.region_code)
            gaz.ent_inactive.append(row.status in INACTIVE)
            gaz.by_uscc[row.uscc] = index
            put(name.strip(), Kind.NAME, index)
            for former in row.former_names:
                self.add(former, Kind.FORMER, index)
            short = short_name(name, regions, row.region_code or None)
            word = ""
            if short and len(short) >= MIN_SHORT:
                put(short, Kind.SHORT, index)
                for variant in names.variants(short):
                    put(variant, Kind.SHORT, index)
                trades = names.trade_names(short)
                for trade in trades:
                    put(trade, Kind.TRADE, index)
                word = names.industry_word(short, trades[0] if trades else None)
            gaz.ent_words.append(word)
            index += 1

    def build(self) -> Gazetteer:
        """Freeze the automaton; the builder is spent afterwards."""
        self.gaz.region_weight = dict(Counter(code[:2] for code in self.gaz.ent_regions))
        add = self.gaz.automaton.add_word
        for key, value in self._surfaces.items():
            if isinstance(value, list):
                mask = 0
                for entry in value:
                    mask |= 1 << (entry & 7)
                add(key, (value[0] >> _LEN_SHIFT << _LEN_SHIFT | mask, *value))
            else:
                add(key, value)
        self._surfaces = {}
        self.gaz.automaton.make_automaton()
        return self.gaz


def region_surfaces(row: RegionRow) -> set[str]:
    """成华区 and 成华; 凉山彝族自治州 and 凉山; a township only under its full name."""
    out = {row.name}
    if row.level == "township":
        return out
    for suffix in _REGION_SUFFIXES:
        if row.name.endswith(suffix) and len(row.name) - len(suffix) >= 2:
            stem = row.name[: -len(suffix)]
            if "族" in stem and suffix.startswith("自治"):
                out.add(row.name[:-1])  # 峨边彝族自治(县)
                stem = stem[:2]
            out.add(stem)
            break
    return out
