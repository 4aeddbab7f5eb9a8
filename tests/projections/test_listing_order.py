"""The finding list's orders: walking every page of one gives each finding in scope once, in that order."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.facts import FINDING_COLUMNS, FindingRow, finding_values
from projections.listing import FindingFilter, InvalidCursor, Sort, count_each, count_findings, list_findings

TODAY = date(2026, 11, 30)
UNITS = ("HQ", "BJ", "BJ-01", "SH")
STATUSES = ("issued", "assigned", "rectified", "closed")
HYPOTHESIS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}

# A finding: its unit, its due date as days from TODAY (None: a long-term item without one), its status.
# Few units, days and statuses, so that ties and empty scopes come up often.
findings = st.lists(
    st.tuples(st.sampled_from(UNITS), st.none() | st.integers(-2, 2), st.sampled_from(STATUSES)), max_size=30
)


def row(n: int, unit: str, days: int | None, status: str) -> FindingRow:
    due = None if days is None else (TODAY + timedelta(days=days)).isoformat()
    return FindingRow(
        id=f"id-{n}", reference=f"XC-2026-{n:04d}", source="inspection", batch="第一轮巡察", title=f"问题{n}",
        description="", category="", severity="general", unit=unit, due_date=due, status=status,
        issued_at=n, issued_position=n, last_position=n, version=1, term="fixed" if due else "long",
    )  # fmt: skip


def hold_only(view: Any, rows: list[FindingRow]) -> None:
    """The view's findings table holds these rows and no others."""
    with view.write() as cursor:
        cursor.execute(f"DELETE FROM {view.tables['findings']}")
        if rows:
            view.insert(cursor, "findings", FINDING_COLUMNS, [finding_values(r) for r in rows])


def walked(view: Any, where: FindingFilter, sort: Sort, limit: int) -> list[str]:
    """The ids of every page of the list in one order, following each page's cursor to the last."""
    seen, cursor = [], None
    while True:
        page, cursor = list_findings(view, where, TODAY, cursor, limit, sort)
        assert len(page) <= limit and (cursor is None or len(page) == limit)
        seen += [item["id"] for item in page]
        if cursor is None:
            return seen


def expected(rows: list[FindingRow], sort: Sort) -> list[str]:
    """The order as the contract states it: by deadline, those without one last, ties in the order issued."""
    if sort is Sort.NEWEST:
        return [r.id for r in sorted(rows, key=lambda r: -r.issued_position)]
    descending = sort is Sort.LATEST_DUE_DATE
    dated = sorted((r for r in rows if r.due_date), key=lambda r: (r.due_date, r.issued_position), reverse=descending)
    undated = sorted((r for r in rows if not r.due_date), key=lambda r: r.issued_position, reverse=descending)
    return [r.id for r in dated + undated]


@settings(max_examples=100, **HYPOTHESIS)
@given(
    made=findings,
    sort=st.sampled_from(Sort),
    scope=st.none() | st.frozensets(st.sampled_from(UNITS)),
    status=st.none() | st.sampled_from(STATUSES),
    limit=st.integers(1, 4),
)
def test_walking_the_pages_of_an_order_gives_every_finding_in_scope_once_in_that_order(
    view, made, sort, scope, status, limit
):
    rows = [row(n, *finding) for n, finding in enumerate(made, start=1)]
    hold_only(view, rows)
    in_scope = [r for r in rows if (scope is None or r.unit in scope) and status in (None, r.status)]
    assert walked(view, FindingFilter(units=scope, status=status), sort, limit) == expected(in_scope, sort)


def test_long_term_items_without_a_deadline_come_after_every_dated_finding_in_both_directions(view):
    rows = [row(1, "HQ", None, "assigned"), row(2, "HQ", 3, "issued"), row(3, "HQ", -2, "issued")]
    rows += [row(4, "HQ", None, "issued"), row(5, "HQ", 3, "issued")]
    hold_only(view, rows)
    assert walked(view, FindingFilter(), Sort.DUE_DATE, 2) == ["id-3", "id-2", "id-5", "id-1", "id-4"]
    assert walked(view, FindingFilter(), Sort.LATEST_DUE_DATE, 2) == ["id-5", "id-2", "id-3", "id-4", "id-1"]


@pytest.mark.parametrize("made_for", list(Sort))
def test_a_cursor_of_one_order_is_refused_in_every_other(view, made_for):
    hold_only(view, [row(n, "HQ", n % 3 or None, "issued") for n in range(1, 6)])
    _, cursor = list_findings(view, FindingFilter(), TODAY, None, 2, made_for)
    assert cursor is not None
    for other in set(Sort) - {made_for}:
        with pytest.raises(InvalidCursor, match=f"sorted by {made_for.value}, not by {other.value}"):
            list_findings(view, FindingFilter(), TODAY, cursor, 2, other)
    assert list_findings(view, FindingFilter(), TODAY, cursor, 2, made_for)[0]  # and it goes on in its own


# The 工作台's kinds of filter: by status, overdue or not, and its queues; two of them share a parameter's name.
COUNTED = {
    "issued": FindingFilter(status="issued"),
    "assigned": FindingFilter(status="assigned"),
    "assigned_rejected": FindingFilter(status="assigned", rejected=True),
    "overdue": FindingFilter(overdue=True),
    "not_overdue": FindingFilter(overdue=False),
    "escalated": FindingFilter(escalated=True),
    "warned": FindingFilter(warned=False),
    "long": FindingFilter(term="long", status="closed"),
}


@settings(max_examples=60, **HYPOTHESIS)
@given(made=findings, scope=st.none() | st.frozensets(st.sampled_from(UNITS)))
def test_counting_every_filter_in_one_pass_gives_each_filters_own_count(view, made, scope):
    hold_only(view, [row(n, *finding) for n, finding in enumerate(made, start=1)])
    expected = {key: count_findings(view, replace(where, units=scope), TODAY) for key, where in COUNTED.items()}
    assert count_each(view, scope, COUNTED, TODAY) == expected
