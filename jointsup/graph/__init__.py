"""The graph store: one port (`BaseGraphStore`), an embedded SQLite adapter and a Neo4j adapter."""

from __future__ import annotations

from jointsup.config import Settings
from jointsup.graph.store import BaseGraphStore


def open_store(settings: Settings) -> BaseGraphStore:
    """Open the store the settings name (embedded by default), ready for use."""
    if settings.store == "neo4j":
        from jointsup.graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(settings)
    from jointsup.graph.embedded import EmbeddedStore

    return EmbeddedStore(settings.embedded_path, bulk_min_rows=settings.bulk_min_rows)
