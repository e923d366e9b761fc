"""Enterprise search: full name, short trade name (字号), former names (曾用名) or USCC prefix.

Neither store has a full-text index behind the port, so search runs on a small in-memory index
built through the port (`list_nodes` pages) and therefore answers identically on both stores:

- every name is NFKC-normalised; the 字号 is derived from the registered name by stripping a
  parenthesised region (`源通（遂宁）…`), a leading region name (四川省, 成都市, 成都, 武侯区 …,
  longest first, repeatedly), the legal form (有限公司, 股份有限公司, 个体工商户, 专业合作社 …), a
  branch suffix (…分公司) and one trailing industry word from `INDUSTRY_WORDS`; what is left, cut
  to its first two characters when longer than four, is the 字号;
- candidates come from an inverted index of character bigrams and skip-bigrams (characters i and
  i+2, so one wrong character in the middle of a three-character query still finds its target);
- candidates are ranked by a score in [0, 1]: 1 for an exact field, 0.8–1 for a substring (shorter
  fields rank higher), and 0.75 × (1 − edits / query length) for a fuzzy match (the edit distance
  of the query to its best-matching substring of the field), kept when at least 0.45;
- a query that looks like a code (letters and digits, with a digit) matches USCC prefixes; an
  18-character code that matches nothing finds codes one character away (a typo or a forgery).

The index is cached per store and rebuilt when the number of enterprises or of ingest batches
changes (every ingest writes a ledger batch); `index_enterprise_names(store)` builds it eagerly.
Counting is O(N) on both stores, so a cached index is re-checked at most every `RECHECK_S`
seconds, not on every request: an ingest shows in search within that many seconds.
Cost: building is one pass over the enterprises (O(N·L) for N names of L characters, ~1 s for
20,000 on the embedded store); a query is O(sum of the posting lists of its grams) plus a
bounded number (`MAX_CANDIDATES`) of O(|query|·L) edit-distance computations.
"""

from __future__ import annotations

import bisect
import re
import threading
import time
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jointsup.graph.store import BaseGraphStore, Filter, GraphTx
from jointsup.model import Node
from jointsup.services.supervision import region_prefix

LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "个体工商户", "农民专业合作社",
               "专业合作社", "合作社", "普通合伙", "有限合伙", "合伙企业", "集团", "公司")
INDUSTRY_WORDS = (
    "企业管理", "商贸", "贸易", "科技", "网络科技", "信息技术", "健康科技", "生物科技", "电子科技",
    "药业", "制药", "医药", "食品", "餐饮", "餐饮管理", "餐饮配送", "团餐管理", "小吃", "火锅",
    "面馆", "钵钵鸡", "冷饮店", "外卖店", "副食店", "超市", "百货", "便利店", "酒店", "宾馆",
    "茶楼", "茶业", "足浴", "洗浴中心", "理发店", "美容美发", "手机店", "物业管理", "家庭服务",
    "电器维修", "汽车维修", "汽车服务", "体育文化", "体育培训", "教育咨询", "培训", "市政工程",
    "建筑工程", "建设工程", "财务咨询", "咨询", "文化传播", "广告", "旅游", "旅行社", "农业",
    "种植", "养殖", "食用菌种植", "柑橘种植", "化妆品", "医疗器械", "药房", "大药房", "诊所",
    "外卖", "医疗科技", "医疗", "休闲旅游", "农资", "物流", "运输", "网咖", "饮食", "汽车贸易",
    "商务服务", "电器服务", "系统集成", "传媒", "中药", "农产品",
)
BRANCH = re.compile(r"^(.*?(?:公司|厂|社|店))[^()]{0,12}分(?:公司|厂|店|社)$")
PAREN = re.compile(r"\([^()]{1,12}\)")
CODE_QUERY = re.compile(r"^(?=.*\d)[0-9A-Z]{2,18}$")
MAX_CANDIDATES = 300
MIN_SCORE = 0.45
PAGE = 1000
FIELD_RANK = {"name": 0, "tradeName": 1, "formerName": 2, "uscc": 3}


def normalize(text: str) -> str:
    """NFKC, upper-case latin, no whitespace: how names and queries are compared."""
    return "".join(unicodedata.normalize("NFKC", text).upper().split())


@dataclass(frozen=True)
class Entry:
    """What the index keeps of one enterprise."""

    uscc: str
    name: str
    former: tuple[str, ...]
    trade: str
    region: str
    industry: str
    section: str
    status: str


