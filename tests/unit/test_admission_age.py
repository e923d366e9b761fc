"""The admission middleware's age limit and stuck work, driven as ASGI in one event loop.

The app behind the middleware is real ASGI code whose requests wait on events the test sets, so
which request is in flight, for how long and how it ends is deterministic; the ages only need
`asyncio.sleep` to last at least as long as asked. Real HTTP and a really slow store are in
tests/e2e/test_overload_age.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from anyio import CapacityLimiter

from jointsup import admission
from jointsup.admission import AdmissionMiddleware
from jointsup.server import within

AGE_S = 0.05
OLDER = 0.1  # sleeping this long makes work older than AGE_S


class App:
    """Requests to /hold/NAME wait for `release(NAME)`, to /client/NAME the same inside
    `client_time` (a body being read); /cut/NAME and /client-cut/NAME wait under the server's
    own `within()` with a deadline of OLDER and get 504 when it passes; others end at once."""

    def __init__(self) -> None:
        self.events: dict[str, asyncio.Event] = {}

    def release(self, name: str) -> None:
        self.events.setdefault(name, asyncio.Event()).set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        _, kind, *name = scope["path"].split("/")
        status = 200
        try:
            if name:
                event = self.events.setdefault(name[0], asyncio.Event())

                async def wait() -> None:
                    if kind.startswith("client"):
                        with admission.client_time():
                            await event.wait()
                    else:
                        await event.wait()

                if kind.endswith("cut"):
                    await within(OLDER, wait())
                else:
                    await wait()
        except TimeoutError:
            status = 504
        finally:
            admission.answered()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def harness() -> tuple[App, AdmissionMiddleware,
                       Callable[[str], Coroutine[Any, Any, int]]]:
    app = App()

    async def refuse(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    gate = AdmissionMiddleware(app, limit=10, refuse=refuse, max_age_s=AGE_S)  # type: ignore[arg-type]

    async def request(path: str) -> int:
        status: list[int] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await gate({"type": "http", "path": path, "headers": []}, None, send)  # type: ignore[arg-type]
        return status[0]

    return app, gate, request


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 10))


def test_requests_are_refused_while_the_oldest_work_is_too_old_and_admitted_after() -> None:
    async def scenario() -> None:
        app, gate, request = harness()
        held = asyncio.create_task(request("/hold/a"))
        await asyncio.sleep(0)
        assert await request("/fast") == 200  # a young request in flight: admitted
        await asyncio.sleep(OLDER)
        assert await request("/fast") == 503
        assert await request("/healthz") == 200  # the probes are exempt
        app.release("a")
        assert await held == 200
        assert await request("/fast") == 200
        assert gate.work == {}
        assert (gate.admitted, gate.refused) == (3, 1)  # the probe is not counted

    run(scenario)


def test_waiting_for_the_client_is_not_counted() -> None:
    async def scenario() -> None:
        app, gate, request = harness()
        slow_client = asyncio.create_task(request("/client/a"))
        await asyncio.sleep(OLDER)
        assert await request("/fast") == 200
        app.release("a")
        assert await slow_client == 200
        assert gate.work == {}

    run(scenario)


def test_stuck_work_admits_one_probe_at_a_time_until_a_request_is_answered_in_time() -> None:
    async def scenario() -> None:
        app, gate, request = harness()
        assert await request("/cut/a") == 504  # cut off by its deadline, older than AGE_S
        assert gate.stuck == 1
        assert gate.in_flight == 0
        probe = asyncio.create_task(request("/hold/b"))  # nothing in flight: admitted
        await asyncio.sleep(0)
        assert gate.in_flight == 1
        assert await request("/fast") == 503  # the stuck work is old, a request in flight
        app.release("b")
        assert await probe == 200  # answered in time: the store answers again
        assert gate.work == {}
        assert gate.stuck == 0
        both = [asyncio.create_task(request(f"/hold/{n}")) for n in "cd"]
        await asyncio.sleep(0)
        assert gate.in_flight == 2
        app.release("c")
        app.release("d")
        assert await asyncio.gather(*both) == [200, 200]

    run(scenario)


def test_a_request_cut_off_while_waiting_for_its_client_is_not_stuck() -> None:
    async def scenario() -> None:
        app, gate, request = harness()
        assert await request("/client-cut/a") == 504
        await asyncio.sleep(0)  # the cancelled body read ends
        assert gate.work == {}
        assert gate.stuck == 0
        held = asyncio.create_task(request("/hold/b"))
        await asyncio.sleep(OLDER)
        assert len(gate.work) == 1  # b alone: the cut-off body read left nothing
        app.release("b")
        assert await held == 200
        assert gate.work == {}

    run(scenario)


def test_only_a_request_admitted_after_the_stuck_work_clears_it() -> None:
    async def scenario() -> None:
        app, gate, request = harness()
        earlier = asyncio.create_task(request("/hold/a"))  # admitted before b is cut off
        await asyncio.sleep(0)
        assert await request("/cut/b") == 504
        assert gate.stuck == 1
        app.release("a")
        assert await earlier == 200  # began before b: proves nothing about the store now
        assert gate.stuck == 1
        assert await request("/fast") == 200  # the probe (nothing in flight), admitted after b
        assert gate.stuck == 0
        assert gate.work == {}

    run(scenario)


# ---------------------------------------------------------------- waiting for a worker thread

def thread_harness() -> tuple[App, AdmissionMiddleware, admission.ThreadGate,
                              Callable[[str], Coroutine[Any, Any, int]]]:
    """As `harness`, with a ThreadGate of one token: /thread/NAME holds it until `release(NAME)`
    (after waiting for it; 503 when refused for that wait), /client-thread/NAME first waits for
    its client until `release(NAME)`, then takes the token and gives it back, /plain-thread/NAME
    takes it and gives it back without limiting its queueing (`limit_queueing`)."""
    app, gate, request = harness()
    limiter = admission.ThreadGate(CapacityLimiter(1))
    inner = gate.app

    async def threads(scope: dict[str, Any], receive: Any, send: Any) -> None:
        _, kind, *name = scope["path"].split("/")
        if not kind.endswith("thread"):
            await inner(scope, receive, send)
            return
        event = app.events.setdefault(name[0], asyncio.Event())
        status = 200
        if kind != "plain-thread":
            admission.limit_queueing()
        try:
            if kind == "client-thread":
                with admission.client_time():
                    await event.wait()
            async with limiter:
                if kind == "thread":
                    await event.wait()
        except admission.Overloaded:
            assert admission.refused_for_queueing()
            status = 503
        finally:
            admission.answered()
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    gate.app = threads  # type: ignore[assignment]
    return app, gate, limiter, request


def test_a_request_waiting_for_a_thread_past_the_age_limit_is_refused() -> None:
    async def scenario() -> None:
        app, gate, limiter, request = thread_harness()
        holder = asyncio.create_task(request("/thread/a"))
        await asyncio.sleep(0)
        assert limiter.borrowed_tokens == 1
        assert await request("/thread/b") == 503  # admitted (a is young), then refused waiting
        assert (gate.refused_queued, gate.refused) == (1, 0)
        assert limiter.borrowed_tokens == 1  # a still holds the token; b left the queue
        app.release("a")
        assert await holder == 200  # the holder itself is not affected
        app.release("c")
        assert await request("/thread/c") == 200  # a free thread: served again
        assert limiter.borrowed_tokens == 0
        assert gate.work == {}

    run(scenario)


def test_waiting_for_the_client_before_the_first_thread_is_not_queueing() -> None:
    async def scenario() -> None:
        app, gate, _, request = thread_harness()
        slow_client = asyncio.create_task(request("/client-thread/a"))
        await asyncio.sleep(OLDER)
        app.release("a")
        assert await slow_client == 200
        assert gate.refused_queued == 0

    run(scenario)


def test_thread_waits_outside_a_request_are_never_refused() -> None:
    async def scenario() -> None:
        app, _, limiter, request = thread_harness()
        holder = asyncio.create_task(request("/thread/a"))
        await asyncio.sleep(0)

        async def background() -> None:
            async with limiter:
                pass

        waiting = asyncio.create_task(background())
        await asyncio.sleep(OLDER)
        assert not waiting.done()
        app.release("a")
        assert await holder == 200
        await asyncio.wait_for(waiting, 1)

    run(scenario)


def test_a_request_that_does_not_limit_its_queueing_waits_for_its_thread() -> None:
    async def scenario() -> None:
        app, gate, limiter, request = thread_harness()
        holder = asyncio.create_task(request("/thread/a"))
        await asyncio.sleep(0)
        waiting = asyncio.create_task(request("/plain-thread/b"))
        await asyncio.sleep(OLDER)
        assert not waiting.done()
        app.release("a")
        assert await holder == 200
        assert await waiting == 200
        assert gate.refused_queued == 0
        assert limiter.borrowed_tokens == 0

    run(scenario)
