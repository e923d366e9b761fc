"""Contract: the audit chain lands with its change, never forks, and `jointsup audit verify`
names the first entry after an edit, deletion or reordering made directly in the store."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from typing import Any

import pytest
from typer.testing import CliRunner

from jointsup.cli import app
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore, GraphTx
from jointsup.model import Node
from jointsup.services import audit
from tests.conftest import cli_env


def _append(store: BaseGraphStore, action: str, subject: str, payload: object) -> None:
    def write(tx: GraphTx) -> None:
        audit.append(tx, action, subject, payload)

    store.transaction(write)


def _fill(store: BaseGraphStore, n: int = 5) -> None:
    for i in range(1, n + 1):
        _append(store, "test.step", f"Thing:{i % 2}", {"step": i, "名称": "线索"})


def _raw_props(store: BaseGraphStore, key: str) -> dict[str, Any]:
    node = store.get_node(audit.HEAD if key == "head" else Node("AuditEntry", key).ref)
    assert node is not None
    return dict(node.props)


def _tamper(store: BaseGraphStore, label: str, key: str, props: dict[str, Any]) -> None:
    """Overwrite stored properties behind the services' back, as an intruder with file access."""
    if isinstance(store, EmbeddedStore):
        current = _raw_props(store, "head" if label == "AuditHead" else key)
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

    def worker(n: int) -> None:
        try:
            for i in range(6):
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
