"""A fingerprint of a whole graph, to show that a request changed nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass

from jointsup.graph.store import MAX_PAGE, BaseGraphStore
from jointsup.model import LABELS


@dataclass(frozen=True)
class GraphDigest:
    """Node counts by label, relationship counts by type, and a hash of every node's content."""

    nodes: dict[str, int]
    relationships: dict[str, int]
    content: str


# The bulk of the reference data (11,000+ nodes, read-only through the API): hashing it costs
# about a second a time, so probes that cannot touch it leave it to the counts.
BULK_REFERENCE = frozenset({"Region", "Industry", "Article"})


def graph_digest(store: BaseGraphStore, *, skip: Collection[str] = ()) -> GraphDigest:
    """The digest of `store` now: all counts, and every node's key and properties, page by page,
    of every label but those in `skip`."""
    stats = store.stats()
    sha = hashlib.sha256()
    for label in sorted(set(LABELS) - set(skip)):
        after: str | None = None
        while True:
            page = store.list_nodes(label, first=MAX_PAGE, after=after)
            for node in page.items:
                sha.update(json.dumps([label, node.key, node.props], sort_keys=True,
                                      ensure_ascii=False, default=str).encode())
            if not page.has_next:
                break
            after = page.end_cursor
    return GraphDigest(dict(stats.nodes), dict(stats.relationships), sha.hexdigest())
