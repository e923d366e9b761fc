"""Risk-warning models (风险预警模型): the alert shape, the model registry and alert writing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from jointsup.graph.store import GraphTx
from jointsup.model import Node, NodeRef, Props, Rel
from jointsup.services.risk.world import World

OPEN = "OPEN"
Edge = tuple[str, NodeRef, NodeRef]


@dataclass
class Alert:
    """What a model found: a subject, the enterprises concerned, a score and the evidence."""

    model: str
    subject: NodeRef
    window: str  # the period or episode the alert is about ('' when timeless)
    score: float
    explanation: str
    enterprises: list[str] = field(default_factory=list)  # USCCs the alert is ABOUT
    nodes: list[NodeRef] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    region_code: str = ""
    severity: float = 0.0  # in [0, 1], set by the runner from the model's calibration

    @property
    def id(self) -> str:
        """Deterministic: the same model, subject and window give the same id on every run."""
        raw = f"{self.model}\n{self.subject.global_id}\n{self.window}"
        return f"{self.model}-{hashlib.sha1(raw.encode()).hexdigest()[:16]}"  # noqa: S324 - an id, not a secret


@dataclass(frozen=True)
class Context:
    """What a model runs with: the world, its own settings, the reference day, a read tx."""

    world: World
    settings: dict[str, Any]
    as_of: date
    tx: GraphTx


RunFn = Callable[[Context], list[Alert]]


@dataclass(frozen=True)
class RiskModel:
    """A registered model: a name (its config section), a description and its rule."""

    name: str
    title: str
    run: RunFn


REGISTRY: dict[str, RiskModel] = {}


def register(name: str, title: str) -> Callable[[RunFn], RunFn]:
    """Decorator adding a rule to the registry under `name`."""
    def add(fn: RunFn) -> RunFn:
        REGISTRY[name] = RiskModel(name, title, fn)
        return fn
    return add


def encode_edge(edge: Edge) -> str:
    """One evidence edge as stored: a JSON triple of type and the two global ids."""
    return json.dumps([edge[0], edge[1].global_id, edge[2].global_id], ensure_ascii=False)


def decode_edge(text: str) -> tuple[str, str, str]:
    """Inverse of `encode_edge` as (type, source global id, target global id)."""
    rel_type, src, dst = json.loads(text)
    return str(rel_type), str(src), str(dst)


def history_entry(action: str, status: str, note: str = "", by: str = "",
                  at: str | None = None) -> str:
    """One disposal-history record (JSON), newest appended last."""
    stamp = at or datetime.now(UTC).isoformat(timespec="seconds")
    return json.dumps({"at": stamp, "action": action, "status": status, "note": note, "by": by},
                      ensure_ascii=False)


def _props(alert: Alert, as_of: date) -> Props:
    return {
        "id": alert.id, "model": alert.model, "score": round(alert.score, 4),
        "severity": round(alert.severity, 4),
        "subject": alert.subject.global_id, "window": alert.window or None,
        "explanation": alert.explanation,
        "region_code": alert.region_code or None, "usccs": sorted(set(alert.enterprises)),
        "evidence_nodes": list(dict.fromkeys(n.global_id for n in alert.nodes)),
        "evidence_edges": list(dict.fromkeys(encode_edge(e) for e in alert.edges)),
        "as_of": as_of.isoformat(),
    }


def write_alerts(tx: GraphTx, *, alerts: Sequence[Alert], as_of: date) -> tuple[int, int]:
    """Upsert alerts by id: new ones OPEN with a history; old ones keep status and history."""
    unique = {a.id: a for a in alerts}
    existing = dict(zip(unique, tx.get_nodes("RiskAlert", list(unique)), strict=True))
    nodes: list[Node] = []
    rels: list[Rel] = []
    created = 0
    for alert_id, alert in unique.items():
        props = _props(alert, as_of)
        if existing[alert_id] is None:
            created += 1
            props["status"] = OPEN
            props["history"] = [history_entry("RAISED", OPEN, alert.explanation, "model")]
        nodes.append(Node("RiskAlert", alert_id, props))
        me = NodeRef("RiskAlert", alert_id)
        rels.extend(Rel("ABOUT", me, NodeRef("Enterprise", u))
                    for u in sorted(set(alert.enterprises)))
    tx.upsert_nodes(nodes)
    targets = sorted({r.dst.key for r in rels})
    present = {k for k, n in zip(targets, tx.get_nodes("Enterprise", targets), strict=True) if n}
    tx.upsert_rels([r for r in rels if r.dst.key in present])
    return created, len(unique) - created
