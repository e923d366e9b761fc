"""Contract: dashboard stats give the counts the test derives from its own world, on both
stores; enterprise and clue dimensions are not mixed."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel, make_node
from jointsup.services.stats import Dimension, StatsFilters, StatsResult, Subject, stats

REGIONS = ["510104", "510107", "510304", "500103", "500229"]
INDUSTRIES = ["6210", "5211", "5212", "7291"]
CLASSES = ["A", "B", "C", "D", None]
CHANNELS = ["12315_hotline", "12315_web", "report"]
CATEGORIES = ["食品", "预付卡", "特种设备"]

# Enterprise n: region, industry and class cycle with different periods, so groups differ.
FIRMS = [(f"91510000{n:09d}X", REGIONS[n % 5], INDUSTRIES[n % 4], CLASSES[n % 3 + (n % 2) * 2])
         for n in range(60)]
# Clue n: channel, month and region cycle; every third clue has one category, every fifth two.
CLUES = [(f"XS{n:04d}", CHANNELS[n % 3], f"2025-{n % 4 + 1:02d}-{n % 27 + 1:02d}T10:00:00+08:00",
          REGIONS[n % 5], [CATEGORIES[n % 3]] * (n % 3 == 0) + CATEGORIES[:2] * (n % 5 == 0))
         for n in range(45)]


def _build(store: BaseGraphStore) -> None:
    nodes: list[Node] = []
    rels: list[Rel] = []
    for uscc, region, industry, grade in FIRMS:
        nodes.append(make_node("Enterprise", {"uscc": uscc, "name": uscc,
                                              "reg_region_code": region,
                                              "industry_code": industry}))
        if grade is not None:
            old = make_node("CreditRating", {"uscc": uscc, "month": "2025-01",
                                             "source": "ingested", "credit_class": "D"})
            new = make_node("CreditRating", {"uscc": uscc, "month": "2025-02",
                                             "source": "ingested", "credit_class": grade})
            nodes += [old, new]
            rels += [Rel("RATES", r.ref, NodeRef("Enterprise", uscc)) for r in (old, new)]
    for name in CATEGORIES:
        nodes.append(make_node("Category", {"name": name}))
    for ident, channel, received, region, cats in CLUES:
        clue = make_node("Clue", {"id": ident, "channel": channel, "received_at": received,
                                  "region_code": region, "status": "REGISTERED"})
        nodes.append(clue)
        rels += [Rel("CONCERNS", clue.ref, NodeRef("Category", c)) for c in set(cats)]

    def write(tx: GraphTx) -> None:
        tx.upsert_nodes(nodes)
        tx.upsert_rels(rels)

    store.transaction(write)


def _table(result: StatsResult) -> dict[tuple[str | None, ...], int]:
    return {b.values: b.count for b in result.buckets}


def _run(store: BaseGraphStore, dims: list[Dimension], f: StatsFilters | None = None,
         subject: Subject | None = None) -> StatsResult:
    return store.read(lambda tx: stats(tx, dims, f, subject))


def test_enterprises_by_class_region_and_industry(store: BaseGraphStore) -> None:
    _build(store)
    by_class = _run(store, [Dimension.RISK_CLASS])
    assert by_class.subject is Subject.ENTERPRISES
    assert _table(by_class) == Counter((g or "UNKNOWN",) for _, _, _, g in FIRMS)
    assert ("UNKNOWN",) in _table(by_class)
    assert by_class.total == len(FIRMS)
    city = _run(store, [Dimension.REGION, Dimension.INDUSTRY])
    assert _table(city) == Counter((r[:4] + "00", i[:2]) for _, r, i, _ in FIRMS)
    county = _run(store, [Dimension.REGION], StatsFilters(region_level="county",
                                                          region="510000"))
    assert _table(county) == Counter((r,) for _, r, _, _ in FIRMS if r.startswith("51"))
    # As of January every rated enterprise was D.
    january = _run(store, [Dimension.RISK_CLASS],
                   StatsFilters(rating_month="2025-01", industry="52"))
    assert _table(january) == Counter(("D" if g else "UNKNOWN",) for _, _, i, g in FIRMS
                                      if i.startswith("52"))
    only_c = _run(store, [Dimension.REGION], StatsFilters(risk_class="C",
                                                          region_level="province"))
    assert _table(only_c) == Counter((r[:2] + "0000",) for _, r, _, g in FIRMS if g == "C")


def test_clues_by_source_month_and_category(store: BaseGraphStore) -> None:
    _build(store)
    by_source = _run(store, [Dimension.CLUE_SOURCE, Dimension.MONTH])
    assert by_source.subject is Subject.CLUES
    assert _table(by_source) == Counter((c, t[:7]) for _, c, t, _, _ in CLUES)
    by_category = _run(store, [Dimension.CATEGORY])
    want: Counter[tuple[str | None, ...]] = Counter()
    for *_, cats in CLUES:
        names: list[str | None] = [*sorted(set(cats))] or [None]
        for c in names:
            want[(c,)] += 1
    assert _table(by_category) == want
    assert by_category.total == len(CLUES)  # a clue in two categories is one clue
    assert by_category.buckets[-1].values == (None,)  # unknown last
    narrowed = _run(store, [Dimension.REGION], StatsFilters(
        channel="report", received_from=dt.date(2025, 2, 1), received_to=dt.date(2025, 3, 31),
        region_level="county"), Subject.CLUES)
    assert _table(narrowed) == Counter(
        (r,) for _, c, t, r, _ in CLUES if c == "report" and "2025-02" <= t[:7] <= "2025-03")


def test_mixing_subjects_is_refused(store: BaseGraphStore) -> None:
    _build(store)
    with pytest.raises(InvalidInput, match="RISK_CLASS cannot group clues"):
        _run(store, [Dimension.RISK_CLASS, Dimension.MONTH])
    with pytest.raises(InvalidInput, match="channel and received dates apply to clues"):
        _run(store, [Dimension.REGION], StatsFilters(channel="report"))
    with pytest.raises(InvalidInput, match="regionLevel"):
        _run(store, [Dimension.REGION], StatsFilters(region_level="town"))
    with pytest.raises(InvalidInput, match=r"filters\.riskClass: 'E'"):
        _run(store, [Dimension.REGION], StatsFilters(risk_class="E"))
    with pytest.raises(InvalidInput, match=r"filters\.industryDigits: 5"):
        _run(store, [Dimension.INDUSTRY], StatsFilters(industry_digits=5))


def test_latest_class_reads_older_months_sources_and_skips_orphans(store: BaseGraphStore) -> None:
    # E1 rated in both months (latest wins), E2 only in the older month, E3 by both sources in
    # one month (ingested wins), E4 never; a rating of an enterprise not in the graph counts
    # nowhere.
    firms = {"E1": "510104", "E2": "510104", "E3": "500101", "E4": "510104"}
    ratings = [("E1", "2025-01", "ingested", "D"), ("E1", "2025-03", "computed", "A"),
               ("E2", "2025-01", "computed", "C"), ("E3", "2025-03", "computed", "D"),
               ("E3", "2025-03", "ingested", "B"), ("GONE", "2025-03", "ingested", "A")]
    nodes = [make_node("Enterprise", {"uscc": u, "name": u, "reg_region_code": r,
                                      "industry_code": "5211"}) for u, r in firms.items()]
    nodes += [make_node("CreditRating", {"uscc": u, "month": m, "source": s,
                                         "credit_class": g}) for u, m, s, g in ratings]
    store.upsert_nodes(nodes)
    assert _table(_run(store, [Dimension.RISK_CLASS])) == {
        ("A",): 1, ("B",): 1, ("C",): 1, ("UNKNOWN",): 1}
    assert _table(_run(store, [Dimension.RISK_CLASS, Dimension.REGION],
                       StatsFilters(region="510000"))) == {
        ("A", "510100"): 1, ("C", "510100"): 1, ("UNKNOWN", "510100"): 1}
    assert _table(_run(store, [Dimension.RISK_CLASS],
                       StatsFilters(rating_month="2025-02"))) == {
        ("C",): 1, ("D",): 1, ("UNKNOWN",): 2}
    assert _table(_run(store, [Dimension.REGION], StatsFilters(risk_class="UNKNOWN",
                                                               region_level="province"))) == {
        ("510000",): 1}
