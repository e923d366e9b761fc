"""Measure the models against a generated dataset's planted patterns (truth.json)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import NodeRef, Rel
from jointsup.services.risk.base import Alert

# Which model answers which planted pattern (prepaid_cluster also fires on the surge bursts,
# which the generator writes as prepaid-card complaints).
TARGETS = {"complaint_surge": "complaint_surge", "prepaid_cluster": "complaint_surge",
           "same_address": "same_address", "person_companies": "one_person_many_companies",
           "serious_new_company": "struck_off_operator_new_company",
           "licence_shared": "licence_shared_by_shops"}


@dataclass(frozen=True)
class Score:
    """Recall over the planted instances and precision over the model's alerts."""

    model: str
    pattern: str
    planted: int
    found: int
    alerts: int
    true_alerts: int

    @property
    def recall(self) -> float:
        """Planted instances found / planted."""
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        """Alerts matching a planted instance / alerts."""
        return self.true_alerts / self.alerts if self.alerts else 1.0


def _matches(pattern: str, item: dict[str, Any], alert: Alert) -> bool:
    about = set(alert.enterprises)
    if pattern == "complaint_surge":
        return alert.subject == NodeRef("Enterprise", item["uscc"]) and bool(alert.window) and \
            alert.window <= item["window_end"]
    if pattern == "same_address":
        return set(item["usccs"]) <= about
    if pattern == "one_person_many_companies":
        return alert.subject == NodeRef("Person", item["person_id"])
    if pattern == "struck_off_operator_new_company":
        return alert.subject == NodeRef("Enterprise", item["new_uscc"])
    if pattern == "licence_shared_by_shops":
        return alert.subject == NodeRef("Enterprise", item["uscc"])
    raise ValueError(f"no matching rule for pattern {pattern!r}")


def score(model: str, alerts: Iterable[Alert], truth: dict[str, list[dict[str, Any]]]) -> Score:
    """Recall and precision of one model's alerts against its planted pattern."""
    pattern = TARGETS[model]
    planted = truth.get(pattern, [])
    found = list(alerts)
    hit = [any(_matches(pattern, item, a) for a in found) for item in planted]
    true = [any(_matches(pattern, item, a) for item in planted) for a in found]
    return Score(model, pattern, len(planted), sum(hit), len(found), sum(true))


def link_from_gold(store: BaseGraphStore, gold: Path) -> int:
    """AGAINST links for every enterprise the gold annotations name: perfect text linking,
    so the models are measured apart from the NLP linker. Returns the links written."""
    rels: list[Rel] = []
    with gold.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            for mention in record.get("enterprises", []):
                if mention.get("uscc"):
                    rels.append(Rel("AGAINST", NodeRef("Clue", record["id"]),
                                    NodeRef("Enterprise", mention["uscc"]),
                                    {"score": 1.0, "explanation": "gold annotation"}))

    def write(tx: GraphTx) -> int:
        targets = sorted({r.dst.key for r in rels})
        present = {k for k, n in zip(targets, tx.get_nodes("Enterprise", targets), strict=True)
                   if n is not None}
        kept = [r for r in rels if r.dst.key in present]
        tx.upsert_rels(kept)
        return len(kept)

    return store.transaction(write)
