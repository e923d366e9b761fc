"""Neo4jServer memory settings: sizes parsed, environment read, and a real server honouring them."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import GraphDatabase

from jointsup.graph.neo4j_server import (
    HEAP_ENV,
    PAGE_CACHE_ENV,
    Neo4jServer,
    size_mib,
)
from tests.conftest import start_neo4j


@pytest.mark.parametrize(("text", "mib"), [("256m", 256), ("2g", 2048), ("1.5G", 1536),
                                          ("524288k", 512), ("1073741824", 1024), ("64MB", 64)])
def test_sizes_are_read_in_mebibytes(text: str, mib: int) -> None:
    assert size_mib(text) == mib


@pytest.mark.parametrize("text", ["", "lots", "0m", "512k", "-1g"])
def test_a_bad_size_is_refused_with_its_text(text: str) -> None:
    with pytest.raises(ValueError, match=repr(text).replace("-", r"\-")):
        size_mib(text)


def test_defaults_then_environment_then_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HEAP_ENV, raising=False)
    monkeypatch.delenv(PAGE_CACHE_ENV, raising=False)
    plain = Neo4jServer()
    assert (plain.heap_mib, plain.page_cache_mib) == (1024, 256)
    assert "-Xmx1024m" in plain.jvm_flags
    monkeypatch.setenv(HEAP_ENV, "3g")
    monkeypatch.setenv(PAGE_CACHE_ENV, "1g")
    from_env = Neo4jServer()
    assert (from_env.heap_mib, from_env.page_cache_mib) == (3072, 1024)
    assert "-Djointsup.neo4j.pagecache.mib=1024" in from_env.jvm_flags
    given = Neo4jServer(heap="512m", page_cache="128m")
    assert (given.heap_mib, given.page_cache_mib) == (512, 128)
    monkeypatch.setenv(PAGE_CACHE_ENV, "plenty")
    with pytest.raises(ValueError, match="plenty"):
        Neo4jServer()


def test_a_started_server_runs_with_the_page_cache_and_heap_asked_for() -> None:
    server = start_neo4j(Neo4jServer(heap="768m", page_cache="96m", startup_timeout=300.0))
    try:
        with GraphDatabase.driver(server.uri, auth=None) as driver:
            records, _, _ = driver.execute_query(
                "SHOW SETTINGS YIELD name, value WHERE name = 'server.memory.pagecache.size' "
                "RETURN value")
        assert [r["value"] for r in records] == ["96.00MiB"]
        cmdline = Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")
        assert b"-Xmx768m" in cmdline
    finally:
        server.stop()
