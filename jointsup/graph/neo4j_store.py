"""The Neo4j store: the official driver, managed transactions with timeouts, UNWIND batches."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, Literal, TypeVar, cast

import neo4j
from neo4j import (
    GraphDatabase,
    ManagedTransaction,
    NotificationDisabledClassification,
    unit_of_work,
)
from neo4j.exceptions import (
    AuthError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from jointsup.config import Settings
from jointsup.errors import NotFound, StoreUnavailable
from jointsup.graph import cypher
from jointsup.graph.hub_rows import DEFAULT_CAPACITY, HubRows
from jointsup.graph.store import (
    BaseGraphStore,
    Direction,
    Filter,
    GraphTx,
    Neighbour,
    Stats,
    WriteCount,
    keys_by_label,
)
from jointsup.model import LABELS, REL_TYPES, Node, NodeRef, Props, PropValue, Rel

T = TypeVar("T")
UNLIMITED = 2**62
log = logging.getLogger(__name__)


def _props(raw: dict[str, Any]) -> Props:
    """Stored properties less the internal key property."""
    return {k: v for k, v in raw.items() if k != "key"}


def _tally(records: Iterable[Any]) -> WriteCount:
    created = updated = unchanged = 0
    for record in records:
        if record["created"]:
            created += 1
        elif record["same"]:
            unchanged += 1
        else:
            updated += 1
    return WriteCount(created, updated, unchanged)


class Neo4jTx(GraphTx):
    """A managed Neo4j transaction (possibly retried by the driver: every write is a MERGE)."""

    def __init__(self, tx: ManagedTransaction, hub_rows: HubRows | None = None) -> None:
        self.tx = tx
        # Read transactions share the store's cache of hubs' adjacency (graph.hub_rows), valid
        # for the generation token they read once, before its first use.
        self._hub_rows = hub_rows
        self._stamp: str | None = None
        self._stamped = False
        self.wrote = False  # whether to set a new generation token before commit
        # Nodes this transaction created and no relationship upsert has touched since: a
        # relationship with such an end cannot exist yet, so it is created without a MERGE.
        self._fresh: set[NodeRef] = set()
        # Element ids of the nodes this transaction has read (valid within it): the reads of a
        # walk seek nodes of any labels by id in one query, where keys need one per label.
        self._eid: dict[NodeRef, str] = {}
        self._ref: dict[str, NodeRef] = {}
        self._absent: set[NodeRef] = set()  # looked up and not found (until a write)

    def _run(self, query: str, **params: Any) -> list[Any]:
        return list(self.tx.run(query, params))

    def _remember(self, ref: NodeRef, eid: str) -> None:
        if ref not in self._eid:
            self._eid[ref] = eid
            self._ref[eid] = ref

    def _ids(self, refs: Sequence[NodeRef]) -> list[str]:
        """The element ids of those of `refs` that exist, looking up the ones not yet known
        (one query for all their labels)."""
        known, absent = self._eid, self._absent
        unknown = [r for r in refs if r not in known and r not in absent]
        if unknown:
            groups = keys_by_label(unknown)
            labels = sorted(groups)
            params = {f"k{i}": groups[label] for i, label in enumerate(labels)}
            for r in self._run(cypher.element_ids_of(labels), **params):
                self._remember(NodeRef(r["label"], r["key"]), r["id"])
            absent.update(r for r in unknown if r not in known)
        return [known[r] for r in refs if r in known]

    def _get_nodes(self, label: str, keys: list[str]) -> dict[str, Node]:
        out = {}
        for props, eid in self._run(cypher.nodes_of(label), keys=keys)[0]["found"]:
            key = props.pop("key")
            node = out[key] = Node(label, key, props)
            self._remember(node.ref, eid)
        return out

    def _get_nodes_by_ref(self, refs: list[NodeRef]) -> dict[NodeRef, Node]:
        """One query by element id for the nodes this transaction has met (a walk's), after one
        look-up for all the others' ids; nodes of one label none of which is known, by key."""
        known, absent = self._eid, self._absent
        unknown = [r for r in refs if r not in known and r not in absent]
        if len(unknown) == len(refs) and len({r.label for r in refs}) == 1:
            label = refs[0].label
            return {n.ref: n for n in self._get_nodes(label, [r.key for r in refs]).values()}
        ids = self._ids(refs)
        if not ids:
            return {}
        ref_of, out = self._ref, {}
        sep = cypher.SEP
        for eid, names, values in self._run(cypher.NODES_BY_ID, ids=ids)[0]["found"]:
            ref = ref_of[eid]
            out[ref] = Node(ref.label, ref.key,
                            dict(zip(names[1:].split(sep), values, strict=True)) if names else {})
        return out

    def _upsert_nodes(self, nodes: list[Node]) -> WriteCount:
        self.wrote = True
        self._absent.clear()  # some may be created now
        total = WriteCount()
        for label, group in _group(nodes, lambda n: n.label).items():
            rows = [{"key": n.key, "props": n.props} for n in group]
            records = self._run(cypher.upsert_nodes(label), rows=rows)
            # One result row per input row, in order (UNWIND, OPTIONAL MATCH, MERGE).
            self._fresh.update(n.ref for n, r in zip(group, records, strict=True) if r["created"])
            total += _tally(records)
        return total

    def _upsert_rels(self, rels: list[Rel]) -> WriteCount:
        self.wrote = True
        total = WriteCount()
        for (rel_type, src, dst), group in _group(
                rels, lambda r: (r.type, r.src.label, r.dst.label)).items():
            fresh = [r for r in group if r.src in self._fresh or r.dst in self._fresh]
            known = [r for r in group if r.src not in self._fresh and r.dst not in self._fresh]
            for query, part in ((cypher.create_rels(rel_type, src, dst), fresh),
                                (cypher.upsert_rels(rel_type, src, dst), known)):
                if not part:
                    continue
                rows = [{"src": r.src.key, "dst": r.dst.key, "props": r.props} for r in part]
                records = self._run(query, rows=rows)
                if len(records) < len(rows):
                    self._raise_missing(rel_type, part)
                total += _tally(records)
        # A later upsert in this transaction may repeat one of these: it must find it.
        self._fresh.difference_update(end for r in rels for end in (r.src, r.dst))
        return total

    def _raise_missing(self, rel_type: str, rels: list[Rel]) -> None:
        for label, keys in keys_by_label([*(r.src for r in rels), *(r.dst for r in rels)]).items():
            for record in self._run(cypher.missing_keys(label), keys=keys):
                end = NodeRef(label, record["k"])
                raise NotFound(f"{rel_type} needs node {end.global_id}, which does not exist")

    def _delete_nodes(self, refs: list[NodeRef]) -> int:
        self.wrote = True
        self._eid.clear()  # a deleted node's id may be given to a new one
        self._ref.clear()
        self._absent.clear()
        return sum(self._run(cypher.delete_nodes(label), keys=keys)[0]["n"]
                   for label, keys in keys_by_label(refs).items())

    def _delete_rels(self, rels: list[tuple[str, NodeRef, NodeRef]]) -> int:
        self.wrote = True
        deleted = 0
        for (rel_type, src, dst), group in _group(rels, lambda r: (r[0], r[1].label, r[2].label)
                                                  ).items():
            rows = [{"src": s.key, "dst": d.key} for _, s, d in group]
            deleted += self._run(cypher.delete_rels(rel_type, src, dst), rows=rows)[0]["n"]
        return deleted

    def _expand(self, refs: list[NodeRef], types: list[str] | None, direction: Direction,
                labels: list[str] | None, limit: int | None, props: bool
                ) -> list[tuple[NodeRef, list[Any]]]:
        """Per node that exists, its neighbour rows (cypher.neighbours_by_id), one query for
        all labels."""
        if types == []:  # no types: no relationships
            return []
        ids = self._ids(refs)
        if not ids:
            return []
        ref_of = self._ref
        found = self._run(cypher.neighbours_by_id(direction, props), ids=ids, types=types,
                          labels=labels, limit=UNLIMITED if limit is None else limit)
        return [(ref_of[eid], rows) for eid, rows in found[0]["found"]]

    def _other(self, row: str) -> tuple[str, NodeRef, bool]:
        """A neighbour row's type, other node (its id remembered) and whether it points out."""
        rel_type, label, outward, eid, key = row.split(cypher.SEP, 4)
        other = NodeRef(label, key)
        self._remember(other, eid)
        return rel_type, other, outward == "1"

    def _neighbours(self, refs: list[NodeRef], types: list[str] | None, direction: Direction,
                    labels: list[str] | None, limit: int | None, props: bool
                    ) -> dict[NodeRef, list[Neighbour]]:
        out: dict[NodeRef, list[Neighbour]] = {}
        other_of = self._other
        for me, rows in self._expand(refs, types, direction, labels, limit, props):
            found: list[Neighbour] = []
            out[me] = found
            for row in rows:
                if props:
                    rel_type, other, outward = other_of(row[0])
                    rel_props, node_props = row[1], _props(row[2])
                else:
                    rel_type, other, outward = other_of(row)
                    rel_props, node_props = {}, {}
                src, dst = (me, other) if outward else (other, me)
                found.append(Neighbour(Rel(rel_type, src, dst, rel_props),
                                       Node(other.label, other.key, node_props)))
        return out

    def _newest_neighbours(self, refs: list[NodeRef], rel_type: str, label: str,
                           direction: Direction) -> dict[NodeRef, Node]:
        """One query: the newest is picked in the server, only its properties come back."""
        ids = self._ids(refs)
        if not ids:
            return {}
        ref_of, out = self._ref, {}
        for eid, props in self._run(cypher.newest_by_id(rel_type, label, direction),
                                    ids=ids)[0]["found"]:
            key = props.pop("key")
            out[ref_of[eid]] = Node(label, key, props)
        return out

    def _neighbours_prefix(self, refs: list[NodeRef], types: list[str] | None, limit: int,
                           budget: int) -> list[tuple[NodeRef, list[Neighbour]]]:
        """One query: the server estimates each node's rows from its degree and expands only
        the nodes before the budget is reached."""
        if types == [] or not self._ids(refs):
            return [(ref, []) for ref in refs]
        known = self._eid
        present = [ref for ref in refs if ref in known]
        record = self._run(cypher.neighbours_prefix(types), ids=[known[r] for r in present],
                           types=types, labels=None, limit=limit, budget=budget)[0]
        rows_of = {present[i]: rows for i, rows in record["found"]}
        read = record["read"]
        # Up to the last present ref read; the absent ones among them have no rows.
        upto = refs.index(present[read - 1]) + 1 if read < len(present) else len(refs)
        other_of, out = self._other, []
        for me in refs[:upto]:
            found: list[Neighbour] = []
            out.append((me, found))
            for row in rows_of.get(me, ()):
                rel_type, other, outward = other_of(row)
                src, dst = (me, other) if outward else (other, me)
                found.append(Neighbour(Rel(rel_type, src, dst, {}),
                                       Node(other.label, other.key, {})))
        return out

    def _adjacency(self, refs: list[NodeRef], types: list[str] | None, limit: int
                   ) -> dict[NodeRef, list[Rel]]:
        """Hubs' rows from the store's cache when it holds them for this transaction's token;
        the others read, and those that reached the limit (hubs) kept."""
        cache, found = self._hub_rows, []
        stamp, eid_of, shape = None, self._eid, (tuple(types or ()), types is None)
        if cache is not None:
            stamp = self.stamp()
            self._ids(refs)
            unread = []
            for ref in refs:
                rows = cache.get(stamp, (eid_of[ref], shape, limit)) if ref in eid_of else None
                if rows is None:
                    unread.append(ref)
                else:
                    found.append((ref, rows))
            refs = unread
        for me, rows in self._expand(refs, types, "both", None, limit, False):
            found.append((me, rows))
            if cache is not None and len(rows) >= limit:
                cache.put(stamp, (eid_of[me], shape, limit), rows)
        out: dict[NodeRef, list[Rel]] = {}
        other_of = self._other
        for me, rows in found:
            rels: list[Rel] = []
            out[me] = rels
            for row in rows:
                rel_type, other, outward = other_of(row)
                rels.append(Rel(rel_type, me, other, {}) if outward else
                            Rel(rel_type, other, me, {}))
        return out

    def stamp(self) -> str | None:
        """The database's generation token and the graph's node and relationship counts, read
        at this transaction's first call (None without a token: a wiped database)."""
        if not self._stamped:
            token, nodes, rels = self._run(cypher.READ_GENERATION)[0]
            self._stamp = None if token is None else f"{token}:{nodes}:{rels}"
            self._stamped = True
        return self._stamp

    def bump(self) -> None:
        """Set a new generation token if this transaction wrote (just before it commits)."""
        if self.wrote:
            self._run(cypher.BUMP_GENERATION)

    def _rels_among(self, refs: list[NodeRef], types: list[str] | None) -> list[Rel]:
        ids = self._ids(refs)
        if not ids:
            return []
        ref_of, out = self._ref, []
        for ends, props in self._run(cypher.RELS_AMONG_BY_ID, ids=ids, types=types)[0]["found"]:
            rel_type, a, b = ends.split(cypher.SEP)
            out.append(Rel(rel_type, ref_of[a], ref_of[b], props))
        return out

    def _rels_between(self, refs: list[NodeRef], others: list[NodeRef],
                      types: list[str] | None) -> list[Rel]:
        self._ids([*refs, *others])  # one look-up for the ids not known yet
        ours, theirs = self._ids(refs), self._ids(others)
        if not ours or not theirs:
            return []
        ref_of, out = self._ref, []
        for ends in self._run(cypher.RELS_BETWEEN_BY_ID, ours=ours, theirs=theirs, types=types,
                              spread=cypher.BRIDGE_SPREAD)[0]["found"]:
            rel_type, a, b = ends.split(cypher.SEP)
            out.append(Rel(rel_type, ref_of[a], ref_of[b], {}))
        return out

    def _hubs(self, types: list[str], end: Literal["src", "dst"], labels: list[str] | None,
              min_degree: int, limit: int | None) -> list[tuple[NodeRef, int]]:
        return [(NodeRef(r["label"], r["key"]), r["n"])
                for r in self._run(cypher.hubs(types, end), labels=labels, min=min_degree,
                                   limit=UNLIMITED if limit is None else limit)]

    def _scan(self, label: str, filters: Sequence[Filter], order_by: str | None,
              descending: bool, limit: int, after: tuple[PropValue, str] | None) -> list[Node]:
        query, params = cypher.scan(label, filters, order_by, descending, after, limit)
        return [Node(label, r["key"], _props(r["props"])) for r in self._run(query, **params)]

    def _count_nodes(self, label: str, filters: Sequence[Filter]) -> int:
        query, params = cypher.count(label, filters)
        n: int = self._run(query, **params)[0]["n"]
        return n

    def _count_by(self, label: str, props: list[str], filters: Sequence[Filter]
                  ) -> list[tuple[tuple[PropValue, ...], int]]:
        query, params = cypher.count_by(label, props, filters)
        return [(tuple(r[f"g{i}"] for i in range(len(props))), r["n"])
                for r in self._run(query, **params)]


K = TypeVar("K")
V = TypeVar("V")


def _group(items: Iterable[V], key: Callable[[V], K]) -> dict[K, list[V]]:
    groups: dict[K, list[V]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


class Neo4jStore(BaseGraphStore):
    """GraphStore on a Neo4j server or cluster (bolt:// or neo4j:// routing URIs)."""

    kind = "neo4j"

    def __init__(self, uri: str, auth: tuple[str, str] | None, database: str | None = None,
                 timeout_s: float = 30.0, close_wait_s: float = 5.0,
                 hub_cache_rows: int = DEFAULT_CAPACITY) -> None:
        self.uri, self.database, self.timeout_s = uri, database, timeout_s
        self.close_wait_s = close_wait_s
        # Sessions in use, so that `close()` waits for them: the driver's pool must not close a
        # connection another thread is writing to (its buffer breaks, and the close fails).
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._busy = 0
        self._closed = False
        # Counting a type that has no relationship yet is normal here (stats walks the whole
        # allow-list), so the server's "type does not exist" notices are noise.
        self.driver = GraphDatabase.driver(
            uri, auth=auth, connection_acquisition_timeout=timeout_s,
            connection_timeout=min(timeout_s, 15.0),
            notifications_disabled_classifications=[NotificationDisabledClassification.UNRECOGNIZED])
        # Sessions share bookmarks so a read after a write sees it, also across cluster members.
        self._bookmarks = GraphDatabase.bookmark_manager()
        self.hub_rows = HubRows(hub_cache_rows) if hub_cache_rows > 0 else None
        try:
            self._guard(self._ensure_schema)
        except BaseException:
            self.driver.close()
            raise

    @classmethod
    def from_settings(cls, settings: Settings) -> Neo4jStore:
        """A store from JOINTSUP_NEO4J_* settings (no password: no authentication)."""
        auth = ((settings.neo4j_user or "neo4j", settings.neo4j_password)
                if settings.neo4j_password else None)
        return cls(settings.neo4j_uri, auth, settings.neo4j_database, settings.tx_timeout_s,
                   hub_cache_rows=settings.hub_cache_rows)

    @contextmanager
    def _in_use(self) -> Iterator[None]:
        """Count a use of the driver until it ends (StoreUnavailable once the store is closed)."""
        with self._lock:
            if self._closed:
                raise StoreUnavailable(f"Neo4j store {self.uri} is closed")
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._released.notify_all()

    @contextmanager
    def _session(self) -> Iterator[neo4j.Session]:
        with self._in_use(), self.driver.session(database=self.database,
                                                 bookmark_manager=self._bookmarks) as session:
            yield session

    def _guard(self, fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (ServiceUnavailable, SessionExpired, AuthError) as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {exc}") from exc
        except Neo4jError as exc:
            if exc.code and "TransactionTimedOut" in exc.code:
                raise StoreUnavailable(f"Neo4j transaction exceeded {self.timeout_s}s") from exc
            raise

    def _ensure_schema(self) -> None:
        # Several workers starting at once race on the same schema changes; Neo4j answers the
        # loser with a transient deadlock error, and a retry finds the work done.
        for attempt in range(5):
            try:
                with self._session() as session:
                    for statement in cypher.schema_statements():
                        session.run(statement).consume()
                    session.run("CALL db.awaitIndexes(300)").consume()
                    session.run(cypher.ENSURE_GENERATION).consume()
                return
            except TransientError:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    def transaction(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` as a managed write transaction with the configured timeout; one that wrote
        sets a new generation token as its last statement (graph.hub_rows)."""
        def run(tx: ManagedTransaction) -> T:
            ours = Neo4jTx(tx)
            result = fn(ours)
            ours.bump()
            return result
        work = unit_of_work(timeout=self.timeout_s)(run)

        def call() -> T:
            with self._session() as session:
                return session.execute_write(work)
        return self._guard(call)

    def read(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` as a managed read transaction with the configured timeout."""
        work = unit_of_work(timeout=self.timeout_s)(lambda tx: fn(Neo4jTx(tx, self.hub_rows)))

        def call() -> T:
            with self._session() as session:
                return session.execute_read(work)
        return self._guard(call)

    def set_empty_lists(self, label: str, prop: str, keys: Sequence[str]) -> int:
        """Set `prop` to an empty list on the `label` nodes of `keys`, in one transaction (the
        follow-up of an offline import, neo4j_import); returns how many nodes were found."""
        query = cypher.set_empty_list(label, prop)

        def write(tx: GraphTx) -> int:
            ours = cast(Neo4jTx, tx)
            ours.wrote = True
            return int(ours._run(query, keys=list(keys))[0]["n"])
        return self.transaction(write)

    def warm_adjacency(self, limit: int) -> int:
        """Read the largest hubs' first `limit` neighbours (of any type) into the hub cache, as
        many as fill it, the largest first; returns how many. One pass over the nodes finds
        them (their degrees), then one read per few hubs."""
        if self.hub_rows is None:
            return 0
        room = self.hub_rows.capacity // max(limit, 1)

        def largest(tx: GraphTx) -> list[NodeRef]:
            rows = cast(Neo4jTx, tx)._run(cypher.LARGEST_NODES, min=limit, limit=room)
            return [NodeRef(r["label"], r["key"]) for r in rows]
        hubs = self.read(largest)
        for done in range(0, len(hubs), 8):
            self.read(partial(GraphTx.adjacency, refs=hubs[done:done + 8], limit=limit))
        return len(hubs)

    def stats(self) -> Stats:
        """Counts by label and type, each answered from Neo4j's counts store."""
        def count(tx: ManagedTransaction) -> Stats:
            nodes = {label: tx.run(cypher.count_label(label)).single(strict=True)["n"]
                     for label in sorted(LABELS)}
            rels = {t: tx.run(cypher.count_type(t)).single(strict=True)["n"]
                    for t in sorted(REL_TYPES)}
            return Stats({k: v for k, v in nodes.items() if v},
                         {k: v for k, v in rels.items() if v})

        def call() -> Stats:
            with self._session() as session:
                return session.execute_read(count)
        return self._guard(call)

    def ping(self) -> None:
        """Raise StoreUnavailable unless the server answers."""
        def call() -> None:
            with self._in_use():
                self.driver.verify_connectivity()
        self._guard(call)

    def close(self) -> None:
        """Close the driver; safe while other threads use the store, and idempotent.

        New work is refused at once (StoreUnavailable). Sessions in use may finish for up to
        `close_wait_s` seconds; then the pool is closed whatever is left (a failure to close a
        connection still in use is logged, not raised)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            deadline = time.monotonic() + self.close_wait_s
            while self._busy and (left := deadline - time.monotonic()) > 0:
                self._released.wait(left)
            busy = self._busy
        try:
            self.driver.close()
        except Exception:
            if not busy:
                raise
            log.warning("Neo4j store %s closed with %d session(s) still in use", self.uri, busy,
                        exc_info=True)
