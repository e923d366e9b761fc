"""All Cypher text of the Neo4j store. Values are always parameters; labels, types and property
names are spliced only after the allow-list checks in graph.store (Cypher cannot take them as
parameters and still use the uniqueness constraints and indexes)."""

from __future__ import annotations

from collections.abc import Sequence

from jointsup.graph.store import Filter, check_label, check_prop, check_type
from jointsup.model import KEY_SEPARATOR, LABELS, REL_TYPES, PropValue


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
    return [*out, GENERATION_SCHEMA]


GENERATION = "JointsupGeneration"
"""The label of the one node whose `token` every write transaction of the store changes (a
label outside the model's, so no read of the graph meets it); see graph.hub_rows."""
GENERATION_SCHEMA = (f"CREATE CONSTRAINT `{GENERATION}_key` IF NOT EXISTS "
                     f"FOR (g:`{GENERATION}`) REQUIRE g.key IS UNIQUE")
_GENERATION_NODE = f"(g:`{GENERATION}` {{key: 'graph'}})"
ENSURE_GENERATION = f"MERGE {_GENERATION_NODE} ON CREATE SET g.token = randomUUID()"
BUMP_GENERATION = f"MERGE {_GENERATION_NODE} SET g.token = randomUUID()"
READ_GENERATION = (f"OPTIONAL MATCH {_GENERATION_NODE} WITH g.token AS token "
                   "CALL () { MATCH (n) RETURN count(n) AS nodes } "
                   "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
                   "RETURN token, nodes, rels")
"""The generation token with the graph's node and relationship counts (both from the counts
store): a write around jointsup that adds or deletes anything changes the counts."""
LARGEST_NODES = ("MATCH (n) WITH n, COUNT { (n)--() } AS degree WHERE degree >= $min "
                 "RETURN labels(n)[0] AS label, n.key AS key ORDER BY degree DESC LIMIT $limit")
"""The nodes of at least $min relationships, the largest first (degrees from the degree store:
one pass over the nodes)."""


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


def set_empty_list(label: str, prop: str) -> str:
    """Set a property to an empty list on nodes by key (after an offline import: the importer's
    CSV cannot carry one)."""
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) SET n.{_p(prop)} = [] "
            "RETURN count(*) AS n")


def delete_nodes(label: str) -> str:
    """Detach-delete nodes by key."""
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) DETACH DELETE n "
            "RETURN count(*) AS n")


def delete_rels(rel_type: str, src: str, dst: str) -> str:
    """Delete relationships by their ends."""
    return (f"UNWIND $rows AS row MATCH (:{_l(src)} {{key: row.src}})-[r:{_t(rel_type)}]->"
            f"(:{_l(dst)} {{key: row.dst}}) DELETE r RETURN count(*) AS n")


def element_ids_of(labels: Sequence[str]) -> str:
    """Element ids of nodes of several labels by key, in one query: parameter `k<i>` holds the
    keys of `labels[i]`; rows are (label, key, id)."""
    return " UNION ALL ".join(
        f"UNWIND $k{i} AS k MATCH (n:{_l(label)} {{key: k}}) "
        f"RETURN '{label}' AS label, k AS key, elementId(n) AS id"
        for i, label in enumerate(labels))


_OF_TYPES = "($types IS NULL OR type(r) IN $types)"  # $types null: any type
_ARROWS = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}


def _pattern(direction: str, rel: str = "r", other: str = "m") -> str:
    """`(n)` to `(other)` over `[rel]` in `direction` (out, in or both)."""
    left, right = _ARROWS[direction]
    return f"(n){left}[{rel}]{right}({other})"


# The walk's reads seek nodes by element id (Neo4jTx remembers those it has read in the
# transaction), so one query serves nodes of every label; each answers in one row, and each
# neighbour or relationship's fixed fields come as one string joined by SEP (the key last, so it
# may hold anything): the driver decodes value by value in Python, and one string per row costs
# about a quarter of five values (a record per row costs more again). Types and labels are
# allow-listed names and element ids ("4:<database>:<n>") never hold the separator.
SEP = "\x1f"
_SEP = "'\\u001f'"


