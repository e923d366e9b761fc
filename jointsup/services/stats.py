"""Dashboard counts (统计分析): enterprises or clues grouped by a few dimensions.

What is counted depends on the dimensions: RISK_CLASS, REGION and INDUSTRY count enterprises;
CLUE_SOURCE, CATEGORY and MONTH count clues (REGION then is the clue's region). A caller may also
name the subject. Every number comes from `GraphTx.count_by` and batched neighbour look-ups, so
both stores give the same answer.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from jointsup.errors import InvalidInput
from jointsup.graph.store import Filter, GraphTx, sort_token
from jointsup.model import NodeRef
from jointsup.services.plans.frame import latest_classes
from jointsup.services.supervision import region_prefix

CHUNK = 1000


class Dimension(StrEnum):
    """What a count can be grouped by."""

    RISK_CLASS = "RISK_CLASS"
    REGION = "REGION"
    INDUSTRY = "INDUSTRY"
    CLUE_SOURCE = "CLUE_SOURCE"
    CATEGORY = "CATEGORY"
    MONTH = "MONTH"


class Subject(StrEnum):
    """What is counted."""

    ENTERPRISES = "ENTERPRISES"
    CLUES = "CLUES"


ALLOWED = {
    Subject.ENTERPRISES: {Dimension.RISK_CLASS, Dimension.REGION, Dimension.INDUSTRY},
    Subject.CLUES: {Dimension.CLUE_SOURCE, Dimension.CATEGORY, Dimension.MONTH, Dimension.REGION},
}
REGION_LEVELS = {"province": 2, "city": 4, "county": 6}
RISK_CLASSES = ("A", "B", "C", "D", "UNKNOWN")


@dataclass(frozen=True)
class StatsFilters:
    """Conditions on what is counted; each applies where it means something."""

    region: str | None = None
    industry: str | None = None
    risk_class: str | None = None
    channel: str | None = None
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    rating_month: str | None = None
    region_level: str = "city"
    industry_digits: int = 2


@dataclass(frozen=True)
class Bucket:
    """One group: its value per dimension (None: unknown) and how many fall in it."""

    values: tuple[str | None, ...]
    count: int


@dataclass(frozen=True)
class StatsResult:
    """Buckets ordered by their values (unknown last), and the total counted."""

    subject: Subject
    group_by: tuple[Dimension, ...]
    buckets: list[Bucket]
    total: int


def choose_subject(group_by: Sequence[Dimension], subject: Subject | None) -> Subject:
    """The subject asked for, or the one the dimensions imply; refuses impossible mixes."""
    if subject is None:
        subject = Subject.CLUES if set(group_by) & (ALLOWED[Subject.CLUES] - {
            Dimension.REGION}) else Subject.ENTERPRISES
    if wrong := [d.value for d in group_by if d not in ALLOWED[subject]]:
        raise InvalidInput(f"groupBy: {', '.join(wrong)} cannot group {subject.value.lower()} "
                           "(RISK_CLASS and INDUSTRY group enterprises; CLUE_SOURCE, CATEGORY "
                           "and MONTH group clues): ask in two queries")
    return subject


def stats(tx: GraphTx, group_by: Sequence[Dimension], filters: StatsFilters | None = None,
          subject: Subject | None = None) -> StatsResult:
    """Grouped counts for a dashboard."""
    f = filters or StatsFilters()
    dims = tuple(dict.fromkeys(group_by))
    if f.region_level not in REGION_LEVELS:
        raise InvalidInput(f"filters.regionLevel: {f.region_level!r} is not province, city or "
                           "county")
    if f.industry_digits not in (2, 3, 4):
        raise InvalidInput(f"filters.industryDigits: {f.industry_digits} is not 2, 3 or 4")
    if f.risk_class is not None and f.risk_class.upper() not in RISK_CLASSES:
        raise InvalidInput(f"filters.riskClass: {f.risk_class!r} is not one of "
                           f"{', '.join(RISK_CLASSES)}")
    chosen = choose_subject(dims, subject)
    enterprises = chosen is Subject.ENTERPRISES
    rows = _enterprise_rows(tx, f, dims) if enterprises else _clue_rows(tx, f, dims)
    counts: Counter[tuple[str | None, ...]] = Counter()
    total = 0
    for facts, n in rows:
        total += n
        for combo in _combos(dims, facts, f):
            counts[combo] += n
    buckets = [Bucket(k, v) for k, v in counts.items()]
    buckets.sort(key=lambda b: [sort_token(v) for v in b.values])
    return StatsResult(chosen, dims, buckets, total)


Facts = dict[Dimension, list[str | None]]


def _combos(dims: Sequence[Dimension], facts: Facts, f: StatsFilters
            ) -> list[tuple[str | None, ...]]:
    combos: list[tuple[str | None, ...]] = [()]
    for d in dims:
        values = [_project(d, v, f) for v in facts.get(d, [None])]
        combos = [(*c, v) for c in combos for v in dict.fromkeys(values)]
    return combos


def _project(dim: Dimension, value: str | None, f: StatsFilters) -> str | None:
    if value is None:
        return None
    if dim is Dimension.REGION:
        digits = REGION_LEVELS[f.region_level]
        return value[:digits].ljust(6, "0")
    if dim is Dimension.INDUSTRY:
        return value[:f.industry_digits] if value[:1].isdigit() else value
    if dim is Dimension.MONTH:
        return value[:7]
    return value


def _enterprise_rows(tx: GraphTx, f: StatsFilters, dims: Sequence[Dimension]
                     ) -> list[tuple[Facts, int]]:
    filters = []
    if f.region:
        filters.append(Filter("reg_region_code", "prefix", region_prefix(f.region)))
    if f.industry:
        filters.append(Filter("industry_code", "prefix", f.industry.upper()))
    if f.channel or f.received_from or f.received_to:
        raise InvalidInput("filters: channel and received dates apply to clues, not enterprises")
    if f.risk_class is not None or Dimension.RISK_CLASS in dims:
        return _classed_rows(tx, f, filters, dims)
    grouped = tx.count_by("Enterprise", ["reg_region_code", "industry_code"], filters)
    return [({Dimension.REGION: [_s(r)], Dimension.INDUSTRY: [_s(i)]}, n)
            for (r, i), n in grouped]


def _classed_rows(tx: GraphTx, f: StatsFilters, filters: list[Filter],
                  dims: Sequence[Dimension]) -> list[tuple[Facts, int]]:
    """Rated enterprises one by one (by key), the unrated as grouped counts minus the rated.

    The cost follows the ratings, not the population: the enterprises without a class are
    never read one by one.
    """
    classes = latest_classes(tx, f.rating_month)
    wanted = [(d, p) for d, p in ((Dimension.REGION, "reg_region_code"),
                                  (Dimension.INDUSTRY, "industry_code")) if d in dims]
    rated: Counter[tuple[tuple[str | None, ...], str]] = Counter()
    usccs = sorted(classes)
    for start in range(0, len(usccs), CHUNK):
        for node in tx.get_nodes("Enterprise", usccs[start:start + CHUNK]):
            if node is not None and all(_passes(node.props.get(c.prop), c) for c in filters):
                rated[tuple(_s(node.props.get(p)) for _, p in wanted),
                      classes[node.key]] += 1
    props = [p for _, p in wanted]
    grouped = (tx.count_by("Enterprise", props, filters) if props
               else [((), tx.count_nodes("Enterprise", filters))])
    unrated = Counter({tuple(_s(v) for v in values): n for values, n in grouped})
    for (values, _), n in rated.items():
        unrated[values] -= n
    grade = f.risk_class.upper() if f.risk_class is not None else None
    rows = [(values, g, n) for (values, g), n in rated.items()]
    rows += [(values, "UNKNOWN", n) for values, n in unrated.items() if n > 0]
    out: list[tuple[Facts, int]] = []
    for values, g, n in rows:
        if grade is None or g == grade:
            facts: Facts = {d: [v] for (d, _), v in zip(wanted, values, strict=True)}
            facts[Dimension.RISK_CLASS] = [g]
            out.append((facts, n))
    return out


def _passes(value: object, condition: Filter) -> bool:
    """The prefix filters stats puts on enterprises, applied to one node's property."""
    return isinstance(value, str) and value.startswith(str(condition.value))


