"""Reference data the generator draws on: regions (行政区划) and GB/T 4754 industries."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import jointsup

PROVINCES = {"50": "重庆市", "51": "四川省"}
# Chongqing's 5001/5002 are placeholders (市辖区/县), not prefectures: its counties belong to
# the municipality directly.
PLACEHOLDER_CITY_NAMES = frozenset({"市辖区", "县"})


def default_reference_dir() -> Path:
    """The reference data shipped inside the package."""
    return Path(jointsup.__file__).parent / "data" / "reference"


@dataclass(frozen=True)
class County:
    """A county-level unit (区/县/县级市) with the names the generator needs."""

    code: str
    name: str
    city_code: str  # 4-digit prefecture code; for Chongqing the placeholder 5001/5002
    city_name: str  # prefecture name, or 重庆市 for Chongqing
    province_code: str
    streets: tuple[str, ...]

    @property
    def short(self) -> str:
        """The name without 区/县/市 when two characters remain: 武侯区 → 武侯."""
        stem = self.name[:-1]
        return stem if len(stem) >= 2 and self.name[-1] in "区县市" else self.name

    @property
    def in_sichuan(self) -> bool:
        """True for Sichuan (51), false for Chongqing (50)."""
        return self.province_code == "51"


@dataclass(frozen=True)
class City:
    """A Sichuan prefecture-level unit (Chongqing has none)."""

    code: str  # 6 digits, e.g. 510100
    name: str

    @property
    def short(self) -> str:
        """Colloquial short name: 成都市 → 成都, 凉山彝族自治州 → 凉山."""
        if self.name.endswith("自治州"):
            return self.name[:2]
        return self.name[:-1] if self.name.endswith("市") else self.name


@dataclass(frozen=True)
class Regions:
    """Counties of Sichuan and Chongqing, Sichuan's prefectures, and name lookups."""

    counties: tuple[County, ...]
    cities: tuple[City, ...]
    by_code: dict[str, County] = field(default_factory=dict)
    city_by_code: dict[str, City] = field(default_factory=dict)
    ambiguous_names: frozenset[str] = frozenset()

    def city_of(self, county: County) -> City | None:
        """The prefecture of a Sichuan county; None for Chongqing."""
        return self.city_by_code.get(county.city_code + "00")


def load_regions(reference: Path) -> Regions:
    """Read areas, cities and streets for provinces 50 and 51."""
    folder = reference / "regions"
    city_names: dict[str, str] = {}
    for row in _rows(folder / "cities.csv"):
        if row["provinceCode"] in PROVINCES and row["name"] not in PLACEHOLDER_CITY_NAMES:
            city_names[row["code"]] = row["name"]
    streets: dict[str, list[str]] = {}
    for row in _rows(folder / "streets_50_51.csv"):
        streets.setdefault(row["areaCode"], []).append(row["name"])
    counties = []
    for row in _rows(folder / "areas.csv"):
        province = row["provinceCode"]
        if province not in PROVINCES or row["name"] in PLACEHOLDER_CITY_NAMES:
            continue
        city_code = row["cityCode"]
        city_name = PROVINCES[province] if province == "50" else city_names[city_code]
        counties.append(County(row["code"], row["name"], city_code, city_name, province,
                               tuple(streets.get(row["code"], ()))))
    counties.sort(key=lambda c: c.code)
    cities = tuple(City(code + "00", name) for code, name in sorted(city_names.items()))
    seen: dict[str, int] = {}
    for county in counties:
        for name in dict.fromkeys((county.name, county.short)):
            seen[name] = seen.get(name, 0) + 1
    # Names shared by two units (市中区 in Leshan and in Neijiang) must be qualified by their city.
    ambiguous = frozenset(name for name, count in seen.items() if count > 1)
    return Regions(tuple(counties), cities, {c.code: c for c in counties},
                   {c.code: c for c in cities}, ambiguous)


@dataclass(frozen=True)
class Industries:
    """GB/T 4754-2017 codes (sections, 2-, 3- and 4-digit) with names and their section letter."""

    names: dict[str, str]
    section_of: dict[str, str]

    def exists(self, code: str) -> bool:
        """True when `code` is a section, division, group or class of the standard."""
        return code in self.names

    def matches(self, class_code: str, pattern: str) -> bool:
        """True when 4-digit `class_code` lies under `pattern` (section letter or code prefix)."""
        if pattern.isalpha():
            return self.section_of.get(class_code) == pattern
        return class_code.startswith(pattern)


def load_industries(reference: Path) -> Industries:
    """Read the classification; derive the three-digit groups that have no row of their own."""
    names: dict[str, str] = {}
    section_of: dict[str, str] = {}
    for row in _rows(reference / "industries" / "gbt4754_2017.csv"):
        names[row["code"]] = row["name"]
        section_of[row["code"]] = row["section"]
    for code in [c for c in names if len(c) == 4]:
        group = code[:3]
        if group not in names:
            names[group] = names[code]
            section_of[group] = section_of[code]
    return Industries(names, section_of)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
