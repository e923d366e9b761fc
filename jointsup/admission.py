"""Admission control: refuse at once what a worker cannot serve in time, queue nothing.

A worker that accepts every request under overload queues them all, and each then waits longer
than its caller will: latency grows without bound and the deadline (504) fires for everyone.
Two limits, checked as each request arrives, answer the excess within microseconds with a 503, a
stable code and `Retry-After`, and let the worker recover as soon as the load drops — nothing is
queued that must be drained first:

- **in flight** (`limit`): at most this many HTTP requests being served at once;
- **age** (`max_age_s`): no new request while requests are in flight and the oldest unfinished
  work this worker admitted is older than this. Work is a request from admission until its answer
  is ready — not the time spent waiting for a slow client to send its body, nor sending the
  answer. When the store is slow or frozen, the first requests age past the limit and every
  later one is refused at once instead of waiting into its 504; as soon as the store answers
  again, that work ends and requests are admitted again.
- **stuck work**: a request cut off by its deadline while the worker was busy on it (not while
  waiting for its client) may leave a store call running in a worker thread, which nothing can
  interrupt or observe (`left_behind`). It stays counted, with its age, until a request admitted
  after it is answered within its deadline — the sign that the store answers again. Meanwhile
  one request at a time is admitted (when nothing is in flight) as the probe: a frozen store
  costs one 504 per deadline, not one per request.

Everything is of this worker's event loop only (one process, one thread: plain integers and a
dict). The probes (`/healthz`, `/readyz`) are never refused, so an overloaded worker is not taken
for a dead one. A refusal logs nothing of its own: one warning line at most every
`LOG_EVERY_S` counts the refusals since the last one.

Where the refusal is written: the served HTTP protocol (`jointsup.http_protocol`) asks `refuses()`
as soon as a request's headers are parsed, in the same event-loop callback that read them, and
writes the 503 there — no task is created, nothing else runs first. A starved worker's loop runs
every ready admitted request's next step between two reads of the network, so a refusal left to
an ASGI task waits for one more such round. Under any other server the middleware refuses as the
request's task starts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.types import ASGIApp, Receive, Scope, Send

OVERLOADED = "OVERLOADED"
RETRY_AFTER_S = 1
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LOG_EVERY_S = 10.0

log = logging.getLogger("jointsup.admission")


class Work:
    """One admitted request's claim on the worker, as the age limit sees it."""

    __slots__ = ("done", "gate", "stuck")

    def __init__(self, gate: AdmissionMiddleware) -> None:
        self.gate, self.stuck, self.done = gate, False, False

    def pause(self) -> None:
        self.gate.work.pop(self, None)

    def resume(self) -> None:
        if not self.done:  # (a request cut off while reading its body resumes after its end)
            self.gate.work[self] = time.monotonic()  # re-inserted last: still oldest first

    def finish(self) -> None:
        if self.stuck:
            return
        self.done = True
        gate = self.gate
        started = gate.work.pop(self, None)
        if started is not None and gate.stuck:  # the store answers again, if this request
            # began after the stuck work did: only that one proves it
            for work in [w for w, since in gate.work.items() if w.stuck and since < started]:
                del gate.work[work]
                gate.stuck -= 1

    def leave_behind(self) -> None:
        if self in self.gate.work and not self.stuck:  # else it was waiting on its client
            self.stuck = True
            self.gate.stuck += 1


_current: ContextVar[Work | None] = ContextVar("jointsup_admission_work", default=None)


@contextmanager
def client_time() -> Iterator[None]:
    """The age limit does not count what runs inside (waiting for a client's body)."""
    work = _current.get()
    if work is None:
        yield
        return
    work.pause()
    try:
        yield
    finally:
        work.resume()


def answered() -> None:
    """The current request's answer is ready: only sending it remains, which is not work."""
    work = _current.get()
    if work is not None:
        work.finish()


def left_behind() -> None:
    """The current request is cut off by its deadline, perhaps leaving a store call running in a
    thread: its work stays counted until a later request is answered in time."""
    work = _current.get()
    if work is not None:
        work.leave_behind()


class AdmissionMiddleware:
    """At most `limit` HTTP requests in flight and, while any is, no work older than `max_age_s`
    (None: no age limit); the requests beyond get `refuse` (an ASGI app answering 503).

    `refuse` must be cheap: it runs for every refused request, before anything else. `admitted`,
    `refused`, `refused_at_headers` and `in_flight` are counters for tests and logs; `work` maps
    each unfinished piece of work to the monotonic time it started counting, oldest first;
    `stuck` counts the pieces cut off by their deadline.
    """

    def __init__(self, app: ASGIApp, limit: int, refuse: ASGIApp, max_age_s: float | None = None,
                 exempt: Collection[str] = EXEMPT_PATHS) -> None:
        if limit < 1:
            raise ValueError(f"the in-flight limit must be at least 1, not {limit}")
        if max_age_s is not None and max_age_s <= 0:
            raise ValueError(f"the age limit must be positive, not {max_age_s}")
        self.app, self.limit, self.refuse, self.exempt = app, limit, refuse, exempt
        self.max_age_s = max_age_s
        self.in_flight = 0
        self.admitted = 0
        self.refused = 0
        self.refused_at_headers = 0  # of `refused`: by the served protocol (http_protocol)
        self.work: dict[Work, float] = {}
        self.stuck = 0
        self._logged_at = 0.0
        self._refused_logged = 0

    def refuses(self, scope: Scope) -> bool:
        """Whether an HTTP request must be refused now; a refusal is counted (and at most every
        LOG_EVERY_S logged), so it must then be answered with `refuse`."""
        if scope["path"] in self.exempt:
            return False
        now = time.monotonic()
        if self.in_flight < self.limit and not (
                self.in_flight and self.max_age_s is not None
                and self.oldest_age(now) > self.max_age_s):
            return False
        self.refused += 1
        if now - self._logged_at >= LOG_EVERY_S:
            self._log_refusals(now)
        return True

    def oldest_age(self, now: float) -> float:
        """Seconds since the oldest unfinished work started counting (0 when there is none)."""
        for since in self.work.values():
            return now - since
        return 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.refuses(scope):
            await self.refuse(scope, receive, send)
            return
        work = Work(self)
        self.work[work] = time.monotonic()
        reset = _current.set(work)
        self.in_flight += 1
        self.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            work.finish()
            _current.reset(reset)

    def _log_refusals(self, now: float) -> None:
        log.warning("overloaded: %d requests refused since the last such line (%d in flight, "
                    "oldest work %.1f s)", self.refused - self._refused_logged, self.in_flight,
                    self.oldest_age(now), extra={"code": OVERLOADED})
        self._logged_at, self._refused_logged = now, self.refused


def find_gate(app: object, depth: int = 12) -> AdmissionMiddleware | None:
    """The AdmissionMiddleware inside a served ASGI app (through uvicorn's wrappers and
    Starlette's middleware stack, once built), or None."""
    for _ in range(depth):
        if isinstance(app, AdmissionMiddleware):
            return app
        app = getattr(app, "app", None) or getattr(app, "middleware_stack", None)
        if app is None:
            return None
    return None
