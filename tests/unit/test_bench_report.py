"""bench/report.py: docs/BENCHMARKS.md from bench/notes/*.md and bench/results/*.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench import report

REPO = Path(__file__).resolve().parents[2]


def tree(root: Path, notes: dict[str, str]) -> Path:
    """A repository layout with these notes and the committed ingest results."""
    (root / "bench" / "notes").mkdir(parents=True)
    (root / "bench" / "results").mkdir(parents=True)
    (root / "docs").mkdir()
    shutil.copy(REPO / "bench" / "results" / "ingest.json", root / "bench" / "results")
    for name, text in notes.items():
        (root / "bench" / "notes" / name).write_text(text, encoding="utf-8")
    return root


def test_placeholders_become_command_date_and_tables(tmp_path: Path) -> None:
    root = tree(tmp_path, {"20-b.md": "## B\n\n{{results/ingest.json}}\n\nafter\n",
                           "00-a.md": "# Title\n"})
    text, missing = report.generate(root)
    result = json.loads((root / "bench" / "results" / "ingest.json").read_text())
    assert text.startswith("# Title\n\n## B\n")  # notes in file-name order
    assert f"`{result['command']}`" in text
    assert f"Run {result['date']}" in text
    assert f"| embedded | {result['enterprises']:,} |" in text  # the table, from the file
    assert text.endswith("after\n")
    assert "{{" not in text
    assert "10-store.md" in missing


def test_check_fails_until_the_doc_is_regenerated(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path, {"00-a.md": "# T\n\n{{results/ingest.json}}\n"})
    (root / "docs" / "BENCHMARKS.md").write_text("# T\n\nhand-edited\n", encoding="utf-8")
    assert report.main(["--check", "--root", str(root)]) == 1
    assert report.main(["--root", str(root)]) == 2  # sections missing: refused
    refused = capsys.readouterr().err
    assert "notes missing: 00-header.md, 10-store.md" in refused
    assert report.main(["--root", str(root), "--partial"]) == 0
    assert report.main(["--check", "--root", str(root)]) == 0


def test_a_missing_results_file_is_named_with_its_notes_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tree(tmp_path, {"00-a.md": "# T\n\n{{results/nope.json}}\n"})
    assert report.main(["--check", "--root", str(root)]) == 2
    assert "bench/notes/00-a.md line 3: bench/results/nope.json does not exist" in \
        capsys.readouterr().err


def test_old_results_without_bench_key_map_by_file_name() -> None:
    assert report.bench_module("store-1m-embedded.json", {}) == "store_bench"
    assert report.bench_module("clues.json", {}) == "clues_bench"
    assert report.bench_module("x.json", {"bench": "load_bench"}) == "load_bench"


def test_committed_benchmarks_doc_is_generated() -> None:
    """Once every section has its notes file, docs/BENCHMARKS.md must be the script's output."""
    missing = [n for n in report.SECTIONS if not (REPO / "bench" / "notes" / n).is_file()]
    if missing:
        pytest.skip(f"notes not written yet: {', '.join(missing)}")
    assert report.main(["--check"]) == 0, "run `python -m bench.report`"
