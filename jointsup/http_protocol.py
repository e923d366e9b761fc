"""The HTTP protocol uvicorn runs: its own, with Nagle's algorithm off on every connection.

With `--workers` above 1, uvicorn binds the listening socket itself as `socket.socket(family)`,
whose protocol number is 0, and asyncio sets TCP_NODELAY only on sockets that say IPPROTO_TCP.
Each response is written in two parts (head, then body), so Nagle holds the body back until the
client's delayed ACK — about 40 ms on every keep-alive request. Setting the option here fixes it
for one worker or many.
"""

from __future__ import annotations

import asyncio
import socket

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
