"""All Cypher text of the Neo4j store. Values are always parameters; labels, types and property
names are spliced only after the allow-list checks in graph.store (Cypher cannot take them as
parameters and still use the uniqueness constraints and indexes)."""

from __future__ import annotations

from collections.abc import Sequence

from jointsup.graph.store import Filter, check_label, check_prop, check_type
from jointsup.model import LABELS, REL_TYPES, PropValue


def _l(label: str) -> str:
    return f"`{check_label(label)}`"


def _t(rel_type: str) -> str:
    return f"`{check_type(rel_type)}`"


def _p(prop: str) -> str:
    return f"`{check_prop(prop)}`"


def schema_statements() -> list[str]:
    """Uniqueness constraints on every label's key and one index per indexed property."""
    out = [f"CREATE CONSTRAINT `{label}_key` IF NOT EXISTS FOR (n:{_l(label)}) "
           "REQUIRE n.key IS UNIQUE" for label in LABELS]
    out += [f"CREATE INDEX `{label}_{prop}` IF NOT EXISTS FOR (n:{_l(label)}) ON (n.{_p(prop)})"
            for label, spec in LABELS.items() for prop in spec.indexed]
    return out


def get_nodes(label: str) -> str:
    """Nodes by key."""
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) "
            "RETURN n.key AS key, properties(n) AS props")


CREATED_MARK = "__jointsup_created"  # set by a MERGE that creates, removed in the same query


def upsert_nodes(label: str) -> str:
    """Merge nodes by key and patch their properties; reports whether each was new or changed.

    `created` comes from the MERGE itself (ON CREATE), not from the OPTIONAL MATCH before it: a
    node another transaction was creating meanwhile is invisible to the match, then matched by
    the MERGE once that one commits — ours did not create it (Neo4jTx relies on `created`)."""
    return (f"UNWIND $rows AS row OPTIONAL MATCH (old:{_l(label)} {{key: row.key}}) "
            "WITH row, CASE WHEN old IS NULL THEN null ELSE properties(old) END AS before "
            f"MERGE (n:{_l(label)} {{key: row.key}}) ON CREATE SET n.`{CREATED_MARK}` = true "
            "SET n += row.props "
            f"WITH n, before, n.`{CREATED_MARK}` IS NOT NULL AS created "
            f"REMOVE n.`{CREATED_MARK}` "
            "RETURN created, coalesce(before = properties(n), false) AS same")


def upsert_rels(rel_type: str, src: str, dst: str) -> str:
    """Merge relationships between existing nodes and patch their properties."""
    return (f"UNWIND $rows AS row MATCH (a:{_l(src)} {{key: row.src}}) "
            f"MATCH (b:{_l(dst)} {{key: row.dst}}) "
            f"OPTIONAL MATCH (a)-[old:{_t(rel_type)}]->(b) "
            "WITH row, a, b, CASE WHEN old IS NULL THEN null ELSE properties(old) END AS before "
            f"MERGE (a)-[r:{_t(rel_type)}]->(b) SET r += row.props "
            "RETURN before IS NULL AS created, before = properties(r) AS same")


def create_rels(rel_type: str, src: str, dst: str) -> str:
    """Create relationships that cannot exist yet (an end was created in this transaction);
    reports like `upsert_rels`."""
    return (f"UNWIND $rows AS row MATCH (a:{_l(src)} {{key: row.src}}) "
            f"MATCH (b:{_l(dst)} {{key: row.dst}}) "
            f"CREATE (a)-[r:{_t(rel_type)}]->(b) SET r += row.props "
            "RETURN true AS created, false AS same")


def missing_keys(label: str) -> str:
    """Which of some keys have no node."""
    return (f"UNWIND $keys AS k OPTIONAL MATCH (n:{_l(label)} {{key: k}}) "
            "WITH k, n WHERE n IS NULL RETURN k")


def delete_nodes(label: str) -> str:
    """Detach-delete nodes by key."""
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) DETACH DELETE n "
            "RETURN count(*) AS n")


def delete_rels(rel_type: str, src: str, dst: str) -> str:
    """Delete relationships by their ends."""
    return (f"UNWIND $rows AS row MATCH (:{_l(src)} {{key: row.src}})-[r:{_t(rel_type)}]->"
            f"(:{_l(dst)} {{key: row.dst}}) DELETE r RETURN count(*) AS n")


def element_ids(label: str) -> str:
    """Element ids of nodes by key (valid within the transaction)."""
    return f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) RETURN elementId(n) AS id"


_PATTERN = {"out": "(n)-[r]->(m)", "in": "(n)<-[r]-(m)", "both": "(n)-[r]-(m)"}


