"""The hand-written NLP development set is well-formed: exact spans, real codes, real laws."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from stdnum.cn import uscc as stdnum_uscc

from jointsup.ingest.reference.laws import read_laws
from jointsup.nlp.category import CATEGORIES
from jointsup.nlp.eval_scoring import fold

DEV = Path(__file__).parents[1] / "data" / "nlp_dev"
REFERENCE = Path("/work/shared/data")


def load_build() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nlp_dev_build", DEV / "build.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def gold() -> list[dict[str, Any]]:
    with (DEV / "dev.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_set_is_big_and_varied() -> None:
    docs = gold()
    assert len(docs) >= 100
    assert len({d["id"] for d in docs}) == len(docs)
    assert sum(1 for d in docs if not d["enterprises"]) >= 5
    assert sum(1 for d in docs if len({e["uscc"] or e["name"] for e in d["enterprises"]}) > 1) >= 5
    assert sum(1 for d in docs if any(e["uscc"] is None for e in d["enterprises"])) >= 10
    assert sum(1 for d in docs if d["invalid_codes"]) >= 3
    assert sum(1 for d in docs if "received_at" in d) >= 20
    assert {d["category"] for d in docs} == set(CATEGORIES)


def test_every_span_is_exactly_its_text() -> None:
    for d in gold():
        for kind, field in (("enterprises", "name"), ("regions", "name"),
                            ("invalid_codes", "code")):
            for span in d[kind]:
                assert d["text"][span["start"]:span["end"]] == span[field], (d["id"], span)
        for span in d["laws"]:
            assert 0 <= span["start"] < span["end"] <= len(d["text"]), (d["id"], span)


def test_codes_are_real() -> None:
    with (DEV / "enterprises.csv").open(encoding="utf-8") as f:
        registry = {row["uscc"]: row for row in csv.DictReader(f)}
    with (REFERENCE / "regions" / "areas.csv").open(encoding="utf-8") as f:
        counties = {row["code"] for row in csv.DictReader(f)}
    regions = counties | {c[:4] + "00" for c in counties} | {c[:2] + "0000" for c in counties}
    for row in registry.values():
        assert stdnum_uscc.is_valid(row["uscc"]), row
        assert row["reg_region_code"] in counties, row
    for d in gold():
        for e in d["enterprises"]:
            assert e["uscc"] is None or e["uscc"] in registry, (d["id"], e)
        for r in d["regions"]:
            assert r["code"] in regions, (d["id"], r)
        for c in d["invalid_codes"]:
            assert not stdnum_uscc.is_valid(fold(c["code"])), (d["id"], c)
            assert c["suggested_uscc"] is None or c["suggested_uscc"] in registry


@pytest.mark.skipif(not (REFERENCE / "laws").exists(), reason="reference laws not present")
def test_laws_are_official_titles_with_existing_articles() -> None:
    nodes, _ = read_laws(REFERENCE / "laws")
    counts = {str(n.props["title"]): int(str(n.props["article_count"]))
              for n in nodes if n.label == "Law"}
    for d in gold():
        for law in d["laws"]:
            assert law["law"] in counts, (d["id"], law)
            assert law["article"] is None or 1 <= law["article"] <= counts[law["law"]]


def test_the_built_file_matches_its_source() -> None:
    build = load_build()
    rows = []
    for line in (DEV / "dev_src.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            doc_id, category, _, marked = line.split("\t")
            rows.append({"id": doc_id, **build.parse(marked), "category": category})
    built = [{k: v for k, v in d.items() if k != "received_at"} for d in gold()]
    assert built == rows
