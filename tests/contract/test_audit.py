"""Contract: the audit chain lands with its change, never forks, and `jointsup audit verify`
names the first entry after an edit, deletion or reordering made directly in the store."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.errors import InvalidInput
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node
from jointsup.services import audit, audit_copy, audit_heads, audit_sign, clues
from jointsup.services.clues import sharing
from tests.conftest import cli_env


def _append(store: BaseGraphStore, action: str, subject: str, payload: object) -> None:
    def write(tx: GraphTx) -> None:
        audit.append(tx, action, subject, payload)

    store.transaction(write)


def _fill(store: BaseGraphStore, n: int = 5) -> None:
    for i in range(1, n + 1):
        _append(store, "test.step", f"Thing:{i % 2}", {"step": i, "名称": "线索"})


def _raw_props(store: BaseGraphStore, key: str, label: str = "AuditEntry") -> dict[str, Any]:
    node = store.get_node(audit.HEAD if key == "head" else Node(label, key).ref)
    assert node is not None
    return dict(node.props)


def _tamper(store: BaseGraphStore, label: str, key: str, props: dict[str, Any]) -> None:
    """Overwrite stored properties behind the services' back, as an intruder with file access."""
    if isinstance(store, EmbeddedStore):
        current = _raw_props(store, "head" if label == "AuditHead" else key, label)
        import orjson

        with sqlite3.connect(store.path) as conn:
            conn.execute("UPDATE nodes SET props = ? WHERE label = ? AND key = ?",
                         (orjson.dumps({**current, **props}).decode(), label, key))
        return
    assert isinstance(store, Neo4jStore)
    with store.driver.session() as session:
        session.run(f"MATCH (n:`{label}` {{key: $key}}) SET n += $props",
                    key=key, props=props).consume()


def _delete(store: BaseGraphStore, key: str) -> None:
    if isinstance(store, EmbeddedStore):
        with sqlite3.connect(store.path) as conn:
            conn.execute("DELETE FROM nodes WHERE label = 'AuditEntry' AND key = ?", (key,))
        return
    assert isinstance(store, Neo4jStore)
    with store.driver.session() as session:
        session.run("MATCH (n:AuditEntry {key: $key}) DETACH DELETE n", key=key).consume()


def test_an_intact_chain_verifies(store: BaseGraphStore) -> None:
    assert audit.verify(store) is None  # empty
    _fill(store)
    assert audit.verify(store) is None
    seq, head = audit.head(store)
    entries = store.read(lambda tx: list(audit.entries(tx)))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert (seq, head) == (5, entries[-1].hash)
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert {e.algorithm for e in entries} == {audit.ALGORITHM}
    assert entries[2].payload_data() == {"step": 3, "名称": "线索"}
    odd = store.read(lambda tx: [e.seq for e in audit.entries(tx, "Thing:1")])
    assert odd == [1, 3, 5]


def test_an_entry_lands_only_with_its_change(store: BaseGraphStore) -> None:
    _fill(store, 2)

    def change_then_fail(tx: GraphTx) -> None:
        tx.upsert_nodes([Node("Category", "食品", {"name": "食品"})])
        audit.append(tx, "category.add", "Category:食品", {})
        raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        store.transaction(change_then_fail)
    assert audit.head(store)[0] == 2
    assert store.count_nodes("Category") == 0
    assert audit.verify(store) is None


@pytest.mark.parametrize(("attack", "first_bad", "words"), [
    ("edit", 3, "edited"),
    ("delete", 3, "entry 3 is missing"),
    ("delete_last", 5, "log ends at 4"),
    ("reorder", 2, "prev_hash"),
    ("rehash", 4, "prev_hash"),
    ("head", 5, "head's hash"),
])
def test_tampering_is_named_at_the_first_bad_entry(store: BaseGraphStore, attack: str,
                                                   first_bad: int, words: str) -> None:
    _fill(store)
    if attack == "edit":
        _tamper(store, "AuditEntry", "3", {"payload": '{"step":30}'})
    elif attack == "delete":
        _delete(store, "3")
    elif attack == "delete_last":
        _delete(store, "5")
    elif attack == "reorder":  # swap the contents of entries 2 and 3, keeping their positions
        two, three = _raw_props(store, "2"), _raw_props(store, "3")
        _tamper(store, "AuditEntry", "2", {**three, "seq": 2})
        _tamper(store, "AuditEntry", "3", {**two, "seq": 3})
    elif attack == "rehash":  # an edit whose hash is recomputed: the next link still breaks
        e = _raw_props(store, "3")
        payload = '{"step":33}'
        digest = audit.entry_hash(e["algorithm"], 3, e["at"], e["action"], e["subject"],
                                  payload, e["prev_hash"])
        _tamper(store, "AuditEntry", "3", {"payload": payload, "hash": digest})
    else:
        _tamper(store, "AuditHead", audit.CHAIN, {"hash": "0" * 64})
    problem = audit.verify(store)
    assert problem is not None
    assert problem.seq == first_bad
    assert words in problem.reason


