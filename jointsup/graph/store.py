"""The GraphStore port: what services may ask of a graph store, and the value types it answers with.

Both adapters subclass `GraphTx` (the primitives, validated here once) and `BaseGraphStore` (the
public surface, delegating to a transaction). The contract suite in tests/contract runs the same
tests against both and requires identical answers.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Self, TypeVar

from jointsup.errors import InvalidInput, SchemaError
from jointsup.model import (
    KEY_SEPARATOR,
    LABELS,
    REL_TYPES,
    Node,
    NodeRef,
    Props,
    PropValue,
    Rel,
)

T = TypeVar("T")
Direction = Literal["out", "in", "both"]
FilterOp = Literal["eq", "in", "prefix", "gte", "lte", "null"]
PROP_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")
MAX_PAGE = 1000


@dataclass(frozen=True)
class Filter:
    """One condition on a node property; several filters are combined with AND."""

    prop: str
    op: FilterOp
    value: PropValue


@dataclass(frozen=True)
class Page:
    """One page of a keyset-paginated listing."""

    items: list[Node]
    end_cursor: str | None
    has_next: bool


@dataclass(frozen=True)
class Neighbour:
    """A relationship of a node and the node at its other end."""

    rel: Rel
    node: Node


@dataclass(frozen=True)
class Subgraph:
    """Nodes and the relationships among them; `truncated` when a limit cut the result."""

    nodes: list[Node]
    rels: list[Rel]
    truncated: bool = False


@dataclass(frozen=True)
class Path:
    """A path: n+1 nodes joined by n relationships (each in its stored direction)."""

    nodes: list[Node]
    rels: list[Rel]


@dataclass(frozen=True)
class WriteCount:
    """What a batch of upserts did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __add__(self, other: WriteCount) -> WriteCount:
        return WriteCount(self.created + other.created, self.updated + other.updated,
                          self.unchanged + other.unchanged)


@dataclass(frozen=True)
class Stats:
    """Node counts by label and relationship counts by type (zero counts omitted)."""

    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------- validation (shared by adapters)

def check_label(label: str) -> str:
    """Return `label` if the domain model allows it, else raise SchemaError."""
    if label not in LABELS:
        raise SchemaError(f"unknown label {label!r}")
    return label


def check_type(rel_type: str) -> str:
    """Return `rel_type` if the domain model allows it, else raise SchemaError."""
    if rel_type not in REL_TYPES:
        raise SchemaError(f"unknown relationship type {rel_type!r}")
    return rel_type


def check_prop(name: str) -> str:
    """Return a property name safe to splice into query text (lower snake case)."""
    if name in _GOOD_PROPS:
        return name
    if not PROP_NAME.match(name) or name == "key":
        raise SchemaError(f"invalid property name {name!r}")
    if len(_GOOD_PROPS) < 10_000:  # bounded: names come from files and requests
        _GOOD_PROPS.add(name)
    return name


_GOOD_PROPS: set[str] = set()


_SCALARS = (str, bool, int, float)


def _check_value(owner: str, name: str, value: PropValue) -> None:
    if value is None or type(value) in _SCALARS or isinstance(value, _SCALARS):
        return
    if isinstance(value, list) and (not value or (
            type(value[0]) in _SCALARS and all(type(v) is type(value[0]) for v in value))):
        return
    raise SchemaError(f"{owner}: property {name!r} must be a scalar or a homogeneous list")


def check_props(owner: str, props: Props) -> Props:
    """Validate property names and values; returns the same mapping."""
    for name, value in props.items():
        check_prop(name)
        _check_value(owner, name, value)
    return props


def merge_nodes(nodes: Sequence[Node]) -> list[Node]:
    """Validate a batch and fold repeated keys into one node (later properties win)."""
    at: dict[NodeRef, int] = {}
    out: list[Node] = []
    for node in nodes:
        check_label(node.label)
        if not node.key:
            raise SchemaError(f"{node.label} node with an empty key")
        check_props(f"{node.label}:{node.key}", node.props)
        i = at.get(node.ref)
        if i is None:
            at[node.ref] = len(out)
            out.append(node)
        else:
            out[i] = Node(node.label, node.key, {**out[i].props, **node.props})
    return out


