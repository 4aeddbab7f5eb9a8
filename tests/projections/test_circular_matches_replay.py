"""The served weekly circular agrees with a replay of every stored event, for random histories on every store.

The histories are back-dated over the six weeks before the current one and
recorded in a random order across findings, so that late entries (an event
recorded after others that happened later) make `as_known_at` matter. Each
history is recorded at a moment drawn from a few that have caught circulars out
(a Sunday night in Shanghai, a year's end) or at the session's own now; the
whole circular is compared, key by key, with the replay.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.errors import RectifyError
from domain.finding import Finding
from domain.values import Actor, Outcome, Role, Severity, Source, Term, WarningLevel
from projections.circular import CircularSettings, weekly_circular
from projections.view import wait_for
from projections.weeks import Week
from service.application import CommandOptions, Rectify
from service.config import build_application, load_settings
from service.read_store import following, open_view
from tests.conftest import fresh_store as initialised_store
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
SECOND_ROOT = "XJ"  # a unit beside HQ in some histories: the whole system then has two roots
UNIT_ACTORS[SECOND_ROOT] = Actor("unit-xj", Role.UNIT, SECOND_ROOT)
# When the histories are recorded: a Sunday night in Shanghai (Sunday afternoon in UTC), the last minutes of a
# year, the first Sunday of one (still in ISO week 53 of the year before); None: the session's now.
RECORDED_AT = (
    None,
    datetime(2026, 11, 29, 23, 57, tzinfo=ZONE),
    datetime(2026, 12, 31, 23, 57, tzinfo=ZONE),
    datetime(2027, 1, 3, 23, 57, tzinfo=ZONE),
)
WEEKS = 6  # the history spans the six weeks before the current one
MINUTES_A_WEEK = 7 * 24 * 60
HORIZON = WEEKS * MINUTES_A_WEEK
BOUNDARIES = [w * MINUTES_A_WEEK + d for w in range(1, WEEKS) for d in (-1, 0)]
STATUS_AFTER = {"assign": "assigned", "rectify": "rectified", "accept": "closed", "reject": "assigned"}
STATUS_AFTER |= {"reopen": "assigned", "withdraw": "withdrawn"}
ACTIONS = {  # repeated to favour the way most findings go: assigned, fixed, reviewed
    "issued": ["assign", "assign", "assign", "extend", "escalate", "warn", "withdraw"],
    "assigned": ["rectify", "rectify", "rectify", "assign", "extend", "escalate", "warn", "warn", "withdraw"],
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
    days: int | None = 0  # issue: from the issue date to the due date (None: none); extend: added to the due date
    level: str = ""  # warn: the colour


@dataclass(frozen=True)
class Script:
    """Who a finding is issued to, what kind it is, and its steps in order."""

    unit: str
    source: Source
    severity: Severity
    steps: list[Step]
    term: Term = Term.FIXED


minutes_in = st.one_of(st.integers(0, HORIZON - 1), st.sampled_from(BOUNDARIES))  # often right at a week boundary


@st.composite
def scripts(draw: st.DrawFn, finding: int, units: list[str]) -> Script:
    """A finding's life: issue, then commands its status allows, at non-decreasing moments.

    A long-term item (长期坚持) has a first stage's due date or none; it is never warned, and
    without a deadline it has none to extend.
    """
    minutes = sorted(draw(st.lists(minutes_in, min_size=1, max_size=7)))
    term = draw(st.sampled_from([Term.FIXED, Term.FIXED, Term.LONG]))
    due_days = draw(st.integers(0, 30) if term is Term.FIXED else st.one_of(st.none(), st.integers(0, 30)))
    steps = [Step(finding, "issue", minutes[0], due_days)]
    status, warned = "issued", set()  # each colour once a deadline
    barred = {"warn"} if term is Term.LONG else set()
    barred |= {"extend"} if due_days is None else set()
    for minute in minutes[1:]:
        actions = [a for a in ACTIONS[status] if a not in barred and (a != "warn" or len(warned) < len(WarningLevel))]
        if not actions:
            break
        action = draw(st.sampled_from(actions))
        days = draw(st.integers(1, 21)) if action == "extend" else 0
        level = draw(st.sampled_from(sorted(set(WarningLevel) - warned))) if action == "warn" else ""
        steps.append(Step(finding, action, minute, days, level))
        status = STATUS_AFTER.get(action, status)
        if action in ("extend", "warn"):
            warned = {level} | warned if action == "warn" else set()
    unit = draw(st.sampled_from(units))
    return Script(unit, draw(st.sampled_from(Source)), draw(st.sampled_from(Severity)), steps, term)


@dataclass(frozen=True)
class Story:
    """Some findings' scripts, one order across them that keeps each finding's own order, and the unit tree."""

    findings: list[Script]
    order: list[Step]
    second_root: bool


@st.composite
def histories(draw: st.DrawFn) -> Story:
    second_root = draw(st.booleans())
    units = [code for code in UNIT_ACTORS if second_root or code != SECOND_ROOT]
    findings = [draw(scripts(i, units)) for i in range(draw(st.integers(1, 6)))]
    queues = [list(script.steps) for script in findings]
    order: list[Step] = []
    while waiting := [i for i, queue in enumerate(queues) if queue]:
        order.append(queues[draw(st.sampled_from(waiting))].pop(0))
    return Story(findings, order, second_root)


# Running a history on a fresh store.


@contextmanager
def fresh_store(kind: str) -> Iterator[dict[str, Any]]:
    """Settings of a new, initialised store: a SQLite file of its own, or a PostgreSQL schema of its own."""
    with tempfile.TemporaryDirectory() as folder, initialised_store(kind, Path(folder)) as url:
        yield load_settings({"RECTIFY_DATABASE_URL": url, "RECTIFY_TIMEZONE": "Asia/Shanghai"})


@contextmanager
def running(kind: str, second_root: bool) -> Iterator[tuple[Rectify, Any]]:
    """The application over a fresh store with the unit tree, its projector running, and the read model's view."""
    with fresh_store(kind) as store_settings:
        application = build_application(store_settings)
        register_units(application, second_root)
        view = open_view(store_settings)
        try:
            with following(store_settings):
                yield application, view
        finally:
            view.datastore.close()
            application.close()