def test_concurrent_appends_never_fork_the_chain(store: BaseGraphStore) -> None:
    errors: list[BaseException] = []

    def batch(n: int, i: int) -> None:
        def write(tx: GraphTx) -> None:
            audit.append_many(tx, [("race", f"W:{n}", {"i": i}), ("race", f"W:{n}", {"i": i + 1})])

        store.transaction(write)

    def worker(n: int) -> None:  # odd workers append in batches of two (as partner views do)
        try:
            for i in range(0, 6, 1 + n % 2):
                if n % 2:
                    batch(n, i)
                else:
                    _append(store, "race", f"W:{n}", {"i": i})
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    entries = store.read(lambda tx: list(audit.entries(tx)))
    assert [e.seq for e in entries] == list(range(1, 25))
    assert audit.verify(store) is None


def test_audit_verify_command(store: BaseGraphStore, tmp_path: Any) -> None:
    _fill(store, 4)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"], env=cli_env(store, tmp_path))
    assert ok.exit_code == 0, ok.output
    assert f"4 entries, head {audit.head(store)[1]}" in ok.stdout
    _tamper(store, "AuditEntry", "2", {"subject": "Thing:9"})
    bad = runner.invoke(app, ["audit", "verify"], env=cli_env(store, tmp_path))
    assert bad.exit_code == 1
    assert "at entry 2" in bad.output
    assert "edited" in bad.output


# --- Copies, day heads and countersignatures (docs/audit.md) ---------------------------------


def _cli(store: BaseGraphStore, tmp_path: Any, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), env=cli_env(store, tmp_path))


def _today() -> str:
    return clues.today().isoformat()


def _rehash_from(store: BaseGraphStore, start: int, payload: str) -> None:
    """An intruder who edits entry `start` and recomputes every hash after it and the head."""
    seq, _ = audit.head(store)
    prev = _raw_props(store, str(start - 1))["hash"] if start > 1 else audit.GENESIS
    for n in range(start, seq + 1):
        e = _raw_props(store, str(n))
        body = payload if n == start else e["payload"]
        digest = audit.entry_hash(e["algorithm"], n, e["at"], e["action"], e["subject"], body,
                                  prev)
        _tamper(store, "AuditEntry", str(n), {"payload": body, "prev_hash": prev, "hash": digest})
        prev = digest
    _tamper(store, "AuditHead", audit.CHAIN, {"hash": prev})


def _countersigned(store: BaseGraphStore, tmp_path: Any) -> tuple[Path, Path]:
    """Heads exported, signed by the partner's new key and imported; returns (signed, pub)."""
    heads, signed = tmp_path / "heads.json", tmp_path / "signed.json"
    assert _cli(store, tmp_path, "audit", "heads", "--since", "2020-01-01", "--until", _today(),
                "--out", str(heads)).exit_code == 0
    made = _cli(store, tmp_path, "audit", "keygen", "--out", str(tmp_path / "cq"))
    assert made.exit_code == 0, made.output
    assert (tmp_path / "cq.key").stat().st_mode & 0o077 == 0
    sign = _cli(store, tmp_path, "audit", "countersign", str(heads), "--key",
                str(tmp_path / "cq.key"), "--signer", "CQ", "--out", str(signed))
    assert sign.exit_code == 0, sign.output
    pub = tmp_path / "cq.pub"
    imported = _cli(store, tmp_path, "audit", "import-countersignature", str(signed),
                    "--public-key", str(pub))
    assert imported.exit_code == 0, imported.output
    assert "1 countersigned heads stored" in imported.stdout
    return signed, pub


def test_day_heads_name_the_last_entry_of_each_day(store: BaseGraphStore) -> None:
    _fill(store, 3)
    found = audit_heads.heads(store)
    entries = store.read(lambda tx: list(audit.entries(tx)))
    days = {audit_heads.day_of(e) for e in entries}
    assert [h.day for h in found] == sorted(days)
    last = found[-1]
    assert (last.last_seq, last.hash) == (3, entries[-1].hash)
    assert sum(h.count for h in found) == 3
    assert audit_heads.heads(store, since=dt.date(2999, 1, 1)) == []


def test_a_countersigned_head_catches_an_edit_rehashed_over(store: BaseGraphStore,
                                                            tmp_path: Any) -> None:
    _fill(store, 5)
    _countersigned(store, tmp_path)
    ok = _cli(store, tmp_path, "audit", "verify")
    assert ok.exit_code == 0, ok.output
    _fill(store, 2)  # entries after the signed head are fine
    assert audit.verify(store) is None
    _rehash_from(store, 3, '{"step":300}')
    assert store.read(audit._verify) is None  # the plain chain check alone now passes
    problem = audit.verify(store)
    assert problem is not None
    assert problem.seq == 1  # no earlier signed head: anything from entry 1 may be the edit
    assert "countersigned (entry 5)" in problem.reason
    bad = _cli(store, tmp_path, "audit", "verify")
    assert bad.exit_code == 1
    assert "re-hashed" in bad.output


