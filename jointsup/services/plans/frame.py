"""The sampling frame (抽查对象名录库) of a plan: per item, the enterprises it may draw, by class.

An enterprise is in an item's frame when it passes the plan's target filter (region, industry
prefixes, entity types, statuses), lies in the jurisdiction of the item's department (its region
code starts with the department's region prefix), and the item supervises its industry (the class
or an ancestor, section letters included). Its credit class is its latest `CreditRating` up to the
plan's rating month — ingested preferred to computed within one month — or UNKNOWN.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from jointsup.graph.store import Filter, GraphTx
from jointsup.services.audit import canonical
from jointsup.services.plans.spec import PlanSpec
from jointsup.services.supervision import industry_lineage, region_prefix

SOURCE_ORDER = {"ingested": 0, "computed": 1}


@dataclass(frozen=True)
class Frame:
    """Per plan item (in plan order): the candidates as sorted (uscc, credit class) pairs."""

    items: dict[str, list[tuple[str, str]]]

    def digest(self) -> str:
        """SHA-256 of the frame's canonical JSON: what a re-draw must start from."""
        return hashlib.sha256(canonical(self.items).encode()).hexdigest()

    def size(self) -> int:
        """Distinct enterprises over all items."""
        return len({u for pairs in self.items.values() for u, _ in pairs})


def latest_classes(tx: GraphTx, month_lte: str | None = None) -> dict[str, str]:
    """Each rated enterprise's latest credit class (up to `month_lte`).

    Read month by month, newest first, through the `month` index: an enterprise takes the class
    of the first month that rates it, ingested before computed (then other sources by name).
    Once every rated enterprise has a class the older months are not read: with monthly ratings
    of a stable population that is after the newest month, so a call decodes one month's
    ratings, not the whole history.
    """
    filters = [Filter("month", "lte", month_lte)] if month_lte else []
    months = sorted((str(m) for (m,), _ in tx.count_by("CreditRating", ["month"], filters)
                     if isinstance(m, str)), reverse=True)
    rated = len(tx.count_by("CreditRating", ["uscc"], filters)) if len(months) > 1 else 0
    out: dict[str, str] = {}
    for month in months:
        rows = tx.count_by("CreditRating", ["source", "uscc", "credit_class"],
                           [Filter("month", "eq", month)])
        rows.sort(key=lambda row: (SOURCE_ORDER.get(str(row[0][0]), 9), str(row[0][0])))
        for (_, uscc, grade), _n in rows:
            if isinstance(uscc, str) and isinstance(grade, str):
                out.setdefault(uscc, grade)
        if len(out) >= rated:
            break
    return out


def build_frame(tx: GraphTx, spec: PlanSpec) -> Frame:
    """The plan's frame from the store as it is now."""
    filters = [Filter("status", "in", list(spec.statuses))]
    if spec.region:
        filters.append(Filter("reg_region_code", "prefix", region_prefix(spec.region)))
    if spec.entity_types:
        filters.append(Filter("entity_type", "in", list(spec.entity_types)))
    rows = [(str(u), str(ind or ""), str(reg or "")) for (u, ind, reg), _ in tx.count_by(
        "Enterprise", ["uscc", "industry_code", "reg_region_code"], filters)]
    if spec.industries:
        rows = [r for r in rows if any(r[1].startswith(p) for p in spec.industries)]
    classes = latest_classes(tx, spec.rating_month)
    lineage = _lineages(tx, {r[1] for r in rows})
    items = tx.get_nodes("SupervisionItem", [i.item_code for i in spec.items])
    depts = tx.get_nodes("Department", [i.department_code for i in spec.items])
    out: dict[str, list[tuple[str, str]]] = {}
    for entry, item, dept in zip(spec.items, items, depts, strict=True):
        industries = set(item.props.get("object_industries") or []) if item else set()  # type: ignore[arg-type]
        prefix = region_prefix(str(dept.props.get("region_code", ""))) if dept else "-"
        out[entry.item_code] = sorted(
            (u, classes.get(u, "UNKNOWN")) for u, ind, reg in rows
            if reg.startswith(prefix) and industries.intersection(lineage.get(ind, ())))
    return Frame(out)


def _lineages(tx: GraphTx, codes: set[str]) -> dict[str, set[str]]:
    """Each industry code with its ancestors and its section letter."""
    ordered = sorted(c for c in codes if c)
    nodes = tx.get_nodes("Industry", ordered)
    out: dict[str, set[str]] = {}
    for code, node in zip(ordered, nodes, strict=True):
        chain = set(industry_lineage(code))
        section = node.props.get("section") if node else None
        if isinstance(section, str):
            chain.add(section)
        out[code] = chain
    return out
