"""A loopback TCP proxy that, when armed, swallows the next answer and cuts both connections."""

from __future__ import annotations

import asyncio
import contextlib
import threading

from jointsup.graph.neo4j_server import free_port


class CuttingProxy:
    """Forwards bytes between clients and 127.0.0.1:`upstream`. Once `arm()`ed, the first bytes
    of the next answer coming back are dropped and both connections closed: the server has done
    the work (a mutation answers only after its transaction committed), the client never hears."""

    def __init__(self, upstream: int) -> None:
        self.upstream, self.port, self.cuts = upstream, free_port(), 0
        self._armed = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def arm(self) -> None:
        """Cut the next answer."""
        self._armed.set()

    def __enter__(self) -> CuttingProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", self.port)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    async def _connection(self, client_r: asyncio.StreamReader,
                          client_w: asyncio.StreamWriter) -> None:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", self.upstream)
        writers = (client_w, up_w)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter,
                       answers: bool) -> None:
            try:
                while data := await src.read(65536):
                    if answers and self._armed.is_set():
                        self._armed.clear()
                        self.cuts += 1
                        return
                    dst.write(data)
                    await dst.drain()
            except ConnectionError:
                return
            finally:
                for writer in writers:  # one side ending ends the other
                    writer.close()

        try:
            await asyncio.gather(pipe(client_r, up_w, False), pipe(up_r, client_w, True))
        finally:
            for writer in writers:
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()
