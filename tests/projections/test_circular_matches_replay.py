"""The served weekly circular agrees with a replay of every stored event, for random histories on every store.

The histories are back-dated over the six weeks before the current one and
recorded in a random order across findings, so that late entries (an event
recorded after others that happened later) make `as_known_at` matter.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import RectifyError
from domain.finding import Finding
from domain.values import Actor, Outcome, Role, Severity, Source
from projections.circular import CircularSettings, weekly_circular
from projections.view import wait_for
from projections.weeks import Week
from service.application import CommandOptions, Rectify
from service.config import build_application, initialise_store, load_settings
from service.read_store import open_view, start_runner
from tests.conftest import POSTGRES_URL
from tests.projections import reference

ZONE = ZoneInfo("Asia/Shanghai")
SETUP = Actor("setup", Role.ADMIN)
INSPECTOR = Actor("insp", Role.INSPECTOR)
REVIEWER = Actor("rev", Role.REVIEWER)
UNIT_ACTORS = {
    "BJ-01": Actor("unit-bj01", Role.UNIT, "BJ-01"),
    "BJ": Actor("unit-bj", Role.UNIT, "BJ"),
    "SH": Actor("unit-sh", Role.UNIT, "SH"),
    "HQ": Actor("unit-hq", Role.UNIT, "HQ"),
}
WEEKS = 6  # the history spans the six weeks before the current one
MINUTES_A_WEEK = 7 * 24 * 60
HORIZON = WEEKS * MINUTES_A_WEEK
BOUNDARIES = [w * MINUTES_A_WEEK + d for w in range(1, WEEKS) for d in (-1, 0)]
STATUS_AFTER = {"assign": "assigned", "rectify": "rectified", "accept": "closed", "reject": "assigned"}
STATUS_AFTER |= {"reopen": "assigned", "withdraw": "withdrawn"}
ACTIONS = {  # repeated to favour the way most findings go: assigned, fixed, reviewed
    "issued": ["assign", "assign", "assign", "extend", "escalate", "withdraw"],
    "assigned": ["rectify", "rectify", "rectify", "assign", "extend", "escalate", "withdraw"],
    "rectified": ["accept", "accept", "accept", "reject", "reject", "withdraw"],
    "closed": ["reopen"],
    "withdrawn": [],
}


@dataclass(frozen=True)
class Step:
    """One command of one finding's script, at a minute after the history's start."""

    finding: int
    action: str
    minute: int
    days: int = 0  # issue: from the issue date to the due date; extend: added to the due date


@dataclass(frozen=True)
class Script:
    """Who a finding is issued to, what kind it is, and its steps in order."""

    unit: str
    source: Source
    severity: Severity
    steps: list[Step]


minutes_in = st.one_of(st.integers(0, HORIZON - 1), st.sampled_from(BOUNDARIES))  # often right at a week boundary


@st.composite
def scripts(draw: st.DrawFn, finding: int) -> Script:
    """A finding's life: issue, then commands its status allows, at non-decreasing moments."""
    minutes = sorted(draw(st.lists(minutes_in, min_size=1, max_size=7)))
    steps = [Step(finding, "issue", minutes[0], draw(st.integers(0, 30)))]
    status = "issued"
    for minute in minutes[1:]:
        if not ACTIONS[status]:
            break
        action = draw(st.sampled_from(ACTIONS[status]))
        steps.append(Step(finding, action, minute, draw(st.integers(1, 21)) if action == "extend" else 0))
        status = STATUS_AFTER.get(action, status)
    unit = draw(st.sampled_from(list(UNIT_ACTORS)))
    return Script(unit, draw(st.sampled_from(Source)), draw(st.sampled_from(Severity)), steps)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Script], list[Step]]:
    """Some findings' scripts, and one order across them that keeps each finding's own order."""
    count = draw(st.integers(1, 6))
    findings = [draw(scripts(i)) for i in range(count)]
    queues = [list(script.steps) for script in findings]
    order: list[Step] = []
    while waiting := [i for i, queue in enumerate(queues) if queue]:
        order.append(queues[draw(st.sampled_from(waiting))].pop(0))
    return findings, order


# Running a history on a fresh store.


