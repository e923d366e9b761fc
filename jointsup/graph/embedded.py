"""The embedded store (the default): one SQLite file in WAL mode, no server to run."""

from __future__ import annotations

import heapq
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson

from jointsup.batching import batched
from jointsup.errors import JointsupError, NotFound, StoreUnavailable
from jointsup.graph import sql
from jointsup.graph.store import (
    BaseGraphStore,
    Direction,
    Filter,
    GraphTx,
    Neighbour,
    Stats,
    WriteCount,
    apply_props,
)
from jointsup.model import Node, NodeRef, Props, PropValue, Rel

T = TypeVar("T")
CHUNK = 500  # parameters per IN (...) list, well under SQLite's limit


def _dumps(props: Props) -> str:
    return orjson.dumps(props, option=orjson.OPT_SORT_KEYS).decode()


def _loads(text: str) -> Props:
    value: Props = orjson.loads(text)
    return value


K = TypeVar("K")


def _changes(old: dict[K, tuple[int, Props]], patches: Iterable[tuple[K, Props]]
             ) -> tuple[list[tuple[K, str]], list[tuple[str, int]], int]:
    """Split upserts into inserts (key, props JSON), updates (JSON, row id) and unchanged."""
    new: list[tuple[K, str]] = []
    updates: list[tuple[str, int]] = []
    unchanged = 0
    for key, patch in patches:
        if key not in old:
            new.append((key, _dumps(apply_props({}, patch))))
            continue
        row_id, before = old[key]
        after = apply_props(before, patch)
        if after == before:
            unchanged += 1
        else:
            updates.append((_dumps(after), row_id))
    return new, updates, unchanged


