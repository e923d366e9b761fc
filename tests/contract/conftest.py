"""Fixtures of the contract tests beyond the suite-wide ones in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.store import BaseGraphStore


@pytest.fixture
def both(request: pytest.FixtureRequest, store: BaseGraphStore,
         tmp_path: Path) -> Iterator[tuple[BaseGraphStore, BaseGraphStore]]:
    """The store under test and an embedded reference, both holding the test module's
    `graph()` (its nodes and relationships), for tests that compare the adapters read for read."""
    nodes, rels = request.module.graph()
    with EmbeddedStore(tmp_path / "reference.sqlite") as reference:
        for s in (store, reference):
            s.upsert_nodes(nodes)
            s.upsert_rels(rels)
        yield store, reference
