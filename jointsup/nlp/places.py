"""Places (地名): region hits resolved to their most specific GB/T 2260 code."""

from __future__ import annotations

from jointsup.nlp.gazetteer import Gazetteer, Kind
from jointsup.nlp.result import RegionLink
from jointsup.nlp.state import Hit, State


def prefix(code: str) -> str:
    """The code's significant head: 510000 → 51, 510100 → 5101, 510108 → 510108."""
    if len(code) == 6:
        for size in (2, 4):
            if code[size:] == "0" * (6 - size):
                return code[:size]
    return code


def related(a: str, b: str) -> bool:
    """True when one region contains the other (or they are the same)."""
    pa, pb = prefix(a), prefix(b)
    return pa.startswith(pb) or pb.startswith(pa)


class RegionContext:
    """The places named in a text, answering `related` in constant time per question."""

    def __init__(self, codes: set[str]) -> None:
        """Index the significant heads of `codes` and every proper prefix of them."""
        self.heads = {prefix(c): c for c in codes}
        self.above = {h[:k] for h in self.heads for k in range(2, len(h))}

    def deepest(self, code: str, *, exclude_self: bool = False) -> str | None:
        """The most specific named place that contains `code`, is it, or lies in it."""
        head = prefix(code)
        if head in self.above:
            return code  # a place inside it is named: as specific as it gets
        for k in range(len(head) - (1 if exclude_self else 0), 1, -1):
            found = self.heads.get(head[:k])
            if found is not None and len(prefix(found)) == k:
                return found
        return None


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
    hits = [h for h in state.region_hits if not state.is_taken(h.start, h.end)]
    options = [[gaz.region_codes[i] for i in h.of(Kind.REGION)] for h in hits]
    named = RegionContext({c for o in options for c in o})
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