_FIXED = (f"type(r) + {_SEP} + labels(m)[0] + {_SEP} + "
          f"CASE WHEN outward THEN '1' ELSE '' END + {_SEP} + elementId(m) + {_SEP} + m.key")


def neighbours_by_id(direction: str, props: bool = True) -> str:
    """`neighbours` for nodes given by element id (of any labels), as one row: per node that
    exists, [its id, its neighbours in order (type, label, key, outgoing first), limited]; each
    neighbour is `type SEP label SEP "1" if outgoing else "" SEP element id SEP key`, or with
    `props` a list [that, the relationship's properties, the node's properties]."""
    row = f"[{_FIXED}, properties(r), properties(m)]" if props else _FIXED
    return ("UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id "
            f"{_expansion(direction, row)} RETURN collect([id, rows]) AS found")


def _expansion(direction: str, row: str) -> str:
    """The subquery giving node n's `rows`: its neighbours of $types and $labels (null: any)
    in order (type, label, key, outgoing first), at most $limit, each as `row`."""
    return (f"CALL (n) {{ MATCH {_pattern(direction)} "
            f"WHERE {_OF_TYPES} "
            "AND ($labels IS NULL OR labels(m)[0] IN $labels) "
            "WITH r, m, startNode(r) = n AS outward "
            "ORDER BY type(r), labels(m)[0], m.key, outward DESC LIMIT $limit "
            f"RETURN collect({row}) AS rows }}")


def neighbours_prefix(types: Sequence[str] | None) -> str:
    """`neighbours_by_id` (both directions, no properties) for the first of some nodes, in
    order: each is read while the rows of those before it, estimated from their degrees (of
    `types`, from the degree store; each at most $limit), number fewer than $budget ($labels
    must be null). One row:
    `read`, how many of $ids were read, and `found`, per one of those, [its index in $ids, its
    rows] (none for a node that does not exist)."""
    pattern = "(n)--()" if types is None else f"(n)-[:{'|'.join(_t(t) for t in types)}]-()"
    return ("UNWIND range(0, size($ids) - 1) AS i OPTIONAL MATCH (n) WHERE elementId(n) = $ids[i] "
            f"WITH i, CASE WHEN n IS NULL THEN 0 ELSE COUNT {{ {pattern} }} END AS degree "
            "ORDER BY i WITH collect(CASE WHEN degree < $limit THEN degree ELSE $limit END) AS est "
            "WITH [k IN range(0, size(est) - 1) "
            "WHERE reduce(s = 0, j IN range(0, k - 1) | s + est[j]) < $budget] AS read "
            "UNWIND read AS i OPTIONAL MATCH (n) WHERE elementId(n) = $ids[i] "
            f"{_expansion('both', _FIXED)} RETURN size(read) AS read, collect([i, rows]) AS found")


def newest_by_id(rel_type: str, label: str, direction: str) -> str:
    """`newest_neighbours` for nodes given by element id, as one row: per node with such a
    neighbour, [its id, the newest one's properties (with the key)], the newest picked in the
    store by store.newest_order (the key's second part, '' for a key of fewer parts, then the
    key), so the others never leave the server."""
    pattern = _pattern(direction, f":{_t(rel_type)}", f"m:{_l(label)}")
    return ("UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id "
            f"CALL (n) {{ MATCH {pattern} WITH m, split(m.key, '{KEY_SEPARATOR}') AS parts "
            "ORDER BY CASE WHEN size(parts) > 2 THEN parts[1] ELSE '' END DESC, m.key DESC "
            "LIMIT 1 RETURN m } RETURN collect([id, properties(m)]) AS found")


