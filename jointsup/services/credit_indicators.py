"""The indicators behind a computed credit class: lists, actions, complaints, related parties."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from jointsup.services.risk.world import World, day


@dataclass(frozen=True)
class Indicator:
    """One indicator's contribution to the score, with what it counted."""

    name: str
    points: float
    detail: str

    def text(self) -> str:
        """`name +points: detail`, the explanation format."""
        return f"{self.name} {self.points:+g}: {self.detail}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"name": self.name, "points": self.points, "detail": self.detail}


def months_back(when: date, months: int) -> str:
    """The first day (ISO) of the `months` calendar months ending on `when`, both ends included.

    At a month's end (every computed class) these are whole months: 2026-06-30 and 12 give
    2025-07-01; on another day the window starts the day after the same day `months` earlier.
    """
    if (when + timedelta(days=1)).day == 1:
        index = when.year * 12 + when.month - 1 - (months - 1)
        return date(index // 12, index % 12 + 1, 1).isoformat()
    index = when.year * 12 + when.month - 1 - months
    year, month = index // 12, index % 12 + 1
    same_day = date(year, month, min(when.day, calendar.monthrange(year, month)[1]))
    return (same_day + timedelta(days=1)).isoformat()


def _capped(count: int, weight: float, cap: float) -> float:
    total = count * weight
    return round(max(total, cap) if weight < 0 else min(total, cap), 2)


def _lists(world: World, uscc: str, until: str, cfg: dict[str, Any]) -> list[Indicator]:
    found: list[Indicator] = []
    removed = 0
    for entry in sorted(world.lists.get(uscc, []), key=lambda e: e.key):
        listed, gone = day(entry, "date"), day(entry, "removed_date")
        if not listed or listed > until:
            continue
        if gone and gone <= until:
            removed += 1
            continue
        kind = str(entry.props.get("list"))
        if kind in ("serious_violation", "abnormal_operation") and \
                not any(i.name == kind for i in found):
            found.append(Indicator(kind, float(cfg[kind]), f"listed {listed}: "
                                   f"{entry.props.get('reason') or 'no reason given'}"))
    if removed:
        found.append(Indicator("removed_entry", float(cfg["removed_entry"]),
                               f"{removed} list entries removed again"))
    return found


def _inspections(world: World, uscc: str, since: str, until: str,
                 cfg: dict[str, Any]) -> list[Indicator]:
    found = []
    actions = [n for n in world.inspections.get(uscc, []) if since <= day(n, "date") <= until]
    for name, results, weight, cap in (
            ("penalties", "penalty_results", "penalty", "penalty_cap"),
            ("failed_inspections", "failed_results", "failed_inspection", "failed_cap"),
            ("passed_inspections", "passed_results", "passed_inspection", "passed_cap")):
        hits = [n for n in actions if n.props.get("result") in cfg[results]]
        if hits:
            points = _capped(len(hits), float(cfg[weight]), float(cfg[cap]))
            found.append(Indicator(name, points, f"{len(hits)} since {since} "
                                   f"(last {max(day(n, 'date') for n in hits)})"))
    return found


def _complaints(world: World, uscc: str, as_of: date, cfg: dict[str, Any]) -> list[Indicator]:
    until = as_of.isoformat()
    months, recent_months = int(cfg["complaint_months"]), int(cfg["trend_months"])
    since, recent_from = months_back(as_of, months), months_back(as_of, recent_months)
    days = [d for c in world.clues_of.get(uscc, []) if since <= (d := world.clue_day(c)) <= until]
    if not days:
        return []
    found = [Indicator("complaints", _capped(len(days), float(cfg["complaint"]),
                                             float(cfg["complaint_cap"])),
                       f"{len(days)} clues in {months} months")]
    recent = sum(1 for d in days if d >= recent_from)
    earlier_rate = (len(days) - recent) / max(months - recent_months, 1)
    recent_rate = recent / max(recent_months, 1)
    if recent >= int(cfg["trend_min"]) and recent_rate >= float(cfg["trend_ratio"]) * max(
            earlier_rate, 1e-9):
        found.append(Indicator("complaint_trend", float(cfg["complaint_trend"]),
                               f"{recent} clues in the last {recent_months} months against "
                               f"{len(days) - recent} in the {months - recent_months} before"))
    return found


def base_indicators(world: World, uscc: str, as_of: date, cfg: dict[str, Any]) -> list[Indicator]:
    """An enterprise's own indicators at `as_of` (everything except related parties)."""
    until = as_of.isoformat()
    found = _lists(world, uscc, until, cfg)
    if world.enterprises[uscc].props.get("status") == "吊销":
        found.append(Indicator("revoked", float(cfg["revoked"]), "licence revoked (吊销)"))
    found += _inspections(world, uscc, months_back(as_of, int(cfg["lookback_months"])),
                          until, cfg)
    found += _complaints(world, uscc, as_of, cfg)
    return found


def related_indicator(world: World, uscc: str, base: dict[str, float],
                      cfg: dict[str, Any]) -> Indicator | None:
    """Risk from related parties: a share of the riskiest enterprise sharing a person, address
    or phone with this one (shared nodes linking more than related_max_degree are ignored)."""
    max_degree = int(cfg["related_max_degree"])
    best, via, other = 0.0, "", ""
    for rel_type, shared in world.links.get(uscc, []):
        peers = world.linked.get(shared, [])
        if len(peers) > max_degree:
            continue
        for _, peer in peers:
            score = base.get(peer, 0.0)
            if peer != uscc and (score > best or (score == best and score > 0 and peer < other)):
                best, via, other = score, f"{rel_type} {shared.label}:{shared.key}", peer
    points = round(min(best * float(cfg["related_factor"]), float(cfg["related_cap"])), 2)
    if points <= 0:
        return None
    return Indicator("related_party", points, f"{other} (score {best:g}) via {via}")
