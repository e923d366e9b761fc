"""One consistent read of what the credit indicators and risk models look at (the risk world)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from jointsup.graph.store import Filter, GraphTx
from jointsup.model import ROLE_TYPES, Node, NodeRef

SCAN_PAGE = 1000
ROLE_RELS = tuple(ROLE_TYPES.values())
LINK_RELS = (*ROLE_RELS, "LOCATED_AT", "HAS_PHONE")


def scan(tx: GraphTx, label: str, filters: Sequence[Filter] = ()) -> Iterator[Node]:
    """Every node of `label` matching `filters`, a page at a time, in key order."""
    after: str | None = None
    while True:
        page = tx.list_nodes(label, filters=filters, first=SCAN_PAGE, after=after)
        yield from page.items
        if not page.has_next or page.end_cursor is None:
            return
        after = page.end_cursor


def chunks(items: Sequence[NodeRef], size: int = SCAN_PAGE) -> Iterator[Sequence[NodeRef]]:
    """`items` in slices of `size`."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def day(node: Node, prop: str) -> str:
    """The ISO date part of a date or timestamp property ('' when absent)."""
    value = node.props.get(prop)
    return str(value)[:10] if value else ""


@dataclass
class World:
    """Enterprises and what hangs off them, indexed by USCC; clues with their respondents."""

    enterprises: dict[str, Node] = field(default_factory=dict)
    lists: dict[str, list[Node]] = field(default_factory=lambda: defaultdict(list))
    inspections: dict[str, list[Node]] = field(default_factory=lambda: defaultdict(list))
    clues: dict[str, Node] = field(default_factory=dict)
    respondents: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    clues_of: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    # enterprise → (rel type, person/address/phone shared with another enterprise), and inverse
    links: dict[str, list[tuple[str, NodeRef]]] = field(default_factory=lambda: defaultdict(list))
    linked: dict[NodeRef, list[tuple[str, str]]] = field(
        default_factory=lambda: defaultdict(list))

    def clue_day(self, clue_id: str) -> str:
        """The day a clue was received (ISO)."""
        return day(self.clues[clue_id], "received_at")

    def region_of(self, uscc: str) -> str:
        """An enterprise's registration region code ('' when unknown)."""
        node = self.enterprises.get(uscc)
        return str(node.props.get("reg_region_code") or "") if node else ""


def load_world(tx: GraphTx, *, with_links: bool = True, with_clues: bool = True) -> World:
    """Read enterprises, list entries, inspections, clues and role/address/phone links."""
    world = World()
    for node in scan(tx, "Enterprise"):
        world.enterprises[node.key] = node
    for node in scan(tx, "ListEntry"):
        world.lists[str(node.props.get("uscc"))].append(node)
    for node in scan(tx, "Inspection"):
        world.inspections[str(node.props.get("uscc"))].append(node)
    if with_clues:
        _load_clues(tx, world)
    if with_links:
        _load_links(tx, world)
    return world


def _load_clues(tx: GraphTx, world: World) -> None:
    for node in scan(tx, "Clue"):
        world.clues[node.key] = node
    refs = [NodeRef("Clue", k) for k in sorted(world.clues)]
    for part in chunks(refs):
        found = tx.neighbours(part, types=["AGAINST"], direction="out", labels=["Enterprise"],
                              props=False)
        for ref, nbs in found.items():
            for nb in nbs:
                world.respondents[ref.key].append(nb.node.key)
                world.clues_of[nb.node.key].append(ref.key)
    for ids in world.clues_of.values():
        ids.sort(key=lambda c: (world.clue_day(c), c))


def _load_links(tx: GraphTx, world: World) -> None:
    # Only people, addresses and phones shared by two or more enterprises relate anything, and
    # the store finds those (hubs) far faster than walking every enterprise's links.
    shared = [ref for ref, _ in tx.hubs(list(ROLE_RELS), end="src", labels=["Enterprise"])]
    shared += [ref for ref, _ in tx.hubs(["LOCATED_AT", "HAS_PHONE"], end="dst",
                                         labels=["Enterprise"])]
    for part in chunks(sorted(shared)):
        found = tx.neighbours(part, types=list(LINK_RELS), direction="both",
                              labels=["Enterprise"], props=False)
        for ref, nbs in found.items():
            for nb in nbs:
                world.linked[ref].append((nb.rel.type, nb.node.key))
                world.links[nb.node.key].append((nb.rel.type, ref))
