"""Admission control: a bounded number of requests in flight per worker, the rest refused at once.

A worker that accepts every request under overload queues them all, and each then waits longer
than its caller will: latency grows without bound and the deadline (504) fires for everyone.
Refusing what is beyond a fixed number of requests in flight keeps the admitted ones fast, answers
the others within microseconds with a 503, a stable code and `Retry-After`, and lets the worker
recover as soon as the load drops — nothing is queued that must be drained first.

The count is of this worker's event loop only (one process, one thread: a plain integer). The
probes (`/healthz`, `/readyz`) are never refused, so an overloaded worker is not taken for a dead
one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from starlette.types import ASGIApp, Receive, Scope, Send

OVERLOADED = "OVERLOADED"
RETRY_AFTER_S = 1
EXEMPT_PATHS = frozenset({"/healthz", "/readyz"})


class AdmissionMiddleware:
    """At most `limit` HTTP requests in flight; the next ones get `refuse()` (a 503 response).

    `refuse` builds the response per refused request (the server's error body carries the
    request id). `admitted`, `refused` and `in_flight` are counters for tests and logs.
    """

    def __init__(self, app: ASGIApp, limit: int, refuse: Callable[[], ASGIApp],
                 exempt: Collection[str] = EXEMPT_PATHS) -> None:
        if limit < 1:
            raise ValueError(f"the in-flight limit must be at least 1, not {limit}")
        self.app, self.limit, self.refuse, self.exempt = app, limit, refuse, exempt
        self.in_flight = 0
        self.admitted = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            self.refused += 1
            await self.refuse()(scope, receive, send)
            return
        self.in_flight += 1
        self.admitted += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