def register_units(application: Rectify, second_root: bool = False) -> None:
    """HQ > BJ > BJ-01, and HQ > SH; XJ beside HQ if asked."""
    application.register_unit(SETUP, code="HQ", name="集团公司")
    application.register_unit(SETUP, code="BJ", name="北京分公司", parent="HQ")
    application.register_unit(SETUP, code="BJ-01", name="北京分公司财务部", parent="BJ")
    application.register_unit(SETUP, code="SH", name="上海分公司", parent="HQ")
    if second_root:
        application.register_unit(SETUP, code=SECOND_ROOT, name="新疆分公司")


def run(application: Rectify, findings: list[Script], order: list[Step], origin: datetime) -> list[datetime]:
    """Record the steps in order; the moments between them (and before the first) are returned."""
    ids: dict[int, UUID] = {}
    due: dict[int, date | None] = {}
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
    due: dict[int, date | None],
) -> None:
    """Run one step as the person whose job it is."""
    if step.action == "issue":
        issued_on = options.occurred_at.astimezone(ZONE).date()
        due[step.finding] = None if step.days is None else issued_on + timedelta(days=step.days)
        fields = {"source": script.source, "batch": "第三轮巡察", "title": "问题", "description": "说明"}
        fields |= {"category": "作风建设", "severity": script.severity, "unit": script.unit, "term": script.term}
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
        extended = due[step.finding]
        assert extended is not None and step.days is not None, "only a finding with a deadline is extended"
        due[step.finding] = extended + timedelta(days=step.days)
        application.extend(id, INSPECTOR, options, due_date=due[step.finding], reason="延期")
    elif step.action == "escalate":
        application.escalate(id, INSPECTOR, options, note="督办")
    elif step.action == "warn":
        warn(application, id, WarningLevel(step.level), options.occurred_at)
    else:
        getattr(application, step.action)(id, INSPECTOR, options, reason="原因")  # reopen, withdraw


def warn(application: Rectify, id: UUID, level: WarningLevel, occurred_at: datetime | None) -> None:
    """Record a warning as the system does, back-dated: its command takes the moment from the application's clock."""
    clock = application.clock
    application.clock = lambda: occurred_at or clock()
    try:
        application.warn(id, level)
    finally:
        application.clock = clock


def recorded_moment() -> datetime:
    """Now, with a pause so the next event is recorded strictly later."""
    moment = datetime.now(UTC)
    time.sleep(0.002)
    return moment


# Comparing the served circular with the replay.

