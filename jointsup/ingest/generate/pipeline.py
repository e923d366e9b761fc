"""The main loop: reference data and catalogs first, then enterprises streamed in order."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from jointsup.ingest.generate import activity, catalog, clock
from jointsup.ingest.generate.complaints import ClueFactory
from jointsup.ingest.generate.entities import Enterprise, EntityFactory
from jointsup.ingest.generate.items import Item, leaf_inspections, load_items
from jointsup.ingest.generate.laws import LawBook
from jointsup.ingest.generate.patterns import LICENCE_SHARED, SURGE, PatternPlan
from jointsup.ingest.generate.profiles import check_profiles
from jointsup.ingest.generate.reference import default_reference_dir, load_industries, load_regions
from jointsup.ingest.generate.writer import Sinks, write_json

VERSION = "1.0.0"
ORPHAN_RATE = 0.03  # clues about unregistered shops or nobody, per enterprise


@dataclass(frozen=True)
class GenerationSummary:
    """What a run wrote: where, with which seed and size, and how many rows per file."""

    out: Path
    seed: int
    enterprises: int
    rows: dict[str, int] = field(default_factory=dict)
    version: str = VERSION


def generate(out: Path, enterprises: int, seed: int,
             reference: Path | None = None) -> GenerationSummary:
    """Write a deterministic Sichuan–Chongqing dataset of `enterprises` market entities to `out`."""
    if enterprises < 1:
        raise ValueError("enterprises must be positive")
    reference = reference or default_reference_dir()
    regions = load_regions(reference)
    industries = load_industries(reference)
    check_profiles(industries)
    laws = LawBook.load(reference / "laws")
    items = load_items(laws, industries)
    leaves = leaf_inspections(items)
    # Separate streams per concern: changing how clues are worded leaves enterprises unchanged.
    streams = {name: random.Random(f"{seed}:{name}")  # noqa: S311 - simulation, not secrets
               for name in ("plan", "catalog", "entities", "activity", "clues")}
    plan = PatternPlan(streams["plan"], enterprises)
    depts = catalog.departments(regions)
    officers = catalog.officers(depts, leaves, streams["catalog"])
    with Sinks(out) as sinks:
        _write_catalog(sinks, depts, items, leaves, officers, streams["catalog"])
        factory = EntityFactory(streams["entities"], regions, enterprises)
        inspector = activity.Inspector(leaves, industries, officers)
        clues = ClueFactory(streams["clues"], regions, laws, factory.addresses)
        act, clue_rng = streams["activity"], streams["clues"]
        months = clock.last_months(12)
        recent: deque[Enterprise] = deque(maxlen=50)
        for index in range(enterprises):
            slot = plan.slot(index)
            ent = factory.make(index, slot)
            activity.annotate(ent, act)
            if slot is not None:
                slot.group.usccs[slot.member] = ent.uscc
                if slot.revoked:
                    # The planted operator's record: struck off and blacklisted on that day.
                    ent.abnormal, ent.serious, ent.credit_class = False, True, "D"
            sinks.write("enterprises.csv", [_enterprise_row(ent)])
            sinks.write("persons.csv", [(ent.uscc, *person) for person in ent.persons])
            sinks.write("inspections.csv", inspector.inspect(ent, act))
            sinks.write("lists.csv", activity.list_rows(ent, act))
            sinks.write("credit.csv", activity.credit_rows(ent, act, months))
            if slot is not None and slot.pattern == SURGE:
                batch = clues.surge(ent, slot.group)
            elif slot is not None and slot.pattern == LICENCE_SHARED:
                batch = clues.licence(ent, slot.group)
            else:
                batch = clues.ordinary(ent, recent)
                recent.append(ent)
            if clue_rng.random() < ORPHAN_RATE:
                batch.append(clues.orphan(ent.county))
            for clue in batch:
                sinks.write("clues.csv", [clue.row])
                sinks.gold(clue.gold)
        rows = dict(sinks.counts)
    write_json(out / "truth.json", plan.truth())
    write_json(out / "manifest.json", {
        "generator": "jointsup.ingest.generate", "version": VERSION, "seed": seed,
        "enterprises": enterprises, "anchor_date": clock.iso(clock.ANCHOR), "rows": rows})
    return GenerationSummary(out, seed, enterprises, rows)


def _enterprise_row(ent: Enterprise) -> tuple[str, ...]:
    return (ent.uscc, ent.name, "|".join(ent.former_names), ent.legal_rep[0], ent.county.code,
            ent.address, ent.industry, ent.phone, clock.iso(ent.established), ent.status,
            ent.credit_class, ent.parent_uscc)


def _write_catalog(sinks: Sinks, depts: list[catalog.Department], items: tuple[Item, ...],
                   leaves: tuple[Item, ...], officers: list[catalog.Officer],
                   rng: random.Random) -> None:
    sinks.write("departments.csv", [(d.code, d.name, d.system, d.level, d.region_code,
                                     d.parent_code) for d in depts])
    sinks.write("items.csv", [(i.code, i.name, i.parent, i.item_type, i.system,
                               "|".join(i.industries), ";".join(i.legal_basis),
                               _flag(i.random_check), _flag(i.joint_check)) for i in items])
    sinks.write("implementations.csv", catalog.implementations(leaves, depts, rng))
    sinks.write("officers.csv", [(o.cert_no, o.name, o.department_code, "|".join(o.specialties),
                                  _flag(o.in_random_pool)) for o in officers])


def _flag(value: bool) -> str:
    return "true" if value else "false"
