"""The pure parts of the circular: weeks, overdue, counting, the rate, the warnings and the roll-up."""

from __future__ import annotations

import inspect
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import lifecycle
from domain.values import Status, WarningLevel
from domain.warnings import WarningThresholds, warning_level
from projections import circular_queries
from projections import figures as figures_module
from projections.figures import SETTLED_FIGURE, figures, is_overdue, lineage, rolled_up, state_counts, tally
from projections.weeks import InvalidWeek, Week

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_a_week_runs_from_monday_midnight_to_the_next_monday_in_local_time():
    week = Week.parse("2026-W47", SHANGHAI)
    assert (week.monday, week.sunday) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week.cutoff.isoformat() == "2026-11-23T00:00:00+08:00"
    assert week.previous().label == "2026-W46"


def test_the_week_before_the_first_of_a_year_is_the_last_of_the_previous_one():
    assert Week.parse("2027-W01", SHANGHAI).previous().label == "2026-W53"
    assert Week.parse("2026-W01", SHANGHAI).previous().label == "2025-W52"


@pytest.mark.parametrize("text", ["2026-W54", "2025-W53", "2026-47", "W47", "2026-W4", ""])
def test_weeks_that_do_not_exist_are_refused(text):
    with pytest.raises(InvalidWeek):
        Week.parse(text, SHANGHAI)


def test_a_moment_falls_in_the_week_of_its_local_date():
    sunday_night_utc = datetime.fromisoformat("2026-11-22T17:30:00+00:00")  # Monday 01:30 in Shanghai
    assert Week.containing(sunday_night_utc, SHANGHAI).label == "2026-W48"


@given(st.dates(min_value=date(2000, 1, 3), max_value=date(2100, 1, 1)))  # 2000-01-02 is in 1999-W52
def test_every_day_lies_in_exactly_the_week_that_contains_it(day):
    week = Week.containing(datetime(day.year, day.month, day.day, 12, tzinfo=SHANGHAI), SHANGHAI)
    assert week.monday <= day <= week.sunday
    assert Week.parse(week.label, SHANGHAI) == week


def state(status: str, due: str) -> dict:
    return {"status": status, "due_date": due}


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        ("issued", "2026-11-22", True),  # due Sunday, cut-off Monday: one day late
        ("assigned", "2026-11-22", True),
        ("assigned", "2026-11-23", False),
        ("rectified", "2026-01-01", False),  # waiting for review is never overdue
        ("closed", "2026-01-01", False),
        ("withdrawn", "2026-01-01", False),
    ],
)
def test_overdue_means_open_and_due_before_the_cutoff_date(status, due, overdue):
    assert is_overdue(state(status, due), date(2026, 11, 23)) is overdue


def group(status: str, n: int = 1, overdue: int = 0, warning: str | None = None) -> dict:
    return {"status": status, "n": n, "overdue": overdue, "warning": warning}


def test_the_rate_leaves_withdrawn_findings_out_and_is_null_when_nothing_counts():
    counts = Counter()
    for status, n in (("closed", 2), ("assigned", 1), ("withdrawn", 1)):
        counts.update(state_counts(group(status, n)))
    assert figures(counts)["rectification_rate"] == 2 / 3
    assert figures(state_counts(group("withdrawn")))["rectification_rate"] is None


@given(st.integers(0, 500), st.integers(1, 500))
def test_the_rate_is_exact_so_that_renderers_round_it_once(closed, others):
    counts = state_counts(group("closed", closed)) + state_counts(group("assigned", others))
    assert figures(counts)["rectification_rate"] == closed / (closed + others)


@pytest.mark.parametrize(
    ("status", "warning", "counted"),
    [
        ("issued", "green", {"green": 3, "yellow": 0, "red": 0}),
        ("assigned", "red", {"green": 0, "yellow": 0, "red": 3}),
        ("assigned", None, {"green": 0, "yellow": 0, "red": 0}),
        ("rectified", "yellow", {"green": 0, "yellow": 0, "red": 0}),  # the fix is reported: nothing to warn about
        ("closed", "red", {"green": 0, "yellow": 0, "red": 0}),
        ("withdrawn", "red", {"green": 0, "yellow": 0, "red": 0}),
    ],
)
def test_warnings_count_the_findings_in_progress_under_each_colour(status, warning, counted):
    assert figures(state_counts(group(status, 3, warning=warning)))["warnings"] == counted


