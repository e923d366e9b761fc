"""Dates relative to a fixed anchor, so output never depends on the day the generator runs."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

ANCHOR = date(2026, 6, 30)
EARLIEST = date(1995, 1, 1)
# Registrations grew steeply after the 2014 reform (商事制度改革); weights per year 1995..2025.
YEAR_WEIGHTS = tuple([1.0] * 10 + [2.0] * 5 + [3.0] * 4 + [6.0] * 4 + [8.0] * 8)


def iso(day: date) -> str:
    """YYYY-MM-DD."""
    return day.isoformat()


def parse(text: str) -> date:
    """Inverse of `iso`."""
    return date.fromisoformat(text)


def between(rng: random.Random, start: date, end: date) -> date:
    """A uniformly drawn day in [start, end]; `start` when the range is empty."""
    span = (end - start).days
    return start + timedelta(days=rng.randint(0, span)) if span > 0 else start


def establishment_day(rng: random.Random, latest: date = date(2025, 12, 31)) -> date:
    """A registration date 1995..2025, weighted towards recent years."""
    year = rng.choices(range(1995, 2026), weights=YEAR_WEIGHTS)[0]
    day = between(rng, date(year, 1, 1), date(year, 12, 31))
    return min(day, latest)


def plus_days(day: date, days: int) -> date:
    """`day` moved by `days`, clipped to the anchor."""
    return min(day + timedelta(days=days), ANCHOR)


def timestamp(rng: random.Random, day: date) -> str:
    """An ISO timestamp in China time on `day`, mostly in office hours."""
    hour = rng.randint(8, 20) if rng.random() < 0.9 else rng.randint(0, 23)
    moment = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59))
    return moment.isoformat() + "+08:00"


def last_months(count: int) -> list[str]:
    """The `count` months up to and including the anchor's, oldest first, as YYYY-MM."""
    months = []
    year, month = ANCHOR.year, ANCHOR.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
