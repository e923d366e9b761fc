"""All SQL text of the embedded store. Labels and property names reach here only after the
allow-list checks in graph.store, so splicing them as literals is safe (and lets SQLite use the
partial expression indexes, which a bound parameter would not)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from jointsup.graph.store import Filter, check_label, check_prop
from jointsup.model import LABELS, PropValue

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # durable at every commit, not just against process crashes
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-131072",  # 128 MiB of pages per connection
    "PRAGMA mmap_size=1073741824",  # hot pages read from the OS page cache without read() calls
    "PRAGMA temp_store=MEMORY",
)

SCHEMA_VERSION = 3
TABLES = (
    """CREATE TABLE IF NOT EXISTS nodes (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        key TEXT NOT NULL,
        props TEXT NOT NULL,
        UNIQUE (label, key))""",
    # Each relationship repeats its ends' label and key: neighbours come back ordered by the
    # other end's (label, key) on both stores; with these columns in the two covering indexes a
    # hub's first N neighbours stream from an index instead of a sort over all of them.
    """CREATE TABLE IF NOT EXISTS rels (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        src INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        dst INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        src_label TEXT NOT NULL,
        src_key TEXT NOT NULL,
        dst_label TEXT NOT NULL,
        dst_key TEXT NOT NULL,
        props TEXT NOT NULL,
        UNIQUE (src, type, dst))""",
)
# Secondary indexes: what reads need beyond the unique keys, which writes never consult — so a
# bulk load may drop them and build them once at its end (`EmbeddedStore.suspended_indexes`).
_REL_INDEX_COLUMNS = {
    "rels_out": "src, type, dst_label, dst_key, dst",
    "rels_in": "dst, type, src_label, src_key, src",
    "rels_by_type": "type",
}
REL_INDEXES = tuple(f"CREATE INDEX IF NOT EXISTS {name} ON rels ({columns})"
                    for name, columns in _REL_INDEX_COLUMNS.items())


def _lit(label: str) -> str:
    return "'" + check_label(label) + "'"


def prop_expr(name: str) -> str:
    """The SQL expression of a node property's value."""
    return f"json_extract(props, '$.{check_prop(name)}')"


def _index_name(label: str, prop: str) -> str:
    return f"ix_{label}_{prop}"


def index_statements() -> list[str]:
    """One partial expression index per (label, indexed property) of the domain model."""
    return [
        f'CREATE INDEX IF NOT EXISTS "{_index_name(label, prop)}" ON nodes ({prop_expr(prop)}, '
        f"key) WHERE label = {_lit(label)}"
        for label, spec in LABELS.items() for prop in spec.indexed
    ]


def written_indexes(labels: Collection[str]) -> set[str]:
    """The secondary indexes that writing nodes of `labels` (and any relationships) updates."""
    return {*_REL_INDEX_COLUMNS, *(_index_name(label, prop) for label in labels
                                for prop in LABELS[check_label(label)].indexed)}


def secondary_indexes() -> list[str]:
    """The statements that create every secondary index (each `IF NOT EXISTS`)."""
    return [*REL_INDEXES, *index_statements()]


SECONDARY_INDEX_NAMES = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"


def drop_index(name: str) -> str:
    """Drop one index by its name (as read from sqlite_master)."""
    return 'DROP INDEX IF EXISTS "' + name.replace('"', '""') + '"'


def marks(n: int) -> str:
    """`?, ?, …` for n parameters."""
    return ", ".join("?" * n)


def select_nodes(label: str, n_keys: int) -> str:
    """Nodes of a label by key."""
    return (f"SELECT id, key, props FROM nodes WHERE label = {_lit(label)} "
            f"AND key IN ({marks(n_keys)})")


