"""A linker that follows its store: built through the gazetteer cache (keyed by the store's
content), rebuilt in the background when that content changes, e.g. after an ingest.

Requests keep the linker they have while a new one builds; only the very first request of a
process waits for a build (or a cache load).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from jointsup.graph.store import BaseGraphStore
from jointsup.nlp.linker import Linker
from jointsup.nlp.source import content_key

log = logging.getLogger(__name__)

Build = Callable[[BaseGraphStore, Path | None], Linker]


def cache_dir_for(store: BaseGraphStore) -> Path | None:
    """Where this store's gazetteer artifact lives: `<data dir>/nlp-cache` (the embedded
    store's folder, else JOINTSUP_DATA_DIR when set; none means no cache)."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return path.parent / "nlp-cache"
    data_dir = os.environ.get("JOINTSUP_DATA_DIR")
    return Path(data_dir) / "nlp-cache" if data_dir else None


def _from_store(store: BaseGraphStore, cache_dir: Path | None) -> Linker:
    return Linker.from_store(store, cache_dir=cache_dir)


class FreshLinker:
    """The current linker of one store; `get()` checks the store's content key at most every
    `check_every` seconds and, when it changed, rebuilds in a background thread."""

    def __init__(self, store: BaseGraphStore, cache_dir: Path | None, *,
                 check_every: float = 5.0, build: Build = _from_store) -> None:
        """A provider for `store` (nothing is built until the first `get`)."""
        self.store = store
        self.cache_dir = cache_dir
        self.check_every = check_every
        self._build = build
        self._lock = threading.Lock()
        self._linker: Linker | None = None
        self._key = ""
        self._checked = 0.0
        self._worker: threading.Thread | None = None
        self.rebuilds = 0  # background rebuilds finished (for tests and logs)
        self.last_error: Exception | None = None

    def get(self) -> Linker:
        """The linker for the store's content as last seen; a changed store starts a rebuild."""
        with self._lock:
            if self._linker is None:  # the first caller builds; others wait for it
                self._key = content_key(self.store)
                self._linker = self._build(self.store, self.cache_dir)
                self._checked = time.monotonic()
                return self._linker
            if self._worker is None and time.monotonic() - self._checked >= self.check_every:
                self._checked = time.monotonic()
                key = content_key(self.store)
                if key != self._key:
                    self._worker = threading.Thread(target=self._rebuild, args=(key,),
                                                    name="nlp-linker-rebuild", daemon=True)
                    self._worker.start()
            return self._linker

    def _rebuild(self, key: str) -> None:
        try:
            linker = self._build(self.store, self.cache_dir)
        except Exception as exc:  # keep serving the old linker; the next check retries
            log.warning("rebuilding the linker failed; keeping the previous one: %s", exc)
            with self._lock:
                self.last_error, self._worker = exc, None
            return
        with self._lock:
            self._linker, self._key, self._worker = linker, key, None
            self.last_error = None
            self.rebuilds += 1

    def refresh(self, timeout: float = 300.0) -> Linker:
        """The linker for the store's content as it is now: lets a rebuild under way finish,
        checks at once (not after `check_every`) and waits for the rebuild a change starts —
        until a check finds nothing new, or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while True:
            self.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                self._checked = float("-inf")
            linker = self.get()
            if self._worker is None or time.monotonic() >= deadline:
                return linker

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a rebuild under way; True when none is left running."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)
            return not worker.is_alive()
        return True
