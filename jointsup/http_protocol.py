"""The HTTP protocol uvicorn runs: its own, with Nagle's algorithm off on every connection and
admission control's refusals written as soon as a request's headers are parsed.

With `--workers` above 1, uvicorn binds the listening socket itself as `socket.socket(family)`,
whose protocol number is 0, and asyncio sets TCP_NODELAY only on sockets that say IPPROTO_TCP.
Each response is written in two parts (head, then body), so Nagle holds the body back until the
client's delayed ACK — about 40 ms on every keep-alive request. Setting the option here fixes it
for one worker or many.

Refusals (jointsup.admission): uvicorn parses a request's headers in the callback that reads them
from the socket, then creates a task to run the app, which the event loop starts only after every
callback already ready — on a starved worker, a step of every admitted request. Here the
admission gate is asked before that task is created; a refused request is answered on the spot by
running the refusal (an ASGI app that awaits nothing but the writes) to completion synchronously,
and no task is created at all. Only while the connection's writes are paused (a client not
reading) is the task path taken, where the middleware decides as before.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from jointsup.admission import AdmissionMiddleware, find_gate

try:  # uvicorn's fast parser when httptools is installed (a dependency), else its h11 one
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - exercised only without httptools
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


def set_no_delay(transport: asyncio.BaseTransport) -> None:
    """Turn Nagle's algorithm off on a TCP transport's socket (other transports are left alone)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpProtocol(_Base):
    """uvicorn's HTTP/1.1 protocol with TCP_NODELAY set as each connection opens."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        set_no_delay(transport)
        super().connection_made(transport)

    _gate: AdmissionMiddleware | None = None

    def _start_asgi_task(self, cycle: Any, app: Any) -> None:
        gate = self._gate or find_gate(self.app)
        self._gate = gate
        if gate is not None and app is self.app and not self.flow.write_paused \
                and gate.refuses(cycle.scope):
            refuse_now(gate, cycle)
            return
        # A refusal answered on the spot arms the keep-alive timer (uvicorn's
        # on_response_complete); a pipelined request parsed from the same read starts here with
        # no new data to cancel it, and would be cut off by it mid-request. A request starting
        # means the connection is not idle: plain uvicorn never has the timer armed here.
        self._unset_keepalive_if_required()
        super()._start_asgi_task(cycle, app)


def refuse_now(gate: AdmissionMiddleware, cycle: Any) -> None:
    """Run the gate's refusal to completion in this callback: its only awaits are uvicorn's
    sends, which write to the transport without waiting while writes are not paused."""
    gate.refused_at_headers += 1
    coro = gate.refuse(cycle.scope, cycle.receive, cycle.send)
    try:
        coro.send(None)  # type: ignore[attr-defined]
    except StopIteration:
        return
    coro.close()  # type: ignore[attr-defined]  # it waited after all: give up on the connection
    cycle.transport.close()
