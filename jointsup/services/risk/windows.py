"""Rolling windows over event days: z-score surges (投诉激增) and dense clusters."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Episode:
    """A run of days where the rule held: first and last event day, events and peak z."""

    start: date
    end: date
    count: int
    z: float


def _count(days: Sequence[date], lo: date, hi: date) -> int:
    """Events with lo <= day <= hi."""
    return bisect_right(days, hi) - bisect_left(days, lo)


def surges(days: Sequence[date], window_days: int, baseline_windows: int, min_count: int,
           z_threshold: float, min_std: float) -> list[Episode]:
    """Episodes where the events in a window ending on an event day stand out from the windows
    before it: count >= min_count and (count - mean) / max(std, min_std) >= z_threshold.

    `days` must be sorted. Overlapping triggering windows are merged into one episode, so one
    burst gives one alert however the windows slide across it.
    """
    width = timedelta(days=window_days)
    episodes: list[Episode] = []
    for end in sorted(set(days)):
        start = end - width + timedelta(days=1)
        count = _count(days, start, end)
        if count < min_count:
            continue
        base = [_count(days, start - width * k, start - width * (k - 1) - timedelta(days=1))
                for k in range(1, baseline_windows + 1)]
        mean = sum(base) / len(base) if base else 0.0
        std = math.sqrt(sum((b - mean) ** 2 for b in base) / len(base)) if base else 0.0
        z = (count - mean) / max(std, min_std)
        if z < z_threshold:
            continue
        first = days[bisect_left(days, start)]
        episodes.append(Episode(first, end, count, z))
    return merge(days, episodes)


def clusters(days: Sequence[date], window_days: int, min_count: int) -> list[Episode]:
    """Episodes of at least `min_count` events within `window_days` of each other (sorted days)."""
    width = timedelta(days=window_days - 1)
    found = []
    for i, first in enumerate(days):
        j = bisect_right(days, first + width)
        if j - i >= min_count:
            found.append(Episode(first, days[j - 1], j - i, 0.0))
    return merge(days, found)


def merge(days: Sequence[date], episodes: list[Episode]) -> list[Episode]:
    """Fold overlapping episodes into one, recounting its events and keeping the peak z."""
    merged: list[Episode] = []
    for ep in sorted(episodes, key=lambda e: (e.start, e.end)):
        if merged and ep.start <= merged[-1].end:
            last = merged[-1]
            end = max(last.end, ep.end)
            merged[-1] = Episode(last.start, end, _count(days, last.start, end), max(last.z, ep.z))
        else:
            merged.append(ep)
    return merged
