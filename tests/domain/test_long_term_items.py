"""Long-term items (长期坚持): no deadline or a first stage's, never overdue or warned, closed in stages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain import lifecycle
from domain.errors import DueDateRequired, InvalidTransition
from domain.finding import Finding
from domain.values import Actor, Outcome, Role, Severity, Source, Status, Term, WarningLevel

INSPECTOR = Actor("insp", Role.INSPECTOR)
UNIT = Actor("unit-bj", Role.UNIT, "BJ")
REVIEWER = Actor("rev", Role.REVIEWER)
SYSTEM = Actor("system", Role.SYSTEM)
ISSUED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LATER = ISSUED_AT + timedelta(days=400)


def issued(term: Term = Term.FIXED, due_date: date | None = date(2026, 3, 31)) -> Finding:
    return Finding.issue(reference="XC-2026-0001", source=Source.INSPECTION, batch="第一轮巡察", title="制度执行不到位",
                         description="", category="作风建设", severity=Severity.GENERAL, unit="BJ", due_date=due_date,
                         actor=INSPECTOR, occurred_at=ISSUED_AT, now=ISSUED_AT, term=term)  # fmt: skip


def test_a_finding_is_held_to_a_fixed_term_unless_issued_long():
    assert issued().term is Term.FIXED
    assert issued(Term.LONG, None).term is Term.LONG


def test_a_fixed_term_finding_needs_a_due_date():
    with pytest.raises(DueDateRequired) as refused:
        issued(Term.FIXED, None)
    assert refused.value.field == "due_date"


@pytest.mark.parametrize("due_date", [None, date(2026, 3, 31)])
def test_a_long_term_item_is_never_overdue_with_a_first_stage_or_without(due_date):
    finding = issued(Term.LONG, due_date)
    assert finding.due_date == due_date
    assert not finding.is_overdue_on(date(2030, 1, 1))
    assert not lifecycle.is_overdue(Status.ASSIGNED, due_date, Term.LONG, date(2030, 1, 1))
    assert issued().is_overdue_on(date(2026, 4, 1))


def test_a_long_term_item_is_never_warned():
    finding = issued(Term.LONG, date(2026, 3, 10))
    with pytest.raises(InvalidTransition):
        finding.warn(level=WarningLevel.RED, actor=SYSTEM, occurred_at=LATER, now=LATER)


def test_a_long_term_items_first_stage_can_be_extended():
    finding = issued(Term.LONG, date(2026, 3, 31))
    finding.extend(due_date=date(2026, 9, 30), reason="第二阶段", actor=INSPECTOR, occurred_at=LATER, now=LATER)
    assert (finding.due_date, finding.extensions, finding.term) == (date(2026, 9, 30), 1, Term.LONG)


def test_a_long_term_item_without_a_deadline_has_none_to_extend():
    finding = issued(Term.LONG, None)
    with pytest.raises(InvalidTransition):
        finding.extend(due_date=date(2026, 9, 30), reason="延期", actor=INSPECTOR, occurred_at=LATER, now=LATER)


def test_a_reviewers_acceptance_closes_a_long_term_item_in_stages():
    finding = issued(Term.LONG, None)
    finding.assign(assignee="王芳", note="", actor=UNIT, occurred_at=ISSUED_AT, now=ISSUED_AT)
    finding.rectify(measures="建立长效机制", evidence=[], actor=UNIT, occurred_at=ISSUED_AT, now=ISSUED_AT)
    finding.review(outcome=Outcome.ACCEPTED, comment="阶段性销号", actor=REVIEWER, occurred_at=LATER, now=LATER)
    assert (finding.status, finding.term, finding.closed_at) == (Status.CLOSED, Term.LONG, LATER)


def test_an_issued_event_without_a_term_replays_as_fixed():
    """Issued events stored before terms existed carry none; the @event body runs on every replay."""
    recorded = issued().collect_events()
    issued_event = recorded[0]
    del issued_event.__dict__["term"]
    replayed = issued_event.mutate(None)
    assert replayed is not None and replayed.term is Term.FIXED
    assert replayed.is_overdue_on(date(2026, 4, 1))
