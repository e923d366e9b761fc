"""Contract: the reference ingest loads the real shared data into either store, idempotently."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from jointsup.graph.store import BaseGraphStore, Filter
from jointsup.ingest.reference import bundled_reference, load_reference
from jointsup.model import NodeRef

ARTICLE_LINE = re.compile(r"^第[零〇一二三四五六七八九十百千]+\s?条")


def independent_law_counts(laws: Path) -> tuple[int, int]:
    """Law versions (files) and articles (paragraphs starting 第X条), counted the plain way."""
    files = sorted(laws.rglob("*.md"))
    articles = 0
    for path in files:
        body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[1]
        articles += sum(1 for line in body.splitlines() if ARTICLE_LINE.match(line))
    return len(files), articles


def csv_rows(path: Path) -> int:
    with path.open(encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_reference_ingest_counts_and_rerun(store: BaseGraphStore) -> None:
    source = bundled_reference()
    first = load_reference(store, source, batch_size=2000)
    laws, articles = independent_law_counts(source / "laws")
    assert (laws, articles) == (49, 3102)  # SOURCES.md says 3,101; one file writes `第十五 条`.
    counts = store.stats().nodes
    assert counts["Law"] == laws
    assert counts["Article"] == articles
    regions = source / "regions"
    # Three prefecture-level cities without counties repeat their own code in areas.csv.
    assert counts["Region"] == sum(csv_rows(regions / f) for f in (
        "provinces.csv", "cities.csv", "areas.csv", "streets_50_51.csv")) - 3
    assert store.stats().relationships["OF_LAW"] == articles
    assert all(s.created == s.read for s in first)

    before = store.stats()
    second = load_reference(store, source, batch_size=2000)
    assert all(s.unchanged == s.read and s.written == 0 for s in second)
    assert store.stats() == before


def test_reference_graph_answers_domain_questions(store: BaseGraphStore) -> None:
    load_reference(store, bundled_reference(), batch_size=2000)
    wuhou = store.neighbourhood(NodeRef("Region", "510107"), depth=2, types=["PART_OF"],
                                node_limit=500)
    names = {n.props["name"] for n in wuhou.nodes if n.props.get("level") != "township"}
    assert {"武侯区", "成都市", "四川省"} <= names
    current = store.list_nodes("Law", filters=[Filter("title", "prefix", "中华人民共和国农产品")],
                               order_by="version", first=10).items
    assert [(law.props["version"], law.props["current"]) for law in current] == [
        ("2018-10-26", False), ("2022-09-02", True)]
    food = store.neighbours([current[1].ref], types=["OF_LAW"], direction="in", limit=500)
    assert len(food[current[1].ref]) == current[1].props["article_count"]
    assert store.count_by("Industry", ["level"]) == [((1,), 20), ((2,), 97), ((3,), 473),
                                                      ((4,), 1381)]
