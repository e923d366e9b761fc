"""Unit: the gazetteer's bulk name derivation gives exactly the surfaces of the one-name-at-a-time
derivation it replaced (kept below as the reference), on generated and awkward names; the
gazetteer survives its cache artifact."""

from __future__ import annotations

import gc
import pickle
import random
import re
from pathlib import Path

import pytest
from stdnum.cn import uscc as stdnum_uscc

from bench.nlp_bench import reference_rows
from jointsup.ingest.generate import names as gen
from jointsup.ingest.generate.profiles import PROFILES
from jointsup.ingest.generate.reference import default_reference_dir, load_regions
from jointsup.nlp import names
from jointsup.nlp.gazetteer import (
    INACTIVE,
    EnterpriseRow,
    Gazetteer,
    GazetteerBuilder,
    Kind,
)
from jointsup.nlp.normalize import TABLE
from jointsup.nlp.source import former_region_names, load_artifact

# ---- the reference: the derivation as it was, one name and one call at a time ----------------

_LEN_SHIFT = 40
_BRANCH = re.compile(r"^(?P<parent>.*(?:公司|厂|社))(?P<place>.+?)(?P<word>分公司|分厂|分店|分社)$")
_PAREN = re.compile(r"[（(][^（）()]{1,8}[）)]")


def _ref_inside(code: str, outer: str, or_same: bool = False) -> bool:
    head = outer[:2] if outer[2:] == "0000" else outer[:4] if outer[4:] == "00" else outer
    return (or_same or code != outer) and code.startswith(head)


_SIZES: list[tuple[dict[str, list[str]], dict[str, list[int]]]] = []


def _ref_strip_region(name: str, codes_of: dict[str, list[str]], home: str | None) -> str:
    sizes = next((s for c, s in _SIZES if c is codes_of), None)
    if sizes is None:  # place names by their first two characters, worked out once per index
        sizes = {}
        for place in codes_of:
            sizes.setdefault(place[:2], []).append(len(place))
        _SIZES.append((codes_of, sizes))
    outer: list[str] | None = None
    while True:
        for size in sorted(set(sizes.get(name[:2], [])), reverse=True):
            if size > len(name) - 2:
                continue
            codes = codes_of.get(name[:size])
            if not codes or (home and not any(_ref_inside(home, c, True) for c in codes)):
                continue
            if outer is None or any(_ref_inside(c, o) for c in codes for o in outer):
                name, outer = name[size:], codes
                break
        else:
            return name


def _ref_short_name(name: str, codes_of: dict[str, list[str]], home: str | None) -> str | None:
    branch = _BRANCH.match(name)
    if branch:
        parent = _ref_short_name(branch["parent"], codes_of, None)
        return None if parent is None else parent + branch["place"] + branch["word"]
    core = _PAREN.sub("", name)
    for form in names.LEGAL_FORMS:
        if core.endswith(form) and len(core) > len(form):
            core = core[: -len(form)]
            break
    core = _ref_strip_region(core, codes_of, home)
    if name.endswith("合作社"):
        core = core.removesuffix("养殖").removesuffix("种植")
    return None if len(core) < 3 or core == name else core


def _ref_variants(short: str) -> list[str]:
    out: list[str] = []
    current = short
    while True:
        tail = next((t for t in names.DROPPED_TAILS if current.endswith(t)
                     and len(current) - len(t) >= 4), None)
        if tail is None:
            return out
        current = current[: -len(tail)]
        out.append(current)


def _ref_trades(short: str) -> list[str]:
    if len(short) >= 5 and short[1:3] == "嬢嬢":
        first = short[:3]
    elif len(short) >= 4:
        first = short[:2]
    else:
        return []
    return [first, short[:3]] if len(first) == 2 and len(short) >= 5 else [first]


def _ref_word(short: str, trade: str) -> str:
    rest = short[len(trade):]
    for word in ("分公司", "分店", "分厂", "分社"):
        if rest.endswith(word):
            return rest[: -len(word) - 2]
    return rest


Start = tuple[dict[str, list[int]], dict[str, list[str]], int]


