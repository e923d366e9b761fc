"""Routing (分流): the departments responsible for a clue, by category and county."""

from __future__ import annotations

from jointsup.graph.store import GraphTx


def route(tx: GraphTx, category: str, region_code: str | None) -> list[dict[str, str]]:
    """Responsible departments as `{"code", "name"}`, most specific jurisdiction first."""
    return []
