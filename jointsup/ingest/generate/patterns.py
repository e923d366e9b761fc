"""Planted patterns (一人多企, 同址多企, 吊销后另起炉灶, 一照多用, 投诉激增, 共用电话) and truth."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from jointsup.ingest.generate import clock

ONE_PERSON = "one_person_many_companies"
SAME_ADDRESS = "same_address"
STRUCK_OFF = "struck_off_operator_new_company"
LICENCE_SHARED = "licence_shared_by_shops"
SURGE = "complaint_surge"
SHARED_PHONE = "shared_phone"
PATTERNS = (ONE_PERSON, SAME_ADDRESS, STRUCK_OFF, LICENCE_SHARED, SURGE, SHARED_PHONE)
# Members per instance; ordinary data stays at or below 2 for every pattern (see entities).
SIZES = {ONE_PERSON: (5, 10), SAME_ADDRESS: (4, 8), STRUCK_OFF: (3, 4), LICENCE_SHARED: (1, 1),
         SURGE: (1, 1), SHARED_PHONE: (3, 6)}


@dataclass
class Group:
    """One planted instance: the shared value and the enterprises that end up in it."""

    pattern: str
    size: int
    person: tuple[str, str] = ("", "")  # (person_id, name) for person-based patterns
    county: str = ""  # county code, for same_address
    value: str = ""  # the shared address or phone
    revoked: list[date] = field(default_factory=list)  # struck_off: revocation day per member
    new_established: date = clock.ANCHOR  # struck_off: the fresh company's registration day
    window: tuple[date, date] = (clock.ANCHOR, clock.ANCHOR)  # complaint_surge
    usccs: list[str] = field(default_factory=list)  # by member index, filled while streaming
    extra: list[str] = field(default_factory=list)  # clue ids (surge) or shop names (licence)


@dataclass(frozen=True)
class Slot:
    """An enterprise index's part in a planted group."""

    group: Group
    member: int

    @property
    def pattern(self) -> str:
        """The pattern this slot belongs to."""
        return self.group.pattern

    @property
    def revoked(self) -> bool:
        """True for the struck-off members of a struck_off group (all but the last)."""
        return self.pattern == STRUCK_OFF and self.member < self.group.size - 1


class PatternPlan:
    """Which enterprise indices are planted, decided up front so generation can stream."""

    def __init__(self, rng: random.Random, enterprises: int) -> None:
        """Scale instances with N (N/1000, at least 3 each) and pick their member indices."""
        per_pattern = max(3, enterprises // 1000)
        self.groups: dict[str, list[Group]] = {p: [] for p in PATTERNS}
        members: list[tuple[Group, int]] = []
        for pattern in PATTERNS:
            low, high = SIZES[pattern]
            for _ in range(per_pattern):
                group = Group(pattern, rng.randint(low, high))
                group.usccs = [""] * group.size
                self._shape(rng, group)
                self.groups[pattern].append(group)
                members.extend((group, m) for m in range(group.size))
        if len(members) * 2 > enterprises:
            raise ValueError(f"{enterprises} enterprises are too few for {len(members)} planted")
        indices = rng.sample(range(enterprises), len(members))
        self._slots = {index: Slot(group, m) for index, (group, m) in zip(indices, members,
                                                                             strict=True)}

    @staticmethod
    def _shape(rng: random.Random, group: Group) -> None:
        if group.pattern == STRUCK_OFF:
            revoked = sorted(clock.between(rng, date(2017, 1, 1), date(2023, 6, 30))
                             for _ in range(group.size - 1))
            group.revoked = revoked
            group.new_established = clock.between(rng, clock.plus_days(revoked[-1], 60),
                                                  date(2025, 12, 31))
        elif group.pattern == SURGE:
            start = clock.between(rng, date(2025, 1, 1), date(2026, 5, 31))
            group.window = (start, clock.plus_days(start, rng.randint(7, 21)))

    def slot(self, index: int) -> Slot | None:
        """The planted part of enterprise `index`, if any."""
        return self._slots.get(index)

    def truth(self) -> dict[str, list[dict[str, Any]]]:
        """Ground truth in the documented shape; struck-off operators also count as 一人多企."""
        out: dict[str, list[dict[str, Any]]] = {p: [] for p in PATTERNS}
        for group in self.groups[ONE_PERSON] + self.groups[STRUCK_OFF]:
            out[ONE_PERSON].append({"person_id": group.person[0], "usccs": list(group.usccs)})
        for group in self.groups[SAME_ADDRESS]:
            out[SAME_ADDRESS].append({"address": group.value, "usccs": list(group.usccs)})
        for group in self.groups[STRUCK_OFF]:
            out[STRUCK_OFF].append({"person_id": group.person[0],
                                    "struck_off_usccs": group.usccs[:-1],
                                    "new_uscc": group.usccs[-1]})
        for group in self.groups[LICENCE_SHARED]:
            out[LICENCE_SHARED].append({"uscc": group.usccs[0], "shop_names": list(group.extra)})
        for group in self.groups[SURGE]:
            out[SURGE].append({"uscc": group.usccs[0], "clue_ids": list(group.extra),
                               "window_start": clock.iso(group.window[0]),
                               "window_end": clock.iso(group.window[1])})
        for group in self.groups[SHARED_PHONE]:
            out[SHARED_PHONE].append({"phone": group.value, "usccs": list(group.usccs)})
        return out
