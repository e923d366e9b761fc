"""What the fault tests check after a crash or a lost answer: the audit log and the clues agree."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from jointsup.graph.store import BaseGraphStore
from jointsup.services import audit
from tests.conftest import cli_env
from tests.e2e.test_clue_lifecycle import CASE, ROUTE, TEXT

REGISTER = f"""mutation($text: String!, $key: String!) {{ registerClue(text: $text,
  channel: "12315_hotline", regionCode: "510107", idempotencyKey: $key) {{ {CASE} }} }}"""
__all__ = ["REGISTER", "ROUTE", "TEXT", "audit_verify", "consistent", "moves_by_clue", "post"]


def post(client: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """One GraphQL mutation that must succeed; its single root field's value."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    value: dict[str, Any] = next(iter(body["data"].values()))
    return value


def audit_verify(store: BaseGraphStore, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """`jointsup audit verify` on the store, as an operator would run it."""
    return subprocess.run(
        [sys.executable, "-m", "jointsup", "audit", "verify"], capture_output=True, text=True,
        env={**os.environ, **cli_env(store, tmp_path)}, timeout=120, check=False)


def moves_by_clue(store: BaseGraphStore) -> dict[str, list[tuple[str, str]]]:
    """Each clue's audited state changes, in chain order: (action, status after)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for entry in store.read(lambda tx: list(audit.entries(tx))):
        payload = entry.payload_data()
        if entry.subject.startswith("Clue:") and isinstance(payload, dict) and "to" in payload:
            found.setdefault(entry.subject.removeprefix("Clue:"), []).append(
                (entry.action, str(payload["to"])))
    return found


def consistent(store: BaseGraphStore) -> dict[str, list[tuple[str, str]]]:
    """Assert that an audit entry exists if and only if its change does: every clue has exactly
    one registration entry and its status is the one its last audited move led to; every
    audited clue exists; no move is audited twice. Returns the moves by clue."""
    clues = {n.key: str(n.props.get("status"))
             for n in store.read(lambda tx: list(audit.iter_nodes(tx, "Clue", order_by=None)))}
    moves = moves_by_clue(store)
    assert set(moves) == set(clues), (set(moves) ^ set(clues))
    for key, status in clues.items():
        actions = Counter(action for action, _ in moves[key])
        assert actions["clue.registerClue"] == 1, (key, moves[key])
        assert max(actions.values()) == 1, (key, moves[key])  # each move of this stream once
        assert moves[key][-1][1] == status, (key, status, moves[key])
    return moves
