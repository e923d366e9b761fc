"""What a joint random inspection plan asks for, parsed and checked (抽查计划).

A plan is a JSON document (the same fields as the GraphQL input, in snake_case): items of several
departments, a target filter, a sampling ratio per credit class, a time window, and the seed that
makes the draw reproducible. Errors name the field (`items[1].item_code`, `ratios.B`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jointsup.errors import InvalidInput, NotFound
from jointsup.graph.store import GraphTx
from jointsup.services.audit import canonical

CLASSES = ("A", "B", "C", "D", "UNKNOWN")
# domain.md's local example (A ≤5 %, B 5–20 %, C 21–60 %, D 61–100 %): the top of each band.
DEFAULT_RATIOS = {"A": 0.05, "B": 0.2, "C": 0.6, "D": 1.0, "UNKNOWN": 0.2}
DEFAULT_STATUSES = ("存续", "在业")
ENTITY_TYPES = ("company", "individual_business", "cooperative", "other")
MIN_OFFICERS = 2  # 行政执法: at least two officers for an on-site check
ALGORITHM = "sha256-rank-v1"
# Plans recorded before the shared calendar carried these; spec_of drops them when re-reading.
LEGACY_FIELDS = frozenset({"holidays", "makeup_days"})
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class PlanItem:
    """One department's supervision item in the plan."""

    item_code: str
    department_code: str


@dataclass(frozen=True)
class PlanSpec:
    """A validated plan."""

    id: str
    name: str
    items: tuple[PlanItem, ...]
    region: str | None
    industries: tuple[str, ...]
    entity_types: tuple[str, ...]
    statuses: tuple[str, ...]
    ratios: dict[str, float]
    window_start: dt.date
    window_end: dt.date
    seed: str
    officers_per_department: int
    coordinated: bool
    rating_month: str

    def to_json(self) -> dict[str, Any]:
        """The plan as recorded: every default made explicit."""
        return {
            "id": self.id, "name": self.name,
            "items": [{"item_code": i.item_code, "department_code": i.department_code}
                      for i in self.items],
            "target": {"region": self.region, "industries": list(self.industries),
                       "entity_types": list(self.entity_types), "statuses": list(self.statuses)},
            "ratios": self.ratios, "window": {"start": self.window_start.isoformat(),
                                              "end": self.window_end.isoformat()},
            "seed": self.seed, "algorithm": ALGORITHM,
            "officers_per_department": self.officers_per_department,
            "coordinated": self.coordinated, "rating_month": self.rating_month,
        }


