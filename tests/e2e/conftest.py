"""A real uvicorn server on a free loopback port, in a thread, against each store."""

from __future__ import annotations

import gc
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore
from jointsup.server import create_app
from jointsup.services.tokens import create_token

START_TIMEOUT_S = 15.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Live:
    """A running server: its URL, its store, an admin token and a client bound to it."""

    url: str
    store: BaseGraphStore
    token: str
    client: httpx.Client
    _tokens: dict[str, str] = field(default_factory=dict)

    def token_for(self, role: str, region: str | None = None) -> str:
        """A token of `role` (created once per server)."""
        key = f"{role}/{region}"
        if key not in self._tokens:
            self._tokens[key] = create_token(self.store, role, region)
        return self._tokens[key]

    def post(self, query: str, token: str | None = None, **kw: Any) -> httpx.Response:
        """POST one GraphQL query with a bearer token (the admin's by default)."""
        headers = {"Authorization": f"Bearer {token or self.token}", **kw.pop("headers", {})}
        return self.client.post("/graphql", json={"query": query, **kw}, headers=headers)


@dataclass
class ThreadServer:
    """uvicorn in a background thread; started and stopped within bounded time."""

    settings: Settings
    store: BaseGraphStore
    dev: bool
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        app = create_app(self.settings, store=self.store, dev=self.dev)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None,
                                access_log=False, lifespan="on", timeout_graceful_shutdown=5)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"uvicorn did not start on port {self.port}")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "uvicorn did not stop within 10 s"
        # The server froze what was alive after its warm-ups (jointsup.collector): in a test
        # process that is every earlier test's leftovers too, collectable again from here.
        gc.unfreeze()


def serve(store: BaseGraphStore, settings: Settings | None = None, *,
          dev: bool = False) -> Iterator[Live]:
    """Run a server on `store` and yield a client for it."""
    settings = settings or Settings()
    with ThreadServer(settings, store, dev) as server, \
            httpx.Client(base_url=server.url, timeout=15.0) as client:
        yield Live(server.url, store, create_token(store, "admin"), client)


@pytest.fixture
def live(ref_store: BaseGraphStore) -> Iterator[Live]:
    """The production configuration (no --dev) on each store."""
    yield from serve(ref_store)


@pytest.fixture
def live_dev(ref_store: BaseGraphStore) -> Iterator[Live]:
    """--dev (introspection, suggestions, GraphiQL) on each store."""
    yield from serve(ref_store, dev=True)


def data(live: Live, query: str, role: str = "coordinator", **variables: Any) -> Any:
    """The `data` of a query that must succeed, sent with a fresh token of `role`."""
    r = live.post(query, live.token_for(role), variables=variables)
    assert r.status_code == 200, r.text
    body = r.json()
    assert "errors" not in body, body
    return body["data"]

