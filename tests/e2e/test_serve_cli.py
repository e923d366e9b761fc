"""`jointsup serve` and `jointsup token` as a user runs them: subprocesses, real HTTP, JSON logs."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_server import Neo4jServer
from jointsup.services.tokens import create_token
from tests.conftest import STORE_KINDS
from tests.e2e.conftest import free_port, serve

BEARER = re.compile(r"^jst_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$")
CLI_TIMEOUT_S = 120


def jointsup(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m jointsup ARGS` and return what it printed."""
    return subprocess.run([sys.executable, "-m", "jointsup", *args],  # noqa: S603 (our CLI)
                          env=env, text=True,
                          capture_output=True, timeout=CLI_TIMEOUT_S, check=False)


@dataclass
class Served:
    """A `jointsup serve` subprocess, its environment, and the file its stderr goes to."""

    url: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes]

    def log_lines(self) -> list[str]:
        return self.log.read_text(encoding="utf-8").splitlines()


@pytest.fixture(params=STORE_KINDS)
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Served]:
    """`jointsup serve --workers 2` on each store, token cache 1 s, until the test ends."""
    env = {**os.environ, "JOINTSUP_STORE": request.param,
           "JOINTSUP_DATA_DIR": str(tmp_path / "data"), "JOINTSUP_TOKEN_CACHE": "1",
           "PYTHONUNBUFFERED": "1"}
    if request.param == "neo4j":
        request.node.add_marker(pytest.mark.neo4j)
        server: Neo4jServer = request.getfixturevalue("neo4j_server")
        env.update(JOINTSUP_NEO4J_URI=server.uri, JOINTSUP_NEO4J_PASSWORD="")
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(  # noqa: S603 (argv is this interpreter running our CLI)
            [sys.executable, "-m", "jointsup", "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "jointsup serve did not become ready in 60 s"
            time.sleep(0.2)
        yield Served(url, env, log, proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_token_cli_and_serve(served: Served) -> None:
    created = jointsup(served.env, "token", "create", "--role", "partner", "--region", "510100",
                       "--note", "e2e")
    assert created.returncode == 0, created.stderr
    bearer = created.stdout.strip().splitlines()[-1]
    assert BEARER.match(bearer), created.stdout
    token_id = bearer[4:20]

    auth = {"Authorization": f"Bearer {bearer}", "X-Request-Id": "e2e-cli-0000001"}
    r = httpx.post(f"{served.url}/graphql", json={"query": "{ __typename }"}, headers=auth,
                   timeout=10)
    assert r.status_code == 200
    assert r.json() == {"data": {"__typename": "Query"}}
    assert r.headers["x-request-id"] == "e2e-cli-0000001"

    listed = jointsup(served.env, "token", "list", "--json")
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    mine = [(t["role"], t["region"], t["note"], t["revoked_at"]) for t in rows
            if t["token_id"] == token_id]  # a shared Neo4j may hold other tests' tokens
    assert mine == [("partner", "510100", "e2e", None)]
    assert bearer.split(".")[1] not in listed.stdout

    revoked = jointsup(served.env, "token", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    # Another process revoked it: the server's cache (JOINTSUP_TOKEN_CACHE=1) lets it lapse.
    deadline = time.monotonic() + 4
    while (status := httpx.post(f"{served.url}/graphql", json={"query": "{ __typename }"},
                                headers=auth, timeout=10).status_code) == 200:
        assert time.monotonic() < deadline, "revocation did not take effect within the cache TTL"
        time.sleep(0.2)
    assert status == 401
    assert jointsup(served.env, "token", "revoke", "0123456789abcdef").returncode == 1
    bad = jointsup(served.env, "token", "create", "--role", "emperor")
    assert bad.returncode == 1
    assert "INVALID_INPUT" in bad.stderr


def test_logs_are_json_lines_with_the_request_id(served: Served) -> None:
    rid = "e2e-log-0000001"
    r = httpx.post(f"{served.url}/graphql", json={"query": "{ __typename }"},
                   headers={"X-Request-Id": rid}, timeout=10)
    assert r.status_code == 401
    served.proc.terminate()
    served.proc.wait(timeout=20)
    records = [json.loads(line) for line in served.log_lines() if line.strip()]
    assert records, "no log lines"
    for record in records:
        assert {"timestamp", "level", "logger", "request_id", "message"} <= set(record)
    mine = [rec for rec in records if rec["request_id"] == rid]
    assert {rec.get("code") for rec in mine} == {None, "UNAUTHENTICATED"}
    access = [rec for rec in mine if rec["message"] == "request"]
    assert access
    assert access[0]["status"] == 401
    assert access[0]["path"] == "/graphql"


def healthz_on(sock: socket.socket) -> bytes:
    """Send GET /healthz on an open connection and return the raw answer (b"" if it closed)."""
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    answer = b""
    while b'"ok"}' not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


def test_an_idle_keep_alive_connection_outlives_a_clients_expiry(served: Served) -> None:
    """A connection idle for 6 s — longer than httpx keeps one (5 s), and than uvicorn's default
    keep-alive — still answers: the server never closes a connection a client may be reusing at
    that moment (with uvicorn's default, this request went unanswered)."""
    host, port = served.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        assert healthz_on(sock).startswith(b"HTTP/1.1 200")
        time.sleep(6)
        assert healthz_on(sock).startswith(b"HTTP/1.1 200")


def test_readyz_and_graphql_when_the_store_breaks(tmp_path: Path) -> None:
    """A store that stops answering: /readyz 503, GraphQL errors coded, no path leaks."""
    path = tmp_path / "graph.sqlite"
    store = EmbeddedStore(path)
    unused = create_token(store, "coordinator")
    try:
        for live in serve(store, Settings(data_dir=tmp_path, token_cache_s=30)):
            query = '{ enterprise(uscc: "X") { name } }'
            assert live.post(query).json() == {"data": {"enterprise": None}}  # token now cached
            store.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            path.write_bytes(b"this is not a database" * 100)

            ready = live.client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["code"] == "STORE_UNAVAILABLE"
            assert ready.json()["requestId"] == ready.headers["x-request-id"]

            failed = live.post(query)
            assert failed.status_code == 200
            error = failed.json()["errors"][0]
            assert error["extensions"]["code"] == "STORE_UNAVAILABLE"
            assert error["message"] == "the store is unavailable"
            assert str(tmp_path) not in failed.text

            fresh = live.post(query, token=unused)  # not cached: the token check needs the store
            assert fresh.status_code == 503
            assert fresh.json()["errors"][0]["extensions"]["code"] == "STORE_UNAVAILABLE"
            assert live.client.get("/healthz").status_code == 200
    finally:
        store.close()
        shutil.rmtree(tmp_path, ignore_errors=True)
