"""Random command sequences against a Finding: rejections leave no trace, replay gives back the same state."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventsourcing.persistence import Mapper
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from domain import errors
from domain.finding import Finding
from domain.values import Actor, Outcome, Role, Severity, Source, Status, WarningLevel
from service.application import Rectify
from service.stores import store_env

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = {Status.ISSUED, Status.ASSIGNED}
# The transition table of DESIGN.md: command -> (statuses it may start from, roles that may run it).
RULES: dict[str, tuple[set[Status], set[Role]]] = {
    "assign": (OPEN, {Role.UNIT, Role.INSPECTOR}),
    "rectify": ({Status.ASSIGNED}, {Role.UNIT}),
    "review": ({Status.RECTIFIED}, {Role.REVIEWER}),
    "extend": (OPEN, {Role.INSPECTOR}),
    "escalate": (OPEN, {Role.INSPECTOR}),
    "reopen": ({Status.CLOSED}, {Role.INSPECTOR}),
    "withdraw": ({*OPEN, Status.RECTIFIED}, {Role.INSPECTOR}),
    "warn": (OPEN, {Role.SYSTEM}),
}


@dataclass(frozen=True)
class Step:
    """One command with everything it might need; the names are few so the same person turns up in two roles."""

    command: str
    actor: Actor
    occurred_after: timedelta  # from the previous event; negative goes back in time
    clock_advance: timedelta
    outcome: Outcome
    level: WarningLevel
    extend_by: timedelta


@dataclass(frozen=True)
class Draw:
    """A step before the finding's status is known: mostly an allowed command by a permitted role."""

    any_command: bool
    any_role: bool
    pick: int
    name: str
    role: Role
    minutes_after: int
    minutes_passed: int
    outcome: Outcome
    level: WarningLevel
    days_extended: int

    def step(self, status: Status) -> Step:
        """Withdrawing is left to `any_command`, so that sequences live long enough to reach review and reopening."""
        usual = [name for name, (sources, _) in RULES.items() if status in sources and name != "withdraw"]
        commands = sorted(RULES) if self.any_command or not usual else usual
        command = commands[self.pick % len(commands)]
        permitted = sorted(RULES[command][1])
        role = self.role if self.any_role else permitted[self.pick % len(permitted)]
        return Step(
            command=command,
            actor=Actor(self.name, role, unit="U1"),
            occurred_after=timedelta(minutes=self.minutes_after),
            clock_advance=timedelta(minutes=self.minutes_passed),
            outcome=self.outcome,
            level=self.level,
            extend_by=timedelta(days=self.days_extended),
        )


one_in_four = st.integers(0, 3).map(lambda n: n == 0)
draws = st.builds(
    Draw,
    any_command=one_in_four,
    any_role=one_in_four,
    pick=st.integers(0, 59),
    name=st.sampled_from(["ann", "bo"]),
    role=st.sampled_from(list(Role)),
    minutes_after=st.integers(-600, 4000),
    minutes_passed=st.integers(0, 3000),
    outcome=st.sampled_from(list(Outcome)),
    level=st.sampled_from(list(WarningLevel)),
    days_extended=st.integers(-3, 20),
)


COUNTERS = ("rejections", "reopenings", "escalations", "extensions")


@dataclass
class Model:
    """What the finding should look like, worked out independently of the aggregate."""

    due_date: date
    last: datetime
    status: Status = Status.ISSUED
    rectified_by: str | None = None
    warnings: set[WarningLevel] = field(default_factory=set)
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def expected_error(self, step: Step, at: datetime, now: datetime) -> type[errors.RectifyError] | None:
        sources, roles = RULES[step.command]
        if step.actor.role not in roles and step.actor.role is not Role.ADMIN:
            return errors.RoleNotPermitted
        if self.status not in sources:
            return errors.InvalidTransition
        if at > now:
            return errors.OccurredInFuture
        if at < self.last:
            return errors.OccurredBeforePrevious
        if step.command == "review" and step.actor.name == self.rectified_by:
            return errors.SeparationOfDuties
        if step.command == "extend" and step.extend_by <= timedelta(0):
            return errors.DeadlineNotLater
        if step.command == "warn" and step.level in self.warnings:
            return errors.WarningAlreadyRecorded
        return None

    def apply(self, step: Step, at: datetime) -> None:
        self.last = at
        if step.command == "assign":
            self.status = Status.ASSIGNED
        elif step.command == "rectify":
            self.status, self.rectified_by = Status.RECTIFIED, step.actor.name
        elif step.command == "review" and step.outcome is Outcome.ACCEPTED:
            self.status = Status.CLOSED
        elif step.command == "review":
            self.status = Status.ASSIGNED
            self.counters["rejections"] += 1
        elif step.command == "extend":
            self.due_date, self.warnings = self.due_date + step.extend_by, set()
            self.counters["extensions"] += 1
        elif step.command == "escalate":
            self.counters["escalations"] += 1
        elif step.command == "reopen":
            self.status, self.rectified_by = Status.ASSIGNED, None
            self.counters["reopenings"] += 1
        elif step.command == "withdraw":
            self.status = Status.WITHDRAWN
        elif step.command == "warn":
            self.warnings.add(step.level)


def run(finding: Finding, step: Step, at: datetime, now: datetime) -> None:
    when = {"actor": step.actor, "occurred_at": at, "now": now}
    commands = {
        "assign": lambda: finding.assign(assignee=step.actor.name, note="", **when),
        "rectify": lambda: finding.rectify(measures="整改措施", evidence=["doc-1"], **when),
        "review": lambda: finding.review(outcome=step.outcome, comment="", **when),
        "extend": lambda: finding.extend(due_date=finding.due_date + step.extend_by, reason="", **when),
        "escalate": lambda: finding.escalate(note="", **when),
        "reopen": lambda: finding.reopen(reason="", **when),
        "withdraw": lambda: finding.withdraw(reason="", **when),
        "warn": lambda: finding.warn(level=step.level, **when),
    }
    commands[step.command]()


