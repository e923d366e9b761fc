"""Admission control through real HTTP: past the in-flight limit a fast 503, then recovery.

A request is held in flight deterministically by sending its headers and only half its body: the
server has admitted it and waits for the rest. With a limit of one, every other GraphQL request is
refused until the held one completes; afterwards the server answers normally again. Run under
uvicorn's own HTTP protocol (the middleware refuses) and under the one `jointsup serve` runs
(jointsup.http_protocol: the refusal is written as the headers are parsed, no task created).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from jointsup.admission import OVERLOADED, RETRY_AFTER_S, AdmissionMiddleware, find_gate
from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.http_protocol import NoDelayHttpProtocol
from jointsup.server import create_app
from jointsup.services.tokens import create_token
from tests.e2e.conftest import Live, ThreadServer

ATTEMPTS = 100  # bounded polling while the held request reaches the server
# Before each attempt: the held request is admitted on the server's own schedule, and a client
# firing requests back to back has been seen to keep it from being admitted for seconds.
PAUSE_S = 0.3


@dataclass
class ProtocolServer(ThreadServer):
    """The conftest's thread server, with a chosen HTTP protocol (None: uvicorn's default)."""

    http: type[asyncio.Protocol] | None = None

    def __post_init__(self) -> None:
        app = create_app(self.settings, store=self.store, dev=self.dev)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                access_log=False, lifespan="on", timeout_graceful_shutdown=5,
                                http=self.http or "auto")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)


@pytest.fixture(params=["uvicorn protocol", "served protocol"])
def live_one(ref_store: BaseGraphStore,
             request: pytest.FixtureRequest) -> Iterator[tuple[Live, AdmissionMiddleware, bool]]:
    """A server that admits one GraphQL request at a time, its gate, and whether it runs the
    served protocol (refusals at the headers)."""
    served = request.param == "served protocol"
    with ProtocolServer(Settings(max_in_flight=1), ref_store, False,
                        http=NoDelayHttpProtocol if served else None) as server, \
            httpx.Client(base_url=server.url, timeout=15.0) as client:
        gate = find_gate(server.server.config.app)
        assert gate is not None
        yield Live(server.url, ref_store, create_token(ref_store, "admin"), client), gate, served


def hold_request(live: Live) -> tuple[socket.socket, bytes]:
    """Open a POST /graphql whose body is half sent; the socket and the rest of the body."""
    body = json.dumps({"query": "{ __typename }"}).encode()
    host, port = live.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    head = (f"POST /graphql HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {live.token}\r\nContent-Length: {len(body)}\r\n\r\n")
    sock.sendall(head.encode() + body[:5])
    return sock, body[5:]


def first_with_status(live: Live, status: int) -> httpx.Response:
    """The first response with `status` to a trivial query, within ATTEMPTS tries."""
    for _ in range(ATTEMPTS):
        time.sleep(PAUSE_S)
        r = live.post("{ __typename }")
        if r.status_code == status:
            return r
    raise AssertionError(f"no {status} in {ATTEMPTS} requests (last: {r.status_code} {r.text})")


def read_response(sock: socket.socket) -> bytes:
    """Everything the server sends until the response's body has arrived."""
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_overload_is_refused_fast_with_503_then_recovers(
        live_one: tuple[Live, AdmissionMiddleware, bool]) -> None:
    live, gate, served = live_one
    assert live.post("{ __typename }").status_code == 200
    sock, rest = hold_request(live)
    try:
        refused = first_with_status(live, 503)
        body = refused.json()
        error = body["errors"][0]
        assert error["extensions"]["code"] == OVERLOADED
        assert error["extensions"]["requestId"] == refused.headers["x-request-id"]
        assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
        assert "data" not in body
        # While the one slot is taken, every GraphQL request is refused; the probes are not.
        statuses = {live.post("{ __typename }").status_code for _ in range(20)}
        assert statuses == {503}
        assert live.client.get("/healthz").status_code == 200
        assert live.client.get("/readyz").status_code == 200
        # The held request was admitted, so it is answered in full once its body arrives.
        sock.sendall(rest)
        held = read_response(sock)
    finally:
        sock.close()
    assert held.startswith(b"HTTP/1.1 200"), held[:200]
    assert b'"__typename":"Query"' in held.replace(b" ", b"")
    # Recovered: the slot is free again and stays usable.
    first_with_status(live, 200)
    answers = [live.post("{ __typename }") for _ in range(10)]
    assert [r.status_code for r in answers] == [200] * 10
    assert all(r.json() == {"data": {"__typename": "Query"}} for r in answers)
    # Where the refusals were written: all at the headers under the served protocol (the same
    # keep-alive connection went on serving after each), none there under uvicorn's own.
    assert gate.refused >= 21
    assert gate.refused_at_headers == (gate.refused if served else 0)

