"""Evaluation (评测) of the linker against gold JSONL: precision, recall, F1 and category accuracy.

Gold lines have the `jointsup link` output shape plus `id`; they carry their `text` (the
hand-written set) or not (the generator's clues_gold.jsonl), in which case texts come by `id`
from a CSV or JSONL file (default: clues.csv beside the gold file).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.eval_scoring import KINDS, Counts, Failure, score_document

Predict = Callable[[str, str | None], Mapping[str, Any]]


@dataclass(frozen=True)
class GoldDoc:
    """One gold line joined with its text."""

    id: str
    text: str
    received_at: str | None
    gold: Mapping[str, Any]


@dataclass
class EvalReport:
    """Micro-averaged scores per kind, category accuracy and the failures behind them."""

    documents: int = 0
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})
    category_correct: int = 0
    category_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    @property
    def category_accuracy(self) -> float:
        """Share of texts whose category equals the gold one."""
        return self.category_correct / self.documents if self.documents else 1.0

    def add(self, doc: GoldDoc, got: Mapping[str, Any]) -> None:
        """Score one text's prediction."""
        counts, failures = score_document(doc.id, doc.text, doc.gold, got)
        self.documents += 1
        for kind, c in counts.items():
            self.counts[kind].add(c)
        self.failures.extend(failures)
        gold_cat, got_cat = str(doc.gold.get("category")), str(got.get("category"))
        if gold_cat == got_cat:
            self.category_correct += 1
        else:
            self.category_confusion[(gold_cat, got_cat)] += 1
            self.failures.append(Failure(doc.id, "category", "wrong", f"{gold_cat}→{got_cat}",
                                         doc.text[:40].replace("\n", " ")))

    def table(self) -> str:
        """A plain-text table: one row per kind, then category accuracy."""
        head = f"{'kind':<14}{'tp':>6}{'fp':>6}{'fn':>6}{'precision':>11}{'recall':>9}{'f1':>8}"
        lines = [f"documents: {self.documents}", head, "-" * len(head)]
        for kind in KINDS:
            c = self.counts[kind]
            lines.append(f"{kind:<14}{c.tp:>6}{c.fp:>6}{c.fn:>6}{c.precision:>11.3f}"
                         f"{c.recall:>9.3f}{c.f1:>8.3f}")
        lines.append(f"{'category':<14}{'accuracy':>18}{self.category_accuracy:>34.3f}"
                     f"  ({self.category_correct}/{self.documents})")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Scores, confusions and failures as a JSON object."""
        return {
            "documents": self.documents,
            **{kind: self.counts[kind].to_json() for kind in KINDS},
            "category": {"accuracy": round(self.category_accuracy, 4),
                         "correct": self.category_correct,
                         "confusions": [{"gold": g, "got": p, "count": n} for (g, p), n
                                        in self.category_confusion.most_common()]},
            "failures": [{"id": f.doc_id, "kind": f.kind, "what": f.what, "key": f.key,
                          "snippet": f.snippet} for f in self.failures],
        }


def read_texts(path: Path) -> dict[str, tuple[str, str | None]]:
    """id → (text, received_at) from a CSV with `id,text[,received_at]` columns or a JSONL."""
    if not path.exists():
        raise InvalidInput(f"texts file {path} does not exist (give --texts)")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows: Iterable[Mapping[str, Any]] = (
            (json.loads(line) for line in f if line.strip()) if path.suffix == ".jsonl"
            else csv.DictReader(f))
        out = {}
        for row in rows:
            if "id" not in row or "text" not in row:
                raise InvalidInput(f"{path}: each row needs `id` and `text`")
            out[str(row["id"])] = (str(row["text"]), row.get("received_at") or None)
    return out


def read_gold(gold_path: Path, texts_path: Path | None = None) -> list[GoldDoc]:
    """Gold lines joined with their texts, in file order."""
    raw = []
    with gold_path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    raw.append(json.loads(line))
                except json.JSONDecodeError as e:
                    raise InvalidInput(f"{gold_path}:{n}: not JSON ({e.msg})") from e
    texts: dict[str, tuple[str, str | None]] = {}
    if any("text" not in g for g in raw):
        texts = read_texts(texts_path or gold_path.with_name("clues.csv"))
    docs = []
    for n, g in enumerate(raw, 1):
        doc_id = str(g.get("id", n))
        if "text" in g:
            text, received = str(g["text"]), g.get("received_at")
        elif doc_id in texts:
            text, received = texts[doc_id]
        else:
            raise InvalidInput(f"{gold_path}:{n}: no text for id {doc_id!r}")
        docs.append(GoldDoc(doc_id, text, received, g))
    return docs


def evaluate(docs: Iterable[GoldDoc], predict: Predict) -> EvalReport:
    """Score `predict(text, received_at)` against every gold document."""
    report = EvalReport()
    for doc in docs:
        report.add(doc, predict(doc.text, doc.received_at))
    return report


def evaluate_file(store: BaseGraphStore, gold_path: Path, texts_path: Path | None = None
                  ) -> EvalReport:
    """Link every gold text with the store's Linker and score it."""
    from jointsup.nlp.linker import Linker  # the spaCy pipeline is heavy: load only when used

    docs = read_gold(gold_path, texts_path)
    linker = Linker.from_store(store)

    def predict(text: str, received_at: str | None) -> Mapping[str, Any]:
        result: Mapping[str, Any] = linker.link(text, received_at).to_json()
        return result

    return evaluate(docs, predict)
