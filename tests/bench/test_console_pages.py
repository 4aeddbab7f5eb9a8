"""The console's page timings (`bench.console_pages`) on a small store: every page asked for by its user,
signed in through the form, timed when it answers 200 and reported as not built when it does not."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest

from bench.console_pages import USERS, bench_app, measure_console, signed_in, time_page
from bench.report import Table
from bench.stores import Size
from bench.tree import unit_person
from domain.values import Actor, Role, Severity, Source
from service.application import CommandOptions
from service.config import build_application, load_settings
from service.projector import run_projector

SETUP = Actor("setup", Role.ADMIN)
INSPECTOR = Actor(USERS["inspector"], Role.INSPECTOR)


@pytest.fixture
def history(store_url):
    """A store with a branch's subtree, the bench's three users and 60 findings, the read model caught up."""
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_WARN_EVERY": "0"})
    application = build_application(settings)
    try:
        application.register_unit(SETUP, code="HQ", name="集团公司")
        application.register_unit(SETUP, code="B01", name="第一分公司", parent="HQ")
        tokens = {
            USERS["inspector"]: application.add_user(USERS["inspector"], Role.INSPECTOR),
            USERS["unit"]: application.add_user(USERS["unit"], Role.UNIT, unit_person("B01").unit),
            USERS["auditor"]: application.add_user(USERS["auditor"], Role.AUDITOR),
        }
        fields = dict(source=Source.INSPECTION, batch="第一轮巡察", description="", category="")
        for n in range(60):
            unit, due = "B01" if n % 2 else "HQ", date(2030, 1, 1 + n % 28)
            title, severity = f"物资采购问题{n}", Severity.GENERAL
            application.issue_finding(INSPECTOR, CommandOptions(), title=title, severity=severity, unit=unit,
                                      due_date=due, **fields)  # fmt: skip
    finally:
        application.close()
    run_projector(settings, threading.Event(), lambda _: None, until_caught_up=True)
    return settings, {"tokens": tokens, "now": datetime.now(UTC).isoformat()}


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_every_page_is_timed_when_it_answers_and_reported_as_not_built_when_it_does_not(history):
    settings, made = history
    table = Table()
    timings = measure_console("sqlite", settings, made, Size(60, 2, weeks=4), runs=2, table=table, later=2)
    by_name = {(t.page.name, t.page.user): t for t in timings}
    assert {user for _, user in by_name} == {"inspector", "unit", "auditor"}
    for key in (("工作台", "unit"), ("问题清单, first page", "inspector"), ("问题清单, page 2 by cursor", "inspector")):
        timing = by_name[key]
        assert timing.status == 200 and timing.latency is not None and len(timing.latency.runs) == 2, key
        assert timing.latency.size > 1000, key  # a whole page, not a redirect to the sign-in form
    later = by_name[("问题清单, page 2 by cursor", "inspector")].page.path
    assert "cursor=" in later
    built = [t for t in timings if t.latency is not None]
    missing = [t for t in timings if t.latency is None]
    rendered = table.render()
    assert len(rendered.splitlines()) == len(timings) + 4  # notes, a blank line, the headers, the rule
    for timing in missing:
        assert f"not built (answered {timing.status})" in rendered and timing.status != 200
    assert rendered.count("x /healthz's") == len(built) and all(t.latency.cpu_runs for t in built)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_page_that_is_not_there_is_not_built_and_a_wrong_token_does_not_sign_in(history):
    settings, made = history
    app = bench_app(settings)
    client = signed_in(app, USERS["unit"], made["tokens"][USERS["unit"]])
    assert time_page(client, "/console/nothing-here", 3) == (404, None)
    status, latency = time_page(client, "/console/", 3)
    assert status == 200 and latency is not None and len(latency.runs) == 3
    with pytest.raises(AssertionError, match="could not sign in"):
        signed_in(app, USERS["unit"], made["tokens"][USERS["auditor"]])
