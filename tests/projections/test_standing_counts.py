"""The counts the projector keeps for the circular agree with counting the facts, week by week, on every store.

The history is recorded out of order: findings of later weeks first, then events
back-dated into weeks whose boundary counts are already kept, and into a week
before the first one kept, so every way a change reaches the counts is taken.
Then the same again after a rebuild from zero, which sees the whole history in
one batch.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.values import Actor, Outcome, Role, Severity, Source, Term, WarningLevel
from projections.circular_queries import CircularQueries
from projections.facts import micros
from projections.view import wait_for
from projections.weeks import Week
from service.application import CommandOptions, Rectify
from service.config import build_application, load_settings
from service.projector import run_projector
from service.read_store import open_view
from tests.projections.test_circular_matches_replay import register_units, warn

ZONE = ZoneInfo("Asia/Shanghai")
INSPECTOR = Actor("insp", Role.INSPECTOR)
REVIEWER = Actor("rev", Role.REVIEWER)
UNIT = Actor("unit-bj01", Role.UNIT, "BJ-01")
STATE = ("status", "term", "overdue", "warning")
EVENT = ("type", "outcome", "term", "this_week")


@pytest.fixture
def rectify(store_url: str) -> Iterator[Rectify]:
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    register_units(application)  # HQ > BJ > BJ-01, and HQ > SH
    yield application
    application.close()


def weeks_back(n: int) -> Week:
    return Week.containing(datetime.now(ZONE) - timedelta(weeks=n), ZONE)


def at(week: Week, day: int, hour: int = 10) -> CommandOptions:
    return CommandOptions(occurred_at=week.start + timedelta(days=day, hours=hour))


def issue(application: Rectify, reference: str, week: Week, due: date | None, unit: str = "BJ-01", **more: Any) -> UUID:
    fields = {"source": Source.AUDIT if reference.startswith("SJ") else Source.INSPECTION, "batch": "第三轮巡察"}
    fields |= {"title": "问题", "description": "说明", "category": "作风建设", "severity": Severity.SERIOUS}
    fields |= {"unit": unit, "due_date": due} | more
    return application.issue_finding(INSPECTOR, at(week, 0, 9), reference=reference, **fields).finding["id"]


def record_out_of_order(application: Rectify) -> None:
    """Findings of the last weeks first, then others back-dated into the weeks before them."""
    w = {n: weeks_back(n) for n in range(1, 8)}
    late = issue(application, "XC-1", w[3], w[3].monday + timedelta(days=3))
    application.assign(late, UNIT, at(w[3], 1), assignee="张伟", note="")
    warn(application, late, WarningLevel.RED, at(w[2], 1).occurred_at)
    application.escalate(late, INSPECTOR, at(w[2], 2), note="督办")
    fixed = issue(application, "SJ-2", w[2], w[1].monday, unit="SH")
    application.assign(fixed, Actor("unit-sh", Role.UNIT, "SH"), at(w[2], 1), assignee="李娜", note="")
    application.rectify(fixed, Actor("unit-sh", Role.UNIT, "SH"), at(w[2], 3), measures="已整改", evidence=[])
    application.review(fixed, REVIEWER, at(w[1], 1), outcome=Outcome.ACCEPTED, comment="同意")
    # Back-dated into weeks whose counts are kept already.
    early = issue(application, "XC-3", w[5], w[5].monday + timedelta(days=9))
    application.assign(early, UNIT, at(w[5], 2), assignee="王芳", note="")
    warn(application, early, WarningLevel.YELLOW, at(w[5], 4).occurred_at)
    application.extend(early, INSPECTOR, at(w[4], 1), due_date=w[2].monday, reason="延期")
    application.rectify(early, UNIT, at(w[4], 3), measures="已整改", evidence=[])
    application.review(early, REVIEWER, at(w[4], 4), outcome=Outcome.REJECTED, comment="不彻底")
    application.rectify(early, UNIT, at(w[3], 2), measures="再整改", evidence=[])
    application.review(early, REVIEWER, at(w[3], 3), outcome=Outcome.ACCEPTED, comment="同意")
    application.reopen(early, INSPECTOR, at(w[2], 4), reason="回头看")
    # Before the first week any count was kept for.
    oldest = issue(application, "XC-4", w[7], None, term=Term.LONG)
    application.assign(oldest, UNIT, at(w[7], 1), assignee="赵磊", note="")
    withdrawn = issue(application, "XC-5", w[6], w[6].monday + timedelta(days=2), unit="BJ")
    application.withdraw(withdrawn, INSPECTOR, at(w[5], 0), reason="误发")


def by_key(rows: list[dict[str, Any]], key: tuple[str, ...]) -> Counter[tuple[Any, ...]]:
    """The counts by unit, by source and by severity, each with the key's columns."""
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in rows:
        for dimension in ("unit", "source", "severity"):
            if row[dimension] is not None:
                counts[(dimension, row[dimension], *(row[name] or None for name in key))] += row["n"]
    return +counts


