"""Fault-injection helpers: a Neo4j of the test's own (to kill or freeze), `jointsup serve` as a
child process (to kill -9). Every test module here carries the `faults` marker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from jointsup.graph.neo4j_server import Neo4jServer, free_port
from tests.conftest import start_neo4j

START_TIMEOUT_S = 90.0


@pytest.fixture
def own_neo4j(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Neo4jServer]:
    """A Neo4j for this test alone, on a data directory that outlives kill() and start()."""
    request.node.add_marker(pytest.mark.neo4j)
    # Generous start-up: a restart after kill -9 recovers from the log, slow on a busy machine.
    server = start_neo4j(Neo4jServer(data_dir=tmp_path / "neo4j", heap="512m",
                                     page_cache="64m", startup_timeout=300.0))
    try:
        yield server
    finally:
        server.stop()


@dataclass
class ApiProcess:
    """`python -m jointsup serve` on a fixed loopback port; killed and restarted by the tests."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ApiProcess:
        """Spawn the server and wait (bounded) until /healthz answers."""
        cmd = [sys.executable, "-m", "jointsup", "serve", "--host", "127.0.0.1",
               "--port", str(self.port), "--log-level", "warning"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
                cmd, env={**os.environ, **self.env}, stdout=log, stderr=log,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jointsup serve exited ({self.proc.returncode}): "
                                   f"{self.log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2.0).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"jointsup serve did not answer in {START_TIMEOUT_S:g} s")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown code runs."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(30)
            self.proc = None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 15 s."""
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(15)
        self.proc = None


@pytest.fixture
def api_process(tmp_path: Path) -> Iterator[type[ApiProcess]]:
    """Build ApiProcess objects; every one started in the test is stopped afterwards."""
    started: list[ApiProcess] = []

    class Tracked(ApiProcess):
        def start(self) -> ApiProcess:
            started.append(self)
            return super().start()

    yield Tracked
    for api in started:
        api.stop()
