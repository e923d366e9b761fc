"""Admission control: refuse at once what a worker cannot serve in time, queue nothing.

A worker that accepts every request under overload queues them all, and each then waits longer
than its caller will: latency grows without bound and the deadline (504) fires for everyone.
Two limits, checked as each request arrives, answer the excess within microseconds with a 503, a
stable code and `Retry-After`, and let the worker recover as soon as the load drops — nothing is
queued that must be drained first; a third check refuses, with the same answer, an admitted
request that has waited too long for a worker thread:

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
- **queued** (`max_age_s` again): the store work of admitted requests runs in a worker's few
  threads (JOINTSUP_WORKER_THREADS), so up to `limit` admitted requests can wait for one, and a
  request that gets its thread late starts work it cannot finish before its deadline. A request
  is refused once its queueing reaches the age limit: its wait for a thread ends then, with
  `Overloaded`, before the thread is granted, and so does every later one of that request, at
  once; it is answered with the same 503 `OVERLOADED` and `Retry-After` (whatever its other
  fields got). Its queueing is the time from its admission to its first worker thread (less the
  time spent waiting for its client) plus each later wait for a thread, overlapping waits of one
  request counted once; the time it runs in threads or on the loop after that is not queueing.
  The check sits in the event loop's default thread limiter (`ThreadGate`, installed by
  `gate_worker_threads`), which every `run_in_threadpool` / `anyio.to_thread.run_sync` without
  a limiter of its own goes through. It applies to the requests whose endpoint opted in
  (`limit_queueing`, /graphql), which asks `refused_for_queueing()` and answers the 503; other
  waits (outside a request: the lifespan's, background work; the probes; files being streamed)
  are never refused. A request so refused proves nothing about the store: it clears no stuck
  work.

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

import importlib
import logging
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType

import anyio
from anyio import CapacityLimiter, to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from jointsup.errors import JointsupError

OVERLOADED = "OVERLOADED"
RETRY_AFTER_S = 1
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})
LOG_EVERY_S = 10.0

log = logging.getLogger("jointsup.admission")


class Overloaded(JointsupError):
    """A request waited for a worker thread past the age limit: it is answered 503 OVERLOADED."""

    code = OVERLOADED


class Work:
    """One admitted request's claim on the worker, as the age limit sees it.

    Its queueing (`queued`): `waiting` counts its waits under way for a worker thread since
    `wait_from` — the wait from its admission to its first thread is one of them while
    `unstarted` and not waiting for its client (`counting`) — and `waited` sums its finished
    stretches of waiting. `limited`: its queueing is limited (`limit_queueing`); `late`: it was
    refused for its queueing."""

    __slots__ = ("counting", "done", "gate", "late", "limited", "stuck", "unstarted", "wait_from",
                 "waited", "waiting")

    def __init__(self, gate: AdmissionMiddleware, now: float) -> None:
        self.gate, self.stuck, self.done, self.late = gate, False, False, False
        self.limited = False
        self.unstarted = self.counting = True
        self.waiting, self.wait_from, self.waited = 1, now, 0.0

    def queued(self, now: float) -> float:
        """Seconds this request has waited for worker threads (see the module's doc)."""
        return self.waited + (now - self.wait_from if self.waiting else 0.0)

    def wait_begins(self, now: float) -> None:
        if not self.waiting:
            self.wait_from = now
        self.waiting += 1

    def wait_ends(self, now: float) -> None:
        self.waiting -= 1
        if not self.waiting:
            self.waited += now - self.wait_from

    def started(self, now: float) -> None:
        """It got (or gave up on) a worker thread: the wait since its admission is over."""
        self.unstarted = False
        self._uncount(now)

    def _uncount(self, now: float) -> None:
        if self.counting:
            self.counting = False
            self.wait_ends(now)

    def pause(self) -> None:
        self.gate.work.pop(self, None)
        self._uncount(time.monotonic())  # waiting for the client is not queueing

    def resume(self) -> None:
        now = time.monotonic()
        if self.unstarted and not self.counting:
            self.counting = True
            self.wait_begins(now)
        if not self.done:  # (a request cut off while reading its body resumes after its end)
            self.gate.work[self] = now  # re-inserted last: still oldest first

    def finish(self) -> None:
        if self.stuck:
            return
        self.done = True
        gate = self.gate
        started = gate.work.pop(self, None)
        if started is not None and gate.stuck and not self.late:  # the store answers again, if
            # this request began after the stuck work did (and got its threads): only that proves it
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


def limit_queueing() -> None:
    """Refuse the current request's waits for a worker thread once its queueing reaches the age
    limit (`ThreadGate`); the caller must then check `refused_for_queueing()` and answer 503. Only
    an endpoint that can answer so opts in: a file being streamed cannot be refused half-sent."""
    work = _current.get()
    if work is not None:
        work.limited = True


def refused_for_queueing() -> bool:
    """Whether the current request was refused for waiting too long for worker threads: it must
    be answered like a refusal at admission (503 OVERLOADED, Retry-After), whatever else it
    got."""
    work = _current.get()
    return work is not None and work.late


class ThreadGate(CapacityLimiter):
    """A thread limiter (`inner`, whose tokens it uses) that refuses a request's wait for a worker
    thread once the request's queueing reaches its gate's age limit: the wait ends then, with
    Overloaded, and so does every later one of the same request, at once. Other waits — outside a
    request, of a request that did not opt in (`limit_queueing`), under a gate without an age
    limit — are `inner`'s own."""

    __slots__ = ("inner",)

    def __new__(cls, inner: CapacityLimiter) -> ThreadGate:
        return object.__new__(cls)

    def __init__(self, inner: CapacityLimiter) -> None:
        self.inner = inner

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc_val: BaseException | None, exc_tb: TracebackType | None) -> None:
        self.inner.release()

    async def acquire(self) -> None:
        work = _current.get()
        max_age = None if work is None or not work.limited else work.gate.max_age_s
        if work is None or max_age is None:
            await self.inner.acquire()
            return
        if work.late:
            raise Overloaded("already refused for waiting for worker threads")
        now = time.monotonic()
        work.wait_begins(now)
        got = False
        try:
            if work.queued(now) <= max_age:
                try:  # a free thread: no timer to set
                    self.inner.acquire_nowait()
                    got = True
                except anyio.WouldBlock:
                    with anyio.move_on_after(max_age - work.queued(now)):
                        await self.inner.acquire()
                        got = True
        finally:
            now = time.monotonic()
            work.wait_ends(now)
            work.started(now)
        queued = work.queued(now)
        if got and queued <= max_age:
            return
        if got:
            self.inner.release()
        work.late = True
        work.gate.refused_queued += 1
        work.gate.log_refusals(now)
        raise Overloaded(f"waited {queued:.1f} s for worker threads")

    # The rest is `inner`'s.
    @property
    def total_tokens(self) -> float:
        return self.inner.total_tokens

    @total_tokens.setter
    def total_tokens(self, value: float) -> None:
        self.inner.total_tokens = value

    @property
    def borrowed_tokens(self) -> int:
        return self.inner.borrowed_tokens

    @property
    def available_tokens(self) -> float:
        return self.inner.available_tokens

    def acquire_nowait(self) -> None:
        self.inner.acquire_nowait()

    def acquire_on_behalf_of_nowait(self, borrower: object) -> None:
        self.inner.acquire_on_behalf_of_nowait(borrower)

    async def acquire_on_behalf_of(self, borrower: object) -> None:
        await self.inner.acquire_on_behalf_of(borrower)

    def release(self) -> None:
        self.inner.release()

    def release_on_behalf_of(self, borrower: object) -> None:
        self.inner.release_on_behalf_of(borrower)

    def statistics(self) -> anyio.CapacityLimiterStatistics:
        return self.inner.statistics()