def _s(value: object) -> str | None:
    return None if value is None else str(value)


def _clue_rows(tx: GraphTx, f: StatsFilters, dims: Sequence[Dimension]
               ) -> list[tuple[Facts, int]]:
    filters = []
    if f.region:
        filters.append(Filter("region_code", "prefix", region_prefix(f.region)))
    if f.channel:
        filters.append(Filter("channel", "eq", f.channel))
    if f.received_from:
        filters.append(Filter("received_at", "gte", f.received_from.isoformat()))
    if f.received_to:  # '~' sorts after any time of that day written after the date
        filters.append(Filter("received_at", "lte", f.received_to.isoformat() + "~"))
    if f.industry or f.risk_class:
        raise InvalidInput("filters: industry and riskClass apply to enterprises, not clues")
    props = ["channel", "received_at", "region_code"]
    if Dimension.CATEGORY not in dims:
        return [({Dimension.CLUE_SOURCE: [_s(c)], Dimension.MONTH: [_s(m)],
                  Dimension.REGION: [_s(r)]}, n)
                for (c, m, r), n in tx.count_by("Clue", props, filters)]
    rows = tx.count_by("Clue", ["id", *props], filters)
    out: list[tuple[Facts, int]] = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        refs = [NodeRef("Clue", str(row[0][0])) for row in chunk]
        cats = tx.neighbours(refs, types=["CONCERNS"], direction="out", labels=["Category"],
                             props=False)
        for ref, ((_, c, m, r), n) in zip(refs, chunk, strict=True):
            names: list[str | None] = [nb.node.key for nb in cats.get(ref, [])] or [None]
            out.append(({Dimension.CLUE_SOURCE: [_s(c)], Dimension.MONTH: [_s(m)],
                         Dimension.REGION: [_s(r)], Dimension.CATEGORY: names}, n))
    return out
