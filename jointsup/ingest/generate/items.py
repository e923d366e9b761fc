"""The supervision item catalog (监管事项目录) with legal basis checked against the law texts."""

from __future__ import annotations

from dataclasses import dataclass

from jointsup.ingest.generate.item_table import ROWS
from jointsup.ingest.generate.laws import LawBook
from jointsup.ingest.generate.reference import Industries

SYSTEM_PREFIX = {"SCJG": "市场监管", "WJ": "卫健", "WL": "文旅", "ZJ": "住建", "YJ": "应急",
                 "NY": "农业农村", "SW": "商务", "JY": "教育", "YJJ": "药监"}
TYPES = {"JC": "inspection", "CF": "penalty", "QZ": "compulsory_measure"}


@dataclass(frozen=True)
class Item:
    """A supervision item with its citations resolved to `official title:article`."""

    code: str
    name: str
    parent: str
    item_type: str
    system: str
    industries: tuple[str, ...]
    legal_basis: tuple[str, ...]
    random_check: bool
    joint_check: bool
    level: str  # "county" or "city": the lowest level that carries it out
    penalties: tuple[str, ...]
    province: str  # "" for both, "50" for Chongqing-only items (Chongqing local regulations)


def load_items(laws: LawBook, industries: Industries) -> tuple[Item, ...]:
    """Parse the catalog, resolving every citation; raises when an article or class is missing."""
    items = []
    for code, name, objects, basis, flags, level, penalties, province in ROWS:
        parts = code.split("-")
        for industry in objects.split():
            if not industries.exists(industry):
                raise ValueError(f"{code}: {industry} is not a GB/T 4754 code")
        items.append(Item(code, name, "-".join(parts[:3]) if len(parts) == 4 else "",
                          TYPES[parts[1]], SYSTEM_PREFIX[parts[0]], tuple(objects.split()),
                          _resolve(laws, basis), flags[0] == "1", flags[1] == "1", level,
                          _resolve(laws, penalties), province))
    return tuple(items)


def _resolve(laws: LawBook, refs: str) -> tuple[str, ...]:
    cited = []
    for ref in refs.split():
        key, _, number = ref.rpartition(":")
        cited.append(laws.cite(key, int(number)))
    return tuple(cited)


def leaf_inspections(items: tuple[Item, ...]) -> tuple[Item, ...]:
    """Inspection items that have no sub-items: what implementations and inspections refer to."""
    parents = {item.parent for item in items if item.parent}
    return tuple(i for i in items if i.item_type == "inspection" and i.code not in parents)