@dataclass(frozen=True)
class Hit:
    """One search result: the enterprise, which field matched, the matching text, the score."""

    uscc: str
    name: str
    field: str
    text: str
    score: float


def trade_name(name: str, region_names: Iterable[str] = ()) -> str:
    """The 字号 of a registered name (see the module docstring for the rules)."""
    text = PAREN.sub("", normalize(name))
    branch = BRANCH.match(text)
    if branch:
        text = branch.group(1)
    names = region_names if isinstance(region_names, frozenset) else frozenset(region_names)
    stripped = True
    while stripped:  # longest region name first, as long as one leads the text
        stripped = False
        for n in range(min(len(text) - 2, 12), 1, -1):
            if text[:n] in names:
                text, stripped = text[n:], True
                break
    for form in LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form):
            text = text[: -len(form)]
            break
    for word in _WORDS_LONGEST_FIRST:
        if text.endswith(word) and len(text) > len(word) + 1:
            text = text[: -len(word)]
            break
    return text[:2] if len(text) > 4 else text


_WORDS_LONGEST_FIRST = sorted(INDUSTRY_WORDS, key=len, reverse=True)


def grams(text: str) -> set[str]:
    """Bigrams and skip-bigrams of a text (single characters for a one-character text)."""
    if len(text) < 2:
        return {text} if text else set()
    out = {text[i:i + 2] for i in range(len(text) - 1)}
    out.update(text[i] + "\x00" + text[i + 2] for i in range(len(text) - 2))
    return out


def substring_distance(query: str, text: str) -> int:
    """Edits needed to turn `query` into some substring of `text` (Sellers' algorithm)."""
    prev = [0] * (len(text) + 1)
    for i, qc in enumerate(query, 1):
        cur = [i] + [0] * len(text)
        for j, tc in enumerate(text, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (qc != tc))
        prev = cur
    return min(prev)


def core(text: str) -> str:
    """A name without parenthesised parts and legal form: what fuzzy matching compares."""
    text = PAREN.sub("", text)
    for form in LEGAL_FORMS:
        if text.endswith(form) and len(text) > len(form):
            return text[: -len(form)]
    return text


def field_score(query: str, text: str, *, fuzzy: bool = True) -> float:
    """How well `query` matches one field: 1 exact, 0.8–0.99 substring, ≤ 0.75 fuzzy, 0 none.

    Substring and fuzzy matching also compare the cores (no legal form, no parenthesised
    region), so 巴源足浴 finds 巴源（成都）足浴有限公司 and a typo is not outweighed by a shared
    有限责任公司.
    """
    if not text:
        return 0.0
    if query == text:
        return 1.0
    q, t = core(query), core(text)
    if query in text:
        return round(0.8 + 0.19 * len(query) / len(text), 4)
    if q and q in t:
        return round(0.8 + 0.19 * min(1.0, len(q) / len(t)), 4)
    if not fuzzy or not q or not t:
        return 0.0
    similarity = 1 - substring_distance(q, t) / len(q)
    return round(0.75 * similarity, 4) if similarity >= 0.6 else 0.0