def neighbours(label: str, direction: str, props: bool = True) -> str:
    """Per node, its neighbours in the order (type, label, key, outgoing first), limited."""
    rprops, mprops = ("properties(r)", "properties(m)") if props else ("{}", "{}")
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) "
            f"CALL (n) {{ MATCH {_PATTERN[direction]} "
            "WHERE ($types IS NULL OR type(r) IN $types) "
            "AND ($labels IS NULL OR labels(m)[0] IN $labels) "
            "WITH r, m, startNode(r) = n AS outward "
            "ORDER BY type(r), labels(m)[0], m.key, outward DESC LIMIT $limit "
            "RETURN r, m, outward } "
            f"RETURN k, type(r) AS type, {rprops} AS rprops, labels(m)[0] AS label, "
            f"m.key AS key, {mprops} AS props, outward")


RELS_AMONG = (
    "MATCH (a)-[r]->(b) WHERE elementId(a) IN $ids AND elementId(b) IN $ids "
    "AND ($types IS NULL OR type(r) IN $types) "
    "RETURN type(r) AS type, labels(a)[0] AS sl, a.key AS sk, labels(b)[0] AS dl, "
    "b.key AS dk, properties(r) AS props"
)


RELS_BETWEEN = (
    "MATCH (a)-[r]-(b) WHERE elementId(a) IN $ours AND elementId(b) IN $theirs "
    "AND ($types IS NULL OR type(r) IN $types) WITH DISTINCT r "
    "RETURN type(r) AS type, labels(startNode(r))[0] AS sl, startNode(r).key AS sk, "
    "labels(endNode(r))[0] AS dl, endNode(r).key AS dk"
)


def hubs(types: Sequence[str], end: str) -> str:
    """Nodes at one end of some relationship types with their distinct degree at the other."""
    alts = "|".join(_t(t) for t in types)
    pattern = f"(h)<-[:{alts}]-(o)" if end == "dst" else f"(h)-[:{alts}]->(o)"
    return (f"MATCH {pattern} WHERE $labels IS NULL OR labels(o)[0] IN $labels "
            "WITH h, count(DISTINCT o) AS n WHERE n >= $min "
            "RETURN labels(h)[0] AS label, h.key AS key, n "
            "ORDER BY n DESC, key, label LIMIT $limit")


def where(filters: Sequence[Filter]) -> tuple[str, dict[str, PropValue]]:
    """The WHERE conditions of some filters, and their parameters."""
    ops = {"eq": "=", "in": "IN", "prefix": "STARTS WITH", "gte": ">=", "lte": "<="}
    parts, params = ["true"], {}
    for i, f in enumerate(filters):
        if f.op == "null":
            parts.append(f"n.{_p(f.prop)} IS {'' if f.value else 'NOT '}NULL")
        else:
            parts.append(f"n.{_p(f.prop)} {ops[f.op]} $f{i}")
            params[f"f{i}"] = f.value
    return " AND ".join(parts), params


def scan(label: str, filters: Sequence[Filter], order_by: str | None, descending: bool,
         after: tuple[PropValue, str] | None, limit: int) -> tuple[str, dict[str, PropValue]]:
    """A keyset-paginated scan ordered by (order_by, key) or by key."""
    cond, params = where(filters)
    cmp, direction = ("<", "DESC") if descending else (">", "ASC")
    if after is not None:
        params["after_key"] = after[1]
        if order_by is None:
            cond += f" AND n.key {cmp} $after_key"
        else:
            params["after_value"] = after[0]
            p = f"n.{_p(order_by)}"
            cond += (f" AND ({p} {cmp} $after_value OR "
                     f"({p} = $after_value AND n.key {cmp} $after_key))")
    order = (f"n.{_p(order_by)} {direction}, " if order_by else "") + f"n.key {direction}"
    return (f"MATCH (n:{_l(label)}) WHERE {cond} RETURN n.key AS key, properties(n) AS props "
            f"ORDER BY {order} LIMIT {int(limit)}", params)


def count(label: str, filters: Sequence[Filter]) -> tuple[str, dict[str, PropValue]]:
    """Count matching nodes."""
    cond, params = where(filters)
    return f"MATCH (n:{_l(label)}) WHERE {cond} RETURN count(n) AS n", params


def count_by(label: str, props: Sequence[str], filters: Sequence[Filter]
             ) -> tuple[str, dict[str, PropValue]]:
    """Grouped counts of matching nodes."""
    cond, params = where(filters)
    groups = ", ".join(f"n.{_p(p)} AS g{i}" for i, p in enumerate(props))
    return f"MATCH (n:{_l(label)}) WHERE {cond} RETURN {groups}, count(*) AS n", params


def count_label(label: str) -> str:
    """Node count of one label (answered from the counts store)."""
    return f"MATCH (n:{_l(label)}) RETURN count(n) AS n"


def count_type(rel_type: str) -> str:
    """Relationship count of one type (answered from the counts store)."""
    return f"MATCH ()-[r:{_t(rel_type)}]->() RETURN count(r) AS n"


ALL_TYPES = tuple(REL_TYPES)
