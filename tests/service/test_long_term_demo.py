"""`rectify demo` issues long-term items (长期坚持): with a first stage's due date or none, some closed in stages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from domain.values import Term
from service.config import build_application, initialise_store, load_settings
from service.demo import seed_demo
from tests.conftest import at_demo_moment


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Any]]:
    """The Issued events and the final states of a demo store's findings."""
    settings = load_settings({"RECTIFY_DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('demo')}/demo.db"})
    initialise_store(settings)
    application = build_application(settings)
    with at_demo_moment():
        seed_demo(application, weeks=6, seed=7)
    events = [application.mapper.to_domain_event(n) for n in application.recorder.select_notifications(1, 10**6)]
    yield [(event, application.repository.get(event.originator_id)) for event in events
           if type(event).__name__ == "Issued"]  # fmt: skip
    application.close()


def test_the_demo_issues_long_term_items_with_a_first_stage_or_none(issued):
    long_term = [(event, finding) for event, finding in issued if event.term is Term.LONG]
    assert 0 < len(long_term) < len(issued) / 4
    assert {event.due_date is None for event, _ in long_term} == {True, False}
    assert all(not finding.is_overdue_on(date(2099, 1, 1)) for _, finding in long_term)


def test_the_demo_closes_some_long_term_items_in_stages_and_warns_none(issued):
    long_term = [finding for event, finding in issued if event.term is Term.LONG]
    assert any(finding.status == "closed" for finding in long_term)
    assert all(finding.extensions == 0 and not finding.warnings for finding in long_term)