@contextmanager
def fresh_store(kind: str) -> Iterator[dict[str, Any]]:
    """Settings of a new, initialised store: a SQLite file of its own, or a PostgreSQL schema of its own."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield prepared(f"sqlite:///{folder}/rectify.db")
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        yield prepared(f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}schema={schema}")
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


def prepared(url: str) -> dict[str, Any]:
    settings = load_settings({"RECTIFY_DATABASE_URL": url, "RECTIFY_TIMEZONE": "Asia/Shanghai"})
    initialise_store(settings)
    return settings


@contextmanager
def running(kind: str) -> Iterator[tuple[Rectify, Any]]:
    """The application over a fresh store with the unit tree, its projector running, and the read model's view."""
    with fresh_store(kind) as store_settings:
        application = build_application(store_settings)
        register_units(application)
        view = open_view(store_settings)
        try:
            with start_runner(store_settings):
                yield application, view
        finally:
            view.datastore.close()
            application.close()


def register_units(application: Rectify) -> None:
    """HQ > BJ > BJ-01, and HQ > SH."""
    application.register_unit(SETUP, code="HQ", name="集团公司")
    application.register_unit(SETUP, code="BJ", name="北京分公司", parent="HQ")
    application.register_unit(SETUP, code="BJ-01", name="北京分公司财务部", parent="BJ")
    application.register_unit(SETUP, code="SH", name="上海分公司", parent="HQ")


def run(application: Rectify, findings: list[Script], order: list[Step], origin: datetime) -> list[datetime]:
    """Record the steps in order; the moments between them (and before the first) are returned."""
    ids: dict[int, UUID] = {}
    due: dict[int, date] = {}
    known = [recorded_moment()]
    for step in order:
        script = findings[step.finding]
        options = CommandOptions(occurred_at=origin + timedelta(minutes=step.minute))
        try:
            command(application, step, script, options, ids, due)
        except RectifyError as error:  # the scripts are drawn valid: a refusal is a finding in itself
            raise AssertionError(f"{step} was refused: {error!r}") from error
        known.append(recorded_moment())
    return known


def command(
    application: Rectify,
    step: Step,
    script: Script,
    options: CommandOptions,
    ids: dict[int, UUID],
    due: dict[int, date],
) -> None:
    """Run one step as the person whose job it is."""
    if step.action == "issue":
        due[step.finding] = options.occurred_at.astimezone(ZONE).date() + timedelta(days=step.days)
        fields = {"source": script.source, "batch": "第三轮巡察", "title": "问题", "description": "说明"}
        fields |= {"category": "作风建设", "severity": script.severity, "unit": script.unit}
        result = application.issue_finding(INSPECTOR, options, due_date=due[step.finding], **fields)
        ids[step.finding] = result.finding["id"]
        return
    id, unit_actor = ids[step.finding], UNIT_ACTORS[script.unit]
    if step.action == "assign":
        application.assign(id, unit_actor, options, assignee="张伟", note="")
    elif step.action == "rectify":
        application.rectify(id, unit_actor, options, measures="已整改", evidence=["附件1"])
    elif step.action in ("accept", "reject"):
        outcome = Outcome.ACCEPTED if step.action == "accept" else Outcome.REJECTED
        application.review(id, REVIEWER, options, outcome=outcome, comment="意见")
    elif step.action == "extend":
        due[step.finding] += timedelta(days=step.days)
        application.extend(id, INSPECTOR, options, due_date=due[step.finding], reason="延期")
    elif step.action == "escalate":
        application.escalate(id, INSPECTOR, options, note="督办")
    else:
        getattr(application, step.action)(id, INSPECTOR, options, reason="原因")  # reopen, withdraw


def recorded_moment() -> datetime:
    """Now, with a pause so the next event is recorded strictly later."""
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


# Comparing the served circular with the replay.

FIGURES = (*reference.COUNTS[:-1], "rectification_rate")  # the contract's keys; warned_this_week is an addition


