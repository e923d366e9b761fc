"""Routing (分流): the departments responsible for a clue, by category and county.

A category names the supervision items (监管事项) it concerns through words in the item names
(ITEM_WORDS); the department system owning most of those items is the sector regulator. Market
regulation (市场监管), which receives every 12315 complaint, is always routed to as well, and is
the only system for 其他 or a category no item mentions. For each system the responsible
department is the one nearest the respondent: the county's, else the city's, else the
province's (jurisdiction rules in domain.md; the same chain as supervision.jurisdiction_codes).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from jointsup.graph.store import GraphTx
from jointsup.model import Node, NodeRef
from jointsup.services.supervision import department_order, jurisdiction_codes

DEFAULT_SYSTEM = "市场监管"
ITEM_WORDS: dict[str, tuple[str, ...]] = {
    "食品": ("食品", "餐饮"),
    "药品": ("药品", "假药"),
    "化妆品": ("化妆品",),
    "医疗器械": ("医疗器械",),
    "特种设备": ("特种设备", "电梯", "气瓶", "游乐设施"),
    "价格": ("价格", "明码标价"),
    "计量": ("计量",),
    "广告": ("广告",),
    "产品质量": ("产品质量", "产品标识", "强制性产品认证", "三包"),
    "商标与知识产权": ("商标",),
    "预付式消费": ("预付", "预收费"),
    "网络交易": ("网络交易", "电子商务"),
    "旅游": ("旅行社", "导游", "低价游"),
    "教育培训": ("培训",),
    "医疗美容": ("医疗美容",),
    "农资": ("农业投入品",),
    "燃气": ("燃气", "气瓶"),
    "其他": (),
}
_PAGE = 1000


@dataclass(frozen=True)
class Router:
    """Routing read once: category → ranked systems, and the departments by region code.

    For linking many clues: `Router.load(tx)` once, then `route` answers without the store.
    """

    systems: dict[str, tuple[str, ...]]
    by_region: dict[str, tuple[Node, ...]]

    @classmethod
    def load(cls, tx: GraphTx) -> Router:
        """Scan the supervision items and the departments once."""
        names = [(str(n.props.get("name") or ""), str(n.props.get("department_system")))
                 for n in _all(tx, "SupervisionItem") if n.props.get("department_system")]
        by_region: dict[str, list[Node]] = {}
        for d in _all(tx, "Department"):
            by_region.setdefault(str(d.props.get("region_code")), []).append(d)
        return cls({cat: rank_systems(names, words) for cat, words in ITEM_WORDS.items()},
                   {code: tuple(ds) for code, ds in by_region.items()})

    def route(self, category: str, region_code: str | None) -> list[dict[str, str]]:
        """Responsible departments as `{"code", "name"}`, most specific jurisdiction first."""
        if not region_code:
            return []
        departments = [d for c in jurisdiction_codes(region_code)
                       for d in self.by_region.get(c, ())]
        return choose(departments, self.systems.get(category, (DEFAULT_SYSTEM,)))


def choose(departments: list[Node], systems: tuple[str, ...]) -> list[dict[str, str]]:
    """Per system the most specific department, county before city before province."""
    chosen = []
    for system in systems:
        mine = [d for d in departments if d.props.get("system") == system]
        if mine:
            chosen.append(min(mine, key=department_order))
    chosen.sort(key=lambda d: department_order(d)[0])  # stable: the sector regulator first
    return [{"code": d.key, "name": str(d.props.get("name") or d.key)} for d in chosen]


def _all(tx: GraphTx, label: str) -> list[Node]:
    nodes: list[Node] = []
    after = None
    while True:
        page = tx.list_nodes(label, first=_PAGE, after=after)
        nodes += page.items
        if not page.has_next:
            return nodes
        after = page.end_cursor


def rank_systems(items: list[tuple[str, str]], words: tuple[str, ...]) -> tuple[str, ...]:
    """The sector regulator (most matching items; a tie not to 市场监管), then 市场监管."""
    counts = Counter(system for name, system in items if any(w in name for w in words))
    ranked = sorted(counts, key=lambda s: (-counts[s], s == DEFAULT_SYSTEM, s))
    primary = ranked[0] if ranked else DEFAULT_SYSTEM
    return (primary,) if primary == DEFAULT_SYSTEM else (primary, DEFAULT_SYSTEM)


def route(tx: GraphTx, category: str, region_code: str | None) -> list[dict[str, str]]:
    """Responsible departments as `{"code", "name"}`, most specific jurisdiction first.

    One clue: the item names and the jurisdiction's departments only (Router for many clues).
    """
    if not region_code:
        return []
    names = [(str(n.props.get("name") or ""), str(n.props.get("department_system")))
             for n in _all(tx, "SupervisionItem") if n.props.get("department_system")]
    codes = jurisdiction_codes(region_code)
    found = tx.neighbours([NodeRef("Region", c) for c in codes], types=["IN_REGION"],
                          direction="in", labels=["Department"])
    departments = [nb.node for c in codes for nb in found.get(NodeRef("Region", c), [])]
    return choose(departments, rank_systems(names, ITEM_WORDS.get(category, ())))
