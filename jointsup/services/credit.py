"""Computed credit risk classes (信用风险分类 A–D) from weighted indicators, with explanations."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jointsup.errors import InvalidInput
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node, NodeRef, Rel
from jointsup.services.credit_indicators import Indicator, base_indicators, related_indicator
from jointsup.services.risk.config import load_config
from jointsup.services.risk.world import World, load_world

CLASSES = "ABCD"
SOURCE = "computed"
WRITE_BATCH = 1000
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
Progress = Callable[[str, int, int], None]


def _quiet(task: str, done: int, total: int) -> None:
    """No progress reporting."""


def month_end(month: str) -> date:
    """The last day of a YYYY-MM month; InvalidInput otherwise."""
    m = _MONTH.match(month.strip())
    if not m or not 1 <= int(m[2]) <= 12:
        raise InvalidInput(f"month must be YYYY-MM, not {month!r}")
    year, mon = int(m[1]), int(m[2])
    return date(year, mon, calendar.monthrange(year, mon)[1])


@dataclass
class Rating:
    """One enterprise's computed class, score and indicators (largest contribution first)."""

    uscc: str
    score: float
    credit_class: str
    indicators: list[Indicator] = field(default_factory=list)

    def explanation(self, top: int) -> list[str]:
        """The top contributing indicators as `name +points: detail`."""
        return [i.text() for i in self.indicators[:top]]


@dataclass(frozen=True)
class CreditSummary:
    """What a compute run did."""

    month: str
    rated: int
    by_class: dict[str, int]
    created: int
    updated: int
    unchanged: int


def classify(score: float, cutoffs: list[float]) -> str:
    """A below cutoffs[0], B below cutoffs[1], C below cutoffs[2], else D."""
    for grade, cut in zip(CLASSES, cutoffs, strict=False):
        if score < cut:
            return grade
    return CLASSES[-1]


def rate_world(world: World, as_of: date, cfg: dict[str, Any]) -> list[Rating]:
    """Ratings for every enterprise in existence and not deregistered (注销) at `as_of`."""
    rated = [u for u, n in sorted(world.enterprises.items())
             if n.props.get("status") != "注销"
             and str(n.props.get("established") or "") <= as_of.isoformat()]
    own = {u: base_indicators(world, u, as_of, cfg) for u in rated}
    base = {u: sum(i.points for i in found) for u, found in own.items()}
    cutoffs = [float(c) for c in cfg["cutoffs"]]
    out = []
    for uscc in rated:
        found = list(own[uscc])
        related = related_indicator(world, uscc, base, cfg)
        if related is not None:
            found.append(related)
        found.sort(key=lambda i: (-abs(i.points), i.name))
        score = round(sum(i.points for i in found), 2)
        out.append(Rating(uscc, score, classify(score, cutoffs), found))
    return out


def _node(rating: Rating, month: str, top: int) -> Node:
    return Node("CreditRating", f"{rating.uscc}|{month}|{SOURCE}", {
        "uscc": rating.uscc, "month": month, "source": SOURCE,
        "credit_class": rating.credit_class, "score": rating.score,
        "explanation": rating.explanation(top),
        "indicators": json.dumps([i.as_dict() for i in rating.indicators], ensure_ascii=False)})


def compute_classes(store: BaseGraphStore, month: str, config: dict[str, Any] | None = None,
                    progress: Progress = _quiet) -> CreditSummary:
    """Compute and store (source `computed`) the month's class of every enterprise; idempotent."""
    as_of = month_end(month)
    month = month.strip()
    cfg = (config if config is not None else load_config())["credit"]
    progress("reading the graph", 0, 1)
    world = store.read(load_world)
    progress("reading the graph", 1, 1)
    ratings = rate_world(world, as_of, cfg)
    top = int(cfg.get("explain_top", 3))
    counts = [0, 0, 0]
    for start in range(0, len(ratings), WRITE_BATCH):
        part = ratings[start:start + WRITE_BATCH]

        def write(tx: GraphTx, part: list[Rating] = part) -> tuple[int, int, int]:
            nodes = [_node(r, month, top) for r in part]
            wrote = tx.upsert_nodes(nodes)
            tx.upsert_rels([Rel("RATES", n.ref, NodeRef("Enterprise", r.uscc))
                            for n, r in zip(nodes, part, strict=True)])
            return wrote.created, wrote.updated, wrote.unchanged

        for i, n in enumerate(store.transaction(write)):
            counts[i] += n
        progress("credit classes", start + len(part), len(ratings))
    by_class = {c: sum(1 for r in ratings if r.credit_class == c) for c in CLASSES}
    return CreditSummary(month, len(ratings), by_class, *counts)
