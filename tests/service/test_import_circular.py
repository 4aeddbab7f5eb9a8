"""The weekly circular over an imported ledger agrees with a replay of every stored event (tests/projections)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.values import Actor, Role
from projections.circular import CircularSettings, weekly_circular
from projections.view import wait_for
from projections.weeks import Week
from service.application import Rectify
from service.config import load_settings
from service.imports.importing import import_ledger
from service.imports.planning import ImportRequest
from service.read_store import open_view
from tests.projections import reference
from tests.projections.test_circular_matches_replay import differences, parts_differences
from tests.service.conftest import SETUP
from tests.service.test_import_support import (
    EXPECTED,
    LEDGERS,
    MOMENT,
    ZONE,
    at_import_moment,  # noqa: F401 - a fixture
    expected_created,
)

pytestmark = pytest.mark.usefixtures("at_import_moment")
IMPORTER = Actor("巡察办", Role.INSPECTOR)


@pytest.fixture
def view(store_url: str) -> Iterator[Any]:
    read_model = open_view(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    yield read_model
    read_model.datastore.close()


def test_the_circular_of_an_imported_ledger_matches_a_replay_of_its_events(
    application: Rectify, projector: Any, view: Any
) -> None:
    application.register_unit(SETUP, code="SHY", name="上海研究院", parent="HQ")
    for name in ("inspection.xlsx", "audit.xlsx", "list-utf8-bom.csv", "special-audit-gb18030.csv"):
        import_ledger(application, ImportRequest((LEDGERS / name).read_bytes(), name), IMPORTER)
    wait_for(view, application.recorder.max_notification_id(), 10)
    known = datetime.now(UTC)
    replay = reference.History.from_store(application).known_at(known)
    office = CircularSettings()

    # Every week from the first issue date (15 January 2026) to the import's, and the week after it.
    week, compared = Week.containing(datetime(2026, 1, 15, tzinfo=ZONE), ZONE), 0
    while week.start <= MOMENT + timedelta(weeks=1):
        compared += 1
        for scope in (None, "HQ", "BJ", "SH"):
            served = weekly_circular(view, week, known, scope, office, ledger="all")
            expected = reference.circular(replay, week.label, scope, ZONE, asdict(office), "all", known)
            problems = differences(served, expected, known) + parts_differences(served)
            assert not problems, f"{week.label}, scope {scope}:\n" + "\n".join(problems)
        week = Week.containing(week.cutoff + timedelta(days=1), ZONE)
    assert compared == 26
    closed = sum(status == "closed" for name in EXPECTED for _, _, status in expected_created(name).values())
    last = weekly_circular(view, Week.containing(MOMENT, ZONE), known, None, office, ledger="all")
    assert (last["totals"]["issued_to_date"], last["totals"]["closed_to_date"]) == (len(last["ledger"]), closed)