def test_an_altered_countersignature_record_is_detected(store: BaseGraphStore,
                                                        tmp_path: Any) -> None:
    _fill(store, 3)
    _countersigned(store, tmp_path)
    key = f"CQ|{_today()}"
    _tamper(store, audit_sign.LABEL, key, {"hash": "f" * 64})
    problem = audit.verify(store)
    assert problem is not None
    assert "does not verify" in problem.reason


def test_import_refuses_another_key_and_heads_the_chain_lacks(store: BaseGraphStore,
                                                              tmp_path: Any) -> None:
    _fill(store, 3)
    signed, _ = _countersigned(store, tmp_path)
    audit_sign.keygen(tmp_path / "other")
    wrong = _cli(store, tmp_path, "audit", "import-countersignature", str(signed),
                 "--public-key", str(tmp_path / "other.pub"))
    assert wrong.exit_code != 0
    assert isinstance(wrong.exception, InvalidInput)
    assert "not the trusted key" in str(wrong.exception)
    doc = json.loads(signed.read_text(encoding="utf-8"))
    forged = {**doc, "heads": [{**doc["heads"][0], "count": 99}]}
    with pytest.raises(InvalidInput, match=r"heads\[0\].*does not verify"):
        audit_sign.import_countersignature(store, forged, doc["public_key"], "f.json")
    resigned = audit_sign.countersign({"heads": [{**doc["heads"][0], "hash": "a" * 64}]},
                                      audit_sign.load_private(tmp_path / "cq.key"), "h", "CQ")
    with pytest.raises(InvalidInput, match="does not have the signed hash"):
        audit_sign.import_countersignature(store, resigned, doc["public_key"], "r.json")
    again = audit_sign.import_countersignature(store, doc, doc["public_key"], "again.json")
    assert again == 0  # idempotent
    assert store.count_nodes(audit_sign.LABEL) == 1


def test_a_full_copy_verifies_and_names_an_edit(store: BaseGraphStore, tmp_path: Any) -> None:
    _fill(store, 4)
    out = tmp_path / "copy.json"
    made = _cli(store, tmp_path, "audit", "export", "--since", "2020-01-01", "--out", str(out))
    assert made.exit_code == 0, made.output
    ok = _cli(store, tmp_path, "audit", "verify", "--copy", str(out))
    assert ok.exit_code == 0, ok.output
    assert "4 entries (4 checked in full)" in ok.stdout
    doc = json.loads(out.read_text(encoding="utf-8"))
    doc["entries"][1]["payload"] = '{"step":20}'
    assert audit_copy.check_copy(doc, "c").problem == audit.AuditProblem(
        2, "c: entries[1]: its content does not match its hash (edited)")
    doc = json.loads(out.read_text(encoding="utf-8"))
    del doc["entries"][2]
    bad = audit_copy.check_copy(doc, "c").problem
    assert bad is not None
    assert bad.seq == 3
    assert "missing or reordered" in bad.reason
    empty = audit_copy.export(store, dt.date(2999, 1, 1))
    assert empty["entries"] == []
    assert empty["anchor"] == {"seq": 4, "hash": audit.head(store)[1]}
    assert audit_copy.check_copy(empty, "e").problem is None


def test_a_partners_copy_holds_only_its_clues(store: BaseGraphStore, tmp_path: Any) -> None:
    mine, other = "500000|CQ-SCJ", "500000|CQ-YJJ"

    def share(tx: GraphTx) -> None:
        tx.upsert_nodes([Node("Clue", k, {"id": k}) for k in ("C1", "C2")])
        sharing.record_share(tx, "C1", [mine])
        sharing.record_share(tx, "C2", [other])

    store.transaction(share)
    for key in ("C1", "C2", "C1"):
        _append(store, "clue.view", f"Clue:{key}", {"party": "secret-payload"})
    doc = audit_copy.export(store, dt.date(2020, 1, 1), mine)
    full = [e for e in doc["entries"] if "subject" in e]
    assert [(e["seq"], e["subject"]) for e in full] == [(1, "Clue:C1"), (3, "Clue:C1")]
    text = json.dumps(doc, ensure_ascii=False)
    assert "C2" not in text
    assert "secret-payload" not in text
    assert doc["entries"][1] == {"seq": 2, "prev_hash": full[0]["hash"],
                                 "hash": doc["entries"][1]["hash"]}
    found = audit_copy.check_copy(doc, "p")
    assert (found.entries, found.full, found.problem) == (3, 0, None)
    doc["entries"][1]["hash"] = "0" * 64
    broken = audit_copy.check_copy(doc, "p").problem
    assert broken is not None
    assert broken.seq == 3
