"""The gazetteer (词典): every surface form the linker knows, in one Aho-Corasick automaton.

Each surface maps to one or more packed entries `index * 8 + kind`; the tables hold what the
indices point at (enterprises column-wise, so a million of them stay small). The automaton
won the measurement against spaCy's PhraseMatcher (bench/nlp_bench.py): it builds a million
names in seconds where the matcher needs a Doc per pattern.
"""

from __future__ import annotations

import gc
from array import array
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
    """Surfaces → packed entries, and the tables the entries point into.

    The automaton stores plain integers (`STORE_INTS`: no Python object per surface, and it
    pickles as one block): a surface naming one entry holds a slot of `singles`, the entry
    itself; a surface shared by several holds `~slot` of `shared`, a tuple whose head packs
    the surface's length and the mask of its kinds, followed by the entries."""

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
    singles: array[int] = field(default_factory=lambda: array("q"))
    shared: list[tuple[int, ...]] = field(default_factory=list)

    def matches(self, text: str) -> Iterator[tuple[int, int, int, tuple[int, ...]]]:
        """Longest non-overlapping matches as (start, end, mask of kinds, packed entries)."""
        if not text:
            return
        singles, shared = self.singles, self.shared
        for end, slot in self.automaton.iter_long(text):
            # The automaton does not return the key: its length is packed into the value.
            if slot >= 0:
                value = singles[slot]
                yield end + 1 - (value >> _LEN_SHIFT), end + 1, 1 << (value & 7), (value,)
            else:
                entries = shared[~slot]
                head = entries[0]
                yield end + 1 - (head >> _LEN_SHIFT), end + 1, head & INDEX_MASK, entries[1:]

    def surfaces(self) -> Iterator[tuple[str, int, tuple[int, ...]]]:
        """Every surface with the mask of its kinds and its packed entries (for tests/tools)."""
        for key, slot in self.automaton.items():
            if slot >= 0:
                value = self.singles[slot]
                yield key, 1 << (value & 7), (value,)
            else:
                entries = self.shared[~slot]
                yield key, entries[0] & INDEX_MASK, entries[1:]

    def region_at(self, index: int) -> RegionRow:
        """The region a REGION entry points at."""
        return self.regions[self.region_codes[index]]


_LEN_SHIFT = 40  # value = length << 40 | index << 3 | kind (indices stay below 2**37)
INDEX_MASK = (1 << _LEN_SHIFT) - 1


class GazetteerBuilder:
    """Adds surfaces one table row at a time, then freezes them into a Gazetteer."""

    def __init__(self) -> None:
        """An empty builder."""
        self.gaz = Gazetteer(ahocorasick.Automaton(ahocorasick.STORE_INTS))
        self._region_names = names.RegionIndex()
        # Surfaces collect in a dict first: far cheaper than asking the automaton each time. A
        # shared surface holds a list (appended in place: a 字号 shared by a thousand
        # enterprises would otherwise be copied a thousand times), frozen to a tuple in build().
        self._surfaces: dict[str, int | list[int]] = {}
        # Lengths of a short name's variants by its part after four characters (all they
        # depend on): industry words repeat across a million names.
        self._cuts: dict[str, tuple[int, ...]] = {}
        # One string object per distinct region code and industry word: a million rows repeat
        # a few thousand of them, and the cache artifact then stores each once.
        self._shared_strings: dict[str, str] = {}

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
        """Rows at a time: their names normalised in one call, each surface put inline (a
        function call per surface costs as much as the put itself)."""
        if not rows:
            return
        gaz, cuts = self.gaz, self._cuts
        joined = "\n".join(row.name for row in rows).translate(NORMALIZE_TABLE).split("\n")
        clean = joined if len(joined) == len(rows) else [
            row.name.translate(NORMALIZE_TABLE) for row in rows]
        index = len(gaz.usccs)
        gaz.usccs.extend(row.uscc for row in rows)
        gaz.ent_names.extend(row.name for row in rows)
        one = self._shared_strings.setdefault
        gaz.ent_regions.extend(one(row.region_code, row.region_code) for row in rows)
        gaz.ent_inactive.extend(row.status in INACTIVE for row in rows)
        gaz.by_uscc.update(zip(gaz.usccs[index:], range(index, index + len(rows)), strict=True))
        regions, short_name, words = self._region_names, names.short_name, gaz.ent_words
        put, owner_trades = self._put, names.OWNER_TRADES
        name_kind, short_kind, trade_kind = Kind.NAME, Kind.SHORT, Kind.TRADE
        for row, name in zip(rows, clean, strict=True):
            put(name.strip(), name_kind, index)
            for former in row.former_names:
                self.add(former, Kind.FORMER, index)
            short = short_name(name, regions, row.region_code or None)
            if not short or len(short) < MIN_SHORT:
                words.append("")
                index += 1
                continue
            # 字号: two characters (王嬢嬢 three), and three as well when the short name is
            # long enough to hold one (names.trade_names, names.industry_word).
            pairs = [(short, short_kind)]
            tail = short[4:]
            lengths = cuts.get(tail)
            if lengths is None:
                lengths = cuts[tail] = tuple(len(v) for v in names.variants(short))
            for n in lengths:
                pairs.append((short[:n], short_kind))
            if len(short) < 5:
                pairs.append((short[:2], trade_kind))
                rest = short[2:]
            elif short[1:3] in owner_trades:
                pairs.append((short[:3], trade_kind))
                rest = short[3:]
            else:
                pairs += ((short[:2], trade_kind), (short[:3], trade_kind))
                rest = short[2:]
            if rest.endswith(names.BRANCH_WORDS):
                rest = rest[: -len(next(w for w in names.BRANCH_WORDS if rest.endswith(w))) - 2]
            words.append(one(rest, rest))
            for key, kind in pairs:
                put(key, kind, index)
            index += 1

    def build(self) -> Gazetteer:
        """Freeze the automaton; the builder is spent afterwards."""
        gaz = self.gaz
        gaz.region_weight = dict(Counter(code[:2] for code in gaz.ent_regions))
        add, singles, shared = gaz.automaton.add_word, gaz.singles, gaz.shared
        surfaces = self._surfaces
        # Popped, not iterated: each key string is freed as the trie takes it over, which
        # keeps the peak (table and trie together) lower.
        while surfaces:
            key, value = surfaces.popitem()
            if isinstance(value, list):
                mask = 0
                for entry in value:
                    mask |= 1 << (entry & 7)
                add(key, ~len(shared))
                shared.append((value[0] >> _LEN_SHIFT << _LEN_SHIFT | mask, *value))
            else:
                add(key, len(singles))
                singles.append(value)
        self._surfaces = {}
        if len(singles) >= 1 << 31 or len(shared) >= 1 << 31:
            raise ValueError("gazetteer: more than 2**31 surfaces do not fit the automaton")
        gaz.automaton.make_automaton()
        return gaz



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
