"""A linker that follows its store: built through the gazetteer cache (keyed by the store's
content), rebuilt in the background when that content changes, e.g. after an ingest.

Requests keep the linker they have while a new one builds. The first build (or cache load) is
the only one a caller waits for; the server starts it in the background at start-up
(`warm_up()`), so a request waits only when it comes before that build has finished.
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
RETRY_FAILED_S = 60.0  # `ready()` starts another warm-up at most this often after a failure


def cache_dir_for(store: BaseGraphStore, data_dir: Path | None = None) -> Path | None:
    """Where this store's gazetteer artifact lives: `<data dir>/nlp-cache` — the embedded
    store's folder, else `data_dir` (the settings' data dir), else JOINTSUP_DATA_DIR when set
    (for callers without settings); none means no cache."""
    path = getattr(store, "path", None)
    if isinstance(path, Path):
        return path.parent / "nlp-cache"
    if data_dir is not None:
        return data_dir / "nlp-cache"
    from_env = os.environ.get("JOINTSUP_DATA_DIR")
    return Path(from_env) / "nlp-cache" if from_env else None


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
        self._warming: threading.Thread | None = None
        self._warm_lock = threading.Lock()  # not `_lock`: the first build holds that one
        self.rebuilds = 0  # background rebuilds finished (for tests and logs)
        self.last_error: Exception | None = None
        self._failed_at: float | None = None  # when the last warm-up failed (monotonic)

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

    def ready(self) -> Linker | None:
        """The linker when one is built (as `get()`), else None at once — never waits for a build:
        for background work that must not stall (the exchange worker). A cold provider starts
        `warm_up()`; a failed one is retried at most every `RETRY_FAILED_S`."""
        if self._linker is not None:
            return self.get()
        failed_at = self._failed_at
        if failed_at is None or time.monotonic() - failed_at >= RETRY_FAILED_S:
            self.warm_up()
        return None

    @property
    def state(self) -> str:
        """`ready` once a linker is built; `warming` while `warm_up()`'s build runs; `failed`
        when it failed (the next `get()` builds again); `cold` before anything started."""
        if self._linker is not None:
            return "ready"
        warming = self._warming
        if warming is not None and warming.is_alive():
            return "warming"
        return "failed" if self.last_error is not None else "cold"

    def warm_up(self, then: Callable[[], None] | None = None) -> None:
        """Start the first build in a background thread, unless a linker is built or building;
        `then` runs in that thread once it built the linker.

        `get()` callers meanwhile wait for that build rather than start their own. Nothing waits
        for the thread: it is a daemon, and a store closed under it only makes it fail (logged).
        """
        with self._warm_lock:
            if self._linker is not None or (self._warming is not None
                                            and self._warming.is_alive()):
                return
            self._warming = threading.Thread(target=self._warm, args=(then,),
                                             name="nlp-linker-warm-up", daemon=True)
            self._warming.start()

    def _warm(self, then: Callable[[], None] | None = None) -> None:
        started = time.monotonic()
        try:
            self.get()
        except Exception as exc:  # the first request's `get()` tries again
            log.warning("warming the linker failed (the first clue registered builds it): %s",
                        exc)
            self.last_error, self._failed_at = exc, time.monotonic()
            return
        self.last_error, self._failed_at = None, None
        log.info("the linker is ready (warmed in %.1f s)", time.monotonic() - started)
        if then is not None:
            then()

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
