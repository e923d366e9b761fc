"""HubRows: entries valid for one generation token, bounded in rows (least recently used out
first) and in age."""

from __future__ import annotations

from jointsup.graph.hub_rows import HubRows


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def rows(n: int) -> list[str]:
    return [f"r{i}" for i in range(n)]


def test_entries_serve_only_the_token_they_were_read_under() -> None:
    cache = HubRows(100)
    cache.put("t1", "a", rows(3))
    assert cache.get("t1", "a") == rows(3)
    assert cache.get("t2", "a") is None  # the graph changed: everything goes
    assert cache.get("t1", "a") is None
    assert len(cache) == 0
    assert cache.rows == 0


def test_no_token_no_cache() -> None:
    cache = HubRows(100)
    cache.put(None, "a", rows(3))
    assert len(cache) == 0
    cache.put("t", "a", rows(3))
    assert cache.get(None, "a") is None
    assert cache.get("t", "a") == rows(3)


def test_capacity_counts_rows_and_evicts_the_least_recently_used() -> None:
    cache = HubRows(10)
    cache.put("t", "a", rows(4))
    cache.put("t", "b", rows(4))
    assert cache.get("t", "a") is not None  # a is now the most recently used
    cache.put("t", "c", rows(4))
    assert cache.get("t", "b") is None
    assert cache.get("t", "a") == rows(4)
    assert cache.get("t", "c") == rows(4)
    assert cache.rows == 8
    cache.put("t", "a", rows(2))  # replacing an entry gives its rows back
    assert cache.rows == 6
    cache.put("t", "huge", rows(11))  # larger than the whole cache: not kept
    assert cache.get("t", "huge") is None
    assert cache.rows == 6


def test_entries_do_not_age_by_default() -> None:
    clock = Clock()
    cache = HubRows(100, clock=clock)
    cache.put("t", "a", rows(2))
    clock.now = 1e9
    assert cache.get("t", "a") == rows(2)


def test_entries_older_than_max_age_are_read_again() -> None:
    clock = Clock()
    cache = HubRows(100, max_age_s=60.0, clock=clock)
    cache.put("t", "a", rows(2))
    clock.now = 60.0
    assert cache.get("t", "a") == rows(2)
    clock.now = 60.5
    assert cache.get("t", "a") is None
    assert (cache.hits, cache.misses) == (1, 1)