# Keys compared as they are; the figures, units, lists and moments are compared below, each in its own way.
PLAIN_KEYS = ("week", "issue_number", "document_number", "start", "end", "as_of", "scope", "honour_roll", "watch_list")
PLAIN_KEYS += ("settings", "ledger_scope")
UNIT_KEYS = ("name", "level", "rank", "parent", "depth")


def figure_differences(where: str, served: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Each figure that differs, as `where.figure: served … expected …`, and any figure served but not expected."""
    found = [
        f"{where}.{name}: served {served.get(name, 'nothing')!r}, expected {value!r}"
        for name, value in expected.items()
        if not same_figure(name, served.get(name), value)
    ]
    return found + [f"{where}.{name}: served but not expected" for name in served if name not in expected]


def same_figure(name: str, served: Any, expected: Any) -> bool:
    """Counts are whole numbers (a bool is not a count); the rate is exact; warnings are counts by colour."""
    if name == "warnings":
        return (
            isinstance(served, dict)
            and served.keys() == expected.keys()
            and all(same_figure(colour, served[colour], count) for colour, count in expected.items())
        )
    if name != "rectification_rate":
        return type(served) is int and served == expected
    if served is None or expected is None:
        return served is expected
    return isinstance(served, float) and served == expected


def differences(served: dict[str, Any], expected: dict[str, Any], known_at: datetime) -> list[str]:
    """Everything in which the served circular disagrees with the replay."""
    found = [f"{key}: served but not expected" for key in served if key not in (*expected, "as_known_at", "seal")]
    found += [f"{key}: expected but not served" for key in expected if key not in served]
    found += [
        f"{key}: served {served.get(key)!r}, expected {expected[key]!r}"
        for key in PLAIN_KEYS
        if key in expected and served.get(key) != expected[key]
    ]
    if datetime.fromisoformat(served["cutoff"]) != expected["cutoff"]:
        found.append(f"cutoff: served {served['cutoff']}, expected {expected['cutoff'].isoformat()}")
    if datetime.fromisoformat(served["as_known_at"]) != known_at:
        found.append(f"as_known_at: served {served['as_known_at']}, expected {known_at.isoformat()}")
    for part in ("totals", "previous"):
        found += figure_differences(part, served[part], expected[part])
    for split in ("by_source", "by_severity"):
        if served[split].keys() != expected[split].keys():
            found.append(f"{split}: served {sorted(served[split])}, expected {sorted(expected[split])}")
        for name, figures in expected[split].items():
            found += figure_differences(f"{split}.{name}", served[split].get(name, {}), figures)
    found += unit_differences(served["units"], expected["units"])
    overdue = sorted(
        (r["reference"], r["unit"], str(r["due_date"]), r["days_overdue"], r["escalations"]) for r in served["overdue"]
    )
    if overdue != expected["overdue"]:
        found.append(f"overdue: served {overdue}, expected {expected['overdue']}")
    return found + listing_differences(served, expected)


def listing_differences(served: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """The lists a circular may add to the contract: escalated this week, and the ledger (one row a finding)."""
    found = []
    escalated = sorted(row["reference"] for row in served["escalated"])
    if escalated != expected["escalated"]:
        found.append(f"escalated: served {escalated}, expected {expected['escalated']}")
    keys = ("reference", "unit", "status", "term", "due_date", "days_overdue", "warning")
    ledger = sorted(
        tuple(str(row[k]) if k == "due_date" and row[k] is not None else row[k] for k in keys)
        for row in served.get("ledger", [])
    )
    if "ledger" in expected and ledger != expected["ledger"]:
        found.append(f"ledger: served {ledger}, expected {expected['ledger']}")
    return found


LEVEL_ORDER = ("peer", "own", "below")


def unit_differences(served: list[dict[str, Any]], expected: dict[str, Any]) -> list[str]:
    """Every unit below the scope's root with its subtree's figures, the root's own row; peers first, by rank."""
    rows = {row["unit"]: row for row in served}
    found = [f"units: {code} is listed twice" for code in rows if [r["unit"] for r in served].count(code) > 1]
    found += [f"units: {code} is not listed" for code in expected if code not in rows]
    found += [f"units: {code} is listed but not expected" for code in rows if code not in expected]
    for code, row in rows.items():
        if code in expected:
            found += [
                f"units[{code}].{key}: served {row.get(key)!r}, expected {expected[code][key]!r}"
                for key in UNIT_KEYS
                if row.get(key) != expected[code][key]
            ]
            found += figure_differences(f"units[{code}]", row["figures"], expected[code]["figures"])
            found += figure_differences(f"units[{code}].previous", row["previous"], expected[code]["previous"])
    order = [(LEVEL_ORDER.index(row["level"]), row["rank"] is None, row["rank"] or 0) for row in served]
    if order != sorted(order):
        found.append(f"units: not listed peers by rank, then own, then below: {[r['unit'] for r in served]}")
    return found


ADDITIVE = (*reference.COUNTS, *(f"warnings.{colour}" for colour in reference.COLOURS))


def additive(figures: dict[str, Any], name: str) -> int:
    group, _, colour = name.partition(".")
    return figures[group][colour] if colour else figures[name]


def parts_differences(served: dict[str, Any]) -> list[str]:
    """Where the peers and the root's own row (or the roots, if there are several) do not add up to the totals."""
    parts = [row for row in served["units"] if row["level"] in ("peer", "own")]
    return [
        f"{part}.{name}: the peers and 本级 add to {sum(additive(row[key], name) for row in parts)}, "
        f"the total is {additive(served[part], name)}"
        for part, key in (("totals", "figures"), ("previous", "previous"))
        for name in ADDITIVE
        if sum(additive(row[key], name) for row in parts) != additive(served[part], name)
    ]


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


def circular_settings(data: st.DataObject) -> CircularSettings:
    """Thresholds that put the few rates of a small history (0, ½, ⅔, 1, …) on either side of them, or on them."""
    honour = data.draw(st.sampled_from([0.5, 0.9, 1.0]), label="honour rate")
    return CircularSettings(honor_rate=honour, shame_rate=data.draw(st.sampled_from([0.5, 0.6]), label="shame rate"))


def check_against_replay(kind: str, story: Story, data: st.DataObject) -> None:
    """Record the history, then compare every circular around it with the replay."""
    recorded_at = data.draw(st.sampled_from(RECORDED_AT), label="recorded at")
    with (
        time_machine.travel(recorded_at or datetime.now(UTC), tick=True),
        running(kind, story.second_root) as (
            application,
            view,
        ),
    ):
        origin = Week.containing(datetime.now(ZONE), ZONE).start - timedelta(weeks=WEEKS)
        known = run(application, story.findings, story.order, origin)
        wait_for(view, application.recorder.max_notification_id(), 10)
        replay = reference.History.from_store(application)
        office = circular_settings(data)
        ledger = data.draw(st.sampled_from([None, "open", "all"]), label="ledger")
        for label, moment in moments_to_check(data, known, replay):
            as_known = replay.known_at(moment)
            for week in weeks_of(story.order, origin):
                for scope in (None, "HQ", "BJ", "SH"):
                    served = weekly_circular(view, week, moment, scope, office, ledger=ledger)
                    expected = reference.circular(as_known, week.label, scope, ZONE, asdict(office), ledger, moment)
                    problems = differences(served, expected, moment) + parts_differences(served)
                    assert not problems, f"{week.label} as known {label}, scope {scope}:\n" + "\n".join(problems)


HYPOTHESIS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


@settings(max_examples=15, **HYPOTHESIS)
@given(story=histories(), data=st.data())
def test_circular_on_sqlite_matches_a_replay_of_every_event(story, data):
    check_against_replay("sqlite", story, data)


@pytest.mark.postgres
@settings(max_examples=8, **HYPOTHESIS)
@given(story=histories(), data=st.data())
def test_circular_on_postgres_matches_a_replay_of_every_event(postgres_available, story, data):
    check_against_replay("postgres", story, data)


# Tricky cases, one by one, on every store.


@pytest.fixture
def rectify(store_url: str) -> Iterator[Rectify]:
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    register_units(application)
    yield application
    application.close()


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
    return weekly_circular(view, week, known_at or datetime.now(UTC), scope, CircularSettings(), ledger="all")


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
        counts = figures | {f"warnings.{colour}": n for colour, n in figures.pop("warnings").items()}
        not_counts = {k: v for k, v in counts.items() if k != "rectification_rate" and type(v) is not int}
        assert not_counts == {}, f"{group} figures that are not whole numbers"


def test_a_circular_known_before_its_unit_was_registered_counts_nothing(rectify, view, projector, week_a):
    before = recorded_moment()
    rectify.register_unit(SETUP, code="GZ", name="广州分公司", parent="HQ")

    served = circular(rectify, view, week_a, before, scope="GZ")
    assert (served["totals"]["issued_to_date"], served["units"], served["overdue"]) == (0, [], [])
