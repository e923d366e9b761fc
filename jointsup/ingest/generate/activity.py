"""Supervision activity: list entries (名录), credit classes (信用分类) and inspections."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from jointsup.ingest.generate import catalog, clock
from jointsup.ingest.generate.entities import ACTIVE, Enterprise
from jointsup.ingest.generate.items import Item
from jointsup.ingest.generate.profiles import INDIVIDUAL
from jointsup.ingest.generate.reference import Industries

CLASSES = "ABCD"
LIST_START = date(2014, 10, 1)
RESULTS = ("合格", "未发现问题", "责令整改", "立案查处", "罚款")
RESULT_WEIGHTS = {"A": (55, 30, 12, 1, 2), "B": (45, 27, 20, 4, 4), "C": (30, 15, 35, 10, 10),
                  "D": (20, 10, 35, 17, 18), "": (40, 25, 25, 5, 5)}
RATE = {"A": 0.4, "B": 0.8, "C": 1.6, "D": 2.4, "": 0.6}  # expected inspections in three years
RISKY = frozenset({"catering", "food_retail", "food_mfg", "health_food", "pharmacy",
                   "drug_wholesale", "property", "gas", "tourism", "med_beauty"})
ABNORMAL_REASONS = ("未按照规定的期限公示年度报告", "通过登记的住所或者经营场所无法联系",
                    "未在市场监督管理部门责令的期限内公示有关企业信息",
                    "公示企业信息隐瞒真实情况、弄虚作假")
SERIOUS_REASONS = ("被列入经营异常名录届满3年仍未履行相关义务", "被吊销营业执照",
                   "提交虚假材料取得市场主体登记，情节严重")


def annotate(ent: Enterprise, rng: random.Random) -> None:
    """Decide list membership and the current credit class from status and history."""
    company_like = ent.kind != INDIVIDUAL  # individual businesses get 经营异常状态, not the list
    if ent.status == "吊销":
        ent.abnormal = company_like and rng.random() < 0.7
        ent.serious = company_like and rng.random() < 0.5
    elif ent.status == "注销":
        ent.abnormal = company_like and rng.random() < 0.1
    else:
        ent.abnormal = company_like and rng.random() < 0.04
        ent.serious = company_like and rng.random() < 0.005
    if ent.status == "注销":
        ent.credit_class = ""
    elif ent.status == "吊销" or ent.serious:
        ent.credit_class = "D" if rng.random() < 0.6 else ""
    elif ent.abnormal:
        ent.credit_class = "C" if rng.random() < 0.7 else "D"
    elif ent.established > clock.ANCHOR - timedelta(days=180):
        ent.credit_class = ""  # too new to be classified
    else:
        ent.credit_class = rng.choices(CLASSES + " ", weights=(30, 52, 12, 3, 3))[0].strip()


def list_rows(ent: Enterprise, rng: random.Random) -> list[tuple[str, ...]]:
    """abnormal_operation / serious_violation rows (uscc, list, date, reason, removed_date)."""
    rows: list[tuple[str, ...]] = []
    end = ent.ended or clock.ANCHOR
    listed = None
    if ent.abnormal:
        # The list exists since the 2014 disclosure regulation (企业信息公示暂行条例).
        first = max(clock.plus_days(ent.established, 365), LIST_START)
        listed = clock.between(rng, min(end, first), end)
        removed = ""
        if ent.status in ACTIVE and not ent.serious and rng.random() < 0.4:
            removed = clock.iso(clock.between(rng, clock.plus_days(listed, 30), clock.ANCHOR))
        rows.append((ent.uscc, "abnormal_operation", clock.iso(listed),
                     rng.choice(ABNORMAL_REASONS), removed))
    if ent.serious:
        if listed is not None and listed + timedelta(days=3 * 365) <= clock.ANCHOR:
            day, reason = listed + timedelta(days=3 * 365), SERIOUS_REASONS[0]
        elif ent.status == "吊销" and ent.ended is not None:
            day, reason = ent.ended, SERIOUS_REASONS[1]
        else:
            day = clock.between(rng, clock.plus_days(ent.established, 180), clock.ANCHOR)
            reason = SERIOUS_REASONS[2]
        rows.append((ent.uscc, "serious_violation", clock.iso(day), reason, ""))
    return rows


def credit_rows(ent: Enterprise, rng: random.Random, months: list[str]) -> list[tuple[str, ...]]:
    """Twelve monthly classes for a ~20% sample, drifting towards the current class."""
    if not ent.credit_class or rng.random() >= 0.2:
        return []
    current = CLASSES.index(ent.credit_class)
    history = [current]
    for _ in months[1:]:
        if rng.random() < 0.08:
            current = min(3, max(0, current + rng.choice((-1, 1))))
        history.append(current)
    history.reverse()  # drawn backwards from the present, written oldest first
    return [(ent.uscc, month, CLASSES[c]) for month, c in zip(months, history, strict=True)]


class Inspector:
    """Inspections of applicable items by the responsible department and two or more officers."""

    def __init__(self, leaves: tuple[Item, ...], industries: Industries,
                 officers: list[catalog.Officer]) -> None:
        """`leaves` are the leaf inspection items; officers are grouped by department."""
        self.leaves = leaves
        self.industries = industries
        self._applicable: dict[tuple[str, str], tuple[Item, ...]] = {}
        self._officers: dict[str, list[str]] = {}
        for officer in officers:
            if officer.in_random_pool:
                self._officers.setdefault(officer.department_code, []).append(officer.cert_no)
        self.count = 0

    def applicable(self, industry: str, province: str) -> tuple[Item, ...]:
        """Leaf items whose objects cover `industry` and that apply in `province`."""
        key = (industry, province)
        found = self._applicable.get(key)
        if found is None:
            found = tuple(item for item in self.leaves
                          if (not item.province or item.province == province)
                          and any(self.industries.matches(industry, o) for o in item.industries))
            self._applicable[key] = found
        return found

    def inspect(self, ent: Enterprise, rng: random.Random) -> list[tuple[str, ...]]:
        """Rows (id, uscc, item_code, department_code, officer_ids, date, result, articles)."""
        start = max(ent.established, clock.ANCHOR - timedelta(days=3 * 365))
        end = ent.ended or clock.ANCHOR
        if start >= end:
            return []
        rate = RATE[ent.credit_class] * (1.5 if ent.profile.key in RISKY else 1.0)
        rows: list[tuple[str, ...]] = []
        for _ in range(_poisson(rng, rate * (end - start).days / (3 * 365))):
            items = self.applicable(ent.industry, ent.county.province_code)
            item = rng.choice(items)
            dept = catalog.department_for(item, ent.county, rng)
            crew = self._officers[dept]
            officer_ids = rng.sample(crew, 3 if len(crew) > 3 and rng.random() < 0.2 else 2)
            result = rng.choices(RESULTS, weights=RESULT_WEIGHTS[ent.credit_class])[0]
            if result in ("立案查处", "罚款") and not item.penalties:
                result = "责令整改"
            articles = ""
            if result in ("立案查处", "罚款"):
                chosen = rng.sample(item.penalties, rng.randint(1, len(item.penalties)))
                articles = ";".join(chosen)
            self.count += 1
            rows.append((f"JC{self.count:010d}", ent.uscc, item.code, dept, "|".join(officer_ids),
                         clock.iso(clock.between(rng, start, end)), result, articles))
        return rows


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
