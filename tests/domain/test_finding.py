"""The Finding aggregate: the transition table of DESIGN.md and the rules around it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.errors import (
    DeadlineNotLater,
    DueDateBeforeIssue,
    InvalidTransition,
    OccurredBeforePrevious,
    OccurredInFuture,
    RoleNotPermitted,
    SeparationOfDuties,
    WarningAlreadyRecorded,
)
from domain.finding import Finding
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    Outcome,
    Role,
    Severity,
    Source,
    Status,
    WarningLevel,
    finding_id,
    format_reference,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=365)
DUE = date(2026, 4, 30)

INSPECTOR = Actor("li.inspector", Role.INSPECTOR)
CLERK = Actor("wang.clerk", Role.UNIT, unit="U1")
REVIEWER = Actor("zhao.reviewer", Role.REVIEWER)
AUDITOR = Actor("qian.auditor", Role.AUDITOR)
ADMIN = Actor("root", Role.ADMIN)
ACTORS = {
    Role.INSPECTOR: INSPECTOR,
    Role.UNIT: CLERK,
    Role.REVIEWER: REVIEWER,
    Role.AUDITOR: AUDITOR,
    Role.ADMIN: ADMIN,
    Role.SYSTEM: SYSTEM_ACTOR,
}


def issue(reference: str = "XC-2026-0001", actor: Actor = INSPECTOR, **changes: object) -> Finding:
    fields: dict = dict(
        reference=reference,
        source=Source.INSPECTION,
        batch="2026年第一轮巡察",
        title="公务接待超标准",
        description="2025年有3次公务接待超出标准",
        category="作风建设",
        severity=Severity.SERIOUS,
        unit="U1",
        due_date=DUE,
        actor=actor,
        occurred_at=T0,
        now=NOW,
    )
    fields.update(changes)
    return Finding.issue(**fields)


def later(finding: Finding, hours: int = 1) -> datetime:
    return finding.last_occurred_at + timedelta(hours=hours)


def assign(f: Finding, actor: Actor = CLERK) -> None:
    f.assign(assignee="wang.wu", note="", actor=actor, occurred_at=later(f), now=NOW)


def rectify(f: Finding, actor: Actor = CLERK) -> None:
    f.rectify(measures="退回超标费用", evidence=["doc-17"], actor=actor, occurred_at=later(f), now=NOW)


def accept(f: Finding, actor: Actor = REVIEWER) -> None:
    f.review(outcome=Outcome.ACCEPTED, comment="ok", actor=actor, occurred_at=later(f), now=NOW)


def reject(f: Finding, actor: Actor = REVIEWER) -> None:
    f.review(outcome=Outcome.REJECTED, comment="证据不足", actor=actor, occurred_at=later(f), now=NOW)


def extend(f: Finding, actor: Actor = INSPECTOR) -> None:
    f.extend(due_date=f.due_date + timedelta(days=10), reason="", actor=actor, occurred_at=later(f), now=NOW)


def escalate(f: Finding, actor: Actor = INSPECTOR) -> None:
    f.escalate(note="督办", actor=actor, occurred_at=later(f), now=NOW)


def reopen(f: Finding, actor: Actor = INSPECTOR) -> None:
    f.reopen(reason="回头看", actor=actor, occurred_at=later(f), now=NOW)


def withdraw(f: Finding, actor: Actor = INSPECTOR) -> None:
    f.withdraw(reason="误发", actor=actor, occurred_at=later(f), now=NOW)


def warn(f: Finding, actor: Actor = SYSTEM_ACTOR, level: WarningLevel = WarningLevel.GREEN) -> None:
    f.warn(level=level, actor=actor, occurred_at=later(f), now=NOW)


def finding_in(status: Status) -> Finding:
    """A finding brought to `status` by allowed commands, with its events already collected."""
    steps = {
        Status.ISSUED: [],
        Status.ASSIGNED: [assign],
        Status.RECTIFIED: [assign, rectify],
        Status.CLOSED: [assign, rectify, accept],
        Status.WITHDRAWN: [withdraw],
    }[status]
    finding = issue()
    for step in steps:
        step(finding)
    finding.collect_events()
    assert finding.status is status
    return finding


def observable(finding: Finding) -> dict:
    return {k: copy.deepcopy(v) for k, v in vars(finding).items() if k != "_pending_events"}


def assert_rejected(finding: Finding, error: type[Exception], command: Callable[[], None]) -> None:
    """The command raises `error` and leaves no trace on the aggregate."""
    finding.collect_events()
    before, version = observable(finding), finding.version
    with pytest.raises(error):
        command()
    assert finding.collect_events() == []
    assert finding.version == version
    assert observable(finding) == before


@dataclass(frozen=True)
class Row:
    command: Callable[..., None]
    event: str
    sources: tuple[Status, ...]
    target: Status | None  # None: the status stays the same
    roles: tuple[Role, ...]


OPEN = (Status.ISSUED, Status.ASSIGNED)
TABLE = {
    "assign": Row(assign, "Assigned", OPEN, Status.ASSIGNED, (Role.UNIT, Role.INSPECTOR)),
    "rectify": Row(rectify, "Rectified", (Status.ASSIGNED,), Status.RECTIFIED, (Role.UNIT,)),
    "accept": Row(accept, "Reviewed", (Status.RECTIFIED,), Status.CLOSED, (Role.REVIEWER,)),
    "reject": Row(reject, "Reviewed", (Status.RECTIFIED,), Status.ASSIGNED, (Role.REVIEWER,)),
    "extend": Row(extend, "DeadlineExtended", OPEN, None, (Role.INSPECTOR,)),
    "escalate": Row(escalate, "Escalated", OPEN, None, (Role.INSPECTOR,)),
    "reopen": Row(reopen, "Reopened", (Status.CLOSED,), Status.ASSIGNED, (Role.INSPECTOR,)),
    "withdraw": Row(withdraw, "Withdrawn", (*OPEN, Status.RECTIFIED), Status.WITHDRAWN, (Role.INSPECTOR,)),
    "warn": Row(warn, "Warned", OPEN, None, (Role.SYSTEM,)),
}
ALLOWED = [(name, s) for name, row in TABLE.items() for s in row.sources]
DISALLOWED = [(name, s) for name, row in TABLE.items() for s in Status if s not in row.sources]
PERMITTED = [(name, r) for name, row in TABLE.items() for r in (*row.roles, Role.ADMIN)]
FORBIDDEN = [(name, r) for name, row in TABLE.items() for r in Role if r not in (*row.roles, Role.ADMIN)]


def case_id(value: object) -> str:
    return str(value)


@pytest.mark.parametrize(("name", "status"), ALLOWED, ids=case_id)
def test_allowed_transition_records_one_event_and_moves_status(name: str, status: Status) -> None:
    row, finding = TABLE[name], finding_in(status)
    row.command(finding)
    [recorded] = finding.collect_events()
    assert type(recorded).__name__ == row.event
    assert recorded.actor == ACTORS[row.roles[0]].name
    assert recorded.occurred_at == finding.last_occurred_at
    assert finding.status is (row.target or status)
    assert finding.version == recorded.originator_version


@pytest.mark.parametrize(("name", "status"), DISALLOWED, ids=case_id)
def test_disallowed_transition_raises_and_records_nothing(name: str, status: Status) -> None:
    finding = finding_in(status)
    assert_rejected(finding, InvalidTransition, lambda: TABLE[name].command(finding))


@pytest.mark.parametrize(("name", "role"), PERMITTED, ids=case_id)
def test_permitted_role_may_run_the_command(name: str, role: Role) -> None:
    row = TABLE[name]
    finding = finding_in(row.sources[0])
    row.command(finding, ACTORS[role])
    assert len(finding.collect_events()) == 1


@pytest.mark.parametrize(("name", "role"), FORBIDDEN, ids=case_id)
def test_wrong_role_raises_and_records_nothing(name: str, role: Role) -> None:
    row = TABLE[name]
    finding = finding_in(row.sources[0])
    assert_rejected(finding, RoleNotPermitted, lambda: row.command(finding, ACTORS[role]))


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.ADMIN])
def test_inspector_or_admin_issues_a_finding(role: Role) -> None:
    finding = issue(actor=ACTORS[role])
    [issued] = finding.collect_events()
    assert type(issued).__name__ == "Issued"
    assert (issued.actor, issued.occurred_at) == (ACTORS[role].name, T0)
    assert finding.status is Status.ISSUED
    assert (finding.reference, finding.due_date, finding.version) == ("XC-2026-0001", DUE, 1)
    assert (finding.rejections, finding.reopenings, finding.escalations, finding.extensions) == (0, 0, 0, 0)


@pytest.mark.parametrize("role", [Role.UNIT, Role.REVIEWER, Role.AUDITOR, Role.SYSTEM])
def test_only_inspectors_issue_findings(role: Role) -> None:
    with pytest.raises(RoleNotPermitted):
        issue(actor=ACTORS[role])


def test_due_date_cannot_precede_the_issue_date() -> None:
    with pytest.raises(DueDateBeforeIssue):
        issue(due_date=T0.date() - timedelta(days=1))
    assert issue(due_date=T0.date()).due_date == T0.date()


def test_same_reference_gives_same_id() -> None:
    assert issue("XC-2026-0042").id == issue("XC-2026-0042").id == finding_id("XC-2026-0042")
    assert issue("XC-2026-0042").id != issue("SJ-2026-0042").id


def test_assigned_references_follow_source_year_number() -> None:
    assert format_reference(Source.INSPECTION, 2026, 42) == "XC-2026-0042"
    assert format_reference(Source.AUDIT, 2026, 7) == "SJ-2026-0007"


def test_accepting_a_fix_closes_the_finding() -> None:
    finding = finding_in(Status.RECTIFIED)
    accept(finding)
    assert finding.status is Status.CLOSED
    assert finding.closed_at == finding.last_occurred_at
    assert (finding.measures, finding.evidence, finding.rectified_by) == ("退回超标费用", ["doc-17"], CLERK.name)


def test_rejection_sends_finding_back_to_assigned_and_counts() -> None:
    finding = finding_in(Status.RECTIFIED)
    reject(finding)
    rectify(finding)
    reject(finding)
    assert finding.status is Status.ASSIGNED
    assert finding.rejections == 2
    assert finding.closed_at is None


def test_reopening_a_closed_finding_counts_and_clears_closing() -> None:
    finding = finding_in(Status.CLOSED)
    reopen(finding)
    assert (finding.status, finding.reopenings, finding.closed_at) == (Status.ASSIGNED, 1, None)


def test_escalation_and_extension_are_counted() -> None:
    finding = finding_in(Status.ASSIGNED)
    escalate(finding)
    escalate(finding)
    extend(finding)
    assert (finding.escalations, finding.extensions) == (2, 1)
    assert finding.due_date == DUE + timedelta(days=10)


def test_reviewer_cannot_accept_own_rectification() -> None:
    finding = finding_in(Status.ASSIGNED)
    rectify(finding, Actor("zhang", Role.UNIT, unit="U1"))
    assert_rejected(finding, SeparationOfDuties, lambda: accept(finding, Actor("zhang", Role.REVIEWER)))
    assert_rejected(finding, SeparationOfDuties, lambda: reject(finding, Actor("zhang", Role.REVIEWER)))


def test_admin_may_act_in_any_role_but_not_review_own_fix() -> None:
    finding = issue(actor=ADMIN)
    for command in (assign, extend, escalate, warn, rectify):
        command(finding, ADMIN)
    assert_rejected(finding, SeparationOfDuties, lambda: accept(finding, ADMIN))
    accept(finding, Actor("root2", Role.ADMIN))
    reopen(finding, ADMIN)
    withdraw(finding, ADMIN)
    assert finding.status is Status.WITHDRAWN


@pytest.mark.parametrize("status", list(Status), ids=case_id)
def test_auditor_cannot_change_anything(status: Status) -> None:
    finding = finding_in(status)
    for row in TABLE.values():
        assert_rejected(finding, RoleNotPermitted, lambda row=row: row.command(finding, AUDITOR))


def test_withdrawn_finding_accepts_no_more_commands() -> None:
    finding = finding_in(Status.WITHDRAWN)
    for row in TABLE.values():
        assert_rejected(finding, InvalidTransition, lambda row=row: row.command(finding))


def test_extension_must_be_later_than_current_deadline() -> None:
    finding = finding_in(Status.ASSIGNED)
    for due_date in (DUE, DUE - timedelta(days=1)):
        assert_rejected(
            finding,
            DeadlineNotLater,
            lambda d=due_date: finding.extend(
                due_date=d, reason="", actor=INSPECTOR, occurred_at=later(finding), now=NOW
            ),
        )


def test_occurred_at_cannot_be_in_the_future() -> None:
    with pytest.raises(OccurredInFuture):
        issue(occurred_at=NOW + timedelta(seconds=1))
    finding = finding_in(Status.ISSUED)
    assert_rejected(
        finding,
        OccurredInFuture,
        lambda: finding.escalate(note="", actor=INSPECTOR, occurred_at=NOW + timedelta(seconds=1), now=NOW),
    )
    finding.escalate(note="", actor=INSPECTOR, occurred_at=NOW, now=NOW)


def test_occurred_at_cannot_precede_previous_event() -> None:
    finding = finding_in(Status.ASSIGNED)
    previous = finding.last_occurred_at
    assert_rejected(
        finding,
        OccurredBeforePrevious,
        lambda: finding.escalate(note="", actor=INSPECTOR, occurred_at=previous - timedelta(seconds=1), now=NOW),
    )
    finding.escalate(note="", actor=INSPECTOR, occurred_at=previous, now=NOW)
    assert finding.escalations == 1


def test_warning_recorded_once_per_level_until_deadline_extended() -> None:
    finding = finding_in(Status.ASSIGNED)
    warn(finding, level=WarningLevel.GREEN)
    warn(finding, level=WarningLevel.YELLOW)
    assert_rejected(finding, WarningAlreadyRecorded, lambda: warn(finding, level=WarningLevel.GREEN))
    extend(finding)
    warn(finding, level=WarningLevel.GREEN)
    assert finding.warnings == [WarningLevel.GREEN]


@pytest.mark.parametrize(
    ("status", "overdue"),
    [
        (Status.ISSUED, True),
        (Status.ASSIGNED, True),
        (Status.RECTIFIED, False),
        (Status.CLOSED, False),
        (Status.WITHDRAWN, False),
    ],
    ids=case_id,
)
def test_overdue_is_derived_from_status_and_due_date(status: Status, overdue: bool) -> None:
    finding = finding_in(status)
    assert finding.is_overdue_on(DUE) is False
    assert finding.is_overdue_on(DUE + timedelta(days=1)) is overdue


def test_extension_lifts_overdue() -> None:
    finding = finding_in(Status.ASSIGNED)
    extend(finding)
    assert finding.is_overdue_on(DUE + timedelta(days=1)) is False
    assert finding.is_overdue_on(DUE + timedelta(days=11)) is True