def test_every_status_counts_as_open_or_in_a_figure_of_its_own():
    assert {status for status in Status if status not in lifecycle.OPEN} == set(SETTLED_FIGURE)


@pytest.mark.parametrize("module", [figures_module, circular_queries])
def test_the_circular_types_no_status_and_takes_them_from_the_lifecycle(module):
    source = inspect.getsource(module)
    typed = [status.value for status in Status if f"'{status.value}'" in source or f'"{status.value}"' in source]
    assert typed == [], f"{module.__name__} types statuses that domain/lifecycle.py holds"


TREE = {"HQ": None, "BJ": "HQ", "BJ-01": "BJ", "SH": "HQ"}


def open_groups(open_by_unit: dict[str, int]) -> list[dict[str, object]]:
    return [{"unit": unit, "status": "assigned", "overdue": 0, "n": n} for unit, n in open_by_unit.items()]


def test_a_units_figures_include_every_unit_below_it():
    rolled = rolled_up(tally(open_groups({"BJ-01": 2, "SH": 1, "BJ": 1}), [], "unit"), TREE)
    assert (rolled["HQ"]["open"], rolled["BJ"]["open"], rolled["BJ-01"]["open"], rolled["SH"]["open"]) == (4, 3, 2, 1)


def test_events_roll_up_the_tree_like_states():
    events = [{"unit": "BJ-01", "type": "Reviewed", "outcome": "accepted", "n": 2}, {"unit": "SH", "type": "Issued"}]
    rolled = rolled_up(tally([], events, "unit"), TREE)
    assert [rolled[unit]["closed_this_week"] for unit in ("HQ", "BJ", "BJ-01", "SH")] == [2, 2, 2, 0]
    assert [rolled[unit]["issued_this_week"] for unit in ("HQ", "BJ", "BJ-01", "SH")] == [1, 0, 0, 1]


@given(st.dictionaries(st.sampled_from(sorted(TREE)), st.integers(min_value=0, max_value=50)))
def test_the_root_adds_up_to_the_whole(open_by_unit):
    rolled = rolled_up(tally(open_groups(open_by_unit), [], "unit"), TREE)
    assert rolled["HQ"]["open"] == sum(open_by_unit.values())
    assert tally(open_groups(open_by_unit), [], "unit") == {u: Counter(
        issued_to_date=n, open=n, awaiting_review=0, overdue=0) for u, n in open_by_unit.items()}  # fmt: skip


def test_the_overdue_condition_in_sql_is_the_lifecycles():
    assert lifecycle.overdue_sql("s.status", "s.due_date", "s.term", ":day") in circular_queries.OVERDUE


def test_a_cycle_in_the_tree_ends_the_walk_instead_of_looping():
    assert lineage("A", {"A": "B", "B": "A"}) == ["A", "B"]


@pytest.mark.parametrize(
    ("days_left", "level"),
    [(30, None), (21, None), (20, WarningLevel.GREEN), (11, WarningLevel.GREEN), (10, WarningLevel.YELLOW),
     (0, WarningLevel.YELLOW), (-1, WarningLevel.RED)],
)  # fmt: skip
def test_a_deadline_reaches_green_then_yellow_then_red(days_left, level):
    today = date(2026, 11, 27)
    assert warning_level(today + timedelta(days=days_left), today, WarningThresholds()) is level


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError):
        WarningThresholds(green_days=5, yellow_days=10)


def test_figures_of_a_single_finding_are_whole_numbers_not_booleans():
    counted = figures(state_counts(group("assigned", overdue=1, warning="yellow")))
    assert all(type(value) is int for name, value in counted.items() if name not in ("rectification_rate", "warnings"))
    assert all(type(value) is int for value in counted["warnings"].values())
    assert (counted["open"], counted["overdue"], counted["closed_to_date"]) == (1, 1, 0)
