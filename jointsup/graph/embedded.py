"""The embedded store (the default): one SQLite file in WAL mode, no server to run."""

from __future__ import annotations

import fcntl
import functools
import heapq
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

import orjson

from jointsup.batching import batched
from jointsup.config import Settings
from jointsup.errors import JointsupError, NotFound, StoreUnavailable
from jointsup.graph import sql
from jointsup.graph.store import (
    BaseGraphStore,
    Direction,
    Filter,
    GraphTx,
    IndexProgress,
    Neighbour,
    Stats,
    WriteCount,
    apply_props,
    quiet_indexes,
)
from jointsup.model import REL_TYPES, Node, NodeRef, Props, PropValue, Rel

T = TypeVar("T")
CHUNK = 500  # parameters per IN (...) list, well under SQLite's limit
ADJACENCY_CHUNK = 100  # nodes per adjacency statement: two arms each, SQLite allows 500 arms
# Bridging two node sets (`_rels_between`): a node of a label with at most BRIDGE_WEIGHED nodes
# in the set (hub labels: regions, industries, departments…; enterprises and addresses come by
# the thousand) has its relationships counted first, and when it has more than PROBE_ROWS times
# as many as there are (other node, type) pairs to test, those pairs are looked up instead of
# its rows scanned: a seek costs about as much as stepping that many index rows.
BRIDGE_WEIGHED = 64
PROBE_ROWS = 6
# A bulk load suspends the secondary indexes (`suspended_indexes`) for at least `bulk_min_rows`
# rows and one row per BULK_SHARE nodes already stored: a build reads the whole table; the
# suspension saves about 100 µs per enterprise row (measured at 200,000 enterprises).
BULK_SHARE = 8


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
            new.append((key, _dumps({k: v for k, v in patch.items() if v is not None})))
            continue
        row_id, before = old[key]
        after = apply_props(before, patch)
        if after == before:
            unchanged += 1
        else:
            updates.append((_dumps(after), row_id))
    return new, updates, unchanged


@functools.cache
def _joins(label: str, other: str, inward: bool) -> frozenset[str]:
    """The relationship types that can join a `label` node to an `other` node, the former being
    the destination (`inward`) or the source: the model's endpoints, checked on every write."""
    src, dst = (other, label) if inward else (label, other)
    return frozenset(t for t, spec in REL_TYPES.items()
                     if src in spec.sources and dst in spec.targets)


def _joining(label: str, other: str, inward: bool, types: list[str] | None) -> frozenset[str]:
    """`_joins`, of the requested types only (None: all)."""
    kinds = _joins(label, other, inward)
    return kinds if types is None else kinds.intersection(types)