def figure_differences(where: str, served: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Each figure that differs, as `where.figure: served … expected …`."""
    names = (*FIGURES, *(["warned_this_week"] if "warned_this_week" in served else []))
    return [
        f"{where}.{name}: served {served.get(name, 'nothing')!r}, expected {expected[name]!r}"
        for name in names
        if not same_figure(name, served.get(name), expected[name])
    ]


def same_figure(name: str, served: Any, expected: Any) -> bool:
    """Counts are whole numbers (a bool is not a count); rates agree to the served rounding."""
    if name != "rectification_rate":
        return type(served) is int and served == expected
    if served is None or expected is None:
        return served is expected
    return isinstance(served, float) and abs(served - expected) <= 1e-4


def differences(served: dict[str, Any], expected: dict[str, Any], scope: str | None) -> list[str]:
    """Everything in which the served circular disagrees with the replay."""
    found = [
        f"{key}: served {served[key]!r}, expected {expected[key]!r}"
        for key in ("start", "end")
        if served[key] != expected[key]
    ]
    if datetime.fromisoformat(served["cutoff"]) != expected["cutoff"]:
        found.append(f"cutoff: served {served['cutoff']}, expected {expected['cutoff'].isoformat()}")
    for part in ("totals", "previous"):
        found += figure_differences(part, served[part], expected[part])
    for split in ("by_source", "by_severity"):
        for name, figures in expected[split].items():
            found += figure_differences(f"{split}.{name}", served[split].get(name, {}), figures)
    found += unit_differences(served["units"], expected["units"], scope)
    overdue = sorted(
        (r["reference"], r["unit"], str(r["due_date"]), r["days_overdue"], r["escalations"]) for r in served["overdue"]
    )
    if overdue != expected["overdue"]:
        found.append(f"overdue: served {overdue}, expected {expected['overdue']}")
    found += listing_differences(served, expected)
    return found


def listing_differences(served: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The lists a circular may add to the contract: escalated this week, and the ledger (one row a finding)."""
    found = []
    escalated = sorted(row["reference"] for row in served.get("escalated", []))
    if "escalated" in served and escalated != expected["escalated"]:
        found.append(f"escalated: served {escalated}, expected {expected['escalated']}")
    keys = ("reference", "unit", "status", "due_date", "days_overdue")
    ledger = sorted(tuple(str(row[k]) if k == "due_date" else row[k] for k in keys) for row in served.get("ledger", []))
    if "ledger" in served and ledger != expected["ledger"]:
        found.append(f"ledger: served {ledger}, expected {expected['ledger']}")
    return found


def unit_differences(served: list[dict[str, Any]], expected: dict[str, Any], scope: str | None) -> list[str]:
    """Every unit below the scope is listed with its subtree's figures; ranks follow the rates."""
    rows = {row["unit"]: row for row in served}
    found = [f"units: {code} is not listed" for code in expected if code != scope and code not in rows]
    found += [f"units: {code} is listed but outside the scope" for code in rows if code not in expected]
    for code, row in rows.items():
        if code in expected:
            found += figure_differences(f"units[{code}]", row["figures"], expected[code]["figures"])
            if "previous" in row:
                found += figure_differences(f"units[{code}].previous", row["previous"], expected[code]["previous"])
    ranked = [(row["rank"], row["figures"]["rectification_rate"], code) for code, row in rows.items() if row["rank"]]
    found += [f"units[{code}].rank: {rank} without a rate" for rank, rate, code in ranked if rate is None]
    rated = [(rank, rate, code) for rank, rate, code in ranked if rate is not None]
    for rank, rate, code in rated:
        if any((other_rank < rank) != (other_rate > rate) for other_rank, other_rate, _ in rated):
            found.append(f"units[{code}].rank: {rank} does not follow the rates {sorted(rated)}")
    return found


def weeks_of(order: list[Step], origin: datetime) -> list[Week]:
    """Every week a step falls in, and the weeks just before and after them."""
    touched = {Week.containing(origin + timedelta(minutes=step.minute), ZONE) for step in order}
    first, last = min(touched, key=lambda w: w.start), max(touched, key=lambda w: w.start)
    touched |= {first.previous(), Week.containing(last.cutoff, ZONE)}
    return sorted(touched, key=lambda w: w.start)


def moments_to_check(
    data: st.DataObject, known: list[datetime], replay: reference.History
) -> list[tuple[str, datetime]]:
    """Some moments between steps, the very moment one finding event was recorded, and now."""
    chosen = sorted(set(data.draw(st.lists(st.integers(0, len(known) - 1), max_size=3), label="known after steps")))
    recorded = data.draw(
        st.sampled_from([e for e in replay.events if isinstance(e, Finding.Event)]), label="known as recorded"
    )
    return [
        *((f"after {i} steps", known[i]) for i in chosen),
        (f"exactly as {type(recorded).__name__} v{recorded.originator_version} was recorded", recorded.timestamp),
        ("now", datetime.now(UTC)),
    ]


def check_against_replay(kind: str, history: tuple[list[Script], list[Step]], data: st.DataObject) -> None:
    """Record the history, then compare every circular around it with the replay."""
    findings, order = history
    origin = Week.containing(datetime.now(ZONE), ZONE).start - timedelta(weeks=WEEKS)
    with running(kind) as (application, view):
        known = run(application, findings, order, origin)
        wait_for(view, application.recorder.max_notification_id(), 10)
        replay = reference.History.from_store(application)
        for label, moment in moments_to_check(data, known, replay):
            as_known = replay.known_at(moment)
            for week in weeks_of(order, origin):
                for scope in (None, "BJ", "SH"):
                    served = weekly_circular(view, week, moment, scope, CircularSettings(), with_ledger=True)
                    problems = differences(served, reference.circular(as_known, week.label, scope, ZONE), scope)
                    assert not problems, f"{week.label} as known {label}, scope {scope}:\n" + "\n".join(problems)


HYPOTHESIS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


@settings(max_examples=15, **HYPOTHESIS)
@given(history=histories(), data=st.data())
def test_circular_on_sqlite_matches_a_replay_of_every_event(history, data):
    check_against_replay("sqlite", history, data)


@pytest.mark.postgres
@settings(max_examples=8, **HYPOTHESIS)
@given(history=histories(), data=st.data())
def test_circular_on_postgres_matches_a_replay_of_every_event(postgres_available, history, data):
    check_against_replay("postgres", history, data)


# Tricky cases, one by one, on every store.


@pytest.fixture
def rectify(store_url: str) -> Iterator[Rectify]:
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    register_units(application)
    yield application
    application.close()


@pytest.fixture
def view(store_url: str) -> Iterator[Any]:
    read_model = open_view(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    yield read_model
    read_model.datastore.close()


@pytest.fixture
def week_a() -> Week:
    """A week three weeks back: it and the two after it lie wholly in the past."""
    return Week.containing(datetime.now(ZONE) - timedelta(weeks=3), ZONE)


def later(week: Week, weeks: int) -> Week:
    return Week.containing(week.start + timedelta(weeks=weeks, days=1), ZONE)


def at(week: Week, day: int, hour: int = 10) -> CommandOptions:
    """Back-dated to a day of a week (0 is Monday), at an hour, local time."""
    return CommandOptions(occurred_at=week.start + timedelta(days=day, hours=hour))


def issue(application: Rectify, reference_: str, options: CommandOptions, due_date: date, unit: str = "BJ-01") -> UUID:
    fields = {"source": Source.INSPECTION, "batch": "第三轮巡察", "title": "问题", "description": "说明"}
    fields |= {"category": "作风建设", "severity": Severity.SERIOUS, "unit": unit, "due_date": due_date}
    return application.issue_finding(INSPECTOR, options, reference=reference_, **fields).finding["id"]


def circular(application: Rectify, view: Any, week: Week, known_at: datetime | None = None, scope: str | None = None):
    wait_for(view, application.recorder.max_notification_id(), 10)
    return weekly_circular(view, week, known_at or datetime.now(UTC), scope, CircularSettings(), with_ledger=True)


def test_a_late_entry_changes_its_week_only_as_known_after_it_was_recorded(rectify, view, projector, week_a):
    issue(rectify, "XC-T-1", at(week_a, 1), week_a.monday + timedelta(days=20))
    sent = recorded_moment()
    assert circular(rectify, view, week_a, sent)["totals"]["issued_this_week"] == 1
    issue(rectify, "XC-T-2", at(week_a, 2), week_a.monday + timedelta(days=20))  # recorded late
    corrected = recorded_moment()

    assert circular(rectify, view, week_a, sent)["totals"]["issued_this_week"] == 1
    assert circular(rectify, view, week_a, corrected)["totals"]["issued_this_week"] == 2
    next_week = circular(rectify, view, later(week_a, 1), corrected)
    assert (next_week["previous"]["issued_this_week"], next_week["totals"]["issued_to_date"]) == (2, 2)
    assert circular(rectify, view, later(week_a, 1), sent)["totals"]["issued_to_date"] == 1


def test_a_fix_awaiting_review_past_its_due_date_is_not_overdue(rectify, view, projector, week_a):
    id = issue(rectify, "XC-T-1", at(week_a, 0, 9), week_a.monday + timedelta(days=1))
    rectify.assign(id, UNIT_ACTORS["BJ-01"], at(week_a, 0), assignee="张伟", note="")
    rectify.rectify(id, UNIT_ACTORS["BJ-01"], at(later(week_a, 1), 2), measures="已整改", evidence=[])

    before = circular(rectify, view, week_a)
    assert before["totals"]["overdue"] == 1
    assert [(r["reference"], r["days_overdue"]) for r in before["overdue"]] == [("XC-T-1", 6)]
    awaiting = circular(rectify, view, later(week_a, 1))
    assert (awaiting["totals"]["overdue"], awaiting["totals"]["awaiting_review"], awaiting["overdue"]) == (0, 1, [])


def test_an_extension_ends_overdue_only_from_when_it_was_granted(rectify, view, projector, week_a):
    id = issue(rectify, "XC-T-1", at(week_a, 0), week_a.monday + timedelta(days=2))
    rectify.extend(id, INSPECTOR, at(later(week_a, 2), 2), due_date=week_a.monday + timedelta(days=30), reason="延期")

    overdue = [[r["days_overdue"] for r in circular(rectify, view, later(week_a, n))["overdue"]] for n in range(3)]
    assert overdue == [[5], [12], []]
    extended = circular(rectify, view, later(week_a, 2))["totals"]
    assert (extended["overdue"], extended["extended_this_week"], extended["open"]) == (0, 1, 1)


def test_a_withdrawn_finding_does_not_count_in_the_rate(rectify, view, projector, week_a):
    closed = issue(rectify, "XC-T-1", at(week_a, 0), week_a.monday + timedelta(days=20))
    withdrawn = issue(rectify, "XC-T-2", at(week_a, 0), week_a.monday + timedelta(days=20), unit="SH")
    issue(rectify, "XC-T-3", at(week_a, 0), week_a.monday + timedelta(days=20))
    rectify.assign(closed, UNIT_ACTORS["BJ-01"], at(week_a, 1), assignee="张伟", note="")
    rectify.rectify(closed, UNIT_ACTORS["BJ-01"], at(week_a, 2), measures="已整改", evidence=[])
    rectify.review(closed, REVIEWER, at(week_a, 3), outcome=Outcome.ACCEPTED, comment="同意销号")
    rectify.withdraw(withdrawn, INSPECTOR, at(week_a, 3), reason="误发")

    served = circular(rectify, view, week_a)
    totals = served["totals"]
    assert (totals["issued_to_date"], totals["withdrawn_to_date"], totals["closed_to_date"]) == (3, 1, 1)
    assert totals["rectification_rate"] == pytest.approx(0.5)
    units = {row["unit"]: row["figures"]["rectification_rate"] for row in served["units"]}
    assert (units["SH"], units["BJ"]) == (None, pytest.approx(0.5))


def test_figures_are_whole_numbers_when_a_group_holds_one_finding(rectify, view, projector, week_a):
    issue(rectify, "XC-T-1", at(week_a, 1), week_a.monday + timedelta(days=1))

    served = circular(rectify, view, week_a)
    groups = {"totals": served["totals"], "BJ-01": next(r["figures"] for r in served["units"] if r["unit"] == "BJ-01")}
    for group, figures in groups.items():
        not_counts = {k: v for k, v in figures.items() if k != "rectification_rate" and type(v) is not int}
        assert not_counts == {}, f"{group} figures that are not whole numbers"


def test_a_circular_known_before_its_unit_was_registered_counts_nothing(rectify, view, projector, week_a):
    before = recorded_moment()
    rectify.register_unit(SETUP, code="GZ", name="广州分公司", parent="HQ")

    served = circular(rectify, view, week_a, before, scope="GZ")
    assert (served["totals"]["issued_to_date"], served["units"], served["overdue"]) == (0, [], [])
