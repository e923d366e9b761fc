"""Where businesses register: county weights (~70% Sichuan, busy cities and core districts)."""

from __future__ import annotations

import itertools
import random

from jointsup.ingest.generate.reference import County, Regions

# Relative market-entity counts of Sichuan's prefectures (Chengdu dominates).
CITY_WEIGHTS = {"5101": 40, "5103": 2.5, "5104": 1.5, "5105": 4, "5106": 4, "5107": 5,
                "5108": 2.5, "5109": 3, "5110": 3, "5111": 3.5, "5113": 5, "5114": 3,
                "5115": 4.5, "5116": 3, "5117": 4.5, "5118": 1.5, "5119": 2, "5120": 2,
                "5132": 0.7, "5133": 0.7, "5134": 3}
CORE_DISTRICTS = frozenset(("510104", "510105", "510106", "510107", "510108", "500103", "500104",
                            "500105", "500106", "500107", "500108", "500109", "500112", "500113"))
SICHUAN_SHARE = 0.7


class Geography:
    """Draws registration counties and neighbours (same city, same or other province)."""

    def __init__(self, rng: random.Random, regions: Regions) -> None:
        """Precompute cumulative weights and the counties of each city and province."""
        self.rng = rng
        self.regions = regions
        self._counties = list(regions.counties)
        self.by_city: dict[str, list[County]] = {}
        self.by_province: dict[str, list[County]] = {}
        for county in self._counties:
            self.by_city.setdefault(county.city_code, []).append(county)
            self.by_province.setdefault(county.province_code, []).append(county)
        weights = (self._weight(c) for c in self._counties)
        self._cumulative = list(itertools.accumulate(weights))

    def _weight(self, county: County) -> float:
        inside = _inside(county)
        if county.in_sichuan:
            city_total = sum(_inside(c) for c in self.by_city[county.city_code])
            return SICHUAN_SHARE * CITY_WEIGHTS[county.city_code] / 100 * inside / city_total
        total = sum(_inside(c) for c in self.by_province["50"])
        return (1 - SICHUAN_SHARE) * inside / total

    def county(self) -> County:
        """A registration county, ~70% Sichuan, weighted to the cities where business is."""
        return self.rng.choices(self._counties, cum_weights=self._cumulative)[0]

    def near(self, home: County) -> County:
        """A county in the same city (70%), the same province (20%) or across the border."""
        roll = self.rng.random()
        if roll < 0.7:
            return self.rng.choice(self.by_city[home.city_code])
        other = "50" if home.in_sichuan else "51"
        return self.rng.choice(self.by_province[home.province_code if roll < 0.9 else other])


def _inside(county: County) -> float:
    """Weight within its city: core districts 5, other districts and county-level cities 2."""
    if county.code in CORE_DISTRICTS:
        return 5.0
    return 2.0 if county.name.endswith(("区", "市")) else 1.0
