"""Admission control through real HTTP: past the in-flight limit a fast 503, then recovery.

A request is held in flight deterministically by sending its headers and only half its body: the
server has admitted it and waits for the rest. With a limit of one, every other GraphQL request is
refused until the held one completes; afterwards the server answers normally again.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from jointsup.admission import OVERLOADED, RETRY_AFTER_S
from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from tests.e2e.conftest import Live, serve

ATTEMPTS = 100  # bounded polling while the held request reaches the server
# Before each attempt: the held request is admitted on the server's own schedule, and a client
# firing requests back to back has been seen to keep it from being admitted for seconds.
PAUSE_S = 0.3


@pytest.fixture
def live_one(ref_store: BaseGraphStore) -> Iterator[Live]:
    """A server that admits one GraphQL request at a time."""
    yield from serve(ref_store, Settings(max_in_flight=1))


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


def test_overload_is_refused_fast_with_503_then_recovers(live_one: Live) -> None:
    assert live_one.post("{ __typename }").status_code == 200
    sock, rest = hold_request(live_one)
    try:
        refused = first_with_status(live_one, 503)
        body = refused.json()
        error = body["errors"][0]
        assert error["extensions"]["code"] == OVERLOADED
        assert error["extensions"]["requestId"] == refused.headers["x-request-id"]
        assert refused.headers["retry-after"] == str(RETRY_AFTER_S)
        assert "data" not in body
        # While the one slot is taken, every GraphQL request is refused; the probes are not.
        statuses = {live_one.post("{ __typename }").status_code for _ in range(20)}
        assert statuses == {503}
        assert live_one.client.get("/healthz").status_code == 200
        assert live_one.client.get("/readyz").status_code == 200
        # The held request was admitted, so it is answered in full once its body arrives.
        sock.sendall(rest)
        held = read_response(sock)
    finally:
        sock.close()
    assert held.startswith(b"HTTP/1.1 200"), held[:200]
    assert b'"__typename":"Query"' in held.replace(b" ", b"")
    # Recovered: the slot is free again and stays usable.
    first_with_status(live_one, 200)
    answers = [live_one.post("{ __typename }") for _ in range(10)]
    assert [r.status_code for r in answers] == [200] * 10
    assert all(r.json() == {"data": {"__typename": "Query"}} for r in answers)

