"""How people shorten business names: the short name (简称) and the trade name (字号).

A registered name is region prefix + 字号 + industry word + legal form (成都市锦江区蜀香餐饮有限
公司); people say 蜀香餐饮 or just “蜀香”. Branches keep their place: 瑞福生物科技营山分公司.
"""

from __future__ import annotations

import re

LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "专业合作社", "合作社", "公司",
               "个体工商户")
# Words that end a business name people write without a legal form.
SHOP_WORDS = ("店", "超市", "药房", "药店", "诊所", "中心", "经营部", "厂", "合作社", "门市部",
              "餐馆", "饭店", "酒店", "火锅", "烧烤", "馆", "行", "铺", "坊", "部", "场", "社",
              "会所", "工作室", "医院", "门诊部", "公司")
_BRANCH = re.compile(r"^(?P<parent>.*(?:公司|厂|社))(?P<place>.+?)(?P<word>分公司|分厂|分店|分社)$")
_PAREN = re.compile(r"[（(][^（）()]{1,8}[）)]")
OWNER_TRADES = ("嬢嬢",)
# 吴哥杂货店（新华路店）, 吴哥杂货店二店: another outlet trading under a shop's name.
OUTLET = re.compile(r"(?:（[^（）]{1,10}店）|\([^()]{1,10}店\)|[一二三四五六七八九十0-9总]店)")
# After a shop's name: 向家粮油店新民北路二段店 (a place, then 店, no particle between).
STREET_OUTLET = re.compile(r"[\u4e00-\u9fff0-9]{0,8}?[路街道巷段号]店")


def strip_legal_form(name: str) -> str:
    """The name without its trailing legal form (有限公司 …)."""
    for form in LEGAL_FORMS:
        if name.endswith(form) and len(name) > len(form):
            return name[: -len(form)]
    return name


class RegionIndex:
    """Place names → codes, and the stripping of leading place names from business names.

    A million names are stripped at build time, and the answers depend on few things: which
    place names may start a name of a given registered region (`home`; a few hundred distinct
    ones), and whether one place lies in another. Both are memoised here (cleared when a name
    is added), so stripping costs a look-up and a `startswith` per place name that could begin
    the name."""

    def __init__(self, names: dict[str, list[str]] | None = None) -> None:
        """An index over `names` (more can be added)."""
        self.codes: dict[str, list[str]] = {}
        self._by_head: dict[str, list[str]] = {}  # first two characters → names, longest first
        self._by_code_head: dict[str, set[str]] = {}  # a code's significant head → names
        # home → first two characters → (name, length) of the names that may start a name
        self._starts: dict[str, dict[str, list[tuple[str, int]]]] = {}
        self._nested: dict[tuple[str, str], bool] = {}  # (inner name, outer name) → inside?
        for name, codes in (names or {}).items():
            for code in codes:
                self.add(name, code)

    def add(self, name: str, code: str) -> None:
        """One more name of region `code`."""
        self.codes.setdefault(name, []).append(code)
        heads = self._by_head.setdefault(name[:2], [])
        if name not in heads:
            heads.append(name)
            heads.sort(key=len, reverse=True)
        self._by_code_head.setdefault(_head(code), set()).add(name)
        self._starts.clear()
        self._nested.clear()

    def get(self, name: str) -> list[str] | None:
        """The codes a name stands for, if it is a place name."""
        return self.codes.get(name)

    def sizes(self, text: str) -> list[int]:
        """Lengths of the place names that may start `text`, longest first."""
        return sorted({len(n) for n in self._by_head.get(text[:2], ())}, reverse=True)

    def _starts_for(self, home: str) -> dict[str, list[tuple[str, int]]]:
        """By first two characters, the place names of a region containing `home` or being it
        (every place name when `home` is empty), longest first."""
        if home:
            # _inside(home, code, True) is home.startswith(_head(code)).
            allowed = {n for k in range(len(home) + 1)
                       for n in self._by_code_head.get(home[:k], ())}
            found: dict[str, list[tuple[str, int]]] = {}
            for name in sorted(allowed, key=len, reverse=True):
                found.setdefault(name[:2], []).append((name, len(name)))
        else:
            found = {head: [(n, len(n)) for n in names] for head, names in self._by_head.items()}
        self._starts[home] = found
        return found

    def _inside(self, inner: str, outer: str) -> bool:
        """True when some region named `inner` lies strictly inside one named `outer`."""
        found = any(_inside(c, o) for c in self.codes[inner] for o in self.codes[outer])
        self._nested[(inner, outer)] = found
        return found

    def strip(self, name: str, home: str | None = None) -> str:
        """`strip_region`, memoised."""
        home = home or ""
        starts = self._starts.get(home)
        if starts is None:
            starts = self._starts_for(home)
        nested = self._nested
        outer: str | None = None
        while True:
            limit = len(name) - 2
            for place, size in starts.get(name[:2], ()):
                if size > limit or not name.startswith(place):
                    continue
                if outer is not None:
                    inside = nested.get((place, outer))
                    if inside is None:
                        inside = self._inside(place, outer)
                    if not inside:
                        continue
                name, outer = name[size:], place
                break
            else:
                return name