def gate_worker_threads(tokens: int) -> CapacityLimiter:
    """Give the running event loop's default thread limiter — the one `run_in_threadpool` and
    `anyio.to_thread.run_sync` use — `tokens` threads, and wrap it in a ThreadGate (once); the
    limiter now in use is returned. anyio has no public setter for that default: its asyncio
    backend's run variable is set, and where it is missing (another backend or anyio version)
    the limiter is left unwrapped, with a warning, and queued requests wait as before."""
    limiter = to_thread.current_default_thread_limiter()
    limiter.total_tokens = tokens
    if isinstance(limiter, ThreadGate):
        return limiter
    try:
        default = importlib.import_module("anyio._backends._asyncio")._default_thread_limiter
    except (ImportError, AttributeError):
        default = None
    if default is None or default.get(None) is not limiter:
        log.warning("admission: the default thread limiter cannot be wrapped; a request waiting "
                    "for a worker thread is not refused past the age limit")
        return limiter
    gate = ThreadGate(limiter)
    default.set(gate)
    return gate


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
        self.refused_queued = 0  # admitted, then refused for waiting for worker threads
        self.work: dict[Work, float] = {}
        self.stuck = 0
        self._logged_at = 0.0
        self._refused_logged = 0
        self._queued_logged = 0

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
        self.log_refusals(now)
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
        now = time.monotonic()
        work = Work(self, now)
        self.work[work] = now
        reset = _current.set(work)
        self.in_flight += 1
        self.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            work.finish()
            _current.reset(reset)

    def log_refusals(self, now: float) -> None:
        """One warning line counting the refusals since the last one, at most every LOG_EVERY_S."""
        if now - self._logged_at < LOG_EVERY_S:
            return
        log.warning("overloaded: %d requests refused since the last such line, %d more after "
                    "waiting for a worker thread (%d in flight, oldest work %.1f s)",
                    self.refused - self._refused_logged,
                    self.refused_queued - self._queued_logged, self.in_flight,
                    self.oldest_age(now), extra={"code": OVERLOADED})
        self._logged_at = now
        self._refused_logged, self._queued_logged = self.refused, self.refused_queued


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
