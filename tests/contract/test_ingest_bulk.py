"""Contract: a bulk load with the embedded store's secondary indexes suspended builds the same
graph as one that keeps them, suspends only the indexes its writes maintain, gets them back
however it ends, and never has them dropped or built under another process's load. (Neo4j
never suspends: its MERGE needs its indexes.)"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from jointsup.config import Settings
from jointsup.errors import IngestError
from jointsup.graph import embedded, sql
from jointsup.graph.embedded import EmbeddedStore
from jointsup.ingest.bulk import INDEX_TASK
from jointsup.ingest.dataset import Context
from jointsup.ingest.generate import generate
from jointsup.ingest.jobs import (
    DATASETS,
    dataset_files,
    ingest_dir,
    ingest_file,
    region_successors,
)
from jointsup.ingest.source import Record, open_source, records
from tests.contract.graph_digest import graph_digest
from tests.contract.test_ingest_crash import BATCH, ROWS, big_file, env_for, kill_mid_file


def index_names(path: Path) -> set[str]:
    """The secondary indexes the file holds now, read beside any open connection."""
    conn = sqlite3.connect(path)
    try:
        return {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    generate(out, 300, seed=11)
    return out


def test_a_suspended_load_builds_the_same_graph_and_indexes(
        dataset: Path, reference_template: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "BULK_SHARE", 10**9)  # suspend whatever the store holds
    all_indexes = index_names(reference_template)
    assert {"rels_in", "rels_out", "ix_Enterprise_name"} <= all_indexes
    # The window holds enterprises through credit classes; the indexes of the labels none of
    # them writes stay (a later file's labels, Person's, were known when the window opened).
    untouched = all_indexes - sql.written_indexes(
        ["Enterprise", "Address", "Phone", "Person", "Inspection", "ListEntry", "CreditRating"])
    assert {"ix_Clue_status", "ix_Department_system", "ix_IngestBatch_source"} <= untouched
    results = {}
    for mode, min_rows in (("kept", 10**9), ("suspended", 0)):
        path = tmp_path / mode / "graph.sqlite"
        path.parent.mkdir()
        shutil.copy(reference_template, path)
        seen: list[tuple[str, set[str]]] = []

        def progress(task: str, done: int, total: int, path: Path = path,
                     seen: list[tuple[str, set[str]]] = seen) -> None:
            if task.startswith("persons"):
                seen.append((task, index_names(path)))
            elif task == INDEX_TASK:
                seen.append((task, set()))

        settings = Settings(data_dir=path.parent, batch_size=200, hash_key="test-key")
        with EmbeddedStore(path, bulk_min_rows=min_rows) as store:
            summaries = ingest_dir(store, settings, dataset, progress=progress)
            results[mode] = (graph_digest(store), [
                (s.read, s.created, s.updated, s.unchanged, s.rejected, s.warnings)
                for s in summaries])
        assert index_names(path) == all_indexes, mode
        persons = [names for task, names in seen if task != INDEX_TASK]
        built = sum(task == INDEX_TASK for task, _ in seen)
        if mode == "kept":
            assert built == 0
            assert all(names == all_indexes for names in persons)
        else:  # persons loaded with no index its rows maintain; one build, before the clues
            assert persons
            assert all(names == untouched for names in persons)
            assert built == len(all_indexes)
    assert results["suspended"] == results["kept"]
    assert results["kept"][0].relationships.get("BRANCH_OF"), "no branch parent to resolve"


def test_a_load_killed_while_suspended_gets_its_indexes_back(reference_template: Path,
                                                              tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite"
    shutil.copy(reference_template, path)
    all_indexes = index_names(path)
    src = big_file(tmp_path / "enterprises.csv")
    with EmbeddedStore(path) as store:
        env = env_for(store, tmp_path) | {"JOINTSUP_BULK_MIN_ROWS": "1"}
        committed = kill_mid_file(store, src, env)
        assert 3 <= committed < ROWS // BATCH, "killed too late to test a resume"
    assert index_names(path) == all_indexes - sql.written_indexes(
        DATASETS["enterprises"].labels), "the load did not run with its indexes suspended"

    with EmbeddedStore(path) as store:  # opening the file builds them again
        assert index_names(path) == all_indexes
        assert store.count_nodes("Enterprise") == committed * BATCH
        settings = Settings(data_dir=tmp_path, batch_size=BATCH, hash_key="test-key")
        resumed = ingest_file(store, settings, "enterprises", src)
        assert (resumed.unchanged, resumed.created) == (committed * BATCH,
                                                        ROWS - committed * BATCH)
        assert store.count_nodes("Enterprise") == ROWS
        assert store.stats().relationships["LOCATED_AT"] == ROWS
    assert index_names(path) == all_indexes


def test_no_second_suspension_or_build_under_a_bulk_load(reference_template: Path,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "graph.sqlite"
    shutil.copy(reference_template, path)
    all_indexes = index_names(path)
    with EmbeddedStore(path, bulk_min_rows=0) as loader:
        with loader.suspended_indexes(10**6) as suspended:
            assert suspended
            assert not index_names(path)
            # Another store on the file (as another process would open it) neither builds the
            # indexes under the load nor suspends them a second time.
            with EmbeddedStore(path, bulk_min_rows=0) as other:
                assert not index_names(path)
                with other.suspended_indexes(10**6) as again:
                    assert not again
        assert index_names(path) == all_indexes
        with loader.suspended_indexes(10**6, labels=["Enterprise"]):
            assert index_names(path) == all_indexes - {
                "rels_in", "rels_out", "rels_by_type", "ix_Enterprise_name",
                "ix_Enterprise_reg_region_code", "ix_Enterprise_industry_code",
                "ix_Enterprise_status"}
        assert index_names(path) == all_indexes
        with loader.suspended_indexes(10) as small:  # too few rows for the store's size
            assert not small
            assert index_names(path) == all_indexes
        with pytest.raises(RuntimeError), loader.suspended_indexes(10**6):
            raise RuntimeError("the load failed")
        assert index_names(path) == all_indexes  # built again on the way out


def test_a_broken_file_later_in_the_window_leaves_the_earlier_files_finished(
        dataset: Path, reference_template: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded, "BULK_SHARE", 10**9)
    folder = tmp_path / "dataset"
    shutil.copytree(dataset, folder)
    persons = folder / "persons.csv"
    persons.write_text("not,the,header\n" + persons.read_text(encoding="utf-8"),
                       encoding="utf-8")
    path = tmp_path / "graph.sqlite"
    shutil.copy(reference_template, path)
    settings = Settings(data_dir=tmp_path, batch_size=200, hash_key="test-key")
    with EmbeddedStore(path, bulk_min_rows=0) as store:
        with pytest.raises(IngestError, match=r"persons\.csv"):
            ingest_dir(store, settings, folder)
        # The enterprises loaded whole before it: their branches were linked to their parents
        # (by name, after the index build), and the indexes are back.
        assert store.count_nodes("Enterprise") == 300
        assert store.stats().relationships.get("BRANCH_OF")
    assert {"rels_in", "ix_Enterprise_name"} <= index_names(path)


def test_each_bulk_dataset_names_every_label_its_rows_write(
        dataset: Path, reference_template: Path, tmp_path: Path) -> None:
    """A label a bulk dataset writes but does not name keeps its indexes maintained row by row
    during the load: slower, though still correct."""
    path = tmp_path / "graph.sqlite"
    shutil.copy(reference_template, path)
    bulk = [(name, file) for name, file in dataset_files(dataset) if DATASETS[name].bulk]
    assert {name for name, _ in bulk} == {"enterprises", "persons", "inspections", "lists",
                                          "credit"}
    with EmbeddedStore(path) as store:
        ctx = Context(store, b"test-key", region_successors())
        for name, file in bulk:
            spec = DATASETS[name]
            written: set[str] = set()
            for rec in records(open_source(file, spec.required)):
                assert isinstance(rec, Record)
                rows = spec.build(rec, ctx)
                written.update(node.label for node in (rows.primary, *rows.nodes))
            assert written == set(spec.labels), name
