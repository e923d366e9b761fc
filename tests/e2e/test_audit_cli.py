"""The installed `jointsup audit` commands between two instances (Sichuan and Chongqing), each
with its own store: Sichuan exports its day heads, Chongqing countersigns them with its own key,
Sichuan imports the signatures; Chongqing checks its copy of the log; an intruder at Sichuan who
edits an entry and re-hashes the rest of the chain is caught by the countersigned head."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from jointsup.graph.embedded import EmbeddedStore
from jointsup.model import Node
from jointsup.services import audit, clues
from jointsup.services.clues import Call, Move
from jointsup.services.policy import Principal, Role

JOINTSUP = str(Path(sys.executable).with_name("jointsup"))
CQ = ("500000", "CQ-SCJ")


def jointsup(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOINTSUP_STORE": "embedded", "JOINTSUP_DATA_DIR": str(data_dir)}
    return subprocess.run(  # noqa: S603 - our own CLI, arguments from this test
        [JOINTSUP, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def sichuan_with_a_transferred_clue(data_dir: Path) -> None:
    coordinator = Principal("tok-sc", Role.COORDINATOR, "510000")
    partner = Principal("tok-cq", Role.PARTNER, *CQ)
    config = clues.default_config()
    with EmbeddedStore(data_dir / "graph.sqlite") as store:
        store.upsert_nodes([Node("Clue", k, {"id": k, "status": "REGISTERED", "text": "某火锅店",
                                             "received_at": "2026-03-01T09:00:00+08:00"})
                            for k in ("C1", "C2")])
        for key, call in enumerate([Call(Move.ROUTE, "C1", {"department": "SC-SCJ"}),
                                    Call(Move.TRANSFER, "C1", {"region": CQ[0],
                                                               "department": CQ[1]}),
                                    Call(Move.ROUTE, "C2", {"department": "内部备注"})]):
            clues.apply(store, coordinator, call, f"k{key}", config)
        assert clues.load_visible(store, partner, ["C1", "C2"], config)[1] is None


def rehash_from(db: Path, start: int) -> None:
    """What an intruder with the file does: edit entry `start`, recompute every later hash."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT key, props FROM nodes WHERE label = 'AuditEntry'").fetchall()
        chain = sorted((orjson.loads(p) for _, p in rows), key=lambda e: e["seq"])
        prev = chain[start - 2]["hash"] if start > 1 else audit.GENESIS
        for e in chain[start - 1:]:
            if e["seq"] == start:
                e["payload"] = '{"forged":true}'
            e["prev_hash"] = prev
            e["hash"] = prev = audit.entry_hash(e["algorithm"], e["seq"], e["at"], e["action"],
                                                e["subject"], e["payload"], e["prev_hash"])
            conn.execute("UPDATE nodes SET props = ? WHERE label = 'AuditEntry' AND key = ?",
                         (orjson.dumps(e).decode(), str(e["seq"])))
        head = orjson.loads(conn.execute("SELECT props FROM nodes WHERE label = 'AuditHead'")
                            .fetchone()[0])
        conn.execute("UPDATE nodes SET props = ? WHERE label = 'AuditHead'",
                     (orjson.dumps({**head, "hash": prev}).decode(),))


@pytest.mark.slow  # eleven runs of the installed command
def test_two_instances_countersign_and_check_copies(tmp_path: Path) -> None:
    sc, cq = tmp_path / "sichuan", tmp_path / "chongqing"
    sc.mkdir()
    cq.mkdir()
    sichuan_with_a_transferred_clue(sc)
    today = clues.today().isoformat()
    assert jointsup(sc, "audit", "verify").returncode == 0

    heads = jointsup(sc, "audit", "heads", "--since", "2020-01-01", "--until", today, "--out",
                     str(tmp_path / "heads.json"))
    assert heads.returncode == 0, heads.stderr
    assert jointsup(cq, "audit", "keygen", "--out", str(cq / "cq")).returncode == 0
    signed = jointsup(cq, "audit", "countersign", str(tmp_path / "heads.json"), "--key",
                      str(cq / "cq.key"), "--signer", "CQ", "--out", str(tmp_path / "s.json"))
    assert signed.returncode == 0, signed.stderr
    imported = jointsup(sc, "audit", "import-countersignature", str(tmp_path / "s.json"),
                        "--public-key", str(cq / "cq.pub"))
    assert imported.returncode == 0, imported.stderr

    copy = tmp_path / "copy-cq.json"
    made = jointsup(sc, "audit", "export", "--since", "2020-01-01", "--partner", "|".join(CQ),
                    "--out", str(copy))
    assert made.returncode == 0, made.stderr
    text = copy.read_text(encoding="utf-8")
    assert "C2" not in text
    assert "内部备注" not in text
    subjects = [e.get("subject") for e in json.loads(text)["entries"]]
    assert "Clue:C1" in subjects
    checked = jointsup(cq, "audit", "verify", "--copy", str(copy))
    assert checked.returncode == 0, checked.stderr
    assert "audit copy intact" in checked.stdout

    broken = json.loads(text)
    broken["entries"][0]["prev_hash"] = "1" * 64
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    bad_copy = jointsup(cq, "audit", "verify", "--copy", str(tmp_path / "broken.json"))
    assert bad_copy.returncode == 1
    assert "at entry 1" in bad_copy.stderr

    rehash_from(sc / "graph.sqlite", 2)
    caught = jointsup(sc, "audit", "verify")
    assert caught.returncode == 1
    assert "countersigned" in caught.stderr
    assert "re-hashed" in caught.stderr

    refused = jointsup(sc, "audit", "import-countersignature", str(tmp_path / "s.json"),
                       "--public-key", str(tmp_path / "heads.json"))
    assert refused.returncode == 1
    assert "[INVALID_INPUT]" in refused.stderr


def test_export_names_the_partner_as_partners_add_did(tmp_path: Path) -> None:
    from jointsup.services.exchange.partners import add_partner

    sc = tmp_path / "sichuan"
    sc.mkdir()
    sichuan_with_a_transferred_clue(sc)
    with EmbeddedStore(sc / "graph.sqlite") as store:
        add_partner(store, "CQ", *CQ, "http://cq.test/graphql")
    by_party, by_name = tmp_path / "by-party.json", tmp_path / "by-name.json"
    for partner, out in (("|".join(CQ), by_party), ("cq", by_name)):  # the name, any case
        made = jointsup(sc, "audit", "export", "--since", "2020-01-01", "--partner", partner,
                        "--out", str(out))
        assert made.returncode == 0, made.stderr
    named = json.loads(by_name.read_text(encoding="utf-8"))
    assert named["party"] == "|".join(CQ)
    assert named["entries"] == json.loads(by_party.read_text(encoding="utf-8"))["entries"]
    assert "Clue:C1" in [e.get("subject") for e in named["entries"]]

    unknown = jointsup(sc, "audit", "export", "--since", "2020-01-01", "--partner", "GZ",
                       "--out", str(tmp_path / "gz.json"))
    assert unknown.returncode == 1
    message = " ".join(unknown.stderr.split())
    assert "no partner named 'GZ'" in message
    assert "CQ (500000|CQ-SCJ)" in message
    assert not (tmp_path / "gz.json").exists()
