"""What an investigator sees of graph nodes and relationships: ids, captions, masking, risk."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jointsup.errors import NotFound
from jointsup.graph.store import GraphTx
from jointsup.model import LABELS, Node, NodeRef, PropValue, Rel
from jointsup.services import visibility
from jointsup.services.policy import Principal, sees_personal_data

# What investigators may see: the domain's entities. An allow-list, so a label added later for
# bookkeeping or secrets (tokens, audit, jobs, idempotency records, ledgers) stays hidden until
# someone decides otherwise; hidden labels are never a seed and never shown.
EXPLORABLE_LABELS = frozenset({
    "Enterprise", "Person", "Address", "Phone", "Department", "Region", "Industry", "Law",
    "Article", "Category", "SupervisionItem", "CheckImplementation", "Officer", "Inspection",
    "ListEntry", "CreditRating", "Clue", "Mention", "RiskAlert"})
HIDDEN_LABELS = frozenset(LABELS) - EXPLORABLE_LABELS
_CAPTION_PROPS = ("name", "normalized", "number", "title", "id", "code")


@dataclass(frozen=True)
class ViewNode:
    """A node as shown: global id, label, caption, risk level and (masked) properties."""

    id: str
    label: str
    caption: str
    risk_level: str | None
    properties: dict[str, Any]
    node: Node = field(repr=False)


@dataclass(frozen=True)
class ViewEdge:
    """A relationship as shown; `id` is `<TYPE>|<source id>|<target id>`."""

    id: str
    type: str
    source: str
    target: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ViewGraph:
    """Nodes and the edges among them; `truncated` when a limit cut the result."""

    nodes: list[ViewNode]
    edges: list[ViewEdge]
    truncated: bool = False


def global_id(label: str, key: str) -> str:
    """The API's global id of a node (base64 of `Label:key`, as resolvers.relay.encode_id)."""
    return base64.b64encode(f"{label}:{key}".encode()).decode()


def node_id(principal: Principal, ref: NodeRef) -> str:
    """A node's global id for this caller: a person's is opaque unless they see personal data."""
    key = visibility.opaque_person_key(principal, ref.key) if ref.label == "Person" else ref.key
    return global_id(ref.label, key)


def check_seed(ref: NodeRef) -> NodeRef:
    """Refuse seeds nobody may explore from (NotFound, like any unknown node)."""
    if ref.label in HIDDEN_LABELS or (ref.label == "Person" and ref.key.startswith("~")):
        raise NotFound(f"no node {ref.label}:{ref.key}")
    return ref


def masked_props(principal: Principal, node: Node) -> dict[str, Any]:
    """A node's properties with personal data masked as elsewhere in the API."""
    props: dict[str, PropValue] = dict(node.props)
    if sees_personal_data(principal):
        return props
    if node.label == "Person":
        return {"person_id": visibility.person_id(principal, node.key),
                "name": visibility.person_name(principal, _text(props.get("name")))}
    if node.label == "Enterprise" and isinstance(props.get("legal_rep"), str):
        rep = str(props["legal_rep"])
        props["legal_rep"] = (visibility.person_id(principal, rep) if rep.isascii()
                              else visibility.person_name(principal, rep))
    if node.label in ("Clue", "Mention"):
        props = {k: visibility.free_text(principal, v) if isinstance(v, str) else v
                 for k, v in props.items()}
    if node.label == "Officer":
        props["name"] = visibility.person_name(principal, _text(props.get("name")))
    return props


def caption(principal: Principal, node: Node) -> str:
    """The short text a canvas shows for a node (a person's name masked per role)."""
    props = node.props
    if node.label == "Person":
        return visibility.person_name(principal, _text(props.get("name"))) or \
            visibility.person_id(principal, node.key) or ""
    if node.label == "Article":
        return f"{props.get('law_title', '')} 第{props.get('number', '')}条"
    if node.label == "CreditRating":
        return f"{props.get('credit_class', '?')} {props.get('month', '')}"
    if node.label == "ListEntry":
        return f"{props.get('list', '')} {props.get('date', '')}"
    if node.label == "Officer":
        return visibility.person_name(principal, _text(props.get("name"))) or node.key
    for name in _CAPTION_PROPS:
        if isinstance(props.get(name), str) and props[name]:
            return str(props[name])
    return node.key


def _text(value: PropValue) -> str | None:
    return value if isinstance(value, str) else None


def risk_levels(tx: GraphTx, refs: Iterable[NodeRef]) -> dict[NodeRef, str | None]:
    """Each enterprise's latest credit class: its newest CreditRating (by month, then key)."""
    wanted = [r for r in dict.fromkeys(refs) if r.label == "Enterprise"]
    if not wanted:
        return {}
    # A rating's key is `uscc|month|source`: the store picks the newest from keys alone (the
    # order Enterprise.creditHistory lists them in) and reads only that one in full.
    newest = tx.newest_neighbours(wanted, rel_type="RATES", label="CreditRating", direction="in")
    return {ref: _text(node.props.get("credit_class")) for ref, node in newest.items()}


def present(tx: GraphTx, principal: Principal, nodes: Sequence[Node], rels: Sequence[Rel],
            truncated: bool = False, risks: dict[NodeRef, str | None] | None = None
            ) -> ViewGraph:
    """The caller's view of some nodes and the relationships among them, with risk levels.

    `risks` (from `risk_levels`) saves the look-up when the caller batched it already.
    """
    shown = [n for n in nodes if n.label not in HIDDEN_LABELS]
    if risks is None:
        risks = risk_levels(tx, (n.ref for n in shown))
    fallback = {n.ref: _text(n.props.get("credit_class")) for n in shown
                if n.label == "Enterprise"}
    view_nodes = [ViewNode(node_id(principal, n.ref), n.label, caption(principal, n),
                           risks.get(n.ref) or fallback.get(n.ref),
                           masked_props(principal, n), n) for n in shown]
    keep = {n.ref for n in shown}
    return ViewGraph(view_nodes, [edge(principal, r) for r in rels
                                  if r.src in keep and r.dst in keep], truncated)


def edge(principal: Principal, rel: Rel) -> ViewEdge:
    """The caller's view of one relationship."""
    src, dst = node_id(principal, rel.src), node_id(principal, rel.dst)
    return ViewEdge(f"{rel.type}|{src}|{dst}", rel.type, src, dst, dict(rel.props))
