"""Contract: one working-day calendar for every deadline — the bundled State Council
arrangements, the operator's override in the data dir, and plans and clues counting the same days
(both stores)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jointsup.errors import ConfigError
from jointsup.graph.store import BaseGraphStore
from jointsup.services import clues, plans
from jointsup.services.clues import Move
from jointsup.services.workdays import bundled_calendar, parse_years, work_calendar
from tests.contract.test_clue_lifecycle import COORD, CQ, move, seed
from tests.contract.test_plans import CONFLICTED, build_world, plan_doc

FRIDAY = dt.date(2026, 9, 25)  # 中秋节, the Friday before the National Day golden week
# Without the 调休 Saturday 10 October: one working day fewer in the first fortnight.
NO_MAKEUP_SATURDAY = """
[2026]
notice = "test: 2026 without the 10 October make-up day"
holidays = [["2026-09-25", "2026-09-27"], ["2026-10-01", "2026-10-07"]]
makeup_days = ["2026-09-20"]
"""


def test_the_bundled_calendar_names_its_notices_and_days() -> None:
    calendar = bundled_calendar()
    assert calendar.years == {2023, 2024, 2025, 2026}
    assert all(notice == f"国务院办公厅关于{year}年部分节假日安排的通知"
               for year, notice in calendar.notices)
    d = dt.date
    assert not calendar.is_working_day(d(2026, 1, 2))  # 元旦 1–3 January
    assert calendar.is_working_day(d(2026, 1, 4))  # Sunday worked (调休)
    assert not calendar.is_working_day(d(2026, 2, 23))  # 春节 to Monday 23 February
    assert calendar.is_working_day(d(2026, 10, 10))  # Saturday worked
    assert not calendar.is_working_day(d(2025, 10, 8))  # 2025's eight-day golden week
    assert calendar.is_working_day(d(2024, 2, 9))  # 除夕 2024: only encouraged, not a holiday
    # A year without a table counts weekends only: Friday 1 October 2027 is a working day.
    assert calendar.is_working_day(d(2027, 10, 1))
    assert not calendar.is_working_day(d(2027, 10, 2))


def test_the_golden_week_and_a_makeup_saturday_by_hand() -> None:
    calendar = bundled_calendar()
    # From Friday 25 September: 28–30 Sep (3), 1–7 Oct off, 8–9 Oct (5), Saturday 10 Oct (6),
    # 12–16 (11), 19–22 (15), 23 (16), 26–29 (20).
    assert calendar.add_working_days(FRIDAY, 15) == dt.date(2026, 10, 22)
    assert calendar.add_working_days(FRIDAY, 20) == dt.date(2026, 10, 29)
    assert calendar.working_days_between(FRIDAY, dt.date(2026, 10, 29)) == 20
    assert calendar.working_days_between(dt.date(2026, 10, 29), FRIDAY) == -20


@pytest.mark.parametrize(("text", "words"), [
    ("[2026]\nholidays = []\n", r"\[2026\] notice: name the notice"),
    ('[2026]\nnotice = "n"\nholidays = ["2026-13-01"]\n',
     r"\[2026\] holidays\[0\]: '2026-13-01' is not an ISO date"),
    ('[2026]\nnotice = "n"\nholidays = [["2026-10-07", "2026-10-01"]]\n',
     r"holidays\[0\]: 2026-10-01 is before 2026-10-07"),
    ('[2026]\nnotice = "n"\nmakeup_days = ["2026-10-09"]\n',
     r"makeup_days\[0\]: 2026-10-09 is a weekday"),
    ('[2026]\nnotice = "n"\nholidays = ["2026-10-10"]\nmakeup_days = ["2026-10-10"]\n',
     r"makeup_days\[0\]: 2026-10-10 is also a holiday"),
    ('[2026]\nnotice = "n"\nholidays = ["2062-10-01"]\n', "far from the year 2026"),
    ('[2026]\nnotice = "n"\nholiday = []\n', "unknown key"),
    ('[calendar]\nholidays = []\n', r"\[calendar\] is not a year table"),
    ("[2026\n", "x.toml"),
])
def test_calendar_errors_name_the_file_year_and_key(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as caught:
        parse_years(text, "x.toml")
    assert str(caught.value).startswith("x.toml")


def test_the_data_dir_override_replaces_its_years_and_old_files_are_refused(
        tmp_path: Path) -> None:
    assert work_calendar(tmp_path) == bundled_calendar()
    (tmp_path / "calendar.toml").write_text(
        NO_MAKEUP_SATURDAY + '[2027]\nnotice = "test"\nholidays = ["2027-10-01"]\n',
        encoding="utf-8")
    merged = work_calendar(tmp_path)
    assert merged.years == {2023, 2024, 2025, 2026, 2027}
    assert not merged.is_working_day(dt.date(2027, 10, 1))
    assert not merged.is_working_day(dt.date(2026, 10, 10))  # the year was replaced …
    assert merged.is_working_day(dt.date(2026, 2, 23))  # … not merged day by day
    assert merged.is_working_day(dt.date(2025, 2, 8))  # other years stay bundled
    (tmp_path / "holidays.txt").write_text("2026-10-01\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"holidays\.txt is no longer read"):
        work_calendar(tmp_path)


def _plan_deadline(store: BaseGraphStore) -> str:
    plans.create_plan(store, plan_doc(window={"start": "2026-07-01", "end": "2026-12-31"}))
    plans.draw_plan(store, "JP-T1")
    check = plans.record_result(store, plans.ResultInput(
        "JP-T1", CONFLICTED, "SCJG-1", "NO_PROBLEM", FRIDAY))
    return str(check.props["publish_by"])


def _clue_deadline(store: BaseGraphStore, key: str) -> str:
    seed(store, key)
    move(store, COORD, Move.ROUTE, f"r{key}", clue=key, department="510104-SCJ")
    move(store, COORD, Move.TRANSFER, f"t{key}", clue=key, region="500000",
         department="CQ-SCJ", today=FRIDAY)
    return str(move(store, CQ, Move.ACCEPT, f"a{key}", clue=key, today=FRIDAY)
               .props["verify_due"])


def test_plans_and_clues_count_the_same_calendar(store: BaseGraphStore, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("JOINTSUP_DATA_DIR", str(data))
    build_world(store)
    calendar = work_calendar()
    # Plans: 20 working days; clues: verification within 15 — the same days counted.
    assert _plan_deadline(store) == calendar.add_working_days(FRIDAY, 20).isoformat() \
        == "2026-10-29"
    assert _clue_deadline(store, "C1") == calendar.add_working_days(FRIDAY, 15).isoformat() \
        == "2026-10-22"
    late = clues.overdue(store, COORD, clues.default_config(), dt.date(2026, 10, 26))
    assert [(o.clue.key, o.working_days_late) for o in late] == [("C1", 2)]  # 23 and 26 Oct
    # The operator's calendar drops the make-up Saturday: both deadlines move by one day.
    (data / "calendar.toml").write_text(NO_MAKEUP_SATURDAY, encoding="utf-8")
    assert _clue_deadline(store, "C2") == "2026-10-23"
    corrected = plans.record_result(store, plans.ResultInput(
        "JP-T1", CONFLICTED, "SCJG-1", "PROBLEM_CORRECTED", FRIDAY))
    assert corrected.props["publish_by"] == "2026-10-30"
