"""All SQL text of the embedded store. Labels and property names reach here only after the
allow-list checks in graph.store, so splicing them as literals is safe (and lets SQLite use the
partial expression indexes, which a bound parameter would not)."""

from __future__ import annotations

from collections.abc import Sequence

from jointsup.graph.store import Filter, check_label, check_prop
from jointsup.model import LABELS, PropValue

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",  # durable at every commit, not just against process crashes
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS nodes (
        id INTEGER PRIMARY KEY,
        label TEXT NOT NULL,
        key TEXT NOT NULL,
        props TEXT NOT NULL,
        UNIQUE (label, key))""",
    """CREATE TABLE IF NOT EXISTS rels (
        id INTEGER PRIMARY KEY,
        type TEXT NOT NULL,
        src INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        dst INTEGER NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
        props TEXT NOT NULL,
        UNIQUE (src, type, dst))""",
    "CREATE INDEX IF NOT EXISTS rels_by_dst ON rels (dst, type, src)",
    "CREATE INDEX IF NOT EXISTS rels_by_type ON rels (type)",
)


def _lit(label: str) -> str:
    return "'" + check_label(label) + "'"


def prop_expr(name: str) -> str:
    """The SQL expression of a node property's value."""
    return f"json_extract(props, '$.{check_prop(name)}')"


def index_statements() -> list[str]:
    """One partial expression index per (label, indexed property) of the domain model."""
    return [
        f'CREATE INDEX IF NOT EXISTS "ix_{label}_{prop}" ON nodes ({prop_expr(prop)}, key) '
        f"WHERE label = {_lit(label)}"
        for label, spec in LABELS.items() for prop in spec.indexed
    ]


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
INSERT_REL = "INSERT INTO rels (type, src, dst, props) VALUES (?, ?, ?, ?)"
UPDATE_REL = "UPDATE rels SET props = ? WHERE id = ?"
DELETE_REL = "DELETE FROM rels WHERE src = ? AND type = ? AND dst = ?"
NODES_BY_ID = "SELECT id, label, key, props FROM nodes WHERE id IN ({})"
COUNT_LABELS = "SELECT label, count(*) FROM nodes GROUP BY label"
COUNT_TYPES = "SELECT type, count(*) FROM rels GROUP BY type"


def select_rels_from(n_src: int, n_types: int) -> str:
    """Existing relationships of some sources and types (to tell created from updated)."""
    return (f"SELECT id, src, type, dst, props FROM rels WHERE src IN ({marks(n_src)}) "
            f"AND type IN ({marks(n_types)})")


def neighbour_query(n_ids: int, direction: str, types: Sequence[str] | None,
                    labels: Sequence[str] | None, limit: int | None) -> str:
    """Neighbours of several nodes in the order (type, label, key, out before in), per node."""
    cond = ""
    if types is not None:
        cond += f" AND r.type IN ({marks(len(types))})"
    if labels is not None:
        cond += f" AND m.label IN ({marks(len(labels))})"
    ids = marks(n_ids)
    parts = []
    if direction in ("out", "both"):
        parts.append("SELECT r.src AS centre, 0 AS inward, r.type, r.props AS rprops, m.id, "
                     "m.label, m.key, m.props FROM rels r JOIN nodes m ON m.id = r.dst "
                     f"WHERE r.src IN ({ids}){cond}")
    if direction in ("in", "both"):
        loop = " AND r.src <> r.dst" if direction == "both" else ""
        parts.append("SELECT r.dst AS centre, 1 AS inward, r.type, r.props AS rprops, m.id, "
                     "m.label, m.key, m.props FROM rels r JOIN nodes m ON m.id = r.src "
                     f"WHERE r.dst IN ({ids}){cond}{loop}")
    union = " UNION ALL ".join(parts)
    order = "type, label, key, inward"
    cols = "centre, inward, type, rprops, id, label, key, props"
    if limit is None:
        return f"SELECT {cols} FROM ({union}) ORDER BY centre, {order}"
    return (f"SELECT {cols} FROM (SELECT *, row_number() OVER "
            f"(PARTITION BY centre ORDER BY {order}) AS rank FROM ({union})) "
            f"WHERE rank <= {int(limit)} ORDER BY centre, {order}")


def rels_among_query(n_ids: int, n_types: int | None) -> str:
    """Relationships whose both ends are among some node ids."""
    ids = marks(n_ids)
    cond = f" AND type IN ({marks(n_types)})" if n_types is not None else ""
    return f"SELECT type, src, dst, props FROM rels WHERE src IN ({ids}) AND dst IN ({ids}){cond}"


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
