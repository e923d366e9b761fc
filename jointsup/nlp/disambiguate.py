"""Disambiguation (消歧): which enterprise a name, short name or 字号 means, with a score.

Evidence multiplies a candidate's weight: a region named in the text that contains it or lies
in it (strongest for a county, weakest for a province), its industry word in the text, a legal-
form cue after the mention (公司 → company, 店 → individual business), and its status (a struck-
off entity is less likely). The score is the base trust in the surface kind times the best
candidate's share of the total weight.
"""

from __future__ import annotations

from jointsup.nlp.gazetteer import Gazetteer, Kind
from jointsup.nlp.names import OUTLET, SHOP_WORDS, STREET_OUTLET
from jointsup.nlp.places import RegionContext, prefix, region_context
from jointsup.nlp.result import EnterpriseLink
from jointsup.nlp.state import Hit, State, quoted

BASE = {Kind.NAME: 1.0, Kind.FORMER: 0.95, Kind.SHORT: 0.9, Kind.TRADE: 0.8}
REGION_WEIGHT = {2: 10.0, 4: 100.0}  # by significant code length; counties and below: 1000
INDUSTRY_WEIGHT, LEGAL_WEIGHT, INACTIVE_WEIGHT, BRANCH_WEIGHT = 20.0, 5.0, 0.2, 0.3
ADJACENT_WEIGHT = 1e4  # 重庆老王火锅: the place right before the name outweighs any other
_KIND_NAMES = {Kind.NAME: "name", Kind.FORMER: "former name", Kind.SHORT: "short name",
               Kind.TRADE: "trade name"}


# The first of NAME, FORMER, SHORT, TRADE among a hit's kinds is the lowest of its mask's four
# low bits: a look-up by those bits.
_FIRST_KIND = tuple(next((k for k in (Kind.NAME, Kind.FORMER, Kind.SHORT, Kind.TRADE)
                          if bits >> k & 1), Kind.TRADE) for bits in range(16))


class TradeWords:
    """The industry words of the enterprises behind each 字号, worked out once per surface: a
    字号 can stand for a thousand enterprises, and most of its hits are ordinary words."""

    def __init__(self, gaz: Gazetteer, limit: int = 200_000) -> None:
        """An empty memo over `gaz` (at most `limit` surfaces kept)."""
        self.gaz, self.limit = gaz, limit
        self._memo: dict[str, tuple[frozenset[str], tuple[int, ...]]] = {}

    def of(self, surface: str, hit: Hit) -> tuple[frozenset[str], tuple[int, ...]]:
        """The words, and their lengths longest first."""
        got = self._memo.get(surface)
        if got is None:
            words = frozenset(w for w in (self.gaz.ent_words[i] for i in hit.of(Kind.TRADE)) if w)
            got = words, tuple(sorted({len(w) for w in words}, reverse=True))
            if len(self._memo) < self.limit:
                self._memo[surface] = got
        return got


def branch_indices(gaz: Gazetteer) -> frozenset[int]:
    """The enterprises whose name says 分公司. Every candidate is asked whether it is a branch,
    and a look-up here costs less than reading its name: among a million names, the ones a
    mention brings up are far apart in memory (measured: an eighth of disambiguation's time)."""
    return frozenset(i for i, name in enumerate(gaz.ent_names) if "分公司" in name)


def _trade_context(state: State, hit: Hit, trade: TradeWords) -> bool:
    """A bare 字号 counts only when quoted or followed by its industry word or a shop word; one
    of three characters also right after a place or 在/叫 (在青羊区好运来吃饭)."""
    text = state.norm.text
    after = text[hit.end:hit.end + 8]
    if quoted(text, hit.start, hit.end) or after.startswith(SHOP_WORDS):
        return True
    if hit.end - hit.start >= 3 and hit.start > 0 and (
            state.mask[hit.start - 1] or text[hit.start - 1] in "在叫到去"):
        return True
    words, lengths = trade.of(text[hit.start:hit.end], hit)
    return any(after[:n] in words for n in lengths)


def link_enterprises(state: State, gaz: Gazetteer, threshold: float,
                     trade: TradeWords | None = None,
                     branches: frozenset[int] | None = None) -> None:
    """Enterprise links (score ≥ threshold) and candidates kept unresolved (below it);
    `trade` is the memo of 字号 industry words and `branches` the gazetteer's
    `branch_indices`, both to reuse across texts."""
    if not state.enterprise_hits:
        return
    text = state.norm.text
    places = region_context(r.code for r in state.result.regions)
    trade = trade or TradeWords(gaz)
    memo = _TextMemo()  # what depends on the text alone, shared by its mentions
    for hit in state.enterprise_hits:
        if state.is_taken(hit.start, hit.end):
            continue
        kind = _FIRST_KIND[hit.mask & 15]
        if kind is Kind.TRADE and not _trade_context(state, hit, trade):
            continue
        candidates = hit.of(kind)
        outlet = OUTLET.match(text, hit.end) or (
            STREET_OUTLET.match(text, hit.end) if text[hit.end - 1] in "店馆" else None)
        if outlet:
            start, end, surface = state.span(hit.start, outlet.end())
            state.take(hit.start, outlet.end())
            state.result.enterprises.append(EnterpriseLink(
                None, surface, start, end, 0.0, "another outlet trading under a registered name",
                tuple(gaz.usccs[i] for i in candidates[:10])))
            continue
        after = text[hit.end:hit.end + 4]
        cue = _Cues(gaz, places, text, after, _adjacent_place(state, hit), memo, branches)
        weights = cue.weights(candidates)
        best = weights.index(max(weights))  # the first of the heaviest
        score = min(1.0, BASE[kind] * weights[best] / sum(weights))
        start, end, surface = state.span(hit.start, hit.end)
        reasons = cue.reasons(candidates[best])
        explanation = (f"{_KIND_NAMES[kind]} of {gaz.ent_names[candidates[best]]}"
                       f" ({len(candidates)} candidate{'s' if len(candidates) > 1 else ''})"
                       + (f"; {reasons}" if reasons else ""))
        state.take(hit.start, hit.end)
        if score >= threshold:
            state.result.enterprises.append(EnterpriseLink(
                gaz.usccs[candidates[best]], surface, start, end, score, explanation))
        else:
            # heaviest first, equal weights in candidate order (the sort is stable)
            ranked = sorted(range(len(candidates)), key=weights.__getitem__, reverse=True)[:10]
            state.result.enterprises.append(EnterpriseLink(
                None, surface, start, end, score, explanation + f"; below {threshold}",
                tuple(gaz.usccs[candidates[i]] for i in ranked)))


