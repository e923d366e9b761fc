"""Fixtures shared by every test: the stores (embedded and a real Neo4j the suite starts itself)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.graph.embedded import EmbeddedStore
from jointsup.graph.neo4j_server import Neo4jServer, Neo4jUnavailable
from jointsup.graph.neo4j_store import Neo4jStore
from jointsup.graph.store import BaseGraphStore
from jointsup.ingest.jobs import ingest_dir
from jointsup.ingest.reference import bundled_reference, load_reference

STORE_KINDS = ("embedded", "neo4j")
# Under CI a Neo4j half that cannot run is a failure, never a silent skip.
REQUIRE_NEO4J = os.environ.get("CI", "").lower() == "true" or bool(
    os.environ.get("JOINTSUP_REQUIRE_NEO4J"))
_neo4j_ran = {"passed": 0}


def start_neo4j(server: Neo4jServer) -> Neo4jServer:
    """`server` started; without Java or Maven the test is skipped — failed under CI=true."""
    try:
        return server.start()
    except Neo4jUnavailable as exc:
        if REQUIRE_NEO4J:
            pytest.fail(f"Neo4j is required (CI=true) but could not start: {exc}")
        pytest.skip(f"Neo4j half skipped: {exc}")


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Neo4jServer]:
    """One real Neo4j 5.26 server for the whole session, on a free loopback port."""
    server = start_neo4j(Neo4jServer())
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def neo4j_session_store(neo4j_server: Neo4jServer) -> Iterator[Neo4jStore]:
    """A driver-backed store on the session's server."""
    store = Neo4jStore(neo4j_server.uri, auth=None, timeout_s=60.0)
    try:
        yield store
    finally:
        store.close()


REFERENCE_LABELS = ["Region", "Industry", "Law", "Article"]
_neo4j_has_reference = {"loaded": False}


def wipe_neo4j(store: Neo4jStore, keep: Sequence[str] = ()) -> None:
    """Delete every node (but those labelled `keep`), in batches that bound transaction memory."""
    with store.driver.session() as session:
        session.run("MATCH (n) WHERE NOT any(l IN labels(n) WHERE l IN $keep) "
                    "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                    keep=list(keep)).consume()
    if not keep:
        _neo4j_has_reference["loaded"] = False


@pytest.fixture(scope="session")
def reference_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store file holding the reference data, built once and copied per test."""
    path = tmp_path_factory.mktemp("reference") / "graph.sqlite"
    with EmbeddedStore(path) as template:
        load_reference(template, bundled_reference(), batch_size=5000)
    return path


@pytest.fixture(params=STORE_KINDS)
def ref_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseGraphStore]:
    """A store of each kind holding exactly the reference data (regions, industries, laws)."""
    if request.param == "embedded":
        path = tmp_path / "graph.sqlite"
        shutil.copy(request.getfixturevalue("reference_template"), path)
        with EmbeddedStore(path) as embedded:
            yield embedded
        return
    request.node.add_marker(pytest.mark.neo4j)
    neo: Neo4jStore = request.getfixturevalue("neo4j_session_store")
    wipe_neo4j(neo, keep=REFERENCE_LABELS)
    if not _neo4j_has_reference["loaded"]:
        load_reference(neo, bundled_reference(), batch_size=5000)
        _neo4j_has_reference["loaded"] = True
    yield neo


def cli_env(store: BaseGraphStore, tmp_path: Path) -> dict[str, str]:
    """Environment that points the `jointsup` command line at `store`."""
    if isinstance(store, Neo4jStore):
        return {"JOINTSUP_STORE": "neo4j", "JOINTSUP_NEO4J_URI": store.uri,
                "JOINTSUP_NEO4J_PASSWORD": "", "JOINTSUP_DATA_DIR": str(tmp_path)}
    assert isinstance(store, EmbeddedStore)
    return {"JOINTSUP_STORE": "embedded", "JOINTSUP_DATA_DIR": str(store.path.parent)}


def dataset_store(request: pytest.FixtureRequest, tmp: Path, dataset: Path,
                  settings: Settings) -> Iterator[BaseGraphStore]:
    """For module fixtures: a store of `request.param`'s kind with the reference data and a
    generated `dataset` ingested; the Neo4j one is wiped back to the reference data afterwards."""
    if request.param == "embedded":
        shutil.copy(request.getfixturevalue("reference_template"), tmp / "graph.sqlite")
        store: BaseGraphStore = EmbeddedStore(tmp / "graph.sqlite")
        ingest_dir(store, settings, dataset)
        try:
            yield store
        finally:
            store.close()
        return
    neo: Neo4jStore = request.getfixturevalue("neo4j_session_store")
    wipe_neo4j(neo, keep=REFERENCE_LABELS)
    if not _neo4j_has_reference["loaded"]:
        load_reference(neo, bundled_reference(), batch_size=5000)
        _neo4j_has_reference["loaded"] = True
    ingest_dir(neo, settings, dataset)
    yield neo
    wipe_neo4j(neo, keep=REFERENCE_LABELS)


@pytest.fixture(params=STORE_KINDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BaseGraphStore]:
    """An empty store of each kind; every store test runs against both."""
    if request.param == "embedded":
        with EmbeddedStore(tmp_path / "graph.sqlite") as embedded:
            yield embedded
        return
    request.node.add_marker(pytest.mark.neo4j)
    neo: Neo4jStore = request.getfixturevalue("neo4j_session_store")
    wipe_neo4j(neo)
    yield neo


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count Neo4j-backed tests that passed, for the end-of-session check."""
    if report.when == "call" and report.passed and "neo4j" in report.keywords:
        _neo4j_ran["passed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the Neo4j half ran."""
    terminalreporter.write_line(f"neo4j-backed tests passed: {_neo4j_ran['passed']}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI, a run in which no Neo4j-backed test passed is a failed run."""
    selected_neo4j = any("neo4j" in item.keywords or "[neo4j" in item.nodeid
                         for item in session.items)
    if REQUIRE_NEO4J and selected_neo4j and _neo4j_ran["passed"] == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
