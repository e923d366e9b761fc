"""Neo4j: hubs' first neighbours, kept between transactions while the graph has not changed.

The path search asks each node it expands for its first PATH_FANOUT neighbours in (type,
label, key) order. The embedded store streams them from a covering index; Neo4j reads and sorts
every relationship of the node, so a region or an industry of 30,000 enterprises costs about
90 ms at 1,000,000 enterprises, on every search that passes it. `HubRows` keeps those answers
(only for nodes whose rows reached the limit: the hubs) in the store object, shared by its
transactions.

Validity: every Neo4jStore write transaction that wrote sets the database's generation token
(cypher.BUMP_GENERATION) to a fresh random value before it commits, and a read transaction reads
the token, with the graph's node and relationship counts, once, before its first use of the
cache (Neo4jTx.stamp). Entries are served only to a transaction that read the same stamp as the
one that stored them; a different stamp empties the cache. Reads are read-committed, so rows
read after the stamp are at least as new as it: an entry can be newer than its stamp, never
older. A write that bypasses jointsup (cypher-shell) leaves the token alone, but one that adds
or deletes nodes or relationships changes the counts; one that keeps them (a relationship
replaced by another in one transaction) goes unseen here until the next write through jointsup,
or `max_age_s` if one is set (by default entries do not age: a server's warmed hubs would
otherwise be read again, one slow search each, every period). A missing token (a wiped database)
disables the cache until the next write sets one. Bounded by `capacity` rows in all, least
recently used evicted first.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

DEFAULT_CAPACITY = 1_000_000
DEFAULT_MAX_AGE_S: float | None = None


class HubRows:
    """A thread-safe LRU of neighbour rows by (node, types, limit), valid for one token."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY,
                 max_age_s: float | None = DEFAULT_MAX_AGE_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.max_age_s, self._clock = capacity, max_age_s, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[float, list[str]]] = OrderedDict()
        self._stamp: str | None = None
        self._rows = 0
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def rows(self) -> int:
        """Rows held now."""
        return self._rows

    def get(self, stamp: str | None, key: Hashable) -> list[str] | None:
        """The rows stored under `key` by a transaction that read `stamp`, if still fresh."""
        if stamp is None:
            return None
        with self._lock:
            self._adopt(stamp)
            entry = self._entries.get(key)
            if entry is None or (self.max_age_s is not None
                                 and self._clock() - entry[0] > self.max_age_s):
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, stamp: str | None, key: Hashable, rows: list[str]) -> None:
        """Keep `rows`, read after reading `stamp`; one entry larger than the capacity is not
        kept."""
        if stamp is None or len(rows) > self.capacity:
            return
        with self._lock:
            self._adopt(stamp)
            old = self._entries.pop(key, None)
            if old is not None:
                self._rows -= len(old[1])
            self._entries[key] = (self._clock(), rows)
            self._rows += len(rows)
            while self._rows > self.capacity:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._rows -= len(evicted)

    def _adopt(self, stamp: str) -> None:
        """Empty the cache when the graph has changed since its entries were read."""
        if stamp != self._stamp:
            self._entries.clear()
            self._rows, self._stamp = 0, stamp
