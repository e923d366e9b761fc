"""The one working-day calendar (工作日) of every statutory deadline: plans and clues alike.

China's public holidays move every year and are paired with make-up working weekends (调休), so
they are data: `jointsup/data/calendar.toml`, one table per year transcribed from the State
Council General Office's notice, merged with an operator's `DATA_DIR/calendar.toml` (a year
there replaces the bundled year). A year in neither counts weekends only.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jointsup.errors import ConfigError

OVERRIDE_NAME = "calendar.toml"
LEGACY_NAME = "holidays.txt"  # the plans CLI's old calendar file: refused, never silently ignored
_KEYS = {"notice", "holidays", "makeup_days"}


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_days: frozenset[dt.date] = field(default_factory=frozenset)
    notices: tuple[tuple[int, str], ...] = ()  # (year, the notice its days come from)

    @property
    def years(self) -> frozenset[int]:
        """The years whose holidays the calendar knows; other years count weekends only."""
        return frozenset(year for year, _ in self.notices)

    def is_working_day(self, day: dt.date) -> bool:
        """A make-up day works; otherwise weekdays that are not holidays."""
        if day in self.makeup_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: dt.date, days: int) -> dt.date:
        """The date `days` working days after `start` (the start day itself not counted)."""
        if days < 0:
            raise ValueError("days must not be negative")
        day = start
        left = days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (negative when end < start)."""
        sign, lo, hi = (1, start, end) if end >= start else (-1, end, start)
        count = sum(1 for n in range(1, (hi - lo).days + 1)
                    if self.is_working_day(lo + dt.timedelta(days=n)))
        return sign * count


@dataclass(frozen=True)
class YearTable:
    """One year of a calendar file: its notice, days off and make-up working days."""

    notice: str
    holidays: frozenset[dt.date]
    makeup_days: frozenset[dt.date]


def parse_years(text: str, source: str) -> dict[int, YearTable]:
    """The year tables of a calendar file; errors name the file, the year and the key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    years: dict[int, YearTable] = {}
    for key, table in doc.items():
        if not (key.isdigit() and len(key) == 4) or not isinstance(table, dict):
            raise ConfigError(f"{source}: [{key}] is not a year table like [2026]")
        years[int(key)] = _year(int(key), table, f"{source}: [{key}]")
    return years


def _year(year: int, table: dict[str, Any], where: str) -> YearTable:
    if unknown := sorted(set(table) - _KEYS):
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)} "
                          f"(expected {', '.join(sorted(_KEYS))})")
    notice = table.get("notice")
    if not isinstance(notice, str) or not notice.strip():
        raise ConfigError(f"{where} notice: name the notice the dates come from")
    holidays: set[dt.date] = set()
    for n, entry in enumerate(_list(table, "holidays", where)):
        first, last = (entry, entry) if not isinstance(entry, list) else (
            (entry[0], entry[1]) if len(entry) == 2 else (None, None))
        lo = _date(first, f"{where} holidays[{n}]", year)
        hi = _date(last, f"{where} holidays[{n}]", year)
        if hi < lo:
            raise ConfigError(f"{where} holidays[{n}]: {hi} is before {lo}")
        holidays.update(lo + dt.timedelta(days=d) for d in range((hi - lo).days + 1))
    makeup: set[dt.date] = set()
    for n, entry in enumerate(_list(table, "makeup_days", where)):
        day = _date(entry, f"{where} makeup_days[{n}]", year)
        if day.weekday() < 5:
            raise ConfigError(f"{where} makeup_days[{n}]: {day} is a weekday, not a weekend "
                              "day worked (调休)")
        if day in holidays:
            raise ConfigError(f"{where} makeup_days[{n}]: {day} is also a holiday")
        makeup.add(day)
    return YearTable(notice.strip(), frozenset(holidays), frozenset(makeup))


def _list(table: dict[str, Any], key: str, where: str) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise ConfigError(f"{where} {key}: must be a list")
    return value


def _date(value: object, where: str, year: int) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        day = None
    if day is None:
        raise ConfigError(f"{where}: {value!r} is not an ISO date or a [first, last] pair")
    if abs(day.year - year) > 1:
        raise ConfigError(f"{where}: {day} is far from the year {year}")
    return day


def build(years: dict[int, YearTable]) -> WorkCalendar:
    """One calendar from year tables."""
    return WorkCalendar(
        frozenset(d for y in years.values() for d in y.holidays),
        frozenset(d for y in years.values() for d in y.makeup_days),
        tuple((year, years[year].notice) for year in sorted(years)))


@cache
def _bundled_years() -> dict[int, YearTable]:
    path = files("jointsup") / "data" / OVERRIDE_NAME
    return parse_years(path.read_text(encoding="utf-8"), "jointsup/data/calendar.toml")


def bundled_calendar() -> WorkCalendar:
    """The calendar shipped in the package, without any operator override."""
    return build(_bundled_years())


@lru_cache(maxsize=8)
def _merged(override: str | None, stamp: tuple[int, int] | None) -> WorkCalendar:
    del stamp  # part of the cache key only: an edited override file is read again
    years = dict(_bundled_years())
    if override is not None:
        path = Path(override)
        years.update(parse_years(path.read_text(encoding="utf-8"), str(path)))
    return build(years)


def work_calendar(data_dir: Path | None = None) -> WorkCalendar:
    """The shared calendar: the bundled years merged with `data_dir`'s calendar.toml.

    Callers with settings pass their `data_dir` (the CLI's --data-dir); without one, the
    environment's settings name it (JOINTSUP_DATA_DIR). An old `holidays.txt` there is a CONFIG
    error, so a calendar the operator kept is never silently dropped.
    """
    if data_dir is None:
        from jointsup.config import Settings

        data_dir = Settings.from_env().data_dir
    legacy = data_dir / LEGACY_NAME
    if legacy.exists():
        raise ConfigError(f"{legacy}: holidays.txt is no longer read; move its dates into "
                          f"{data_dir / OVERRIDE_NAME} (docs/inspection-planning.md)")
    path = data_dir / OVERRIDE_NAME
    try:
        stat = path.stat()
    except FileNotFoundError:
        return _merged(None, None)
    return _merged(str(path), (stat.st_mtime_ns, stat.st_size))
