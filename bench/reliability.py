"""Run the fault, hostile-input and exchange-crash tests and write docs/RELIABILITY.md.

    python -m bench.reliability                  # everything, both stores -> docs/RELIABILITY.md
    python -m bench.reliability --quick --out F  # CI subset: embedded store, no `slow` tests

Each scenario is a pytest test whose docstring states the scenario and the expected outcome. The
tests run in this process through `pytest.main` with a small plugin that selects them (marker
`faults` or `hostile`, or the exchange's kill test by node id) and records, per test and
parameter, the outcome (passed / failed / skipped with its reason) and the duration. The exit
status is pytest's: non-zero when a scenario failed.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bench.report import machine_text
from bench.store_bench import machine

ROOT = Path(__file__).resolve().parent.parent
PATHS = ("tests/faults", "tests/e2e/test_hostile.py", "tests/contract/test_injection.py",
         "tests/e2e/test_exchange.py", "tests/e2e/test_isolation_timing.py")
EXCHANGE_KILL = "tests/e2e/test_exchange.py::test_kill_the_receiver_mid_delivery"
SECTIONS = (("faults", "Faults"), ("exchange", "Partner instance killed mid-delivery"),
            ("hostile", "Hostile input"))
DETAIL_CHARS = 300


@dataclass
class Row:
    """One test run (one parameter set): its outcome and what it cost."""

    nodeid: str
    outcome: str = "not run"
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Scenario:
    """One test function: its docstring and a row per parameter set."""

    section: str
    name: str
    where: str
    doc: str
    rows: list[Row] = field(default_factory=list)


def section_of(item: pytest.Item) -> str | None:
    """Which report section an item belongs to, or None when it is not a scenario."""
    if item.nodeid.startswith(EXCHANGE_KILL):
        return "exchange"
    for marker in ("faults", "hostile"):
        if item.get_closest_marker(marker) is not None:
            return marker
    return None


def quick(item: pytest.Item) -> bool:
    """The CI subset: no `slow` test, no Neo4j parameter, not the two-server exchange test."""
    return (item.get_closest_marker("slow") is None and "neo4j" not in item.nodeid
            and not item.nodeid.startswith(EXCHANGE_KILL))


def one_paragraph(doc: str | None) -> str:
    """A docstring as one paragraph of markdown."""
    return " ".join((doc or "").split()) or "(no docstring)"


def reason(report: pytest.TestReport) -> str:
    """The skip reason or the failure's last line, short."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (file, line, reason)
        text = str(longrepr[2]).removeprefix("Skipped: ")
    elif report.failed:
        crash = getattr(longrepr, "reprcrash", None)
        text = str(getattr(crash, "message", longrepr))
    else:
        text = ""
    text = " ".join(text.split())
    return text if len(text) <= DETAIL_CHARS else text[:DETAIL_CHARS - 1] + "…"


class Recorder:
    """The pytest plugin: selects the scenarios and records their outcomes."""

    def __init__(self, quick_only: bool) -> None:
        self.quick_only = quick_only
        self.scenarios: dict[str, Scenario] = {}
        self.rows: dict[str, Row] = {}

    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: list[pytest.Item]) -> None:
        keep, drop = [], []
        for item in items:
            section = section_of(item)
            if section is None or (self.quick_only and not quick(item)):
                drop.append(item)
                continue
            keep.append(item)
            function = getattr(item, "function", None)
            base = item.nodeid.split("[", 1)[0]
            scenario = self.scenarios.setdefault(base, Scenario(
                section, getattr(item, "originalname", item.name), base,
                one_paragraph(getattr(function, "__doc__", None))))
            row = self.rows[item.nodeid] = Row(item.nodeid)
            scenario.rows.append(row)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self.rows.get(report.nodeid)
        if row is None:
            return
        row.seconds += report.duration
        if report.failed:
            row.outcome, row.detail = "failed", row.detail or reason(report)
        elif report.skipped and row.outcome != "failed":
            row.outcome, row.detail = "skipped", reason(report)
        elif report.when == "call" and row.outcome == "not run":
            row.outcome = "passed"


def variant(nodeid: str) -> str:
    """The parameter part of a node id ("embedded", "neo4j-nested", …), or "–"."""
    match = re.search(r"\[(.*)\]$", nodeid)
    text = match.group(1) if match else "–"
    return text if len(text) <= 60 else text[:59] + "…"


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(scenarios: Sequence[Scenario], command: str, quick_only: bool, started: str,
           seconds: float, exit_code: int) -> str:
    """The markdown report."""
    rows = [row for s in scenarios for row in s.rows]
    counts = {k: sum(r.outcome == k for r in rows) for k in ("passed", "failed", "skipped")}
    out = ["# Reliability", "",
           "Generated by `python -m bench.reliability` from the scenarios in `tests/faults/`,",
           "the hostile-input tests (marker `hostile`) and the exchange's kill test: each",
           "scenario is a test whose docstring states the scenario and the expected outcome, and",
           "the tables show what happened in this run. Durations are the tests' own wall-clock",
           "times on a shared machine: informational, never asserted.", "",
           f"- command: `{command}`" + (" (quick subset: embedded store, no slow tests)"
                                        if quick_only else ""),
           f"- date: {started}; total {seconds:,.0f} s; pytest exit status {exit_code}",
           f"- machine: {machine_text({'machine': machine()})}",
           f"- outcome: {len(rows)} runs of {len(scenarios)} scenarios — "
           f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped"]
    for key, title in SECTIONS:
        mine = [s for s in scenarios if s.section == key]
        out += ["", f"## {title}"]
        if not mine:
            out += ["", "Not yet available: no test of this kind was collected"
                        + (" (the quick subset leaves it out)." if quick_only else ".")]
            continue
        for s in mine:
            out += ["", f"### {s.name.removeprefix('test_').replace('_', ' ')}", "",
                    f"`{s.where}`", "", s.doc, "",
                    "| variant | outcome | seconds | detail |", "|---|---|---|---|"]
            out += [f"| {cell(variant(r.nodeid))} | {r.outcome} | {r.seconds:,.1f} | "
                    f"{cell(r.detail)} |" for r in s.rows]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="embedded store only, no tests marked slow (the CI subset)")
    parser.add_argument("--out", type=Path,
                        help="where to write (default docs/RELIABILITY.md; --quick: stdout)")
    args = parser.parse_args(argv)
    command = shlex.join(["python", "-m", "bench.reliability",
                          *(sys.argv[1:] if argv is None else argv)])
    recorder = Recorder(args.quick)
    paths = [str(ROOT / p) for p in PATHS if (ROOT / p).exists()]
    started, clock = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), time.monotonic()
    pytest_args: list[Any] = [*paths, "-p", "no:randomly", "-q", "--rootdir", str(ROOT)]
    exit_code = int(pytest.main(pytest_args, plugins=[recorder]))
    text = render(list(recorder.scenarios.values()), command, args.quick, started,
                  time.monotonic() - clock, exit_code)
    target = args.out or (None if args.quick else ROOT / "docs" / "RELIABILITY.md")
    if target is None:
        print(text)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    # No scenario selected is a failure too (pytest's 5); anything else is pytest's own status.
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