def assert_counts_agree(view: Any) -> None:
    known = micros(datetime.now(UTC))
    for scope in (None, frozenset({"BJ", "BJ-01"})):
        queries = CircularQueries(view, known, scope)
        assert queries.counts_hold(str(ZONE))
        for n in range(9):
            week = weeks_back(n)
            start, cutoff, previous = micros(week.start), micros(week.cutoff), micros(week.previous().start)
            days = week.start.date().isoformat(), week.cutoff.date().isoformat()
            counted = [queries.counted_state_groups(start, days[0]), queries.counted_state_groups(cutoff, days[1])]
            counting = queries.week_state_groups(start, cutoff, *days)
            assert [by_key(rows, STATE) for rows in counted] == [by_key(rows, STATE) for rows in counting], week.label
            events = queries.event_groups(previous, start, cutoff, ("unit", "source", "severity"))
            assert by_key(queries.counted_event_groups(previous, start, cutoff), EVENT) == by_key(events, EVENT)


def assert_every_week_is_kept(view: Any, first: range) -> None:
    """A boundary is kept at the start of every week from one of `first` weeks back to the latest event's week."""
    kept = [row["boundary"] for row in view.select("SELECT boundary FROM {boundaries} ORDER BY boundary")]
    starts = [n for n in first if kept[:1] == [micros(weeks_back(n).start)]]
    assert starts, "the first boundary is not the start of the week of an event of the first batch"
    assert kept == [micros(weeks_back(n).start) for n in range(starts[0], 0, -1)]
    assert sum(row["n"] for row in view.select("SELECT n FROM {standing}")) > 0


def test_kept_counts_agree_with_the_facts_when_recorded_out_of_order(rectify, projector, view):
    record_out_of_order(rectify)
    wait_for(view, rectify.recorder.max_notification_id(), 10)

    assert_counts_agree(view)
    # From the first week of the first batch of events (3 weeks back, or earlier if the projector's first batch
    # held back-dated ones too): a week before it is counted anew from the facts.
    assert_every_week_is_kept(view, range(3, 8))


def test_kept_counts_agree_with_the_facts_after_a_rebuild(rectify, store_url, view):
    record_out_of_order(rectify)
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url})

    run_projector(settings, threading.Event(), lambda _: None, rebuild=True, until_caught_up=True)

    assert_counts_agree(view)
    assert_every_week_is_kept(view, range(7, 8))  # from the week of the first event


def test_counts_kept_in_another_time_zone_are_not_used_and_the_view_is_rebuilt(rectify, store_url, projector):
    record_out_of_order(rectify)
    elsewhere = open_view(load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_TIMEZONE": "Europe/London"}))
    wait_for(elsewhere, rectify.recorder.max_notification_id(), 10)
    try:
        assert not CircularQueries(elsewhere, micros(datetime.now(UTC)), None).counts_hold("Europe/London")
        assert not elsewhere.is_current()
    finally:
        elsewhere.datastore.close()


def test_counts_are_not_used_for_a_moment_before_the_last_event_was_recorded(rectify, projector, view):
    record_out_of_order(rectify)
    wait_for(view, rectify.recorder.max_notification_id(), 10)
    before = micros(datetime.now(UTC) - timedelta(hours=1))

    assert not CircularQueries(view, before, None).counts_hold(str(ZONE))
