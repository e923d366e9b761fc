"""Places (地名): region hits resolved to their most specific GB/T 2260 code."""

from __future__ import annotations

from collections.abc import Iterable

from jointsup.nlp.gazetteer import Gazetteer, Kind
from jointsup.nlp.result import RegionLink
from jointsup.nlp.state import Hit, State


def prefix(code: str) -> str:
    """The code's significant head: 510000 → 51, 510100 → 5101, 510108 → 510108."""
    if len(code) == 6:
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def related(a: str, b: str) -> bool:
    """True when one region contains the other (or they are the same)."""
    pa, pb = prefix(a), prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


class RegionContext:
    """The places named in a text, answering `related` in constant time per question."""

    def __init__(self, codes: Iterable[str]) -> None:
        """Index the significant heads of `codes` and every proper prefix of them."""
        self.heads = {prefix(c): c for c in codes}
        self.above: set[str] = set()
        # The provinces of the named places (a code elsewhere relates to none of them: most
        # candidates of a shared trade name are elsewhere) and the lengths of their heads.
        self.provinces: set[str] = set()
        lengths: set[int] = set()
        for head in self.heads:
            self.provinces.add(head[:2])
            if len(head) >= 2:
                lengths.add(len(head))
                self.above.update(head[:k] for k in range(2, len(head)))
        self.lengths = sorted(lengths, reverse=True)

    def deepest(self, code: str, *, exclude_self: bool = False) -> str | None:
        """The most specific named place that contains `code`, is it, or lies in it."""
        if code[:2] not in self.provinces:
            return None
        head = prefix(code)
        if head in self.above:
            return code  # a place inside it is named: as specific as it gets
        # The longest named head that begins `head` (only lengths some head has can match;
        # the code a head maps to has that head, so its length needs no second look).
        longest = len(head) - (1 if exclude_self else 0)
        for k in self.lengths:
            if k <= longest:
                found = self.heads.get(head[:k])
                if found is not None:
                    return found
        return None


_CONTEXTS: dict[frozenset[str], RegionContext] = {}
_MAX_CONTEXTS = 4096


def region_context(codes: Iterable[str]) -> RegionContext:
    """`RegionContext(codes)`, shared: complaints name the same places again and again, and
    building one (a few dictionaries and sets) cost as much as resolving a text's places.
    Contexts are never changed after they are built; the memo is emptied when full."""
    key = frozenset(codes)
    found = _CONTEXTS.get(key)
    if found is None:
        if len(_CONTEXTS) >= _MAX_CONTEXTS:
            _CONTEXTS.clear()
        found = _CONTEXTS[key] = RegionContext(key)
    return found


def _plausible(gaz: Gazetteer, surface: str, code: str, named: RegionContext) -> bool:
    """A bare short form (西林 in 阿莫西林) of a place far from every registered business counts
    only when another place named in the text contains it or lies in it."""
    row = gaz.regions[code]
    if surface == row.name or gaz.region_weight.get(code[:2], 0) > 0 or not gaz.region_weight:
        return True
    return named.deepest(code, exclude_self=True) is not None


def _choose(gaz: Gazetteer, options: list[str], context: RegionContext) -> str:
    """Among same-named regions, the one related to other places named, else the likeliest."""
    near = [c for c in options if context.deepest(c, exclude_self=True) is not None]
    pool = near or options
    # 广安 is 广安市 and its 广安区: the bare name means the larger place.
    outer = [c for c in pool if not any(o != c and related(o, c) and len(prefix(o)) <
                                        len(prefix(c)) for o in pool)]
    pool = outer or pool
    return max(pool, key=lambda c: (gaz.region_weight.get(c[:2], 0), -len(c), c))


def resolve_regions(state: State, gaz: Gazetteer) -> None:
    """Region links; adjacent mentions of a place and its child (南充市营山县) become one."""
    if not state.region_hits:
        return
    hits = [h for h in state.region_hits if not state.is_taken(h.start, h.end)]
    options = [[gaz.region_codes[i] for i in h.of(Kind.REGION)] for h in hits]
    named = region_context(c for o in options for c in o)
    kept = [(h, [c for c in o if _plausible(gaz, state.norm.text[h.start:h.end], c, named)])
            for h, o in zip(hits, options, strict=True)]
    hits = [h for h, o in kept if o]
    options = [o for _, o in kept if o]
    codes = [o[0] if len(o) == 1 else _choose(gaz, o, named) for o in options]
    merged: list[tuple[Hit, str, int]] = []  # (first hit, code, end)
    for hit, code in zip(hits, codes, strict=True):
        if merged:
            first, prev, end = merged[-1]
            if end == hit.start and code != prev and related(code, prev):
                deeper = code if len(prefix(code)) >= len(prefix(prev)) else prev
                merged[-1] = (first, deeper, hit.end)
                continue
        merged.append((hit, code, hit.end))
    for first, code, end in merged:
        start, stop, surface = state.span(first.start, end)
        state.result.regions.append(RegionLink(code, surface, start, stop))
        state.take(first.start, end)
