"""Scoring one linked text against its gold: per-kind match sets, counts and failures.

Each kind is compared per text as a set of keys, so a mention repeated in one text counts once:
enterprises by USCC (an unresolved mention, `uscc` null, by its normalised name, where one name
containing the other also matches: "楼下那家小超市" and "小超市" are the same shop), regions by
code, laws by (official title, article), invalid codes by the code with spaces removed and
full-width folded. Counts add up over texts into micro-averaged precision, recall and F1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("enterprises", "regions", "laws", "invalid_codes")
Key = tuple[str, str]


@dataclass
class Counts:
    """True positives, false positives and false negatives of one kind."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        """Add another text's counts."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        """TP / (TP + FP); 1.0 when nothing was predicted and nothing was expected."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else float(self.fn == 0)

    @property
    def recall(self) -> float:
        """TP / (TP + FN); 1.0 when nothing was expected."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, float | int]:
        """Counts and rates as a JSON object."""
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4)}


@dataclass(frozen=True)
class Failure:
    """One disagreement: a gold key not predicted (missed) or a predicted key not in gold."""

    doc_id: str
    kind: str
    what: str  # "missed" or "spurious"
    key: str
    snippet: str


def fold(text: str) -> str:
    """Full-width to half-width (NFKC), whitespace removed, upper case: how codes compare."""
    return "".join(unicodedata.normalize("NFKC", text).split()).upper()


def _name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def enterprise_keys(items: Iterable[Mapping[str, Any]]) -> list[tuple[Key, Mapping[str, Any]]]:
    """("uscc", code) for a resolved mention, ("name", normalised name) for an unresolved one."""
    out = []
    for it in items:
        uscc = it.get("uscc")
        key = ("uscc", fold(str(uscc))) if uscc else ("name", _name(str(it.get("name") or "")))
        out.append((key, it))
    return out


def region_keys(items: Iterable[Mapping[str, Any]]) -> list[tuple[Key, Mapping[str, Any]]]:
    """("code", region code) per region mention."""
    return [(("code", str(it.get("code"))), it) for it in items]


def law_keys(items: Iterable[Mapping[str, Any]]) -> list[tuple[Key, Mapping[str, Any]]]:
    """(official title, article number or "") per law citation."""
    out = []
    for it in items:
        article = it.get("article")
        out.append(((str(it.get("law")), "" if article is None else str(int(article))), it))
    return out


def invalid_keys(items: Iterable[Mapping[str, Any]]) -> list[tuple[Key, Mapping[str, Any]]]:
    """("code", folded code as written); the generator's gold names the field `text`."""
    return [(("code", fold(str(it.get("code", it.get("text", ""))))), it) for it in items]


KEYERS: dict[str, Callable[[Iterable[Mapping[str, Any]]],
                           list[tuple[Key, Mapping[str, Any]]]]] = {
    "enterprises": enterprise_keys, "regions": region_keys, "laws": law_keys,
    "invalid_codes": invalid_keys}


def same(gold: Key, got: Key) -> bool:
    """Whether two keys denote the same thing (unresolved names may contain one another)."""
    if gold == got:
        return True
    if gold[0] == got[0] == "name":
        short, long_ = sorted((gold[1], got[1]), key=len)
        return len(short) >= 2 and short in long_
    return False


def match(gold: list[Key], got: list[Key]) -> tuple[int, list[Key], list[Key]]:
    """(matched count, missed gold keys, spurious predicted keys) over de-duplicated keys."""
    g = list(dict.fromkeys(gold))
    p = list(dict.fromkeys(got))
    missed: list[Key] = []
    tp = 0
    for key in sorted(g, key=lambda k: k[0] != "name"):  # exact keys never need the name pass
        hit = next((k for k in p if k == key), None) or next((k for k in p if same(key, k)), None)
        if hit is None:
            missed.append(key)
        else:
            p.remove(hit)
            tp += 1
    return tp, missed, p


def _snippet(text: str, spans: Iterable[Mapping[str, Any]], width: int = 12) -> str:
    for s in spans:
        if isinstance(s.get("start"), int) and isinstance(s.get("end"), int):
            a, b = int(s["start"]), int(s["end"])
            return (text[max(0, a - width):a] + "[" + text[a:b] + "]" + text[b:b + width]
                    ).replace("\n", " ")
    return text[:2 * width].replace("\n", " ")


def score_document(doc_id: str, text: str, gold: Mapping[str, Any], got: Mapping[str, Any]
                   ) -> tuple[dict[str, Counts], list[Failure]]:
    """Counts per kind and the failures of one text."""
    counts: dict[str, Counts] = {}
    failures: list[Failure] = []
    for kind in KINDS:
        g = KEYERS[kind](gold.get(kind) or [])
        p = KEYERS[kind](got.get(kind) or [])
        tp, missed, spurious = match([k for k, _ in g], [k for k, _ in p])
        counts[kind] = Counts(tp, len(spurious), len(missed))
        for what, keys, pairs in (("missed", missed, g), ("spurious", spurious, p)):
            for key in keys:
                spans = [it for k, it in pairs if k == key]
                failures.append(Failure(doc_id, kind, what, ":".join(key).strip(":"),
                                        _snippet(text, spans)))
    return counts, failures
