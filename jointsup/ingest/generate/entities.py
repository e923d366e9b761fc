"""Market entities (市场主体) and the people behind them, one enterprise at a time."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from jointsup.ingest.generate import clock, names, uscc
from jointsup.ingest.generate.geography import Geography
from jointsup.ingest.generate.patterns import (
    LICENCE_SHARED,
    ONE_PERSON,
    SAME_ADDRESS,
    SHARED_PHONE,
    STRUCK_OFF,
    SURGE,
    Slot,
)
from jointsup.ingest.generate.people import PeopleFactory
from jointsup.ingest.generate.profiles import (
    COMPANY,
    COOPERATIVE,
    INDIVIDUAL,
    LICENCE_KEYS,
    PREPAID_KEYS,
    PROFILE_INDEX,
    PROFILES,
    Line,
    Profile,
)
from jointsup.ingest.generate.reference import County, Regions
from jointsup.ingest.generate.unique import SeenFilter

STATUSES = ("存续", "在业", "吊销", "注销")
STATUS_WEIGHTS = (64, 24, 6, 6)
ACTIVE = ("存续", "在业")
PersonRow = tuple[str, str, str, str]  # person_id, name, role, share_ratio


@dataclass(slots=True)
class Enterprise:
    """One market entity with everything later stages (activity, complaints) need."""

    index: int
    uscc: str
    kind: str
    name: str
    trade: str  # 字号: 蜀香, 老王
    word: str  # industry or shop word: 餐饮管理, 川菜馆
    county: County
    profile: Profile
    line: Line  # line of business: industry class and name words
    established: date
    status: str
    address: str
    phone: str
    legal_rep: tuple[str, str] = ("", "")
    former_names: list[str] = field(default_factory=list)
    parent_uscc: str = ""
    parent_name: str = ""
    ended: date | None = None  # revocation (吊销) or deregistration (注销) day
    abnormal: bool = False  # on the abnormal-operation list (经营异常名录) at some point
    serious: bool = False  # on the serious-violation list (严重违法失信名单)
    credit_class: str = ""
    persons: list[PersonRow] = field(default_factory=list)

    @property
    def industry(self) -> str:
        """The GB/T 4754 class."""
        return self.line.code

    @property
    def short_name(self) -> str:
        """How people usually say it: 字号 + industry word (蜀香餐饮, 老王川菜馆)."""
        return self.trade + self.word


class EntityFactory:
    """Draws enterprises; unique names, addresses and phones; planted overrides from the plan."""

    def __init__(self, rng: random.Random, regions: Regions, capacity: int) -> None:
        """`capacity` sizes the uniqueness filters (about N)."""
        self.rng = rng
        self.regions = regions
        self.addresses = names.Addresses(regions)
        self.codes = uscc.OrgCodes(rng.randrange(10**8), rng.randrange(31**6))
        self.people = PeopleFactory(rng, uscc.PersonIds(rng.randrange(10**10)))
        self.seen_names = SeenFilter(capacity * 2)
        self.seen_addresses = SeenFilter(capacity)
        self.seen_phones = SeenFilter(capacity)
        self.geo = Geography(rng, regions)
        self._profile_cum = list(itertools.accumulate(p.weight for p in PROFILES))
        self._parents: list[Enterprise] = []  # recent active companies that may open branches

    def county(self) -> County:
        """A registration county (see `Geography`)."""
        return self.geo.county()

    def make(self, index: int, slot: Slot | None) -> Enterprise:
        """The next enterprise; planted slots fix the fields their pattern needs."""
        rng = self.rng
        if slot is None and self._parents and rng.random() < 0.05:
            return self._branch(index)
        profile = self._profile(slot)
        line = rng.choice(profile.lines)
        kind = rng.choices((COMPANY, INDIVIDUAL, COOPERATIVE), weights=profile.kinds)[0]
        if (slot is not None and slot.pattern not in (SURGE, LICENCE_SHARED)) or (
                kind == INDIVIDUAL and not line.shops):
            kind = COMPANY  # planted networks are companies; some trades have no family shops
        county = self._slot_county(slot) or self.county()
        status, established, ended = self._lifecycle(slot)
        ent = Enterprise(index, "", kind, "", "", "", county, profile, line, established, status,
                         "", "", ended=ended)
        self._name(ent)
        # Individual businesses got their codes in the 2016-17 conversion: MA bodies throughout.
        body = self.codes.body(clock.iso(established), numeric_allowed=kind != INDIVIDUAL)
        ent.uscc = uscc.build(kind, county.code, body)
        ent.address = self._slot_value(slot, SAME_ADDRESS) or self._address(ent)
        ent.phone = self._slot_value(slot, SHARED_PHONE) or self._phone(ent)
        planted_rep = self._slot_person(slot)
        self.people.staff(ent, planted_rep)
        self._remember(ent)
        return ent

    def _profile(self, slot: Slot | None) -> Profile:
        if slot is not None and slot.pattern == SURGE:
            return PROFILES[PROFILE_INDEX[self.rng.choice(PREPAID_KEYS)]]
        if slot is not None and slot.pattern == LICENCE_SHARED:
            return PROFILES[PROFILE_INDEX[self.rng.choice(LICENCE_KEYS)]]
        return self.rng.choices(PROFILES, cum_weights=self._profile_cum)[0]

    def _lifecycle(self, slot: Slot | None) -> tuple[str, date, date | None]:
        rng = self.rng
        if slot is not None and slot.pattern == STRUCK_OFF:
            group = slot.group
            if slot.revoked:
                ended = group.revoked[slot.member]
                born = clock.between(rng, max(clock.EARLIEST, date(ended.year - 9, 1, 1)),
                                     date(ended.year - 2, 12, 31))
                return "吊销", born, ended
            return "存续", group.new_established, None
        status = rng.choices(STATUSES, weights=STATUS_WEIGHTS)[0]
        if slot is not None and status == "吊销":
            status = "存续"  # only struck_off groups may pair revoked and newer companies
        born = clock.establishment_day(rng)
        if slot is not None and slot.pattern == SURGE:
            born = min(born, date(2024, 6, 30))
            status = rng.choice(ACTIVE)
        if status in ACTIVE:
            return status, born, None
        born = min(born, date(2022, 12, 31))
        return status, born, clock.between(rng, clock.plus_days(born, 400), date(2026, 5, 31))

    def _slot_county(self, slot: Slot | None) -> County | None:
        """Planted groups live in one county (同址) or mostly one city (people, phones)."""
        if slot is None or slot.pattern not in (SAME_ADDRESS, SHARED_PHONE, ONE_PERSON, STRUCK_OFF):
            return None
        group = slot.group
        if not group.county:
            group.county = self.county().code
        home = self.regions.by_code[group.county]
        if slot.pattern == SAME_ADDRESS or self.rng.random() < 0.3:
            return home if slot.pattern == SAME_ADDRESS else self.county()
        return self.rng.choice(self.geo.by_city[home.city_code])

    def _slot_value(self, slot: Slot | None, pattern: str) -> str:
        if slot is None or slot.pattern != pattern:
            return ""
        group = slot.group
        if not group.value:
            if pattern == SAME_ADDRESS:
                county = self.regions.by_code[group.county]
                group.value = self._unique(self.seen_addresses,
                                           lambda: self.addresses.address(self.rng, county, False))
            else:
                home = self.regions.by_code[group.county]
                group.value = self._unique(self.seen_phones,
                                           lambda: names.phone(self.rng, home, 0.3))
        return group.value

    def _slot_person(self, slot: Slot | None) -> tuple[str, str] | None:
        if slot is None or slot.pattern not in (ONE_PERSON, STRUCK_OFF):
            return None
        if not slot.group.person[0]:
            slot.group.person = self.people.fresh()
        return slot.group.person

    def _name(self, ent: Enterprise) -> None:
        rng, line, county = self.rng, ent.line, ent.county
        for _ in range(50):
            if ent.kind == INDIVIDUAL:
                trade = names.owner_trade(rng, rng.choice(names.SURNAMES)) if rng.random() < 0.6 \
                    else names.trade_name(rng)
                word = rng.choice(line.shops)
                name = names.individual_name(rng, county, trade, word)
            elif ent.kind == COOPERATIVE:
                trade, word = names.trade_name(rng), line.products[0]
                name = names.cooperative_name(county, trade, word, line.code.startswith("03"))
            else:
                trade, word = names.trade_name(rng), rng.choice(line.words)
                name = names.company_name(rng, county, trade, word)
            if self.seen_names.add(name):
                ent.name, ent.trade, ent.word = name, trade, word
                break
        else:
            raise RuntimeError("could not find an unused enterprise name")
        if ent.kind == COMPANY and rng.random() < 0.12:
            for _ in range(1 if rng.random() < 0.8 else 2):
                old = names.company_name(rng, county, rng.choice((trade, names.trade_name(rng))),
                                         rng.choice(line.words))
                if old != ent.name and self.seen_names.add(old):
                    ent.former_names.append(old)

    def _address(self, ent: Enterprise) -> str:
        rural = ent.kind == COOPERATIVE or (ent.county.name.endswith("县") and
                                            ent.kind == INDIVIDUAL and self.rng.random() < 0.4)
        return self._unique(self.seen_addresses,
                            lambda: self.addresses.address(self.rng, ent.county, rural))

    def _phone(self, ent: Enterprise) -> str:
        share = {COMPANY: 0.5, INDIVIDUAL: 0.9, COOPERATIVE: 0.8}[ent.kind]
        return self._unique(self.seen_phones, lambda: names.phone(self.rng, ent.county, share))

    @staticmethod
    def _unique(seen: SeenFilter, draw: Callable[[], str]) -> str:
        for _ in range(100):
            value = draw()
            if seen.add(value):
                return value
        raise RuntimeError("could not draw an unused value")

    def _branch(self, index: int) -> Enterprise:
        rng = self.rng
        parent = rng.choice(self._parents)
        county = self.geo.near(parent.county)
        ordinal = 1
        name = names.branch_name(parent.name, county, ordinal)
        while not self.seen_names.add(name):
            ordinal += 1
            name = names.branch_name(parent.name, county, ordinal)
        born = clock.between(rng, parent.established, date(2025, 12, 31))
        ent = Enterprise(index, "", COMPANY, name, parent.trade, parent.word, county,
                         parent.profile, parent.line, born, rng.choice(ACTIVE), "", "",
                         parent_uscc=parent.uscc, parent_name=parent.name)
        ent.uscc = uscc.build(COMPANY, county.code, self.codes.body(clock.iso(born)))
        ent.address = self._address(ent)
        ent.phone = self._phone(ent)
        self.people.staff(ent, None)
        return ent

    def _remember(self, ent: Enterprise) -> None:
        if ent.kind != COMPANY or ent.status not in ACTIVE:
            return
        if len(self._parents) < 400:
            self._parents.append(ent)
        else:
            self._parents[self.rng.randrange(400)] = ent
