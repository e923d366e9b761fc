"""Fault: the API process killed with SIGKILL during a stream of clue mutations."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from jointsup.graph.store import BaseGraphStore
from jointsup.services.tokens import create_token
from tests.conftest import cli_env
from tests.faults.clue_checks import REGISTER, ROUTE, TEXT, audit_verify, consistent, post
from tests.faults.conftest import ApiProcess

pytestmark = [pytest.mark.faults, pytest.mark.slow]
CLIENTS, CLUES_EACH, KILL_AFTER = 3, 8, 14


@dataclass
class Stream:
    """What the clients saw: acknowledged mutations and the ones cut off by the crash."""

    acked: list[tuple[str, str, str]] = field(default_factory=list)  # (move, key, clue id)
    cut: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)  # query, key, vars
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ack(self, move: str, key: str, clue_id: str) -> None:
        with self.lock:
            self.acked.append((move, key, clue_id))


def client(url: str, token: str, name: str, stream: Stream) -> None:
    """Register a clue, route it, next clue; stop at the first transport error (the crash)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=150.0) as http:
        for i in range(CLUES_EACH):
            key = f"{name}-{i}"
            step: tuple[str, str, dict[str, str]] = (
                REGISTER, f"reg-{key}", {"text": f"{TEXT}（{key}）", "key": f"reg-{key}"})
            try:
                case = post(http, step[0], **step[2])
                stream.ack("register", step[1], case["clueId"])
                step = (ROUTE, f"route-{key}", {"id": case["clue"]["id"], "key": f"route-{key}"})
                post(http, step[0], **step[2])
                stream.ack("route", step[1], case["clueId"])
            except httpx.TransportError:
                with stream.lock:
                    stream.cut.append(step)
                return


def test_kill_9_api_during_clue_mutations(ref_store: BaseGraphStore, tmp_path: Path,
                                          api_process: type[ApiProcess]) -> None:
    """Three HTTP clients each register clues and route them (`registerClue`, `routeClue`,
    each with an idempotency key) against `jointsup serve`; after 14 acknowledged mutations the
    server process is killed with SIGKILL, mutations still in flight, and started again on the
    same store. Expected: `jointsup audit verify` passes; an audit entry exists if and only if
    its change exists (every clue has exactly one registration entry, its status is the one its
    last audited move led to, no audited clue is missing, nothing is audited twice); every
    acknowledged mutation is there; the mutations cut off by the crash, retried with the same
    idempotency keys, succeed, and the store is still consistent afterwards."""
    token = create_token(ref_store, "admin")
    # A generous deadline: the first registration builds the linker's gazetteer from the store.
    env = {**cli_env(ref_store, tmp_path), "JOINTSUP_HASH_KEY": "test-key",
           "JOINTSUP_REQUEST_DEADLINE": "120"}
    api = api_process(env, tmp_path / "serve.log").start()
    stream = Stream()
    threads = [threading.Thread(target=client, args=(api.url, token, f"c{n}", stream),
                                daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 300
    while len(stream.acked) < KILL_AFTER:
        assert time.monotonic() < deadline, f"only {len(stream.acked)} mutations in 300 s"
        assert any(t.is_alive() for t in threads), "every client stopped before the kill"
        time.sleep(0.01)
    api.kill()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()
    assert stream.cut, "no mutation was in flight or pending when the server died"

    assert audit_verify(ref_store, tmp_path).returncode == 0
    moves = consistent(ref_store)
    for move, _, clue_id in stream.acked:
        assert f"clue.{move}Clue" in {action for action, _ in moves[clue_id]}

    restarted = api_process(env, tmp_path / "serve.log").start()
    with httpx.Client(base_url=restarted.url, headers={"Authorization": f"Bearer {token}"},
                      timeout=150.0) as http:
        for query, _, variables in stream.cut:
            post(http, query, **variables)
    verified = audit_verify(ref_store, tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    consistent(ref_store)
