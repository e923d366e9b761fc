"""Fault: Neo4j frozen with SIGSTOP for 30 s under a running `jointsup serve --store neo4j`."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from jointsup.graph.neo4j_server import Neo4jServer
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.services.tokens import create_token
from tests.contract.test_ingest import uscc
from tests.faults.conftest import ApiProcess

pytestmark = [pytest.mark.faults, pytest.mark.slow]
DEADLINE_S = 5.0
FREEZE_S = 30.0
WAVE = 8  # concurrent requests per wave while frozen: 6 waves outnumber the 40 worker threads
AFTER, AFTER_WAVE = 50, 10  # requests after the thaw, more than the worker threads, 10 at once
QUERY = {"query": f'{{ enterprise(uscc: "{uscc(1)}") {{ name }} }}'}


def status(client: httpx.Client) -> int:
    """One store-backed request's status; a client timeout (deadline + 5 s) fails the test."""
    return client.post("/graphql", json=QUERY).status_code


def until_served(client: httpx.Client, why: str) -> None:
    """Wait (at most 90 s) for a 200: a cold start or a thawed server may first time out."""
    give_up = time.monotonic() + 90
    while status(client) != 200:
        assert time.monotonic() < give_up, f"no 200 within 90 s {why}"
        time.sleep(0.5)


def test_freeze_neo4j_for_30s_under_serve(own_neo4j: Neo4jServer, tmp_path: Path,
                                          api_process: type[ApiProcess]) -> None:
    """SIGSTOP the Neo4j server under `jointsup serve --store neo4j` (request deadline 5 s,
    token cache 10 ms so every request reads the store) for 30 s while waves of 8 concurrent
    GraphQL requests keep arriving (about 48, more than the server's 40 worker threads), then
    SIGCONT it. Expected: while frozen, every request is answered 503 or 504 within the
    deadline (the client gives up at deadline + 5 s, which fails the test) and /healthz keeps
    answering; after the thaw the service answers 200 again and the next 50 requests (10 at a
    time, more than the worker threads in all) all get 200 — no worker stayed stuck."""
    with Neo4jStore(own_neo4j.uri, auth=None, timeout_s=20.0) as store:
        token = create_token(store, "admin")
    env = {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": own_neo4j.uri,
           "JOINTSUP_NEO4J_PASSWORD": "", "JOINTSUP_DATA_DIR": str(tmp_path),
           "JOINTSUP_REQUEST_DEADLINE": str(DEADLINE_S), "JOINTSUP_TOKEN_CACHE": "0.01"}
    api = api_process(env, tmp_path / "serve.log").start()
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"},
                      timeout=DEADLINE_S + 5) as client, ThreadPoolExecutor(AFTER_WAVE) as pool:
        until_served(client, "before the freeze")
        frozen: list[int] = []
        health: list[int] = []
        own_neo4j.freeze()
        try:
            end = time.monotonic() + FREEZE_S
            while time.monotonic() < end:
                frozen += pool.map(lambda _: status(client), range(WAVE))
                health.append(client.get("/healthz").status_code)
        finally:
            own_neo4j.thaw()
        assert frozen
        assert set(frozen) <= {503, 504}, frozen
        assert set(health) == {200}

        until_served(client, "after the thaw")
        for _ in range(AFTER // AFTER_WAVE):
            assert list(pool.map(lambda _: status(client), range(AFTER_WAVE))) == \
                [200] * AFTER_WAVE
