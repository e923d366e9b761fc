"""The served protocol turns Nagle's algorithm off even on sockets uvicorn binds with proto 0."""

from __future__ import annotations

import asyncio
import socket

from jointsup.http_protocol import set_no_delay


def test_no_delay_is_set_on_connections_accepted_from_a_proto_0_listener() -> None:
    async def scenario() -> tuple[int, int]:
        # Bound the way uvicorn binds for several workers: the protocol number stays 0, so
        # asyncio's own TCP_NODELAY (which checks for IPPROTO_TCP) is skipped.
        listener = socket.socket(family=socket.AF_INET)
        listener.bind(("127.0.0.1", 0))
        accepted: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            before = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            set_no_delay(writer.transport)
            after = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            accepted.set_result((before, after))
            writer.close()

        server = await asyncio.start_server(on_connect, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(accepted, timeout=10)
        finally:
            writer.close()
            server.close()

    before, after = asyncio.run(scenario())
    assert before == 0  # the bug this module exists for
    assert after != 0