def reference(rows: list[EnterpriseRow], start: Start
              ) -> tuple[dict[str, tuple[int, tuple[int, ...]]], list[str]]:
    """Surface → (mask, packed entries) and the industry words, as the old builder made them
    after the surfaces and place-name index of `start` (enterprise indices from its count)."""
    table, codes_of, first = {k: list(v) for k, v in start[0].items()}, start[1], start[2]

    def put(key: str, kind: Kind, index: int) -> None:
        if len(key) < 2:
            return
        value = len(key) << _LEN_SHIFT | index << 3 | kind
        entries = table.setdefault(key, [])
        if not entries or entries[-1] != value:
            entries.append(value)

    words = []
    for index, row in enumerate(rows, start=first):
        name = row.name.translate(TABLE)
        put(name.strip(), Kind.NAME, index)
        for former in row.former_names:
            key = former.translate(TABLE).strip()
            if len(key) << _LEN_SHIFT | index << 3 | Kind.FORMER not in table.get(key, []):
                put(key, Kind.FORMER, index)
        short = _ref_short_name(name, codes_of, row.region_code or None)
        word = ""
        if short and len(short) >= 4:
            put(short, Kind.SHORT, index)
            for variant in _ref_variants(short):
                put(variant, Kind.SHORT, index)
            trades = _ref_trades(short)
            for trade in trades:
                put(trade, Kind.TRADE, index)
            word = _ref_word(short, trades[0])
        words.append(word)
    out = {}
    for key, entries in table.items():
        mask = 0
        for entry in entries:
            mask |= 1 << (entry & 7)
        out[key] = (mask, tuple(entries))
    return out, words


# ---- names to test on -------------------------------------------------------------------------

AWKWARD = ["成都市锦江区蜀香餐饮有限公司", "瑞达（重庆）液化气有限公司", "瑞达(成都)液化气有限公司",
           "沙坪坝区夏记夜宵店", "成都博兴洗浴有限公司", "四川省成都市锦江区蜀香餐饮股份有限公司",
           "成都市成都市锦江区重复有限公司", "锦江区成都市倒序有限公司", "成都有限公司", "成都",
           "有限公司", "公司", "", " ", "蜀", "蜀香", "成都市锦江区", "成都市锦江区餐饮",
           "金堂县王嬢嬢火锅店", "金堂县王嬢嬢店", "盐亭县吴嬢嬢助听器店", "金堂县张嬢嬢",
           "成都蜀香餐饮有限公司锦江分公司", "蜀香餐饮有限公司锦江分公司",
           "成都蜀香餐饮有限公司锦江第二分公司", "成都红旗连锁有限公司青羊分店",
           "营山县瑞福种植专业合作社", "营山县瑞福生猪养殖专业合作社", "营山县瑞福养殖合作社",
           "ＡＢＣ成都科技有限公司", "成都\u200b蜀香\u3000餐饮有限公司", "成都蜀香餐饮有限公司\n",
           "成都蜀香餐饮有限公司锦江分公司\n", "成都星空网络科技服务中心有限公司",
           "成都老王火锅店", "成都老王火锅店中心服务管理科技", "重庆兴安网络科技发展有限公司",
           "凉山彝族自治州西昌市邛海餐饮有限公司", "峨边彝族自治县金岩茶叶有限公司",
           "峨边彝族自治茶业有限公司", "阿坝富捷液化气有限公司",
           "宜宾（叙州）腾德（农业）开发有限公司"]
HOMES = ["510104", "510100", "510000", "", "511132", "500106", "5101", "999999", "51010400"]


def generated(count: int, seed: int) -> list[EnterpriseRow]:
    """Names the way the generator makes them (companies, family shops, cooperatives,
    branches, former names), then the awkward ones under several registered regions."""
    rng = random.Random(seed)  # noqa: S311  (test data, not secrets)
    counties = load_regions(default_reference_dir()).counties
    lines = [line for p in PROFILES for line in p.lines]
    rows: list[EnterpriseRow] = []
    for index in range(count):
        county = rng.choice(counties)
        line = rng.choice(lines)
        roll = rng.random()
        if line.shops and roll < 0.3:
            name = gen.individual_name(rng, county, gen.owner_trade(
                rng, rng.choice(gen.SURNAMES)), rng.choice(line.shops))
        elif roll < 0.4:
            name = gen.cooperative_name(county, gen.trade_name(rng), line.products[0],
                                        rng.random() < 0.5)
        else:
            name = gen.company_name(rng, county, gen.trade_name(rng), rng.choice(line.words))
        if rng.random() < 0.1:
            name = gen.branch_name(name, rng.choice(counties), rng.randint(1, 3))
        former = (gen.company_name(rng, county, gen.trade_name(rng), rng.choice(line.words)),
                  name) if rng.random() < 0.1 else ()
        body = ("91" + county.code + f"{index:09d}")[:17]
        rows.append(EnterpriseRow(body + stdnum_uscc.calc_check_digit(body), name,
                                  county.code if rng.random() < 0.95 else "",
                                  "吊销" if index % 7 == 0 else "存续", former))
    for home in HOMES:
        rows += [EnterpriseRow(f"X{home}{i}", name, home, "存续") for i, name in enumerate(AWKWARD)]
    return rows