def merge_rels(rels: Iterable[Rel]) -> list[Rel]:
    """Validate a batch of relationships and fold repeats (later properties win)."""
    merged: dict[tuple[str, NodeRef, NodeRef], Props] = {}
    for rel in rels:
        spec = REL_TYPES.get(rel.type)
        if spec is None:
            raise SchemaError(f"unknown relationship type {rel.type!r}")
        if rel.src.label not in spec.sources or rel.dst.label not in spec.targets:
            raise SchemaError(f"{rel.type} cannot join {rel.src.label} to {rel.dst.label}")
        check_props(rel.type, rel.props)
        merged.setdefault((rel.type, rel.src, rel.dst), {}).update(rel.props)
    return [Rel(t, s, d, p) for (t, s, d), p in merged.items()]


def apply_props(before: Props, patch: Props) -> Props:
    """The properties after `SET n += patch`: None removes a property."""
    after = dict(before)
    for name, value in patch.items():
        if value is None:
            after.pop(name, None)
        else:
            after[name] = value
    return after


def check_filters(filters: Sequence[Filter]) -> Sequence[Filter]:
    """Validate filters: known operators, safe names, values of the right shape."""
    for f in filters:
        check_prop(f.prop)
        if f.op == "in":
            if not isinstance(f.value, list):
                raise InvalidInput(f"filter {f.prop} in: needs a list")
        elif f.op == "prefix":
            if not isinstance(f.value, str):
                raise InvalidInput(f"filter {f.prop} prefix: needs a string")
        elif f.op == "null":
            if not isinstance(f.value, bool):
                raise InvalidInput(f"filter {f.prop} null: needs true (absent) or false (present)")
        elif f.op in ("eq", "gte", "lte"):
            if f.value is None or isinstance(f.value, list):
                raise InvalidInput(f"filter {f.prop} {f.op}: needs a scalar")
        else:
            raise InvalidInput(f"unknown filter operator {f.op!r}")
    return filters


