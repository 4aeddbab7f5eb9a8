"""Long-term items (长期坚持) in the read model's rows, the circular's counting and the ledger's words."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.finding import Finding
from domain.values import Actor, Role, Severity, Source, Term
from projections.facts import issued_row
from projections.figures import figures, is_overdue, state_counts, tally
from projections.reports.labels import Labels

ISSUED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def issued_event(term: Term, due_date: date | None):
    finding = Finding.issue(reference="XC-2026-0001", source=Source.INSPECTION, batch="第一轮巡察", title="问题",
                            description="", category="作风建设", severity=Severity.GENERAL, unit="BJ",
                            due_date=due_date, actor=Actor("insp", Role.INSPECTOR), occurred_at=ISSUED_AT,
                            now=ISSUED_AT, term=term)  # fmt: skip
    return finding.collect_events()[0]


def test_a_long_term_items_row_keeps_its_term_and_no_due_date():
    row = issued_row(issued_event(Term.LONG, None), 7)
    assert (row.term, row.due_date) == ("long", None)


def test_an_issued_event_stored_before_terms_makes_a_fixed_term_row():
    event = issued_event(Term.FIXED, date(2026, 3, 31))
    del event.__dict__["term"]
    assert (issued_row(event, 7).term, issued_row(event, 7).due_date) == ("fixed", "2026-03-31")


@pytest.mark.parametrize("due_date", [None, "2026-03-31"])
def test_a_long_term_item_counts_on_its_own_line_and_is_never_overdue(due_date):
    state = {"status": "assigned", "term": "long", "due_date": due_date, "overdue": 0}
    assert not is_overdue(state, date(2030, 1, 1))
    counted = figures(state_counts(state))
    assert (counted["open"], counted["long_term_open"], counted["overdue"]) == (1, 1, 0)


def test_a_fixed_term_finding_is_not_counted_as_long_term():
    counted = figures(state_counts({"status": "assigned", "term": "fixed", "due_date": "2026-03-31", "overdue": 1}))
    assert (counted["open"], counted["long_term_open"], counted["overdue"]) == (1, 0, 1)


def test_accepting_a_long_term_item_is_a_closure_and_a_closure_in_stages():
    events = [
        {"unit": "BJ", "type": "Reviewed", "outcome": "accepted", "term": "long", "n": 2},
        {"unit": "BJ", "type": "Reviewed", "outcome": "accepted", "term": "fixed", "n": 1},
        {"unit": "BJ", "type": "Reviewed", "outcome": "rejected", "term": "long", "n": 1},
    ]
    counted = figures(tally([], events, "unit")["BJ"])
    assert (counted["closed_this_week"], counted["long_term_closed_this_week"], counted["rejected_this_week"]) == (
        3,
        2,
        1,
    )


def test_a_closed_long_term_item_counts_in_the_rate_as_closed():
    states = [{"unit": "BJ", "status": "closed", "term": "long", "due_date": None, "overdue": 0},
              {"unit": "BJ", "status": "assigned", "term": "long", "due_date": None, "overdue": 0}]  # fmt: skip
    counted = figures(tally(states, [], "unit")["BJ"])
    assert (counted["closed_to_date"], counted["long_term_open"], counted["rectification_rate"]) == (1, 1, 0.5)


@pytest.mark.parametrize(
    ("lang", "due_date", "status", "limit", "shown"),
    [
        ("zh", "2026-12-31", "assigned", "长期坚持（首期 2026-12-31）", "整改中"),
        ("zh", None, "closed", "长期坚持", "阶段性销号"),
        ("en", "2026-12-31", "closed", "Long-term (first stage 2026-12-31)", "Closed for this stage"),
        ("en", None, "assigned", "Long-term", "In progress"),
    ],
)
def test_the_ledger_says_long_term_and_closed_in_stages(lang, due_date, status, limit, shown):
    labels = Labels.of(lang)
    assert (labels.time_limit(due_date, "long"), labels.ledger_status(status, "long")) == (limit, shown)
    assert labels.time_limit("2026-12-31", "fixed") == "2026-12-31"
    assert labels.ledger_status("closed", "fixed") == labels.status("closed")
