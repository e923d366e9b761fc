"""Contract: the linker meets the issue's targets on the hand-written development set."""

from __future__ import annotations

from pathlib import Path

from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.evaluate import evaluate_file
from tests.contract.test_nlp_routing import DEV, load_fixture

TARGET_F1 = 0.95


def test_dev_set_targets(ref_store: BaseGraphStore, tmp_path: Path) -> None:
    load_fixture(ref_store, tmp_path, "enterprises", "departments", "items")
    report = evaluate_file(ref_store, DEV / "dev.jsonl")
    assert report.documents >= 100
    failures = "\n".join(f"{f.doc_id} {f.kind} {f.what} {f.key} {f.snippet}"
                         for f in report.failures if f.kind != "category")
    scores = {kind: round(report.counts[kind].f1, 3)
              for kind in ("enterprises", "regions", "laws")}
    assert all(f1 >= TARGET_F1 for f1 in scores.values()), f"{scores}\n{report.table()}\n{failures}"