def nodes_of(label: str) -> str:
    """Nodes by key as one row: a list of [properties (with the key), element id]."""
    return (f"UNWIND $keys AS k MATCH (n:{_l(label)} {{key: k}}) "
            "RETURN collect([properties(n), elementId(n)]) AS found")


NODES_BY_ID = (
    "UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id "
    "WITH id, n, [k IN keys(n) WHERE k <> 'key'] AS names "
    f"RETURN collect([id, reduce(s = '', k IN names | s + {_SEP} + k), [k IN names | n[k]]]) "
    "AS found"
)
"""Nodes given by element id (of any labels), as one row: a list of [id, the property names
(less the key) each after SEP, their values in that order] for those that exist. Names are
checked identifiers (store.check_prop), so one string carries them: the driver decodes value by
value, and 500 nodes of a dozen properties each is most of a ball's decoding."""


def _outgoing(sources: str, targets: str) -> str:
    """Rows `a, r, b`: the relationships (of $types) from the nodes of element ids `sources` to
    those of `targets`, each source's read from its outgoing side. Left to itself the planner
    seeks the targets and expands their incoming side, which for a region, an industry or a
    shared address is thousands of rows (88,780 for a 500-node ball at 1,000,000 enterprises,
    552 kept); the model's relationships point from the many to the one (an enterprise to its
    region, a person to a company), so out-degrees stay small (at most 20 per type at 1M)."""
    return (f"UNWIND {sources} AS id MATCH (a) WHERE elementId(a) = id "
            f"CALL (a) {{ MATCH (a)-[r]->(b) WHERE elementId(b) IN {targets} "
            f"AND {_OF_TYPES} RETURN r, b }} ")


RELS_AMONG_BY_ID = (
    f"{_outgoing('$ids', '$ids')}"
    f"RETURN collect([type(r) + {_SEP} + elementId(a) + {_SEP} + elementId(b), properties(r)]) "
    "AS found"
)


RELS_BETWEEN_BY_ID = (
    "UNWIND $ours AS id MATCH (a) WHERE elementId(a) = id "
    "WITH a, COUNT { (a)<--() } > $spread * size($theirs) AS hub "
    "CALL (a, hub) { "
    f"MATCH (a)-[r]->(b) WHERE elementId(b) IN $theirs AND {_OF_TYPES} RETURN r "
    "UNION WITH a, hub WHERE NOT hub "
    f"MATCH (a)<-[r]-(b) WHERE elementId(b) IN $theirs AND {_OF_TYPES} RETURN r "
    "UNION RETURN null AS r } "
    "WITH collect(r) AS near, collect(DISTINCT CASE WHEN hub THEN elementId(a) END) AS hubs "
    "CALL (hubs) { UNWIND CASE WHEN size(hubs) = 0 THEN [] ELSE $theirs END AS id "
    "MATCH (b) WHERE elementId(b) = id "
    f"MATCH (b)-[r]->(a) WHERE elementId(a) IN hubs AND {_OF_TYPES} RETURN collect(r) AS far }} "
    "UNWIND near + far AS r WITH DISTINCT r "
    f"RETURN collect(type(r) + {_SEP} + elementId(startNode(r)) + {_SEP} + elementId(endNode(r))) "
    "AS found"
)
"""The relationships (of $types) between the nodes of element ids $ours and those of $theirs,
as one row of `type SEP start id SEP end id`, read from $ours' side (the caller passes the
smaller set there): each node's outgoing side, and its incoming side unless that holds more
than $spread times as many relationships as $theirs has nodes (a region, an industry); for
those hubs, $theirs' outgoing side instead (relationships point from the many to the one, so
out-degrees stay small). Reading both sets' outgoing sides instead sought and expanded the
larger set too: 4,000 nodes, 60-80 ms at 1,000,000 enterprises, where $ours had none."""
BRIDGE_SPREAD = 4
"""An incoming row costs about a quarter of seeking a node by id and reading its outgoing side."""


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
