"""Python's cyclic garbage collector and a server's long-lived data.

A full collection walks every object the collector tracks. A server holds millions for as long
as it runs (the enterprise-name index, the clue linker's gazetteer, the schema and the imported
modules), so every full collection walks them all again — 55 ms for the 140,000 objects of
the imported modules alone, seconds with a million-enterprise index — in whichever request
triggers it, which is what a p99 shows. `settle()`, called once such data is built, exempts
everything alive from later collections (`gc.freeze`): they walk only what requests allocate.
Frozen objects are still freed by reference counting when dropped (a rebuilt index replaces the
old one). Cyclic garbage frozen in would stay: `settle` collects the young generations first (a
full collection first would itself be the pause this avoids), so what could stay is what became
cyclic garbage after reaching the oldest generation — once per settle, and bounded.
"""

from __future__ import annotations

import gc
import logging
import threading
import time

log = logging.getLogger(__name__)
_lock = threading.Lock()


def settle(what: str) -> None:
    """Exempt everything alive now from later collections (see the module docstring), once
    `what` is built."""
    with _lock:
        started = time.perf_counter()
        gc.collect(1)
        gc.freeze()
        log.info("%s built: %d objects exempt from collections (%.2f s)", what,
                 gc.get_freeze_count(), time.perf_counter() - started)