class SqliteTx(GraphTx):
    """A transaction on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # Nodes this transaction created: no relationship of theirs can exist yet.
        self._fresh: set[NodeRef] = set()
        # Row ids of nodes this transaction inserted, so relationships to them need no look-up
        # (forgotten at any delete).
        self._new_ids: dict[NodeRef, int] = {}
        # Row ids of nodes a walk has met (`_adjacency` reads them with each row), so bridging
        # its frontiers (`_rels_between`, through `_ids`) looks none of them up again (forgotten
        # at any delete).
        self._seen_ids: dict[NodeRef, int] = {}

    def _rows(self, query: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.conn.execute(query, tuple(params)).fetchall()

    def _ids(self, refs: Iterable[NodeRef]) -> dict[NodeRef, int]:
        """Row ids of existing nodes: those a walk met already (`_seen_ids`), the rest read from
        the (label, key) index only."""
        known = self._seen_ids
        found: dict[NodeRef, int] = {}
        by_label: dict[str, list[str]] = {}
        for ref in refs:
            row_id = known.get(ref)
            if row_id is None:
                by_label.setdefault(ref.label, []).append(ref.key)
            else:
                found[ref] = row_id
        for label, keys in by_label.items():
            for chunk in batched(dict.fromkeys(keys), CHUNK):
                for row_id, key in self._rows(sql.select_ids(label, len(chunk)), chunk):
                    found[NodeRef(label, key)] = row_id
        return found

    def _existing(self, label: str, keys: Sequence[str]) -> Iterator[tuple[int, str, Props]]:
        for chunk in batched(keys, CHUNK):
            for row_id, key, props in self._rows(sql.select_nodes(label, len(chunk)), chunk):
                yield row_id, key, _loads(props)

    def _keys(self, label: str, keys: list[str]) -> set[str]:
        return {ref.key for ref in self._ids(NodeRef(label, k) for k in keys)}

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
        self._remember_ids(inserts)
        self.conn.executemany(sql.UPDATE_NODE, updates)
        return WriteCount(len(inserts), len(updates), unchanged)

    def _remember_ids(self, inserts: list[tuple[str, str, str]]) -> None:
        """The row ids of the rows just inserted. SQLite numbers a row inserted without an id
        max(id) + 1, so one executemany's rows hold consecutive ids ending at the last insert
        rowid; both ends are checked, and nothing is remembered if they do not match."""
        if not inserts:
            return
        last = self.conn.execute(sql.LAST_ROWID).fetchone()[0]
        first = last - len(inserts) + 1
        ends = {(row_id, label, key) for row_id, label, key in self._rows(
            sql.NODE_ENDS, (first, last))}
        if ends == {(first, *inserts[0][:2]), (last, *inserts[-1][:2])}:
            self._new_ids.update((NodeRef(label, key), row_id) for row_id, (label, key, _)
                                 in enumerate(inserts, start=first))

    def _upsert_rels(self, rels: list[Rel]) -> WriteCount:
        known_ids = self._new_ids
        ids = self._ids([end for r in rels for end in (r.src, r.dst) if end not in known_ids])
        ids.update((end, known_ids[end]) for r in rels for end in (r.src, r.dst)
                   if end in known_ids)
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
        # These ends have relationships now: a later upsert in this transaction must find them.
        self._fresh.difference_update(end for r in rels for end in (r.src, r.dst))
        return WriteCount(len(inserts), len(updates), unchanged)

    def _delete_nodes(self, refs: list[NodeRef]) -> int:
        self._new_ids.clear()
        self._seen_ids.clear()
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

    def _adjacency(self, refs: list[NodeRef], types: list[str] | None, limit: int
                   ) -> dict[NodeRef, list[Rel]]:
        ids = self._ids(refs)
        by_id = {i: ref for ref, i in ids.items()}
        out: dict[NodeRef, list[Rel]] = {}
        if limit == 0:
            return out
        n_types = len(types) if types is not None else None
        known = self._seen_ids
        for chunk in batched(list(by_id), ADJACENCY_CHUNK):
            query = sql.adjacency_query(len(chunk), n_types, limit)
            params = [p for i in chunk for _ in (0, 1) for p in (i, *(types or ()))]
            current, taken = -1, 0
            rels: list[Rel] = []
            for me, rtype, olabel, okey, inward, oid in self._rows(query, params):
                if me != current:  # rows come grouped by node
                    current, taken = me, 0
                    centre = by_id[me]
                    rels = out[centre] = []
                if taken == limit:  # both directions' first rows, merged, then cut
                    continue
                taken += 1
                other = NodeRef(olabel, okey)
                known[other] = oid
                rels.append(Rel(rtype, other, centre) if inward else Rel(rtype, centre, other))
        return out

    def _rels_between(self, refs: list[NodeRef], others: list[NodeRef],
                      types: list[str] | None) -> list[Rel]:
        mine, theirs = self._ids(refs), self._ids(others)
        by_id = {i: ref for ref, i in (*mine.items(), *theirs.items())}
        my_groups: dict[str, list[int]] = {}
        for ref, i in mine.items():
            my_groups.setdefault(ref.label, []).append(i)
        their_groups: dict[str, list[int]] = {}
        for ref, i in theirs.items():
            their_groups.setdefault(ref.label, []).append(i)
        all_theirs = json.dumps(list(theirs.values()))
        n_types = len(types) if types else None
        found: dict[tuple[str, int, int], None] = {}
        for inward in (False, True):
            # Nodes of a label no type can join to any of theirs in this direction are skipped;
            # hub labels' nodes are weighed; the rest scanned from their covering index.
            scan: list[int] = []
            weighed: dict[int, tuple[list[str], list[int]]] = {}
            for label, ids in my_groups.items():
                joins = {other: found_types for other in their_groups
                         if (found_types := _joining(label, other, inward, types))}
                if not joins:
                    continue
                if len(ids) > BRIDGE_WEIGHED:
                    scan += ids
                    continue
                joining = sorted(set().union(*joins.values()))
                targets = [i for other in joins for i in their_groups[other]]
                weighed.update((i, (joining, targets)) for i in ids)
            scan += self._probe_hubs(weighed, inward, found)
            if scan:
                query = sql.rels_between_query(inward, n_types)
                found.update(dict.fromkeys(self._rows(
                    query, [json.dumps(scan), all_theirs, *(types or ())])))
        return [Rel(t, by_id[s], by_id[d]) for t, s, d in found]

    def _probe_hubs(self, weighed: dict[int, tuple[list[str], list[int]]], inward: bool,
                    found: dict[tuple[str, int, int], None]) -> list[int]:
        """Probe the weighed nodes with many relationships of the joining types for each (other
        node, type) pair, into `found`; those to scan instead are returned (none without any
        relationship of those types)."""
        if not weighed:
            return []
        kinds = sorted(set().union(*(k for k, _ in weighed.values())))
        degree = dict(self._rows(sql.degree_query(inward, len(kinds)),
                                 [json.dumps(list(weighed)), *kinds]))
        scan = []
        for node, (types, targets) in weighed.items():
            rows = degree.get(node, 0)
            if rows <= PROBE_ROWS * len(types) * len(targets):
                if rows:
                    scan.append(node)
                continue
            pairs = json.dumps(targets)
            params = [pairs, *types, node] if inward else [node, *types, pairs]
            found.update(dict.fromkeys(self._rows(sql.rels_probe_query(inward, len(types)),
                                                  params)))
        return scan

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
    """SQLite-backed GraphStore: one connection per thread, one writer at a time.

    `close()` is safe while other threads use the store: it refuses new work at once, lets
    transactions under way finish (up to `close_wait_s`, then interrupts their statement) and
    never closes a connection a thread is inside; afterwards every use raises StoreUnavailable.
    """

    kind = "embedded"

    def __init__(self, path: Path, *, close_wait_s: float = 5.0,
                 bulk_min_rows: int = Settings.bulk_min_rows) -> None:
        self.path = path
        self.close_wait_s = close_wait_s
        self.bulk_min_rows = bulk_min_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)  # notified when a use of a conn ends
        self._conns: dict[sqlite3.Connection, threading.Thread] = {}  # open conn -> its thread
        self._busy: dict[sqlite3.Connection, int] = {}  # conns in use -> how many uses deep
        self._closed = False
        try:
            with self._use() as conn:
                self._set_up(conn)
        except BaseException:
            self.close()
            raise

    def _set_up(self, conn: sqlite3.Connection) -> None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'nodes'"
                                  ).fetchone()[0]
        if has_tables and version != sql.SCHEMA_VERSION:
            raise StoreUnavailable(
                f"{self.path} was written by another version of jointsup (schema {version}, "
                f"this one reads {sql.SCHEMA_VERSION}); move it aside and ingest again")
        for statement in sql.TABLES:
            conn.execute(statement)
        # Each index `IF NOT EXISTS`: a no-op but for a new file or one whose bulk load died with
        # its indexes suspended — unless another process's bulk load is under way (it builds them).
        if not self._bulk_load_elsewhere():
            self._create_indexes(conn)
        conn.execute(f"PRAGMA user_version = {sql.SCHEMA_VERSION}")

    @staticmethod
    def _create_indexes(conn: sqlite3.Connection, progress: IndexProgress = quiet_indexes
                        ) -> None:
        statements = sql.secondary_indexes()
        for done, statement in enumerate(statements, start=1):
            conn.execute(statement)
            progress(done, len(statements))

    def _bulk_lock(self) -> Path:
        """Locked (flock) by the process whose bulk load has the indexes suspended."""
        return self.path.with_name(self.path.name + ".bulk-lock")

    def _bulk_load_elsewhere(self) -> bool:
        try:
            with self._bulk_lock().open("rb") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)  # released as the file closes
        except FileNotFoundError:
            return False
        except BlockingIOError:
            return True
        return False

    @contextmanager
    def suspended_indexes(self, rows: int, progress: IndexProgress = quiet_indexes,
                          labels: Collection[str] | None = None) -> Iterator[bool]:
        """Drop the secondary indexes for a bulk load of about `rows` rows and build them when
        the block ends (however it ends); see BaseGraphStore.suspended_indexes.

        With `labels`, only the relationships' indexes and those labels' are dropped: building a
        partial index reads the whole table however few nodes it covers (32 of the 44 indexes
        cover labels no bulk dataset writes: 2.9 s of a 10 s build at 200,000 enterprises).

        Only when it pays: at least `bulk_min_rows` rows and one per BULK_SHARE nodes already
        stored (a build reads the whole table). An index built once at the end is a sort; kept
        during the load it is a random insert per row, per index — and every node inserted
        evaluates the condition of each of the ~40 partial indexes. A process killed meanwhile
        leaves the indexes missing: the next open of the file builds them (`_set_up`), while a
        lock file held by the loading process keeps other processes from doing so under it.
        """
        with self._use() as conn:
            stored = conn.execute(sql.MAX_NODE_ID).fetchone()[0] or 0
        if rows < max(self.bulk_min_rows, stored // BULK_SHARE):
            yield False
            return
        with self._bulk_lock().open("ab") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # another process's bulk load: keep the indexes
                yield False
                return
            try:
                written = None if labels is None else sql.written_indexes(labels)
                with self._use() as conn:
                    for (name,) in conn.execute(sql.SECONDARY_INDEX_NAMES).fetchall():
                        if written is None or name in written:
                            conn.execute(sql.drop_index(name))
                yield True
            finally:
                if not self._closed:  # else the next open builds them
                    with self._use() as conn:
                        self._create_indexes(conn, progress)

    def _closed_error(self) -> StoreUnavailable:
        return StoreUnavailable(f"store {self.path} is closed")

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (StoreUnavailable once closed)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if self._closed:
            raise self._closed_error()
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0,
                                   check_same_thread=False)
            for pragma in sql.PRAGMAS:
                conn.execute(pragma)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
        with self._lock:
            if self._closed:
                conn.close()
                raise self._closed_error()
            self._close_dead_threads_conns()
            self._conns[conn] = threading.current_thread()
        self._local.conn = conn
        return conn

    def _close_dead_threads_conns(self) -> None:
        """Close the connections of threads that have ended (with the lock held): nothing can
        reach them any more, and each keeps a file descriptor and its page cache."""
        for conn, thread in list(self._conns.items()):
            if not thread.is_alive() and conn not in self._busy:
                del self._conns[conn]
                conn.close()

    @contextmanager
    def _use(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection, marked in use so that `close()` leaves it open meanwhile;
        a SQLite error caused by the closing comes out as StoreUnavailable."""
        conn = self._conn()
        with self._lock:
            if self._closed:  # closed between `_conn()` and here
                raise self._closed_error()
            self._busy[conn] = self._busy.get(conn, 0) + 1
        try:
            yield conn
        except sqlite3.Error as exc:
            if self._closed:
                raise self._closed_error() from exc
            raise
        finally:
            with self._lock:
                depth = self._busy.pop(conn) - 1
                if depth:
                    self._busy[conn] = depth
                elif self._closed and self._conns.pop(conn, None) is not None:
                    conn.close()  # `close()` left this one to its last user
                self._released.notify_all()

    def _run(self, begin: str, fn: Callable[[GraphTx], T]) -> T:
        with self._use() as conn:
            if conn.in_transaction:
                raise JointsupError("nested transactions are not supported: pass the open tx down")
            conn.execute(begin)
            try:
                result = fn(SqliteTx(conn))
            except BaseException:
                if conn.in_transaction:  # an interrupted statement may have rolled back already
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
        with self._use() as conn:
            nodes = dict(sorted(conn.execute(sql.COUNT_LABELS).fetchall()))
            rels = dict(sorted(conn.execute(sql.COUNT_TYPES).fetchall()))
        return Stats(nodes, rels)

    def all_nodes(self) -> Iterator[Node]:
        """Every node in storage order, streamed (holds this thread's connection until done)."""
        with self._use() as conn:
            for label, key, props in conn.execute(sql.ALL_NODES):
                yield Node(label, key, _loads(props))

    def all_rels(self) -> Iterator[Rel]:
        """Every relationship in storage order, streamed like `all_nodes`."""
        with self._use() as conn:
            for rel_type, src_label, src_key, dst_label, dst_key, props in conn.execute(
                    sql.ALL_RELS):
                yield Rel(rel_type, NodeRef(src_label, src_key), NodeRef(dst_label, dst_key),
                          _loads(props))

    def ping(self) -> None:
        """Check the file answers a query."""
        try:
            with self._use() as conn:
                conn.execute("SELECT 1").fetchone()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def close(self) -> None:
        """Close every connection; safe while other threads use the store, and idempotent.

        New work is refused at once (StoreUnavailable). Connections not in use close now; a
        transaction under way may finish for up to `close_wait_s` seconds, then the statement it
        is running is interrupted (it fails with StoreUnavailable); one between two statements
        then is not stopped (SQLite's interrupt only reaches running statements) and ends on its
        own. A connection is never closed while a thread is inside it: one still busy when this
        returns is closed by that thread as it leaves.
        """
        me = getattr(self._local, "conn", None)  # a use of our own cannot end while we wait
        with self._lock:
            self._closed = True
            self._close_idle()
            deadline = time.monotonic() + self.close_wait_s
            while self._others_busy(me) and (left := deadline - time.monotonic()) > 0:
                self._released.wait(left)
            for conn in self._busy:
                if conn is not me:
                    conn.interrupt()  # safe from another thread; the lock keeps conn open
            deadline = time.monotonic() + min(1.0, self.close_wait_s)
            while self._others_busy(me) and (left := deadline - time.monotonic()) > 0:
                self._released.wait(left)
            self._close_idle()

    def _others_busy(self, me: sqlite3.Connection | None) -> bool:
        return any(conn is not me for conn in self._busy)

    def _close_idle(self) -> None:
        for conn in list(self._conns):
            if conn not in self._busy:
                del self._conns[conn]
                conn.close()