def _adjacent_place(state: State, hit: Hit) -> RegionContext | None:
    """The place named right before the mention (at most one character between: 的, 那家 no)."""
    if not state.result.regions:
        return None
    start, _, _ = state.span(hit.start, hit.end)
    near = {r.code for r in state.result.regions if start - 2 <= r.end <= start}
    return region_context(near) if near else None


class _TextMemo:
    """Per text: the named place each registered region falls under (or None) and whether
    each industry word occurs — the same for every mention, and asked for every candidate."""

    def __init__(self) -> None:
        self.regions: dict[str, str | None] = {}
        # REGION_WEIGHT of that place, None when there is no such place
        self.factors: dict[str, float | None] = {}
        self.words: dict[str, bool] = {}


class _Cues:
    """The evidence around one mention, weighed per candidate (a 字号 may have hundreds)."""

    def __init__(self, gaz: Gazetteer, places: RegionContext, text: str, after: str,
                 adjacent: RegionContext | None, memo: _TextMemo | None = None,
                 branches: frozenset[int] | None = None) -> None:
        self.gaz, self.places, self.text, self.after = gaz, places, text, after
        self.adjacent, self.branches = adjacent, branches
        self.company = after.startswith(("有限公司", "公司", "股份"))
        self.shop = after.startswith(SHOP_WORDS)
        self.branch_named = after.startswith("分")
        memo = memo or _TextMemo()
        self._words, self._regions, self._factors = memo.words, memo.regions, memo.factors

    def _place(self, home: str) -> str | None:
        if home not in self._regions:
            self._regions[home] = self.places.deepest(home) if home else None
        return self._regions[home]

    def _factor(self, home: str) -> float | None:
        place = self._place(home)
        factor = None if place is None else REGION_WEIGHT.get(len(prefix(place)), 1000.0)
        self._factors[home] = factor
        return factor

    def _word(self, word: str) -> bool:
        if word not in self._words:
            self._words[word] = bool(word) and word in self.text
        return self._words[word]

    def weights(self, candidates: list[int]) -> list[float]:
        """Each candidate's weight: the product of the evidence for and against it (the
        module's docstring), in one loop over the candidates (a 字号 can have hundreds)."""
        gaz, places, adjacent = self.gaz, self.places, self.adjacent
        regions, words, usccs = gaz.ent_regions, gaz.ent_words, gaz.usccs
        names, inactive = gaz.ent_names, gaz.ent_inactive
        factor_of, word_in = self._factor, self._word
        factors, known_words = self._factors, self._words
        provinces = places.provinces
        company, shop, branch_named = self.company, self.shop, self.branch_named
        branches = self.branches
        out = []
        for index in candidates:
            weight = 1.0
            home = regions[index]
            if home[:2] in provinces:  # else no named place contains it or lies in it
                factor = factors[home] if home in factors else factor_of(home)
                if factor is not None:
                    weight = factor  # 1.0 * factor: the same float
                    if adjacent is not None and adjacent.deepest(home):
                        weight *= ADJACENT_WEIGHT
            word = words[index]
            if known_words[word] if word in known_words else word_in(word):
                weight *= INDUSTRY_WEIGHT
            if company or shop:
                kind = usccs[index][1:2]
                if (company and kind == "1") or (shop and kind == "2"):
                    weight *= LEGAL_WEIGHT
            if not branch_named and (index in branches if branches is not None
                                     else "分公司" in names[index]):
                weight *= BRANCH_WEIGHT  # a bare trade name means the parent more often
            if inactive[index]:
                weight *= INACTIVE_WEIGHT
            out.append(weight)
        return out

    def reasons(self, index: int) -> str:
        """The cues behind one candidate's weight, for its explanation."""
        gaz, cues = self.gaz, []
        place = self._place(gaz.ent_regions[index])
        if place is not None:
            cues.append(f"region {place} named")
        if self._word(gaz.ent_words[index]):
            cues.append(f"industry word {gaz.ent_words[index]}")
        kind = gaz.usccs[index][1:2]
        if (self.company and kind == "1") or (self.shop and kind == "2"):
            cues.append("legal form fits")
        if gaz.ent_inactive[index]:
            cues.append("struck off or deregistered")
        return ", ".join(cues)
