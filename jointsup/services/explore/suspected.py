"""Suspected relations (疑似关联): enterprises linked through shared people, address or phone.

Each shared node is one piece of evidence with a weight; a pair's score combines its pieces as
independent signals (noisy-OR: 1 − Π(1 − w)), so more and stronger links score higher and the
score stays in [0, 1). See docs/explore.md for the table of weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import BaseGraphStore, Direction, GraphTx, Neighbour
from jointsup.model import Node, NodeRef, Rel
from jointsup.services import visibility
from jointsup.services.explore.view import ViewGraph, present, risk_levels
from jointsup.services.policy import Principal

# Role relationship → (what the reason calls it, weight when both ends hold it).
ROLES = {"LEGAL_REP_OF": ("legal representative", 0.7), "SHAREHOLDER_OF": ("shareholder", 0.6),
         "EXECUTIVE_OF": ("executive", 0.5), "LIAISON_OF": ("liaison", 0.4)}
CONTACTS = {"LOCATED_AT": ("address", 0.6), "HAS_PHONE": ("phone", 0.7)}
RISK_WEIGHT = 0.5  # a shared person is also behind a struck-off or listed company
STRUCK_OFF = frozenset({"吊销", "注销"})
LIST_NAMES = {"abnormal_operation": "abnormal-operation list (经营异常名录)",
              "serious_violation": "serious-violation list (严重违法失信名单)"}
PATTERN_SIZE = 3  # a node shared by 3+ enterprises is a pattern (一人多企, 同址多企), not a pair
LARGE_HUB = 50  # beyond this a shared node (a registration agent's address) says less per pair
HUB_FANOUT = 200  # enterprises read per shared node (first by key); bounds the work on hubs
STRONG = 0.5  # scores at or above: part of a pattern; below: a single coincidence
MAX_FIRST = 100


@dataclass
class Link:
    """One shared node between the enterprise and a related one, with both sides' relationships."""

    shared: NodeRef
    degree: int
    mine: list[Rel]
    theirs: list[Rel] = field(default_factory=list)


@dataclass(frozen=True)
class SuspectedRelation:
    """A related enterprise, how strongly and why, and the nodes and edges that show it."""

    enterprise: Node
    score: float
    reasons: list[str]
    evidence: ViewGraph


def size_factor(degree: int) -> float:
    """How much a shared node says about one pair, by how many enterprises share it."""
    if degree < PATTERN_SIZE:
        return 0.5
    return 1.0 if degree <= LARGE_HUB else LARGE_HUB / degree


def _strongest(rels: Iterable[Rel]) -> str:
    return max((r.type for r in rels), key=lambda t: ROLES[t][1])


def suspected_relations(store: BaseGraphStore, principal: Principal, uscc: str,
                        first: int = 20) -> list[SuspectedRelation]:
    """Enterprises related to `uscc`, strongest first (ties by USCC), at most `first`."""
    if not 1 <= first <= MAX_FIRST:
        raise InvalidInput(f"first must be between 1 and {MAX_FIRST}, not {first}")
    return store.read(lambda tx: _relations(tx, principal, uscc.strip().upper(), first))


def _relations(tx: GraphTx, principal: Principal, uscc: str, first: int
               ) -> list[SuspectedRelation]:
    me = tx.get_node(NodeRef("Enterprise", uscc))
    if me is None:
        raise NotFound(f"no enterprise {uscc}")
    links = _links(tx, me.ref)
    by_other: dict[NodeRef, list[Link]] = {}
    for link in links.values():
        for ref in dict.fromkeys(_other_end(r) for r in link.theirs):
            if ref != me.ref:
                by_other.setdefault(ref, []).append(link)
    others = {n.ref: n for n in tx.get_nodes("Enterprise", sorted(r.key for r in by_other))
              if n is not None}
    listed = tx.neighbours([me.ref, *others], types=["LISTS"], direction="in",
                           labels=["ListEntry"], limit=3)
    shared = load_nodes(tx, [link.shared for link in links.values()])
    scored = []
    for ref, node in others.items():
        pair = [Link(k.shared, k.degree, k.mine, [r for r in k.theirs if _other_end(r) == ref])
                for k in by_other[ref]]
        score, reasons, flagged = _score(principal, me, node, pair, shared, listed)
        scored.append((score, node, reasons, pair, flagged))
    scored.sort(key=lambda s: (-s[0], s[1].key))
    top = scored[:first]
    risks = risk_levels(tx, [me.ref, *(s[1].ref for s in top)])
    out = []
    for score, node, reasons, pair, flagged in top:
        # The list entries that made a company risky are part of the evidence.
        entries = listed.get(flagged, []) if flagged is not None else []
        nodes = [me, *(shared[k.shared] for k in pair if k.shared in shared),
                 *(nb.node for nb in entries), node]
        rels = [*(r for k in pair for r in (*k.mine, *k.theirs)), *(nb.rel for nb in entries)]
        out.append(SuspectedRelation(node, score, reasons,
                                     present(tx, principal, nodes, rels, risks=risks)))
    return out


