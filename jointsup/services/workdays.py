"""Working-day arithmetic (工作日) for statutory deadlines: weekends, holidays and make-up days.

China's public holidays move every year and are paired with make-up working weekends (调休), so
they are configuration, not code: a plain text file, one ISO date per line, `+` before a date
that is a working day although it falls on a weekend, `#` starting a comment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jointsup.errors import ConfigError


@dataclass(frozen=True)
class WorkCalendar:
    """Which days are working days."""

    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    makeup_days: frozenset[dt.date] = field(default_factory=frozenset)

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


def parse_calendar(text: str, source: str = "calendar") -> WorkCalendar:
    """A calendar from the file format above; errors name the line."""
    holidays: set[dt.date] = set()
    makeup: set[dt.date] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        target = makeup if line.startswith("+") else holidays
        try:
            target.add(dt.date.fromisoformat(line.lstrip("+").strip()))
        except ValueError:
            raise ConfigError(f"{source}:{number}: {raw.strip()!r} is not an ISO date") from None
    return WorkCalendar(frozenset(holidays), frozenset(makeup))


def load_calendar(path: Path | None) -> WorkCalendar:
    """The calendar in `path`, or weekends only when there is no such file."""
    if path is None or not path.exists():
        return WorkCalendar()
    return parse_calendar(path.read_text(encoding="utf-8"), str(path))
