"""People behind enterprises and their roles (法定代表人, 股东, 高管, 联络员, 代理人)."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from jointsup.ingest.generate import names
from jointsup.ingest.generate.profiles import COMPANY, COOPERATIVE, INDIVIDUAL
from jointsup.ingest.generate.uscc import PersonIds

if TYPE_CHECKING:
    from jointsup.ingest.generate.entities import Enterprise

Person = tuple[str, str]  # (person_id, name)
POOL_SIZE = 4000
MAX_ROLES = 2  # ordinary people hold at most 2 roles per company and appear in at most 2 companies


class PeopleFactory:
    """New people, plus a small pool of people who may turn up in one more company."""

    def __init__(self, rng: random.Random, ids: PersonIds) -> None:
        """`ids` hands out person ids."""
        self.rng = rng
        self.ids = ids
        self._pool: list[Person] = []

    def fresh(self) -> Person:
        """A person never seen before."""
        return self.ids.next(), names.person_name(self.rng)

    def _someone(self, reuse: float) -> tuple[Person, bool]:
        """A pooled person with probability `reuse` (then dropped: 2 companies at most)."""
        if self._pool and self.rng.random() < reuse:
            i = self.rng.randrange(len(self._pool))
            self._pool[i], self._pool[-1] = self._pool[-1], self._pool[i]
            return self._pool.pop(), False
        return self.fresh(), True

    def staff(self, ent: Enterprise, planted_rep: Person | None) -> None:
        """Fill `ent.persons` and `ent.legal_rep`; offer some new people to the pool."""
        rng = self.rng
        roles: dict[str, int] = {}
        rows = ent.persons
        newcomers: list[Person] = []
        revoked = ent.status == "吊销"

        def add(person: Person, role: str, share: str = "") -> bool:
            if roles.get(person[0], 0) >= MAX_ROLES:
                return False
            roles[person[0]] = roles.get(person[0], 0) + 1
            rows.append((person[0], person[1], role, share))
            return True

        def pick(reuse: float) -> Person:
            person, new = self._someone(0.0 if revoked else reuse)
            if new:
                newcomers.append(person)
            return person

        # A revoked company's representative must not resurface elsewhere: that is the planted
        # struck_off pattern, so ordinary revoked companies always get a person of their own.
        rep = planted_rep or pick(0.05)
        ent.legal_rep = rep
        add(rep, "legal_rep")
        if ent.kind == INDIVIDUAL:
            return
        if ent.kind == COOPERATIVE:
            members = [rep] + [pick(0.0) for _ in range(rng.randint(2, 4))]
            self._shareholders(members, add)
        elif not ent.parent_uscc:
            count = rng.choices((1, 2, 3, 4), weights=(35, 40, 20, 5))[0]
            holders = [rep] if rng.random() < 0.75 else []
            holders += [pick(0.08) for _ in range(count - len(holders))]
            self._shareholders(holders, add)
            for _ in range(rng.choices((0, 1, 2), weights=(40, 45, 15))[0]):
                add(pick(0.08), "executive")
            if rng.random() < 0.3:
                add(pick(0.0), "agent")
        if rng.random() < 0.8:
            liaison = rep if rng.random() < 0.3 and roles[rep[0]] < MAX_ROLES else pick(0.05)
            add(liaison, "liaison")
        if not revoked and ent.kind == COMPANY:
            for person in newcomers:
                if person != planted_rep and rng.random() < 0.15:
                    self._offer(person)

    def _shareholders(self, holders: list[Person], add: Callable[[Person, str, str], bool]) -> None:
        """Split 100% among `holders` in 0.01% units so the ratios sum to exactly 1."""
        rng = self.rng
        weights = [rng.randint(1, 10) for _ in holders]
        total = sum(weights)
        units = [w * 10000 // total for w in weights]
        units[0] += 10000 - sum(units)
        for person, unit in zip(holders, units, strict=True):
            add(person, "shareholder", _ratio(unit))

    def _offer(self, person: Person) -> None:
        if len(self._pool) < POOL_SIZE:
            self._pool.append(person)
        else:
            self._pool[self.rng.randrange(POOL_SIZE)] = person


def _ratio(units: int) -> str:
    """10000ths as a short decimal: 6000 → 0.6, 10000 → 1."""
    text = f"{units / 10000:.4f}".rstrip("0").rstrip(".")
    return text or "0"