Built = tuple[list[EnterpriseRow], Gazetteer, Start]


@pytest.fixture(scope="module")
def built() -> Built:
    """The gazetteer the builder makes over the bundled regions (and one enterprise added
    before the rest), with what the reference starts from: the surfaces and place-name index
    the builder held before the rows arrived."""
    regions, _ = reference_rows()
    builder = GazetteerBuilder()
    builder.regions(regions, former_region_names())
    builder.enterprise(EnterpriseRow("91510104MA6C7Q8R1D", "成都市锦江区蜀香餐饮有限公司",
                                     "510104", "存续"))
    start = ({k: [v] if isinstance(v, int) else list(v) for k, v in builder._surfaces.items()},
             {name: list(codes) for name, codes in builder._region_names.codes.items()},
             len(builder.gaz.usccs))
    rows = generated(6000, 11)
    builder.enterprises(rows)
    return rows, builder.build(), start


def test_the_derived_surfaces_are_those_of_the_reference(built: Built) -> None:
    rows, gaz, start = built
    want, words = reference(rows, start)
    got = {key: (mask, packed) for key, mask, packed in gaz.surfaces()}
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == value, key
    assert gaz.ent_words[start[2]:] == words
    assert len(want) > 2 * len(rows)  # the test saw short names, variants and trade names


def test_the_tables_follow_the_rows(built: Built) -> None:
    rows, gaz, start = built
    first = start[2]
    assert first == 1
    assert gaz.usccs[first:] == [r.uscc for r in rows]
    assert gaz.ent_names[first:] == [r.name for r in rows]
    assert gaz.ent_regions[first:] == [r.region_code for r in rows]
    assert list(gaz.ent_inactive[first:]) == [int(r.status in INACTIVE) for r in rows]
    assert gaz.by_uscc == {"91510104MA6C7Q8R1D": 0} | {
        r.uscc: i for i, r in enumerate(rows, start=first)}


def test_matches_read_singles_and_shared_surfaces_and_survive_pickling(built: Built) -> None:
    rows, gaz, start = built
    want, _ = reference(rows, start)
    again = pickle.loads(pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))  # noqa: S301
    name = next(r.name for r in rows if len(want[r.name][1]) == 1)
    text = f"在{name}买的"
    for g in (gaz, again):
        (begin, end, mask, packed), = g.matches(text)
        assert (text[begin:end], mask, packed) == (name, 1 << Kind.NAME, want[name][1])
    shared = next(k for k, (_, p) in want.items() if len(p) > 1 and k.isalnum())
    for g in (gaz, again):
        hits = list(g.matches(f"“{shared}”"))
        assert [(s, e, m, p) for s, e, m, p in hits] == [(1, 1 + len(shared), *want[shared])]


def test_region_index_strips_like_the_reference() -> None:
    regions, _ = reference_rows()
    builder = GazetteerBuilder()
    builder.regions(regions, former_region_names())
    index = builder._region_names
    codes_of = {name: list(codes) for name, codes in index.codes.items()}
    for name in AWKWARD + [r.name for r in generated(500, 3)]:
        for home in [*HOMES, None]:
            clean = name.translate(TABLE)
            assert names.short_name(clean, index, home) == _ref_short_name(clean, codes_of, home)
            assert names.strip_region(clean, index, home) == _ref_strip_region(clean, codes_of,
                                                                               home)
    index.add("蜀香", "510104")  # a name added later is seen (the memo is dropped)
    assert names.strip_region("蜀香餐饮有限公司", index, "510104") == "餐饮有限公司"


def test_the_cache_artifact_loads_back_and_a_bad_one_is_refused(built: Built,
                                                                 tmp_path: Path) -> None:
    gaz = built[1]
    path = tmp_path / "gazetteer.pickle"
    path.write_bytes(pickle.dumps(gaz, protocol=pickle.HIGHEST_PROTOCOL))
    loaded = load_artifact(path)
    assert loaded is not None
    assert gc.isenabled()  # paused only while loading
    assert list(loaded.surfaces()) == list(gaz.surfaces())
    assert loaded.by_uscc == gaz.by_uscc
    path.write_bytes(path.read_bytes()[:1000])  # torn
    assert load_artifact(path) is None
    path.write_bytes(pickle.dumps({"not": "a gazetteer"}))
    assert load_artifact(path) is None
    assert gc.isenabled()