def encode_cursor(value: PropValue, key: str) -> str:
    """An opaque cursor for keyset pagination: the last item's sort value and key."""
    raw = json.dumps([value, key], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[PropValue, str]:
    """Inverse of `encode_cursor`; raises InvalidInput on anything else."""
    try:
        value, key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise InvalidInput("malformed cursor") from None
    if not isinstance(key, str) or isinstance(value, dict | list):
        raise InvalidInput("malformed cursor")
    return value, key


def sort_token(value: Any) -> tuple[bool, str, Any]:
    """A total order over property values: nulls last, then by type name, then value."""
    if value is None:
        return (True, "", 0)
    if isinstance(value, bool):
        return (False, "bool", value)
    if isinstance(value, int | float):
        return (False, "number", value)
    return (False, type(value).__name__, value if not isinstance(value, list) else str(value))


def neighbour_order(nb: Neighbour) -> tuple[str, str, str, bool]:
    """The order neighbours come back in: relationship type, then the other node, out first."""
    return (nb.rel.type, nb.node.label, nb.node.key, nb.rel.dst == nb.node.ref)


def newest_order(key: str) -> tuple[str, str]:
    """The order `GraphTx.newest_neighbours` picks the greatest by: a key's second part (the
    date of a key `<owner>|<date>|…`, as a CreditRating's `uscc|month|source`; '' when the key
    has fewer than three parts), then the whole key."""
    parts = key.split(KEY_SEPARATOR)
    return (parts[1] if len(parts) > 2 else "", key)


def keys_by_label(refs: Iterable[NodeRef]) -> dict[str, list[str]]:
    """The keys of some refs grouped by label, labels in order of first appearance."""
    groups: dict[str, list[str]] = {}
    for ref in refs:
        groups.setdefault(ref.label, []).append(ref.key)
    return groups


# ---------------------------------------------------------------- the port

# The property `GraphTx.lock_node` writes to take a node's write lock.
LOCK = "lock"


class GraphTx(ABC):
    """One transaction's view of the graph: validated public methods over adapter primitives."""

    def get_nodes(self, label: str, keys: Sequence[str]) -> list[Node | None]:
        """Nodes of `label` by key, aligned with `keys` (None where absent)."""
        check_label(label)
        found = self._get_nodes(label, list(dict.fromkeys(keys))) if keys else {}
        return [found.get(k) for k in keys]

    def get_node(self, ref: NodeRef) -> Node | None:
        """One node by identity."""
        return self.get_nodes(ref.label, [ref.key])[0]

    def get_nodes_by_ref(self, refs: Iterable[NodeRef]) -> dict[NodeRef, Node]:
        """Nodes of any labels by identity (absent ones left out), for reads that gather nodes
        of several labels at once: an adapter may serve them in one query, not one per label."""
        unique = list(dict.fromkeys(refs))
        for ref in unique:
            check_label(ref.label)
        return self._get_nodes_by_ref(unique) if unique else {}

    def missing(self, refs: Iterable[NodeRef]) -> set[NodeRef]:
        """The nodes among `refs` that do not exist (their properties are not read)."""
        wanted: dict[str, list[str]] = {}
        for ref in refs:
            wanted.setdefault(check_label(ref.label), []).append(ref.key)
        gone: set[NodeRef] = set()
        for label, keys in wanted.items():
            unique = list(dict.fromkeys(keys))
            present = self._keys(label, unique)
            gone.update(NodeRef(label, k) for k in unique if k not in present)
        return gone

    def _keys(self, label: str, keys: list[str]) -> set[str]:
        """Which of the (distinct) keys exist; adapters may answer without reading properties."""
        return set(self._get_nodes(label, keys))

    def upsert_nodes(self, nodes: Sequence[Node]) -> WriteCount:
        """Create or update nodes by key; properties are merged, None removes one."""
        batch = merge_nodes(nodes)
        return self._upsert_nodes(batch) if batch else WriteCount()

    def lock_node(self, ref: NodeRef) -> Node | None:
        """Take a node's write lock before reading it; the node as stored, without the mark.

        Neo4j reads committed data, so two transactions that read first could both act on the
        same state; writing first makes the second wait for the first to commit (SQLite
        serialises writers anyway). The `lock` mark is cleared by `unlock` or by the caller's
        own final write setting `lock` to None. None when there was no such node: the write
        made a stub, which the caller either fills in or rolls back by raising.
        """
        written = self.upsert_nodes([Node(ref.label, ref.key, {LOCK: uuid.uuid4().hex})])
        node = None if written.created else self.get_node(ref)
        if node is None:
            return None
        return Node(node.label, node.key, {k: v for k, v in node.props.items() if k != LOCK})

    def unlock(self, ref: NodeRef) -> None:
        """Clear the mark `lock_node` wrote, for a transaction that changes nothing else."""
        self.upsert_nodes([Node(ref.label, ref.key, {LOCK: None})])

    def upsert_rels(self, rels: Sequence[Rel]) -> WriteCount:
        """Create or update relationships by (type, src, dst); both endpoints must exist."""
        batch = merge_rels(rels)
        return self._upsert_rels(batch) if batch else WriteCount()

    def delete_nodes(self, refs: Sequence[NodeRef]) -> int:
        """Delete nodes and their relationships; returns how many nodes existed."""
        for ref in refs:
            check_label(ref.label)
        return self._delete_nodes(list(dict.fromkeys(refs))) if refs else 0

    def delete_rels(self, rels: Sequence[tuple[str, NodeRef, NodeRef]]) -> int:
        """Delete relationships by (type, src, dst); returns how many existed."""
        for rel_type, _, _ in rels:
            check_type(rel_type)
        return self._delete_rels(list(dict.fromkeys(rels))) if rels else 0

    def neighbours(self, refs: Sequence[NodeRef], *, types: Sequence[str] | None = None,
                   direction: Direction = "both", labels: Sequence[str] | None = None,
                   limit: int | None = None, props: bool = True
                   ) -> dict[NodeRef, list[Neighbour]]:
        """For each ref, its relationships and the nodes at their other ends, in a stable order.

        `limit` caps the neighbours returned per node (the first ones in that order). With
        `props=False` nodes and relationships come without properties: the cheap way to walk.
        """
        for t in types or ():
            check_type(t)
        for lab in labels or ():
            check_label(lab)
        if direction not in ("out", "in", "both"):
            raise InvalidInput(f"direction must be out, in or both, not {direction!r}")
        if limit is not None and limit < 0:
            raise InvalidInput("limit must not be negative")
        unique = list(dict.fromkeys(refs))
        found = self._neighbours(unique, list(types) if types is not None else None, direction,
                                 list(labels) if labels is not None else None, limit, props)
        return {ref: found.get(ref, []) for ref in unique}

    def newest_neighbours(self, refs: Sequence[NodeRef], *, rel_type: str, label: str,
                          direction: Direction = "both") -> dict[NodeRef, Node]:
        """For each ref, its newest neighbour of `label` over `rel_type`, with its properties:
        the greatest by `newest_order` of the neighbours' keys (refs with none, or that do not
        exist, are left out). For dated nodes keyed `<owner>|<date>|…`, such as an enterprise's
        monthly CreditRatings: an adapter may pick the newest inside the store, so the others
        are never read.
        """
        check_type(rel_type)
        check_label(label)
        if direction not in ("out", "in", "both"):
            raise InvalidInput(f"direction must be out, in or both, not {direction!r}")
        unique = list(dict.fromkeys(refs))
        return self._newest_neighbours(unique, rel_type, label, direction) if unique else {}

    def neighbours_prefix(self, refs: Sequence[NodeRef], *, types: Sequence[str] | None = None,
                          limit: int, budget: int) -> list[tuple[NodeRef, list[Neighbour]]]:
        """`neighbours(refs, types=types, limit=limit, props=False)` for the first refs only, in
        order: each is read while the rows of those before it number fewer than `budget` by
        the adapter's estimate (an adapter may read them all; the first is always read). For
        walks that may stop early, as a ball that a hub fills: the nodes after the hub are not
        expanded at all. Answers the refs read (distinct, a prefix of `refs`) with their rows.
        """
        for t in types or ():
            check_type(t)
        if limit < 0:
            raise InvalidInput("limit must not be negative")
        if budget < 1:
            raise InvalidInput("budget must be positive")
        unique = list(dict.fromkeys(refs))
        if not unique:
            return []
        return self._neighbours_prefix(unique, list(types) if types is not None else None,
                                       limit, budget)

    def adjacency(self, refs: Sequence[NodeRef], *, types: Sequence[str] | None = None,
                  limit: int) -> dict[NodeRef, list[Rel]]:
        """For each ref, its first `limit` relationships in neighbour order, without properties.

        The relationships of `neighbours(refs, types=types, limit=limit, props=False)`, for walks
        that need only the edges (the path search): adapters may serve it with fewer queries and
        without building a node per row.
        """
        for t in types or ():
            check_type(t)
        if limit < 0:
            raise InvalidInput("limit must not be negative")
        unique = list(dict.fromkeys(refs))
        found = self._adjacency(unique, list(types) if types is not None else None, limit)
        return {ref: found.get(ref, []) for ref in unique}

    def rels_among(self, refs: Sequence[NodeRef], types: Sequence[str] | None = None) -> list[Rel]:
        """All relationships whose both ends are in `refs`, ordered by (type, src, dst)."""
        for t in types or ():
            check_type(t)
        rels = self._rels_among(list(dict.fromkeys(refs)), list(types) if types else None)
        return sorted(rels, key=lambda r: (r.type, r.src, r.dst))

    def rels_between(self, refs: Sequence[NodeRef], others: Sequence[NodeRef],
                     types: Sequence[str] | None = None) -> list[Rel]:
        """Relationships with one end in `refs` and the other in `others`, without properties,
        ordered by (type, src, dst). Read from `refs`' side: pass the smaller set there."""
        for t in types or ():
            check_type(t)
        if not refs or not others:
            return []
        rels = self._rels_between(list(dict.fromkeys(refs)), list(dict.fromkeys(others)),
                                  list(types) if types else None)
        return sorted(rels, key=lambda r: (r.type, r.src, r.dst))

    def list_nodes(self, label: str, *, filters: Sequence[Filter] = (),
                   order_by: str | None = None, descending: bool = False, first: int = 20,
                   after: str | None = None) -> Page:
        """A page of nodes matching all filters, sorted by a property (nulls last) then key."""
        check_label(label)
        check_filters(filters)
        if order_by is not None:
            check_prop(order_by)
        if not 0 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be between 0 and {MAX_PAGE}")
        cursor = decode_cursor(after) if after else None
        rows = self._sorted_scan(label, list(filters), order_by, descending, first + 1, cursor)
        items = rows[:first]
        last = items[-1] if items else None
        end = (encode_cursor(last.props.get(order_by) if order_by else None, last.key)
               if last else None)
        return Page(items, end, len(rows) > first)

    def _sorted_scan(self, label: str, filters: list[Filter], order_by: str | None,
                     descending: bool, limit: int, cursor: tuple[PropValue, str] | None
                     ) -> list[Node]:
        # Nodes with the sort property come first, then those without it ordered by key: two
        # index-friendly scans instead of one sort that puts nulls last.
        if order_by is None:
            return self._scan(label, filters, None, descending, limit, cursor)
        rows: list[Node] = []
        if cursor is None or cursor[0] is not None:
            rows = self._scan(label, [*filters, Filter(order_by, "null", False)], order_by,
                              descending, limit, cursor)
        if len(rows) < limit:
            after_null = (None, cursor[1]) if cursor is not None and cursor[0] is None else None
            rows += self._scan(label, [*filters, Filter(order_by, "null", True)], None,
                               descending, limit - len(rows), after_null)
        return rows

    def count_nodes(self, label: str, filters: Sequence[Filter] = ()) -> int:
        """How many nodes of `label` match all filters."""
        check_label(label)
        return self._count_nodes(label, check_filters(filters))

    def count_by(self, label: str, props: Sequence[str], filters: Sequence[Filter] = ()
                 ) -> list[tuple[tuple[PropValue, ...], int]]:
        """Counts of matching nodes grouped by the values of `props`, ordered by those values."""
        check_label(label)
        for p in props:
            check_prop(p)
        if not props:
            raise InvalidInput("count_by needs at least one property")
        rows = self._count_by(label, list(props), check_filters(filters))
        return sorted(rows, key=lambda row: [sort_token(v) for v in row[0]])

    def hubs(self, types: Sequence[str], *, end: Literal["src", "dst"],
             labels: Sequence[str] | None = None, min_degree: int = 2,
             limit: int | None = None) -> list[tuple[NodeRef, int]]:
        """Nodes at the `end` of relationships of `types` with how many distinct nodes at the
        other end (of `labels`, when given) they join: at least `min_degree`, most first then
        by key. `hubs(["LOCATED_AT"], end="dst")` is 同址多企: addresses shared by companies.
        """
        if not types:
            raise InvalidInput("hubs needs at least one relationship type")
        for t in types:
            check_type(t)
        for lab in labels or ():
            check_label(lab)
        if end not in ("src", "dst"):
            raise InvalidInput(f"end must be src or dst, not {end!r}")
        if min_degree < 1:
            raise InvalidInput("min_degree must be at least 1")
        if limit is not None and limit < 0:
            raise InvalidInput("limit must not be negative")
        if limit == 0 or (labels is not None and not labels):
            return []
        return self._hubs(sorted(set(types)), end, sorted(set(labels)) if labels else None,
                          min_degree, limit)

    @abstractmethod
    def _get_nodes(self, label: str, keys: list[str]) -> dict[str, Node]: ...

    def _get_nodes_by_ref(self, refs: list[NodeRef]) -> dict[NodeRef, Node]:
        """`get_nodes_by_ref` from `_get_nodes`, one call per label, in the order of `refs`'
        first appearance of each label; an adapter overrides it when it can do better."""
        out: dict[NodeRef, Node] = {}
        for label, keys in keys_by_label(refs).items():
            out.update((NodeRef(label, key), node)
                       for key, node in self._get_nodes(label, keys).items())
        return out

    @abstractmethod
    def _upsert_nodes(self, nodes: list[Node]) -> WriteCount: ...

    @abstractmethod
    def _upsert_rels(self, rels: list[Rel]) -> WriteCount: ...

    @abstractmethod
    def _delete_nodes(self, refs: list[NodeRef]) -> int: ...

    @abstractmethod
    def _delete_rels(self, rels: list[tuple[str, NodeRef, NodeRef]]) -> int: ...

    @abstractmethod
    def _neighbours(self, refs: list[NodeRef], types: list[str] | None, direction: Direction,
                    labels: list[str] | None, limit: int | None, props: bool
                    ) -> dict[NodeRef, list[Neighbour]]: ...

    def _newest_neighbours(self, refs: list[NodeRef], rel_type: str, label: str,
                           direction: Direction) -> dict[NodeRef, Node]:
        """`newest_neighbours` from `_neighbours` (keys only, picked here) and `_get_nodes` (the
        newest ones' properties); an adapter that can pick inside the store overrides it."""
        rows = self._neighbours(refs, [rel_type], direction, [label], None, False)
        newest = {ref: max((nb.node.key for nb in nbs), key=newest_order)
                  for ref, nbs in rows.items() if nbs}
        nodes = self._get_nodes(label, list(dict.fromkeys(newest.values())))
        return {ref: nodes[key] for ref, key in newest.items() if key in nodes}

    def _neighbours_prefix(self, refs: list[NodeRef], types: list[str] | None, limit: int,
                           budget: int) -> list[tuple[NodeRef, list[Neighbour]]]:
        """`neighbours_prefix` from `_neighbours`: every ref, one call; an adapter that can stop
        at the budget without another round trip overrides it."""
        rows = self._neighbours(refs, types, "both", None, limit, False)
        return [(ref, rows.get(ref, [])) for ref in refs]

    def _adjacency(self, refs: list[NodeRef], types: list[str] | None, limit: int
                   ) -> dict[NodeRef, list[Rel]]:
        """`adjacency` from `_neighbours`; an adapter overrides it when it can do better."""
        rows = self._neighbours(refs, types, "both", None, limit, False)
        return {ref: [nb.rel for nb in nbs] for ref, nbs in rows.items()}

    @abstractmethod
    def _rels_among(self, refs: list[NodeRef], types: list[str] | None) -> list[Rel]: ...

    @abstractmethod
    def _rels_between(self, refs: list[NodeRef], others: list[NodeRef],
                      types: list[str] | None) -> list[Rel]: ...

    @abstractmethod
    def _hubs(self, types: list[str], end: Literal["src", "dst"], labels: list[str] | None,
              min_degree: int, limit: int | None) -> list[tuple[NodeRef, int]]:
        """Grouped distinct-degree counts, ordered by (count desc, key, label), limited."""

    @abstractmethod
    def _scan(self, label: str, filters: Sequence[Filter], order_by: str | None,
              descending: bool, limit: int, after: tuple[PropValue, str] | None) -> list[Node]:
        """Matching nodes ordered by (order_by, key), or by key alone when order_by is None.

        With order_by, filters always include `order_by` present; `after` is the exclusive
        start position (its value is ignored when order_by is None).
        """

    @abstractmethod
    def _count_nodes(self, label: str, filters: Sequence[Filter]) -> int: ...

    @abstractmethod
    def _count_by(self, label: str, props: list[str], filters: Sequence[Filter]
                  ) -> list[tuple[tuple[PropValue, ...], int]]: ...


IndexProgress = Callable[[int, int], None]
"""Called as (indexes built, indexes to build) while secondary indexes are built."""


def quiet_indexes(done: int, total: int) -> None:
    """An IndexProgress that reports nothing."""


class BaseGraphStore(ABC):
    """The public store: every read runs in a read transaction, every write in a write one."""

    kind: str = "abstract"

    @abstractmethod
    def transaction(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` in one write transaction: all its changes land together or not at all.

        `fn` may be retried on transient errors, so it must be idempotent (upserts are).
        """

    @abstractmethod
    def read(self, fn: Callable[[GraphTx], T]) -> T:
        """Run `fn` in one read transaction (a consistent snapshot where the store offers one)."""

    @abstractmethod
    def stats(self) -> Stats:
        """Node counts by label and relationship counts by type."""

    @abstractmethod
    def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

    @contextmanager
    def suspended_indexes(self, rows: int, progress: IndexProgress = quiet_indexes,
                          labels: Collection[str] | None = None) -> Iterator[bool]:
        """Let a bulk load of about `rows` rows write without maintaining the secondary indexes
        (those reads use, which writes by key never consult), built once when the block ends;
        yields whether they were suspended. Meanwhile look-ups by key stay fast, reads that
        filter or walk do not. `labels`: the node labels the load writes (None: any); the
        indexes of other labels stay as they are. Here: nothing is suspended (Neo4j's MERGE
        needs its indexes)."""
        yield False

    def warm_adjacency(self, limit: int) -> int:
        """Read ahead what path searches will ask of the largest hubs (`GraphTx.adjacency` with
        this `limit`), where the adapter keeps it between transactions; returns how many hubs.
        Here: none (the embedded store streams a hub's first neighbours from an index)."""
        return 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Convenience wrappers: one call, one transaction.
    def upsert_nodes(self, nodes: Sequence[Node]) -> WriteCount:
        """Upsert nodes in their own transaction."""
        return self.transaction(lambda tx: tx.upsert_nodes(nodes))

    def upsert_rels(self, rels: Sequence[Rel]) -> WriteCount:
        """Upsert relationships in their own transaction."""
        return self.transaction(lambda tx: tx.upsert_rels(rels))

    def get_nodes(self, label: str, keys: Sequence[str]) -> list[Node | None]:
        """Nodes by key (for DataLoaders), aligned with `keys`."""
        return self.read(lambda tx: tx.get_nodes(label, keys))

    def get_node(self, ref: NodeRef) -> Node | None:
        """One node by identity."""
        return self.read(lambda tx: tx.get_node(ref))

    def neighbours(self, refs: Sequence[NodeRef], **kw: Any) -> dict[NodeRef, list[Neighbour]]:
        """Batched neighbours; see GraphTx.neighbours."""
        return self.read(lambda tx: tx.neighbours(refs, **kw))

    def list_nodes(self, label: str, **kw: Any) -> Page:
        """A page of nodes; see GraphTx.list_nodes."""
        return self.read(lambda tx: tx.list_nodes(label, **kw))

    def count_nodes(self, label: str, filters: Sequence[Filter] = ()) -> int:
        """Count matching nodes."""
        return self.read(lambda tx: tx.count_nodes(label, filters))

    def count_by(self, label: str, props: Sequence[str], filters: Sequence[Filter] = ()
                 ) -> list[tuple[tuple[PropValue, ...], int]]:
        """Grouped counts; see GraphTx.count_by."""
        return self.read(lambda tx: tx.count_by(label, props, filters))

    def hubs(self, types: Sequence[str], **kw: Any) -> list[tuple[NodeRef, int]]:
        """Shared nodes and their distinct degree; see GraphTx.hubs."""
        return self.read(lambda tx: tx.hubs(types, **kw))

    def neighbourhood(self, ref: NodeRef, *, depth: int = 1, types: Sequence[str] | None = None,
                      node_limit: int = 200) -> Subgraph:
        """The nodes within `depth` hops of `ref` (at most `node_limit`) and the rels among them."""
        from jointsup.graph.algorithms import neighbourhood

        return self.read(lambda tx: neighbourhood(tx, ref, depth, types, node_limit))

    def shortest_paths(self, src: NodeRef, dst: NodeRef, *, max_length: int = 4,
                       types: Sequence[str] | None = None, first: int = 5) -> list[Path]:
        """Up to `first` simple paths from src to dst, shortest first, ignoring direction."""
        from jointsup.graph.algorithms import shortest_paths

        return self.read(lambda tx: shortest_paths(tx, src, dst, max_length, types, first))
