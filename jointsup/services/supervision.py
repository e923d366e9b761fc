"""Joint supervision (联合监管): which items apply to an enterprise and who answers for each.

An item applies to an enterprise when its `APPLIES_TO` industries include the enterprise's
industry class or an ancestor of it (class → group → division → section); an item without
industries applies to none. The departments responsible for an item are those of the item's
department system whose region is the enterprise's county, its city or its province (Chongqing has
no prefecture: its districts and counties belong directly to 500000). The implementation that
applies at a department's level is the item's `CheckImplementation` that department carries out.

Every function takes an open transaction and a whole batch of targets, so a DataLoader answers a
level of a GraphQL query with one store call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jointsup.graph.store import GraphTx
from jointsup.model import Node, NodeRef

LEVEL_ORDER = {"county": 0, "city": 1, "province": 2}


@dataclass(frozen=True)
class Target:
    """What decides applicability: an industry code and (optionally) a registration region."""

    key: str
    industry_code: str | None
    region_code: str | None
    uscc: str | None = None


@dataclass(frozen=True)
class Responsible:
    """A department answering for an item at one level, with the implementation it carries out."""

    department: Node
    implementation: Node | None


@dataclass(frozen=True)
class ApplicableItem:
    """A supervision item that applies, the industry through which it does, and who answers."""

    item: Node
    via_industry: str
    responsible: tuple[Responsible, ...]
    last_inspection: Node | None


@dataclass(frozen=True)
class DepartmentDuty:
    """One department supervising an enterprise, with the items it answers for."""

    department: Node
    items: tuple[tuple[ApplicableItem, Node | None], ...]


def industry_lineage(code: str) -> list[str]:
    """The code and its numeric ancestors, most specific first (5213 → 5213, 521, 52)."""
    if not code.isdigit():
        return [code]
    return [code[:n] for n in range(len(code), 1, -1)]


def jurisdiction_codes(region_code: str) -> list[str]:
    """County, city and province codes of a registration region (duplicates removed)."""
    county = region_code[:6]
    return list(dict.fromkeys([county, county[:4] + "00", county[:2] + "0000"]))


def region_prefix(code: str) -> str:
    """The code prefix shared by every region inside `code` (510000 → 51, 510100 → 5101)."""
    code = code[:6]
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def applicable_items(tx: GraphTx, targets: Sequence[Target]
                     ) -> dict[str, list[ApplicableItem]]:
    """For each target key, the items that apply with their responsible departments.

    A fixed number of batched store calls, whatever the number of targets.
    """
    lineage: dict[str, list[str]] = {}
    codes: set[str] = set()
    for t in targets:
        if t.industry_code:
            lineage[t.key] = industry_lineage(t.industry_code)
            codes.update(lineage[t.key])
    industries = {n.key: n for n in tx.get_nodes("Industry", sorted(codes)) if n is not None}
    for key, chain in lineage.items():
        kept = [c for c in chain if c in industries]
        section = industries[kept[0]].props.get("section") if kept else None
        if isinstance(section, str) and section not in kept:
            kept.append(section)
        lineage[key] = kept
    refs = sorted({NodeRef("Industry", c) for chain in lineage.values() for c in chain})
    items_by_industry = tx.neighbours(refs, types=["APPLIES_TO"], direction="in",
                                      labels=["SupervisionItem"]) if refs else {}

    regions = {t.key: jurisdiction_codes(t.region_code) for t in targets if t.region_code}
    region_refs = sorted({NodeRef("Region", c) for cs in regions.values() for c in cs})
    deps_by_region = tx.neighbours(region_refs, types=["IN_REGION"], direction="in",
                                   labels=["Department"]) if region_refs else {}
    dept_refs = sorted({nb.node.ref for nbs in deps_by_region.values() for nb in nbs})
    impls_by_dept = tx.neighbours(dept_refs, types=["CARRIED_OUT_BY"], direction="in",
                                  labels=["CheckImplementation"]) if dept_refs else {}
    impl: dict[tuple[str, str], Node] = {}
    for ref, nbs in impls_by_dept.items():
        for nb in nbs:
            impl.setdefault((ref.key, str(nb.node.props.get("item_code"))), nb.node)

    uscc_refs = sorted({NodeRef("Enterprise", t.uscc) for t in targets if t.uscc})
    inspections = tx.neighbours(uscc_refs, types=["TARGETS"], direction="in",
                                labels=["Inspection"]) if uscc_refs else {}
    last: dict[tuple[str, str], Node] = {}
    for ref, nbs in inspections.items():
        for nb in nbs:
            k = (ref.key, str(nb.node.props.get("item_code")))
            if k not in last or _inspection_order(nb.node) > _inspection_order(last[k]):
                last[k] = nb.node

    out: dict[str, list[ApplicableItem]] = {}
    for t in targets:
        found: dict[str, tuple[Node, str]] = {}
        for code in lineage.get(t.key, []):
            for nb in items_by_industry.get(NodeRef("Industry", code), []):
                found.setdefault(nb.node.key, (nb.node, code))
        departments = [nb.node for c in regions.get(t.key, [])
                       for nb in deps_by_region.get(NodeRef("Region", c), [])]
        result = []
        for code in sorted(found):
            item, via = found[code]
            system = item.props.get("department_system")
            responsible = tuple(
                Responsible(d, impl.get((d.key, item.key)))
                for d in sorted(departments, key=department_order)
                if system is not None and d.props.get("system") == system)
            result.append(ApplicableItem(item, via, responsible,
                                         last.get((t.uscc, item.key)) if t.uscc else None))
        out[t.key] = result
    return out


def enterprise_target(node: Node) -> Target:
    """The applicability target of an enterprise node."""
    industry = node.props.get("industry_code")
    region = node.props.get("reg_region_code")
    return Target(node.key, industry if isinstance(industry, str) else None,
                  region if isinstance(region, str) else None, node.key)


def department_order(node: Node) -> tuple[int, str]:
    """County before city before province, then by code."""
    return (LEVEL_ORDER.get(str(node.props.get("level")), 9), node.key)


def _inspection_order(node: Node) -> tuple[str, str]:
    return (str(node.props.get("date") or ""), node.key)


def duties(items: Sequence[ApplicableItem]) -> list[DepartmentDuty]:
    """The same answer grouped by department: who supervises the enterprise, and for what."""
    by_dept: dict[str, tuple[Node, list[tuple[ApplicableItem, Node | None]]]] = {}
    for item in items:
        for r in item.responsible:
            by_dept.setdefault(r.department.key, (r.department, []))[1].append(
                (item, r.implementation))
    ordered = sorted(by_dept.values(), key=lambda pair: department_order(pair[0]))
    return [DepartmentDuty(dept, tuple(entries)) for dept, entries in ordered]