def _date(field: str, value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _strs(field: str, value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"{field}: must be a list of strings")
    return tuple(v.strip() for v in value if v.strip())


def _ratios(raw: object) -> dict[str, float]:
    given = raw or {}
    if not isinstance(given, Mapping):
        raise InvalidInput("ratios: must be an object of class → ratio")
    out = dict(DEFAULT_RATIOS)
    for key, value in given.items():
        name = str(key).upper()
        if name not in CLASSES:
            raise InvalidInput(f"ratios.{key}: not a credit class ({', '.join(CLASSES)})")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise InvalidInput(f"ratios.{key}: {value!r} is outside [0, 1]")
        out[name] = float(value)
    return out


def parse_plan(data: Mapping[str, Any]) -> PlanSpec:
    """Check a plan document's shape and values (not yet against the store)."""
    known = {"id", "name", "items", "target", "ratios", "window", "seed",
             "officers_per_department", "coordinated", "rating_month", "algorithm"}
    for field in LEGACY_FIELDS & set(data):
        raise InvalidInput(f"{field}: a plan no longer carries its own calendar; publication "
                           "deadlines count the shared working-day calendar "
                           "(jointsup/data/calendar.toml, DATA_DIR/calendar.toml)")
    if unknown := sorted(set(data) - known):
        raise InvalidInput(f"unknown plan field(s): {', '.join(unknown)}")
    if data.get("algorithm", ALGORITHM) != ALGORITHM:
        raise InvalidInput(f"algorithm: this version draws with {ALGORITHM} only")
    name = str(data.get("name") or "").strip()
    if not name:
        raise InvalidInput("name: is empty")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise InvalidInput("items: a plan needs at least one item")
    items: list[PlanItem] = []
    for n, raw in enumerate(raw_items):
        if not isinstance(raw, Mapping):
            raise InvalidInput(f"items[{n}]: must be an object with item_code and department_code")
        item = PlanItem(str(raw.get("item_code") or "").strip(),
                        str(raw.get("department_code") or "").strip())
        for field in ("item_code", "department_code"):
            if not getattr(item, field):
                raise InvalidInput(f"items[{n}].{field}: is empty")
        if any(i.item_code == item.item_code for i in items):
            raise InvalidInput(f"items[{n}].item_code: {item.item_code} is listed twice")
        items.append(item)
    target = data.get("target") or {}
    if not isinstance(target, Mapping):
        raise InvalidInput("target: must be an object")
    entity_types = _strs("target.entity_types", target.get("entity_types"))
    for t in entity_types:
        if t not in ENTITY_TYPES:
            raise InvalidInput(f"target.entity_types: {t!r} is not one of "
                               f"{', '.join(ENTITY_TYPES)}")
    region = str(target.get("region") or "").strip() or None
    if region is not None and not re.fullmatch(r"\d{2}(\d{2}){0,2}", region):
        raise InvalidInput(f"target.region: {region!r} is not a region code")
    window = data.get("window") or {}
    if not isinstance(window, Mapping):
        raise InvalidInput("window: must be an object with start and end")
    start, end = _date("window.start", window.get("start")), _date("window.end", window.get("end"))
    if end < start:
        raise InvalidInput(f"window.end: {end} is before window.start {start}")
    per_dept = data.get("officers_per_department", MIN_OFFICERS)
    if not isinstance(per_dept, int) or isinstance(per_dept, bool) or not 2 <= per_dept <= 20:
        raise InvalidInput(f"officers_per_department: {per_dept!r} must be between 2 and 20")
    month = str(data.get("rating_month") or start.strftime("%Y-%m"))
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise InvalidInput(f"rating_month: {month!r} is not a YYYY-MM month")
    seed = str(data.get("seed") or secrets.token_hex(16))
    plan_id = str(data.get("id") or "").strip() or _derived_id(name, seed)
    if not _ID.match(plan_id):
        raise InvalidInput(f"id: {plan_id!r} must be 1–64 letters, digits, '-', '_' or '.'")
    return PlanSpec(
        plan_id, name, tuple(items), region, _strs("target.industries",
                                                   target.get("industries")),
        entity_types, _strs("target.statuses", target.get("statuses")) or DEFAULT_STATUSES,
        _ratios(data.get("ratios")), start, end, seed, per_dept,
        _bool("coordinated", data.get("coordinated", True)), month)


def _bool(field: str, value: object) -> bool:
    # bool("false") is True: a document's string must not silently flip the draw.
    if not isinstance(value, bool):
        raise InvalidInput(f"{field}: {value!r} must be true or false")
    return value


def _derived_id(name: str, seed: str) -> str:
    return "JP-" + hashlib.sha256(canonical([name, seed]).encode()).hexdigest()[:12]


def check_against_store(tx: GraphTx, spec: PlanSpec) -> None:
    """Items and departments exist, and each item belongs to its department's system."""
    items = tx.get_nodes("SupervisionItem", [i.item_code for i in spec.items])
    depts = tx.get_nodes("Department", [i.department_code for i in spec.items])
    for n, (entry, item, dept) in enumerate(zip(spec.items, items, depts, strict=True)):
        if item is None:
            raise NotFound(f"items[{n}].item_code: no supervision item {entry.item_code!r}")
        if dept is None:
            raise NotFound(f"items[{n}].department_code: no department {entry.department_code!r}")
        if item.props.get("department_system") != dept.props.get("system"):
            raise InvalidInput(
                f"items[{n}]: item {entry.item_code} belongs to "
                f"{item.props.get('department_system')}, department {entry.department_code} to "
                f"{dept.props.get('system')}")
        if item.props.get("random_check") is False:
            raise InvalidInput(f"items[{n}].item_code: {entry.item_code} is not on the random-"
                               "check list (random_check is false)")