def _other_end(rel: Rel) -> NodeRef:
    """The enterprise end of a role or contact relationship."""
    return rel.dst if rel.type in ROLES else rel.src


def _links(tx: GraphTx, me: NodeRef) -> dict[NodeRef, Link]:
    """The people, address and phone of `me`, each with the enterprises it joins (capped)."""
    mine = tx.neighbours([me], types=[*ROLES, *CONTACTS])[me]
    links: dict[NodeRef, Link] = {}
    for nb in mine:
        links.setdefault(nb.node.ref, Link(nb.node.ref, 0, [])).mine.append(nb.rel)
    people = [ref for ref in links if ref.label == "Person"]
    groups: list[tuple[list[NodeRef], list[str], Direction]] = [
        (people, list(ROLES), "out"),
        ([r for r in links if r.label == "Address"], ["LOCATED_AT"], "in"),
        ([r for r in links if r.label == "Phone"], ["HAS_PHONE"], "in")]
    for refs, types, direction in groups:
        if not refs:
            continue
        # A person may hold every role in one company: read enough rows for HUB_FANOUT of them.
        limit = (HUB_FANOUT + 1) * len(types)
        found = tx.neighbours(refs, types=types, direction=direction, labels=["Enterprise"],
                              limit=limit, props=False)
        for ref in refs:
            # Degree counts up to HUB_FANOUT + 1 (enough to know a hub is large); the links
            # themselves go to the first HUB_FANOUT enterprises by key.
            keys = sorted({nb.node.key for nb in found[ref]})
            keep = set(keys[:HUB_FANOUT])
            links[ref].theirs = [nb.rel for nb in found[ref] if nb.node.key in keep]
            links[ref].degree = min(len(keys), HUB_FANOUT + 1)
    return links


def load_nodes(tx: GraphTx, refs: list[NodeRef]) -> dict[NodeRef, Node]:
    """Nodes of any labels by identity (absent ones left out)."""
    out: dict[NodeRef, Node] = {}
    for label in dict.fromkeys(r.label for r in refs):
        keys = [r.key for r in refs if r.label == label]
        out.update((n.ref, n) for n in tx.get_nodes(label, keys) if n is not None)
    return out


def _score(principal: Principal, me: Node, other: Node, pair: list[Link],
           shared: dict[NodeRef, Node], listed: dict[NodeRef, list[Neighbour]]
           ) -> tuple[float, list[str], NodeRef | None]:
    """Noisy-OR of the pair's evidence weights, one reason per piece of evidence, and the
    company whose struck-off status or list entries added the risk weight (if one did)."""
    flagged: NodeRef | None = None
    weights: list[float] = []
    reasons: list[str] = []
    person_factor = 0.0
    for link in sorted(pair, key=lambda k: k.shared):
        node = shared.get(link.shared, Node(link.shared.label, link.shared.key))
        factor = size_factor(link.degree)
        tail = f" (joins {link.degree} enterprises)" if link.degree >= PATTERN_SIZE else ""
        if link.shared.label == "Person":
            here, there = _strongest(link.mine), _strongest(link.theirs)
            weight = min(ROLES[here][1], ROLES[there][1])
            name = visibility.person_name(principal, _name(node)) or "?"
            person_factor = max(person_factor, factor)
            reasons.append(f"same {ROLES[here][0]} {name}{tail}" if here == there else
                           f"shared person {name}: {ROLES[here][0]} here, {ROLES[there][0]} "
                           f"there{tail}")
        else:
            kind, weight = CONTACTS[link.mine[0].type]
            text = node.props.get("normalized") or node.props.get("number") or node.key
            reasons.append(f"same {kind} {text}{tail}")
        weights.append(weight * factor)
    if person_factor:
        for company in (other, me):
            why = _why_risky(company, listed.get(company.ref, []))
            if why:
                weights.append(RISK_WEIGHT * person_factor)
                who = "this company" if company is me else str(company.props.get("name", ""))
                reasons.append(f"a shared person is behind {who}, {why}")
                flagged = company.ref
                break
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    return round(1.0 - remaining, 4), reasons, flagged


def _why_risky(company: Node, entries: list[Neighbour]) -> str | None:
    status = company.props.get("status")
    if status in STRUCK_OFF:
        return f"struck off ({status})"
    lists = sorted({str(nb.node.props.get("list")) for nb in entries})
    return "on the " + " and ".join(LIST_NAMES.get(x, x) for x in lists) if lists else None


def _name(node: Node) -> str | None:
    value = node.props.get("name")
    return value if isinstance(value, str) else None
