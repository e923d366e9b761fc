"""Contract: clues shared before `SHARED_WITH` links existed are listed to their partners once
`jointsup partners backfill-shares` ran (docs/clues.md, "Partner isolation"), on both stores."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.graph.store import BaseGraphStore
from jointsup.model import Node, NodeRef
from jointsup.resolvers.context import RequestContext
from jointsup.resolvers.schema import build_schema
from jointsup.services import audit
from jointsup.services.audit_copy import export
from jointsup.services.clues import sharing
from jointsup.services.policy import Principal, Role
from tests.conftest import cli_env

SCHEMA = build_schema()
CQ = Principal("t-cq", Role.PARTNER, "500000", "CQ-SCJ")
YJJ = Principal("t-yjj", Role.PARTNER, "500000", "CQ-YJJ")
LIST = "{ sharedClues(first: 20) { totalCount edges { node { clueId status } } } }"


def old_data(store: BaseGraphStore) -> None:
    """Clues as the first lifecycle release stored them: `shared_with` and the `shared` flag,
    no `SHARED_WITH` links; one of them half-linked, one never shared."""
    store.upsert_nodes([Node("Clue", key, {
        "id": key, "status": status, "text": "某火锅店卖过期食品", "shared_with": shared,
        "shared": True if shared else None, "received_at": f"2026-03-0{i + 1}T09:00:00+08:00"})
        for i, (key, status, shared) in enumerate([
            ("OLD1", "TRANSFERRED", ["500000|CQ-SCJ"]),
            ("OLD2", "ASSISTANCE_REQUESTED", ["500000|CQ-SCJ", "500000|CQ-YJJ"]),
            ("OLD3", "ROUTED", None)])])
    store.transaction(lambda tx: sharing.record_share(tx, "OLD2", ["500000|CQ-SCJ"]))
    store.transaction(lambda tx: audit.append(tx, "clue.share", "Clue:OLD1",
                                              {"with": "500000|CQ-SCJ"}))


def listed(store: BaseGraphStore, who: Principal) -> list[str]:
    ctx = RequestContext.create(store, who, uuid.uuid4().hex)
    result = asyncio.run(SCHEMA.execute(LIST, context_value=ctx))
    assert not result.errors, result.errors
    data: Any = result.data
    return sorted(e["node"]["clueId"] for e in data["sharedClues"]["edges"])


def partner_copy(store: BaseGraphStore, party: str) -> list[str]:
    return [e["subject"] for e in export(store, dt.date(2020, 1, 1), party)["entries"]
            if "subject" in e]


def test_backfill_links_old_shares_once(store: BaseGraphStore, tmp_path: Path) -> None:
    old_data(store)
    assert listed(store, CQ) == ["OLD2"]  # the half-linked one only
    assert listed(store, YJJ) == []
    assert "Clue:OLD1" not in partner_copy(store, "500000|CQ-SCJ")  # its audit copy: a bare link

    runner, env = CliRunner(), cli_env(store, tmp_path)
    first = runner.invoke(app, ["partners", "backfill-shares"], env=env)
    assert first.exit_code == 0, first.output
    assert "shared clues: 2; links written: 2 on 2 clues" in first.stdout
    assert listed(store, CQ) == ["OLD1", "OLD2"]
    assert listed(store, YJJ) == ["OLD2"]
    # The links follow `shared_with` and nothing else: OLD3 (never shared) stays unlinked.
    assert store.read(lambda tx: sharing.clue_keys_shared_with(tx, "500000|CQ-YJJ")) == ["OLD2"]
    assert "Clue:OLD1" in partner_copy(store, "500000|CQ-SCJ")
    assert store.get_node(NodeRef("Clue", "OLD3")) is not None

    again = runner.invoke(app, ["partners", "backfill-shares"], env=env)  # idempotent
    assert again.exit_code == 0, again.output
    assert "links written: 0 on 0 clues" in again.stdout
    assert listed(store, CQ) == ["OLD1", "OLD2"]