def strip_region(name: str, regions: RegionIndex, home: str | None = None) -> str:
    """The name without leading place names (成都市锦江区…), each inside the one before it and,
    when `home` (the registered region) is known, containing it: 兴安 is no prefix of 重庆兴安…."""
    return regions.strip(name, home)


def _head(code: str) -> str:
    """A code's significant head: 510000 → 51, 510100 → 5101, 510104 → 510104."""
    return code[:2] if code[2:] == "0000" else code[:4] if code[4:] == "00" else code


def _inside(code: str, outer: str, or_same: bool = False) -> bool:
    return (or_same or code != outer) and code.startswith(_head(outer))


BRANCH_WORDS = ("分公司", "分店", "分厂", "分社")  # in the order industry_word tries them


def short_name(name: str, is_region: RegionIndex, home: str | None = None) -> str | None:
    """字号 + industry word (蜀香餐饮), or None when nothing shorter than the name remains."""
    branch = _BRANCH.match(name) if name.endswith(BRANCH_WORDS) or name.endswith("\n") else None
    if branch:
        parent = short_name(branch["parent"], is_region)  # the parent may sit elsewhere
        if parent is None:
            return None
        return parent + branch["place"] + branch["word"]
    core = strip_legal_form(_PAREN.sub("", name) if "(" in name or "（" in name else name)
    core = is_region.strip(core, home)
    if name.endswith("合作社"):
        core = core.removesuffix("养殖").removesuffix("种植")
    if len(core) < 3 or core == name:
        return None
    return core


# Words people drop from the end of a short name: 老王火锅店 → 老王火锅, 星空健身服务 → 星空健身.
DROPPED_TAILS = ("网络科技", "生物科技", "信息技术", "教育科技", "门诊部", "经营部", "服务部",
                 "店", "坊", "中心", "服务", "管理", "科技", "传媒", "销售", "发展", "咨询",
                 "实业", "连锁", "器材", "文化")


_TAILS_BY_LAST: dict[str, tuple[str, ...]] = {}
for _tail in DROPPED_TAILS:
    _TAILS_BY_LAST[_tail[-1]] = (*_TAILS_BY_LAST.get(_tail[-1], ()), _tail)


def variants(short: str) -> list[str]:
    """Shorter forms of a short name, dropping generic tails while four characters remain."""
    out: list[str] = []
    current = short
    while True:
        tail = next((t for t in _TAILS_BY_LAST.get(current[-1:], ()) if current.endswith(t)
                     and len(current) - len(t) >= 4), None)
        if tail is None:
            return out
        current = current[: -len(tail)]
        out.append(current)


def trade_names(short: str) -> list[str]:
    """Candidate 字号 at the head of a short name: two characters, and three when it is long
    enough to hold one (好运来餐饮); which is right is unknowable from the name alone."""
    first = trade_name(short)
    if first is None:
        return []
    return [first, short[:3]] if len(first) == 2 and len(short) >= 5 else [first]


def trade_name(short: str) -> str | None:
    """The 字号 at the head of a short name (two characters; 王嬢嬢 three)."""
    if len(short) >= 5 and short[1:3] in OWNER_TRADES:
        return short[:3]
    if len(short) >= 4:
        return short[:2]
    return None


def industry_word(short: str, trade: str | None = None) -> str:
    """What follows the 字号 in a short name (餐饮, 夜宵店); empty when unknown."""
    trade = trade or trade_name(short)
    rest = short[len(trade):] if trade else ""
    for word in BRANCH_WORDS:
        if rest.endswith(word):
            return rest[: -len(word) - 2]  # the branch's place is (nearly always) two characters
    return rest