class NameIndex:
    """The in-memory search index of one store's enterprises."""

    def __init__(self, entries: list[Entry], token: tuple[int, int]) -> None:
        self.entries = entries
        self.token = token
        self.by_uscc = sorted(range(len(entries)), key=lambda i: entries[i].uscc)
        self.usccs = [entries[i].uscc for i in self.by_uscc]
        postings: dict[str, list[int]] = {}
        for i, e in enumerate(entries):
            keys: set[str] = set()
            for text in (e.name, e.trade, *e.former):
                keys |= grams(text) | grams(core(text))
            for g in keys:
                postings.setdefault(g, []).append(i)
        self.postings = postings
        self._by_key = {e.uscc: e for e in entries}

    def entry(self, uscc: str) -> Entry | None:
        """What the index holds of one enterprise (its 字号 among others)."""
        return self._by_key.get(uscc)

    def search(self, query: str, *, region: str | None = None, industry: str | None = None,
               status: str | None = None) -> list[Hit]:
        """Every hit for `query` passing the filters, best first."""
        q = normalize(query)
        if not q:
            return []
        keep = _filter(region, industry, status)
        hits: dict[str, Hit] = {}
        if CODE_QUERY.match(q):
            for hit in self._code_hits(q):
                if keep(self.entries[hit[0]]):
                    e = self.entries[hit[0]]
                    hits[e.uscc] = Hit(e.uscc, e.name, "uscc", e.uscc, hit[1])
        budget = MAX_CANDIDATES  # fuzzy comparisons are costly: only for the best candidates
        for i in self._candidates(q):
            e = self.entries[i]
            if e.uscc in hits or not keep(e):
                continue
            fields = [("name", e.name), ("tradeName", e.trade)]
            fields += [("formerName", f) for f in e.former]
            best = _best(q, fields, fuzzy=False)
            if best[0] == 0.0 and budget > 0:
                budget -= 1
                best = _best(q, fields, fuzzy=True)
            if best[0] >= MIN_SCORE:
                hits[e.uscc] = Hit(e.uscc, e.name, best[2], best[3], best[0])
        return sorted(hits.values(), key=lambda h: (-h.score, FIELD_RANK[h.field], h.name, h.uscc))

    def _code_hits(self, q: str) -> list[tuple[int, float]]:
        start = bisect.bisect_left(self.usccs, q)
        found = []
        for pos in range(start, len(self.usccs)):
            if not self.usccs[pos].startswith(q):
                break
            score = 1.0 if len(q) == len(self.usccs[pos]) else 0.5 + 0.4 * len(q) / 18
            found.append((self.by_uscc[pos], round(score, 4)))
        if not found and len(q) == 18:
            for pos, code in enumerate(self.usccs):
                if sum(a != b for a, b in zip(code, q, strict=True)) == 1:
                    found.append((self.by_uscc[pos], 0.7))
        return found

    def _candidates(self, q: str) -> list[int]:
        if len(q) < 2:
            return [i for i, e in enumerate(self.entries)
                    if q in e.name or q in e.trade or any(q in f for f in e.former)]
        counts: Counter[int] = Counter()
        lists = [self.postings.get(g, []) for g in grams(q) | grams(core(q))]
        # Grams in a fifth of all names (有限, 公司) only add noise when the query has others.
        common = len(self.entries) // 5
        rare = [p for p in lists if len(p) <= common]
        for postings in rare or lists:
            counts.update(postings)
        return [i for i, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _best(q: str, fields: list[tuple[str, str]], *, fuzzy: bool) -> tuple[float, int, str, str]:
    best: tuple[float, int, str, str] = (0.0, 9, "", "")
    for field, text in fields:
        score = field_score(q, text, fuzzy=fuzzy)
        if (score, -FIELD_RANK[field]) > (best[0], -best[1]):
            best = (score, FIELD_RANK[field], field, text)
    return best


def _filter(region: str | None, industry: str | None, status: str | None
            ) -> Callable[[Entry], bool]:
    prefix = region_prefix(region.strip()) if region else None
    code = normalize(industry) if industry else None

    def keep(e: Entry) -> bool:
        if status and e.status != status:
            return False
        if prefix and not e.region.startswith(prefix):
            return False
        if code:
            return e.section == code if code.isalpha() else e.industry.startswith(code)
        return True

    return keep


# ---------------------------------------------------------------- building and caching

RECHECK_S = 2.0  # how stale a cached index may be before it is checked again
REFERENCE_S = 60.0  # how stale the region names `entry_of` is given may be
_cache: weakref.WeakKeyDictionary[BaseGraphStore, tuple[NameIndex, float]] = (
    weakref.WeakKeyDictionary())
# Builds under way, so that a caller waits for one instead of starting another (a build at
# 1,000,000 enterprises on Neo4j takes minutes; requests would each start their own).
_building: weakref.WeakKeyDictionary[BaseGraphStore, threading.Event] = (
    weakref.WeakKeyDictionary())
Reference = tuple[frozenset[str], dict[str, str]]  # region names; industry code -> section
_references: weakref.WeakKeyDictionary[BaseGraphStore, tuple[Reference, float]] = (
    weakref.WeakKeyDictionary())  # `cached_reference`
_lock = threading.Lock()


def _token(store: BaseGraphStore) -> tuple[int, int]:
    return store.read(lambda tx: (tx.count_nodes("Enterprise"), tx.count_nodes("IngestBatch")))


def _reference(tx: GraphTx) -> Reference:
    names: set[str] = set()
    after = None
    while True:
        page = tx.list_nodes("Region", filters=[Filter("level", "in", ["province", "city",
                                                                       "county"])],
                             first=PAGE, after=after)
        for n in page.items:
            name = str(n.props.get("name") or "")
            if not name or n.props.get("placeholder"):
                continue
            names.add(name)
            if n.props.get("level") in ("province", "city"):
                if name.endswith("自治州"):
                    names.add(name[:2])
                elif name.endswith(("省", "市")) and len(name) >= 3:
                    names.add(name[:-1])
        if not page.has_next:
            break
        after = page.end_cursor
    sections: dict[str, str] = {}
    page = tx.list_nodes("Industry", filters=[Filter("level", "eq", 2)], first=PAGE)
    for n in page.items:
        sections[n.key] = str(n.props.get("section") or "")
    return frozenset(names), sections


def _entry(node: Node, regions: frozenset[str], sections: dict[str, str]) -> Entry:
    p = node.props
    name = normalize(str(p.get("name") or ""))
    former_raw = p.get("former_names") or []
    former = tuple(normalize(str(f)) for f in (former_raw if isinstance(former_raw, list)
                                               else [former_raw]) if f)
    industry = str(p.get("industry_code") or "")
    return Entry(node.key, name, former, trade_name(name, regions),
                 str(p.get("reg_region_code") or ""), industry,
                 sections.get(industry[:2], industry if industry.isalpha() else ""),
                 str(p.get("status") or ""))


def build_index(store: BaseGraphStore) -> NameIndex:
    """Read every enterprise (in pages of 1,000, one read each) and index its names."""
    token = _token(store)
    regions, sections = store.read(_reference)
    entries: list[Entry] = []
    after: str | None = None
    while True:
        page = store.list_nodes("Enterprise", first=PAGE, after=after)
        entries.extend(_entry(n, regions, sections) for n in page.items)
        if not page.has_next:
            break
        after = page.end_cursor
    return NameIndex(entries, token)


def index_enterprise_names(store: BaseGraphStore) -> NameIndex:
    """Build (or rebuild) the search index of `store` now; call after an ingest or at start-up.

    While a build for `store` is under way another call waits for it and returns its index
    (or, if that build failed, builds again)."""
    while True:
        with _lock:
            running = _building.get(store)
            if running is None:
                mine = _building[store] = threading.Event()
                break
            before = _cache.get(store)
        running.wait()
        with _lock:
            after = _cache.get(store)
        if after is not None and after is not before:  # that build finished: its index
            return after[0]
    try:
        checked = time.monotonic()
        index = build_index(store)
        with _lock:
            _cache[store] = (index, checked)
        return index
    finally:
        with _lock:
            del _building[store]
        mine.set()


def names_state(store: BaseGraphStore) -> str:
    """`ready` when `store` has a built index, `building` while one is under way, else `cold`."""
    with _lock:
        if store in _cache:
            return "ready"
        return "building" if store in _building else "cold"


def cached_reference(store: BaseGraphStore) -> Reference | None:
    """The region names and industry sections `entry_of` needs, when read less than
    REFERENCE_S seconds ago (no store call), else None."""
    with _lock:
        cached = _references.get(store)
    if cached is not None and time.monotonic() - cached[1] <= REFERENCE_S:
        return cached[0]
    return None


def read_reference(store: BaseGraphStore) -> Reference:
    """Read (and cache) what `cached_reference` returns."""
    reference = store.read(_reference)
    with _lock:
        _references[store] = (reference, time.monotonic())
    return reference


def entry_of(node: Node, reference: Reference) -> Entry:
    """The index entry of one enterprise from its own node (its trade name, for one), with no
    index: a million-enterprise index takes minutes to build on Neo4j."""
    return _entry(node, *reference)


def fresh_name_index(store: BaseGraphStore) -> NameIndex | None:
    """The cached index when it was checked less than RECHECK_S ago (no store call), else None."""
    with _lock:
        cached = _cache.get(store)
    if cached is not None and time.monotonic() - cached[1] < RECHECK_S:
        return cached[0]
    return None


def name_index(store: BaseGraphStore) -> NameIndex:
    """The cached index of `store`, rebuilt first when enterprises or ingest batches changed."""
    if (index := fresh_name_index(store)) is not None:
        return index
    with _lock:
        cached = _cache.get(store)
    checked = time.monotonic()
    if cached is not None and cached[0].token == _token(store):
        with _lock:
            _cache[store] = (cached[0], checked)
        return cached[0]
    return index_enterprise_names(store)


def search_enterprises(store: BaseGraphStore, query: str, *, region: str | None = None,
                       industry: str | None = None, status: str | None = None) -> list[Hit]:
    """Ranked hits for `query` (full name, 字号, former name or USCC prefix), typo-tolerant."""
    return name_index(store).search(query, region=region, industry=industry, status=status)