INSERT_NODE = "INSERT INTO nodes (label, key, props) VALUES (?, ?, ?)"
UPDATE_NODE = "UPDATE nodes SET props = ? WHERE id = ?"
DELETE_NODE = "DELETE FROM nodes WHERE id = ?"
INSERT_REL = ("INSERT INTO rels (type, src, dst, src_label, src_key, dst_label, dst_key, props) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
UPDATE_REL = "UPDATE rels SET props = ? WHERE id = ?"
DELETE_REL = "DELETE FROM rels WHERE src = ? AND type = ? AND dst = ?"
LAST_ROWID = "SELECT last_insert_rowid()"
NODE_ENDS = "SELECT id, label, key FROM nodes WHERE id IN (?, ?)"
NODES_BY_ID = "SELECT id, label, key, props FROM nodes WHERE id IN ({})"
MAX_NODE_ID = "SELECT max(id) FROM nodes"
COUNT_LABELS = "SELECT label, count(*) FROM nodes GROUP BY label"
COUNT_TYPES = "SELECT type, count(*) FROM rels GROUP BY type"
# Whole-store reads in storage order (an export: neo4j_import).
ALL_NODES = "SELECT label, key, props FROM nodes ORDER BY id"
ALL_RELS = ("SELECT type, src_label, src_key, dst_label, dst_key, props FROM rels "
            "ORDER BY id")


def select_rels_from(n_src: int, n_types: int) -> str:
    """Existing relationships of some sources and types (to tell created from updated)."""
    return (f"SELECT id, src, type, dst, props FROM rels WHERE src IN ({marks(n_src)}) "
            f"AND type IN ({marks(n_types)})")


def neighbour_query(inward: bool, n_types: int | None, n_labels: int | None,
                    limit: int | None, n_nodes: int = 1) -> str:
    """Some nodes' relationships in one direction: per node (the first column), ordered by
    (type, other label, other key). `limit` caps the rows, so it suits one node only."""
    me, other = ("dst", "src") if inward else ("src", "dst")
    cond = f" AND type IN ({marks(n_types)})" if n_types is not None else ""
    if n_labels is not None:
        cond += f" AND {other}_label IN ({marks(n_labels)})"
    if inward:
        cond += " AND src <> dst"  # a self-loop is reported once, as outgoing
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return (f"SELECT {me}, id, type, {other}, {other}_label, {other}_key FROM rels "
            f"WHERE {me} IN ({marks(n_nodes)}){cond} "
            f"ORDER BY {me}, type, {other}_label, {other}_key{tail}")


def hubs_query(end: str, n_types: int, n_labels: int | None, limit: int | None) -> str:
    """Nodes at one end of some relationship types, with their distinct degree at the other.

    The inner grouping reads only columns of the covering index that starts with the end's row
    id (rels_in for dst, rels_out for src), in its order: no table rows and no sort of the
    relationships; the groups kept are then named from `nodes` and sorted.
    """
    me, other = ("dst", "src") if end == "dst" else ("src", "dst")
    cond = f"type IN ({marks(n_types)})"
    if n_labels is not None:
        cond += f" AND {other}_label IN ({marks(n_labels)})"
    tail = f" LIMIT {int(limit)}" if limit is not None else ""
    return (f"SELECT n.label, n.key, h.c FROM (SELECT {me} AS id, count(DISTINCT {other}) AS c "
            f"FROM rels INDEXED BY rels_{'in' if end == 'dst' else 'out'} WHERE {cond} "
            f"GROUP BY {me} HAVING c >= ?) AS h JOIN nodes AS n ON n.id = h.id "
            f"ORDER BY h.c DESC, n.key, n.label{tail}")


def props_by_id(table: str, n_ids: int) -> str:
    """The props of some rows of `nodes` or `rels` by id."""
    if table not in ("nodes", "rels"):
        raise ValueError(table)
    return f"SELECT id, props FROM {table} WHERE id IN ({marks(n_ids)})"


def rels_among_query(n_ids: int, n_types: int | None) -> str:
    """Relationships whose both ends are among some node ids."""
    ids = marks(n_ids)
    cond = f" AND type IN ({marks(n_types)})" if n_types is not None else ""
    # `+dst` keeps SQLite from driving the look-up from the dst side: a region or industry among
    # the ids would make it walk all of that hub's incoming relationships.
    return (f"SELECT type, src, dst, props FROM rels WHERE src IN ({ids}) "
            f"AND +dst IN ({ids}){cond}")


def select_ids(label: str, n_keys: int) -> str:
    """Row ids of nodes of a label by key, from the (label, key) index alone."""
    return f"SELECT id, key FROM nodes WHERE label = {_lit(label)} AND key IN ({marks(n_keys)})"


def rels_between_query(inward: bool, n_types: int | None) -> str:
    """Relationships of the node ids in one JSON array (one direction) whose other end is among
    the ids in a second: driven by the nodes' covering index, the other end only tested. Both
    sets as JSON arrays, so one statement serves any number of nodes."""
    me, other = ("dst", "src") if inward else ("src", "dst")
    cond = f" AND type IN ({marks(n_types)})" if n_types is not None else ""
    return (f"SELECT type, src, dst FROM rels WHERE {me} IN (SELECT value FROM json_each(?)) "
            f"AND +{other} IN (SELECT value FROM json_each(?)){cond}")


def degree_query(inward: bool, n_types: int) -> str:
    """How many relationships of some types each of the node ids in a JSON array has in one
    direction: counted on the covering index (no rows read), nodes without any left out."""
    me = "dst" if inward else "src"
    return (f"SELECT {me}, count(*) FROM rels WHERE {me} IN (SELECT value FROM json_each(?)) "
            f"AND type IN ({marks(n_types)}) GROUP BY {me}")


def rels_probe_query(inward: bool, n_types: int) -> str:
    """The relationships of some types between one node id and the ids in a JSON array, the
    node being the destination (`inward`) or the source: one seek of the unique (src, type, dst)
    index (SQLite's automatic index for that constraint, the table's first) per other node and
    type, however many relationships the node has. Parameters in order of appearance."""
    if inward:
        return ("SELECT type, src, dst FROM rels INDEXED BY sqlite_autoindex_rels_1 WHERE "
                f"src IN (SELECT value FROM json_each(?)) AND type IN ({marks(n_types)}) "
                "AND dst = ?")
    return ("SELECT type, src, dst FROM rels INDEXED BY sqlite_autoindex_rels_1 WHERE src = ? "
            f"AND type IN ({marks(n_types)}) AND dst IN (SELECT value FROM json_each(?))")


def adjacency_query(n_nodes: int, n_types: int | None, limit: int) -> str:
    """The first `limit` relationships of each of n nodes in each direction, in one statement.

    One arm per node and direction, each read in order from its covering index and cut at the
    limit (so a hub streams only its first rows); the union comes sorted by node, then in
    neighbour order (type, other end's label and key, outgoing first). Parameters: per node, its
    row id then the types, twice (outgoing arm, incoming arm).
    """
    cond = f" AND type IN ({marks(n_types)})" if n_types is not None else ""
    arms = []
    for me, other, inward in (("src", "dst", 0), ("dst", "src", 1)):
        loop = " AND src <> dst" if inward else ""  # a self-loop is reported once, as outgoing
        arms.append(f"SELECT * FROM (SELECT {me}, type, {other}_label, {other}_key, {inward}, "
                    f"{other} FROM rels WHERE {me} = ?{cond}{loop} "
                    f"ORDER BY type, {other}_label, {other}_key LIMIT {int(limit)})")
    return " UNION ALL ".join(arms * n_nodes) + " ORDER BY 1, 2, 3, 4, 5"


def where(label: str, filters: Sequence[Filter]) -> tuple[str, list[PropValue]]:
    """The WHERE clause (label and filters) and its parameters."""
    parts, params = [f"label = {_lit(label)}"], []
    for f in filters:
        expr = prop_expr(f.prop)
        if f.op == "eq":
            parts.append(f"{expr} = ?")
            params.append(f.value)
        elif f.op == "in":
            values = f.value if isinstance(f.value, list) else []
            parts.append(f"{expr} IN ({marks(len(values))})" if values else "0")
            params.extend(values)
        elif f.op == "prefix":
            # The range lets the index work; substr keeps the test exact.
            text = str(f.value)
            parts.append(f"{expr} >= ? AND {expr} < ? AND substr({expr}, 1, ?) = ?")
            params.extend([text, text + "\U0010ffff", len(text), text])
        elif f.op == "gte":
            parts.append(f"{expr} >= ?")
            params.append(f.value)
        elif f.op == "lte":
            parts.append(f"{expr} <= ?")
            params.append(f.value)
        elif f.op == "null":
            parts.append(f"{expr} IS NULL" if f.value else f"{expr} IS NOT NULL")
    return " AND ".join(parts), params


def scan_query(label: str, filters: Sequence[Filter], order_by: str | None, descending: bool,
               after: tuple[PropValue, str] | None, limit: int) -> tuple[str, list[PropValue]]:
    """A keyset-paginated scan ordered by (order_by, key) or by key."""
    clause, params = where(label, filters)
    cmp, direction = ("<", "DESC") if descending else (">", "ASC")
    if order_by is None:
        if after is not None:
            clause += f" AND key {cmp} ?"
            params.append(after[1])
        order = f"key {direction}"
    else:
        expr = prop_expr(order_by)
        if after is not None:
            clause += f" AND ({expr} {cmp} ? OR ({expr} = ? AND key {cmp} ?))"
            params.extend([after[0], after[0], after[1]])
        order = f"{expr} {direction}, key {direction}"
    return f"SELECT id, key, props FROM nodes WHERE {clause} ORDER BY {order} LIMIT {limit}", params


def count_query(label: str, filters: Sequence[Filter]) -> tuple[str, list[PropValue]]:
    """Count matching nodes."""
    clause, params = where(label, filters)
    return f"SELECT count(*) FROM nodes WHERE {clause}", params


def count_by_query(label: str, props: Sequence[str], filters: Sequence[Filter]
                   ) -> tuple[str, list[PropValue]]:
    """Grouped counts; values come back as JSON text so booleans stay booleans."""
    clause, params = where(label, filters)
    cols = ", ".join(f"props -> '$.{check_prop(p)}'" for p in props)
    groups = ", ".join(str(i + 1) for i in range(len(props)))
    return f"SELECT {cols}, count(*) FROM nodes WHERE {clause} GROUP BY {groups}", params