class SqliteTx(GraphTx):
    """A transaction on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Nodes this transaction created: no relationship of theirs can exist yet.
        self._fresh: set[NodeRef] = set()

    def _rows(self, query: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.conn.execute(query, tuple(params)).fetchall()

    def _ids(self, refs: Iterable[NodeRef]) -> dict[NodeRef, int]:
        """Row ids of existing nodes."""
        by_label: dict[str, list[str]] = {}
        for ref in refs:
            by_label.setdefault(ref.label, []).append(ref.key)
        found: dict[NodeRef, int] = {}
        for label, keys in by_label.items():
            for chunk in batched(dict.fromkeys(keys), CHUNK):
                for row_id, key, _ in self._rows(sql.select_nodes(label, len(chunk)), chunk):
                    found[NodeRef(label, key)] = row_id
        return found

    def _existing(self, label: str, keys: Sequence[str]) -> Iterator[tuple[int, str, Props]]:
        for chunk in batched(keys, CHUNK):
            for row_id, key, props in self._rows(sql.select_nodes(label, len(chunk)), chunk):
                yield row_id, key, _loads(props)

    def _get_nodes(self, label: str, keys: list[str]) -> dict[str, Node]:
        return {key: Node(label, key, props) for _, key, props in self._existing(label, keys)}

    def _upsert_nodes(self, nodes: list[Node]) -> WriteCount:
        by_label: dict[str, list[Node]] = {}
        for node in nodes:
            by_label.setdefault(node.label, []).append(node)
        inserts, updates, unchanged = [], [], 0
        for label, group in by_label.items():
            old = {key: (row_id, props) for row_id, key, props
                   in self._existing(label, [n.key for n in group])}
            new, changed, same = _changes(old, ((n.key, n.props) for n in group))
            inserts += [(label, key, text) for key, text in new]
            self._fresh.update(NodeRef(label, key) for key, _ in new)
            updates += changed
            unchanged += same
        self.conn.executemany(sql.INSERT_NODE, inserts)
        self.conn.executemany(sql.UPDATE_NODE, updates)
        return WriteCount(len(inserts), len(updates), unchanged)

    def _upsert_rels(self, rels: list[Rel]) -> WriteCount:
        ids = self._ids([r.src for r in rels] + [r.dst for r in rels])
        for rel in rels:
            for end in (rel.src, rel.dst):
                if end not in ids:
                    raise NotFound(f"{rel.type} needs node {end.global_id}, which does not exist")
        wanted = {(ids[r.src], r.type, ids[r.dst]): r for r in rels}
        types = sorted({r.type for r in rels})
        old: dict[tuple[int, str, int], tuple[int, Props]] = {}
        known = {ids[r.src] for r in rels if r.src not in self._fresh and r.dst not in self._fresh}
        for chunk in batched(sorted(known), CHUNK):
            for row_id, src, rel_type, dst, props in self._rows(
                    sql.select_rels_from(len(chunk), len(types)), [*chunk, *types]):
                if (src, rel_type, dst) in wanted:
                    old[(src, rel_type, dst)] = (row_id, _loads(props))
        new, updates, unchanged = _changes(old, ((k, r.props) for k, r in wanted.items()))
        inserts = [(k[1], k[0], k[2], wanted[k].src.label, wanted[k].src.key, wanted[k].dst.label,
                    wanted[k].dst.key, text) for k, text in new]
        self.conn.executemany(sql.INSERT_REL, inserts)
        self.conn.executemany(sql.UPDATE_REL, updates)
        return WriteCount(len(inserts), len(updates), unchanged)

    def _delete_nodes(self, refs: list[NodeRef]) -> int:
        ids = self._ids(refs)
        self.conn.executemany(sql.DELETE_NODE, [(i,) for i in ids.values()])
        return len(ids)

    def _delete_rels(self, rels: list[tuple[str, NodeRef, NodeRef]]) -> int:
        ids = self._ids([r[1] for r in rels] + [r[2] for r in rels])
        deleted = 0
        for rel_type, src, dst in rels:
            if src in ids and dst in ids:
                row = (ids[src], rel_type, ids[dst])
                deleted += self.conn.execute(sql.DELETE_REL, row).rowcount
        return deleted

    def _neighbours(self, refs: list[NodeRef], types: list[str] | None, direction: Direction,
                    labels: list[str] | None, limit: int | None, props: bool
                    ) -> dict[NodeRef, list[Neighbour]]:
        ids = self._ids(refs)
        by_id = {i: ref for ref, i in ids.items()}
        out: dict[NodeRef, list[Neighbour]] = {}
        if limit == 0:
            return out
        found: list[tuple[int, bool, str, int, int, str, str]] = []
        wanted = ["out", "in"] if direction == "both" else [direction]
        params = [*(types or ()), *(labels or ())]
        n_types, n_labels = (len(types) if types is not None else None,
                             len(labels) if labels is not None else None)
        # Without a per-node limit one query per direction serves a whole chunk of nodes.
        rows: dict[int, dict[str, list[tuple[str, str, str, bool, int, int]]]] = {
            centre: {d: [] for d in wanted} for centre in by_id}
        step = 1 if limit is not None else CHUNK
        for chunk in batched(list(by_id), step):
            for d in wanted:
                query = sql.neighbour_query(d == "in", n_types, n_labels, limit, len(chunk))
                for me, rid, rtype, oid, olabel, okey in self._rows(query, [*chunk, *params]):
                    rows[me][d].append((rtype, olabel, okey, d == "in", rid, oid))
        for centre in by_id:
            streams = list(rows[centre].values())
            # Each direction comes sorted from its index; merged, they are in contract order.
            merged = list(heapq.merge(*streams))[:limit] if limit is not None else list(
                heapq.merge(*streams))
            found += [(centre, inw, rtype, rid, oid, olabel, okey)
                      for rtype, olabel, okey, inw, rid, oid in merged]
        # Props only for what the per-node limit kept, each row read once.
        node_props = self._props("nodes", {row[4] for row in found}) if props else {}
        rel_props = self._props("rels", {row[3] for row in found}) if props else {}
        for centre, inward, rtype, rid, mid, mlabel, mkey in found:
            me, other = by_id[centre], NodeRef(mlabel, mkey)
            src, dst = (other, me) if inward else (me, other)
            out.setdefault(me, []).append(Neighbour(
                Rel(rtype, src, dst, rel_props.get(rid, {})),
                Node(mlabel, mkey, node_props.get(mid, {}))))
        return out

    def _props(self, table: str, ids: set[int]) -> dict[int, Props]:
        props: dict[int, Props] = {}
        for chunk in batched(sorted(ids), CHUNK):
            props.update((i, _loads(text)) for i, text in
                         self._rows(sql.props_by_id(table, len(chunk)), chunk))
        return props

    def _rels_among(self, refs: list[NodeRef], types: list[str] | None) -> list[Rel]:
        ids = self._ids(refs)
        by_id = {i: ref for ref, i in ids.items()}
        if not by_id:
            return []
        query = sql.rels_among_query(len(by_id), len(types) if types else None)
        keys = list(by_id)
        return [Rel(t, by_id[s], by_id[d], _loads(p))
                for t, s, d, p in self._rows(query, [*keys, *keys, *(types or ())])]

    def _hubs(self, types: list[str], end: Literal["src", "dst"], labels: list[str] | None,
              min_degree: int, limit: int | None) -> list[tuple[NodeRef, int]]:
        query = sql.hubs_query(end, len(types), len(labels) if labels is not None else None,
                               limit)
        return [(NodeRef(label, key), n) for label, key, n
                in self._rows(query, [*types, *(labels or ()), min_degree])]

    def _scan(self, label: str, filters: Sequence[Filter], order_by: str | None,
              descending: bool, limit: int, after: tuple[PropValue, str] | None) -> list[Node]:
        query, params = sql.scan_query(label, filters, order_by, descending, after, limit)
        return [Node(label, key, _loads(props)) for _, key, props in self._rows(query, params)]

    def _count_nodes(self, label: str, filters: Sequence[Filter]) -> int:
        query, params = sql.count_query(label, filters)
        count: int = self._rows(query, params)[0][0]
        return count

    def _count_by(self, label: str, props: list[str], filters: Sequence[Filter]
                  ) -> list[tuple[tuple[PropValue, ...], int]]:
        query, params = sql.count_by_query(label, props, filters)
        return [(tuple(None if v is None else json.loads(v) for v in row[:-1]), row[-1])
                for row in self._rows(query, params)]


class EmbeddedStore(BaseGraphStore):
    """SQLite-backed GraphStore: one connection per thread, one writer at a time."""

    kind = "embedded"

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._conns: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        conn = self._conn()
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'nodes'"
                                  ).fetchone()[0]
        if has_tables and version != sql.SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{path} was written by another version of jointsup (schema {version}, this one "
                f"reads {sql.SCHEMA_VERSION}); move it aside and ingest again")
        for statement in (*sql.SCHEMA, *sql.index_statements()):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION}")

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                       check_same_thread=False)
                for pragma in sql.PRAGMAS:
                    conn.execute(pragma)
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._conns.append(conn)
        return conn

    def _run(self, begin: str, fn: Callable[[GraphTx], T]) -> T:
        conn = self._conn()
        if conn.in_transaction:
            raise JointsupError("nested transactions are not supported: pass the open tx down")
        conn.execute(begin)
        try:
            result = fn(SqliteTx(conn))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        return result

    def transaction(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` in one write transaction (BEGIN IMMEDIATE: writers queue, readers go on)."""
        return self._run("BEGIN IMMEDIATE", fn)

    def read(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` on one WAL snapshot."""
        return self._run("BEGIN", fn)

    def stats(self) -> Stats:
        """Counts by label and by relationship type."""
        conn = self._conn()
        nodes = dict(sorted(conn.execute(sql.COUNT_LABELS).fetchall()))
        rels = dict(sorted(conn.execute(sql.COUNT_TYPES).fetchall()))
        return Stats(nodes, rels)

    def ping(self) -> None:
        """Check the file answers a query."""
        try:
            self._conn().execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def close(self) -> None:
        """Close every thread's connection."""
        with self._lock:
            for conn in self._conns:
                conn.close()
            self._conns.clear()
        self._local = threading.local()
