"""Departments (部门), check implementations (检查实施清单) and officers (执法人员)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from jointsup.ingest.generate import names
from jointsup.ingest.generate.items import SYSTEM_PREFIX, Item
from jointsup.ingest.generate.reference import County, Regions

SYSTEMS = tuple(SYSTEM_PREFIX.values())
ABBREVIATION = {system: abbr for abbr, system in SYSTEM_PREFIX.items()}
PROVINCE_LEVEL = {
    "51": dict(zip(SYSTEMS, ("四川省市场监督管理局", "四川省卫生健康委员会", "四川省文化和旅游厅",
                             "四川省住房和城乡建设厅", "四川省应急管理厅", "四川省农业农村厅",
                             "四川省商务厅", "四川省教育厅", "四川省药品监督管理局"), strict=True)),
    "50": dict(zip(SYSTEMS, ("重庆市市场监督管理局", "重庆市卫生健康委员会",
                             "重庆市文化和旅游发展委员会", "重庆市住房和城乡建设委员会",
                             "重庆市应急管理局", "重庆市农业农村委员会", "重庆市商务委员会",
                             "重庆市教育委员会", "重庆市药品监督管理局"), strict=True)),
}
SICHUAN_CITY = dict(zip(SYSTEMS, ("市场监督管理局", "卫生健康委员会", "文化广播电视和旅游局",
                                  "住房和城乡建设局", "应急管理局", "农业农村局", "商务局",
                                  "教育局", "药品监督管理局"), strict=True))
SICHUAN_COUNTY = dict(SICHUAN_CITY, 卫健="卫生健康局")
CHONGQING_COUNTY = dict(zip(SYSTEMS, ("市场监督管理局", "卫生健康委员会", "文化和旅游发展委员会",
                                      "住房和城乡建设委员会", "应急管理局", "农业农村委员会",
                                      "商务委员会", "教育委员会", "药品监督管理局"), strict=True))
CITY_ONLY = frozenset({"药监"})  # drug administration stops at the prefecture level
COUNTY_LEVELS = {"county": ("city", "county"), "city": ("province", "city")}


@dataclass(frozen=True)
class Department:
    """A department row."""

    code: str
    name: str
    system: str
    level: str
    region_code: str
    parent_code: str


@dataclass(frozen=True)
class Officer:
    """An officer row; specialties are item codes or a system name."""

    cert_no: str
    name: str
    department_code: str
    specialties: tuple[str, ...]
    in_random_pool: bool


def _code(region_code: str, system: str) -> str:
    return f"{region_code}-{ABBREVIATION[system]}"


def departments(regions: Regions) -> list[Department]:
    """Province, prefecture and county departments of every system, parents before children."""
    out: list[Department] = []
    for province in ("51", "50"):
        region = province + "0000"
        out += [Department(_code(region, s), PROVINCE_LEVEL[province][s], s, "province", region, "")
                for s in SYSTEMS]
    for city in regions.cities:
        out += [Department(_code(city.code, s), city.name + SICHUAN_CITY[s], s, "city", city.code,
                           _code("510000", s)) for s in SYSTEMS]
    for county in regions.counties:
        for system in SYSTEMS:
            if system in CITY_ONLY:
                continue
            out.append(Department(_code(county.code, system),
                                  county_department_name(county, system), system, "county",
                                  county.code, _code(_parent_region(county), system)))
    return out


def county_department_name(county: County, system: str) -> str:
    """成都市武侯区市场监督管理局, 金堂县…, 重庆市渝中区卫生健康委员会, 城口县…."""
    suffix = (SICHUAN_COUNTY if county.in_sichuan else CHONGQING_COUNTY)[system]
    return names.county_prefix(county) + suffix


def _parent_region(county: County) -> str:
    # Chongqing has no prefecture level: its districts report to the municipality directly.
    return county.city_code + "00" if county.in_sichuan else "500000"


def department_for(item: Item, county: County, rng: random.Random) -> str:
    """The department code that checks `item` at an enterprise registered in `county`."""
    if item.level == "city":
        return _code(county.city_code + "00" if county.in_sichuan else "500000", item.system)
    if county.in_sichuan and rng.random() < 0.1:
        return _code(county.city_code + "00", item.system)
    return _code(county.code, item.system)


def implementations(items: tuple[Item, ...], depts: list[Department],
                    rng: random.Random) -> Iterator[tuple[str, ...]]:
    """One implementation per leaf inspection item and department of its system and levels."""
    by_system: dict[str, list[Department]] = {}
    for dept in depts:
        by_system.setdefault(dept.system, []).append(dept)
    for item in items:
        levels = COUNTY_LEVELS[item.level]
        for dept in by_system[item.system]:
            if dept.level not in levels or (item.province and
                                            not dept.region_code.startswith(item.province)):
                continue
            method = rng.choices(("on_site", "documents", "online"), weights=(70, 20, 10))[0]
            ratio = rng.choice(("0.03", "0.05", "0.1", "0.15", "0.2")) if item.random_check \
                else "1"
            frequency = rng.choice(("1/year", "1/year", "2/year", "4/year"))
            yield (f"IMP-{dept.region_code}-{item.code}", item.code, dept.code, method, ratio,
                   frequency)


def officers(depts: list[Department], items: tuple[Item, ...],
             rng: random.Random) -> list[Officer]:
    """A handful of officers per department, most of them in the random-selection pool."""
    codes_by_system: dict[str, list[str]] = {}
    for item in items:
        codes_by_system.setdefault(item.system, []).append(item.code)
    out = []
    for dept in depts:
        busy = dept.system == "市场监管" and dept.level == "county"
        count = rng.randint(4, 8) if busy else rng.randint(2, 5)
        system_no = SYSTEMS.index(dept.system) + 1
        for seq in range(1, count + 1):
            if rng.random() < 0.3:
                specialties: tuple[str, ...] = (dept.system,)
            else:
                pool = codes_by_system.get(dept.system, [])
                specialties = tuple(sorted(rng.sample(pool, min(len(pool), rng.randint(1, 3)))))
            out.append(Officer(f"{dept.region_code}{system_no:02d}{seq:04d}",
                               names.person_name(rng), dept.code, specialties or (dept.system,),
                               seq <= 2 or rng.random() < 0.85))
    return out