def issue(due_date: date) -> Finding:
    return Finding.issue(
        reference="XC-2026-0001",
        source=Source.AUDIT,
        batch="2026年审计项目",
        title="物资采购未招标",
        description="",
        category="物资采购",
        severity=Severity.MAJOR,
        unit="U1",
        due_date=due_date,
        actor=Actor("li", Role.INSPECTOR),
        occurred_at=T0,
        now=T0 + timedelta(hours=1),
    )


def store_mapper() -> Mapper:
    """The application's own mapper (over the in-memory store: no I/O)."""
    return Rectify(store_env("memory:")).mapper


def through_store(events: list[Any]) -> list[Any]:
    mapper = store_mapper()
    return [mapper.to_domain_event(mapper.to_stored_event(event)) for event in events]


def replay(events: list[Any]) -> Finding:
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    assert isinstance(aggregate, Finding)
    return aggregate


def typed(value: Any) -> Any:
    """A copy of the value with its type, so that a plain `str` never passes for an enum member."""
    if isinstance(value, list):
        return (list, [typed(item) for item in value])
    return (type(value), value)


def observable(finding: Finding) -> dict[str, Any]:
    return {k: typed(v) for k, v in vars(finding).items() if k != "_pending_events"}


class FindingLifecycle(RuleBasedStateMachine):
    """Drives a finding with random commands and checks it against the model after each one."""

    round_trip_through_store = False

    @initialize(due_in=st.integers(0, 40))
    def issue_finding(self, due_in: int) -> None:
        self.now = T0 + timedelta(hours=1)
        self.finding = issue(T0.date() + timedelta(days=due_in))
        self.events = self.finding.collect_events()
        self.model = Model(due_date=self.finding.due_date, last=T0)

    @rule(draw=draws)
    def command(self, draw: Draw) -> None:
        step = draw.step(self.model.status)
        self.now += step.clock_advance
        at = self.model.last + step.occurred_after
        expected = self.model.expected_error(step, at, self.now)
        before, version = observable(self.finding), self.finding.version
        try:
            run(self.finding, step, at, self.now)
        except errors.RectifyError as error:
            assert type(error) is expected, f"{step.command} raised {error!r}, expected {expected}"
            assert self.finding.collect_events() == []
            assert self.finding.version == version
            assert observable(self.finding) == before
            return
        new = self.finding.collect_events()
        self.events += new
        assert expected is None, f"{step.command} succeeded, expected {expected.__name__}"
        assert len(new) == 1 and self.finding.version == version + 1
        self.model.apply(step, at)
        self.check_against_model()

    def check_against_model(self) -> None:
        finding, model = self.finding, self.model
        assert (finding.status, finding.due_date) == (model.status, model.due_date)
        assert finding.last_occurred_at == model.last
        assert {name: getattr(finding, name) for name in COUNTERS} == model.counters
        assert set(finding.warnings) == model.warnings

    def teardown(self) -> None:
        if not hasattr(self, "finding"):
            return
        events = through_store(self.events) if self.round_trip_through_store else self.events
        assert observable(replay(events)) == observable(self.finding)


class FindingLifecycleThroughStore(FindingLifecycle):
    """The same, but replaying events that went through the store's mapper and transcoder."""

    round_trip_through_store = True


LIFECYCLE_SETTINGS = settings(max_examples=100, stateful_step_count=20, deadline=None)
TestFindingLifecycle = FindingLifecycle.TestCase
TestFindingLifecycle.settings = LIFECYCLE_SETTINGS
TestFindingLifecycleThroughStore = FindingLifecycleThroughStore.TestCase
TestFindingLifecycleThroughStore.settings = LIFECYCLE_SETTINGS


def stored_life() -> list[Any]:
    """Every kind of event that carries an enum or a date, read back through the store's mapper."""
    finding = issue(date(2026, 4, 30))
    unit, reviewer, inspector = Actor("wang", Role.UNIT), Actor("zhao", Role.REVIEWER), Actor("li", Role.INSPECTOR)
    when = {"occurred_at": T0, "now": T0 + timedelta(days=30)}
    finding.warn(level=WarningLevel.YELLOW, actor=Actor("system", Role.SYSTEM), **when)
    finding.extend(due_date=date(2026, 5, 31), reason="", actor=inspector, **when)
    finding.assign(assignee="wang", note="", actor=unit, **when)
    finding.rectify(measures="", evidence=[], actor=unit, **when)
    finding.review(outcome=Outcome.ACCEPTED, comment="", actor=reviewer, **when)
    return through_store(finding.collect_events())


def test_dates_in_stored_events_come_back_as_dates() -> None:
    issued, _, extended, *_ = stored_life()
    assert (type(issued.due_date), type(extended.due_date)) == (date, date)
    assert (type(issued.occurred_at), issued.occurred_at, issued.occurred_at.tzinfo) == (datetime, T0, UTC)


def test_enums_in_stored_events_come_back_as_enum_members() -> None:
    issued, warned, *_, reviewed = stored_life()
    assert (type(issued.source), type(issued.severity)) == (Source, Severity)
    assert type(warned.level) is WarningLevel
    assert reviewed.outcome is Outcome.ACCEPTED


def test_finding_replayed_from_the_store_holds_enums_and_dates() -> None:
    finding = replay(stored_life())
    assert (finding.status, finding.closed_at) == (Status.CLOSED, T0)
    assert (type(finding.source), type(finding.severity), type(finding.due_date)) == (Source, Severity, date)
    assert finding.due_date == date(2026, 5, 31)
