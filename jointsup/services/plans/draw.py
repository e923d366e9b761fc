"""The reproducible draw (双随机): targets per item and stratum, joint visits, officers.

Algorithm `sha256-rank-v1`, simple enough to redo by hand with any SHA-256 tool: within each item's
frame and credit class, rank the candidates by SHA-256 of `seed|salt|uscc` (hex, ascending; ties by
uscc) and take the first ⌈ratio × n⌉. The salt is empty for a coordinated plan — every item ranks an
enterprise with the same number, so each item still draws a uniform sample of its own frame but the
samples overlap as much as chance allows (fewer doors to knock on) — and the item code otherwise.
Officers are ranked the same way by `seed|officer|uscc|cert_no`, skipping the recused.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from jointsup.services.audit import canonical
from jointsup.services.plans.frame import Frame
from jointsup.services.plans.spec import PlanSpec


def rank(seed: str, salt: str, key: str) -> str:
    """The random number of one candidate: a hex SHA-256."""
    return hashlib.sha256(f"{seed}|{salt}|{key}".encode()).hexdigest()


def sample_size(ratio: float, n: int) -> int:
    """⌈ratio × n⌉, so a non-empty stratum with a positive ratio is never skipped."""
    return min(n, max(0, math.ceil(ratio * n - 1e-9)))


@dataclass(frozen=True)
class Visit:
    """One joint visit: an enterprise and the plan items checked there (进一次门、查多项事)."""

    uscc: str
    credit_class: str
    item_codes: tuple[str, ...]
    department_codes: tuple[str, ...]


@dataclass(frozen=True)
class Draw:
    """The drawn targets per item and the visits they merge into."""

    targets: dict[str, list[str]]
    visits: list[Visit]
    visits_without_merging: int

    def digest(self) -> str:
        """SHA-256 of the drawn lists' canonical JSON (published in the audit log)."""
        return hashlib.sha256(canonical(self.targets).encode()).hexdigest()


def draw_targets(spec: PlanSpec, frame: Frame) -> Draw:
    """Each item's sample from its frame, and the joint visits."""
    targets: dict[str, list[str]] = {}
    classes: dict[str, str] = {}
    for item in spec.items:
        salt = "" if spec.coordinated else item.item_code
        strata: dict[str, list[str]] = {}
        for uscc, grade in frame.items.get(item.item_code, []):
            strata.setdefault(grade, []).append(uscc)
            classes[uscc] = grade
        chosen: list[str] = []
        for grade, members in sorted(strata.items()):
            ranked = sorted(members, key=lambda u: (rank(spec.seed, salt, u), u))
            chosen += ranked[:sample_size(spec.ratios.get(grade, 0.0), len(members))]
        targets[item.item_code] = sorted(chosen)
    dept_of = {i.item_code: i.department_code for i in spec.items}
    by_uscc: dict[str, list[str]] = {}
    for item in spec.items:
        for uscc in targets[item.item_code]:
            by_uscc.setdefault(uscc, []).append(item.item_code)
    visits = [Visit(u, classes[u], tuple(codes),
                    tuple(dict.fromkeys(dept_of[c] for c in codes)))
              for u, codes in sorted(by_uscc.items())]
    # Without merging each department goes on its own: one visit per (department, enterprise).
    separate = sum(len(v.department_codes) for v in visits)
    return Draw(targets, visits, separate)


@dataclass(frozen=True)
class Assignment:
    """Officers drawn for one department's part of a visit, and any shortfall."""

    department_code: str
    officers: tuple[str, ...]
    recused: tuple[str, ...]
    short_by: int


def draw_officers(seed: str, uscc: str, department_code: str, pool: Sequence[str],
                  recused: Iterable[str], needed: int, busy: Iterable[str] = ()) -> Assignment:
    """`needed` officers of the department's pool, ranked by the seed, the recused skipped, and
    those `busy` for another department on the same visit skipped too (an officer in two
    departments' pools counts for one of them only)."""
    skip = set(recused)
    taken = skip | set(busy)
    ranked = sorted(pool, key=lambda cert: (rank(seed, f"officer|{uscc}", cert), cert))
    chosen = tuple(c for c in ranked if c not in taken)[:needed]
    return Assignment(department_code, chosen, tuple(sorted(skip.intersection(pool))),
                      needed - len(chosen))


def recusals(last_officers: Iterable[str], linked_people: Mapping[str, str],
             officers: Mapping[str, tuple[str, str | None]]) -> set[str]:
    """Officers to recuse for one enterprise (回避).

    `last_officers`: who carried out its last inspection; `linked_people`: person id → name of
    everyone with a role in it or its parent and branches; `officers`: cert → (name, person_id).
    An officer is linked when their person id is one of those people or their name is one of
    those names (a same-name officer is recused too: a false alarm costs one officer, a missed
    conflict the check's credibility).
    """
    out = set(last_officers)
    names = set(linked_people.values())
    for cert, (name, person_id) in officers.items():
        if (person_id and person_id in linked_people) or (name and name in names):
            out.add(cert)
    return out
