"""What the circular's JSON gives every renderer: front matter, the warnings in force, and the ledger asked for."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from domain.values import Actor, Outcome, Role, WarningLevel
from projections.circular import CircularSettings, document_number, weekly_circular
from projections.view import wait_for
from projections.weeks import Week
from service.application import Rectify
from service.config import build_application, load_settings
from tests.projections.test_circular_matches_replay import INSPECTOR, REVIEWER, at, issue, register_units, warn

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 5, 10, tzinfo=ZONE)  # weeks 50 to 53 of 2026 lie in the past; week 53 is issued in 2027
FIRST, LAST = Week.parse("2026-W50", ZONE), Week.parse("2026-W53", ZONE)
STAFF = Actor("staff-bj01", Role.UNIT, "BJ-01")


# Front matter (版头).


def test_the_settings_default_to_the_offices_usual_front_matter_in_both_languages():
    assert asdict(CircularSettings()) == {
        "honor_rate": 0.9,
        "shame_rate": 0.6,
        "issuing_office": "整改工作领导小组办公室",
        "closing": "各单位要对照问题清单逐项销号，对逾期未改问题明确责任人和完成时限，确保按期整改到位。",
        "document_prefix": "整改办",
        "recipients": "各单位",
        "masthead": "整改工作领导小组办公室文件",
        "issuing_office_en": "Rectification Leading Group Office",
        "closing_en": "All units shall work through the list of findings and close them item by item, name the person"
        " responsible and the completion date for every overdue finding not yet rectified, and ensure that"
        " rectification is completed in full and on time.",
        "document_prefix_en": "Rectification Office",
        "recipients_en": "All units",
        "masthead_en": "Rectification Leading Group Office",
    }


def test_the_masthead_follows_the_configured_office_unless_it_is_set():
    office = CircularSettings(issuing_office="巡察整改办公室", issuing_office_en="Inspection Office")
    assert (office.masthead, office.masthead_en) == ("巡察整改办公室文件", "Inspection Office")
    assert CircularSettings(masthead="集团公司文件").masthead == "集团公司文件"


@pytest.mark.parametrize(
    ("issued_on", "scope", "number"),
    [
        (date(2026, 11, 23), None, "整改办〔2026〕12号"),
        (date(2026, 11, 23), "BJ", "整改办〔2026〕12号-BJ"),
        (date(2027, 1, 4), None, "整改办〔2027〕12号"),  # the circular of 2026's last week is issued in 2027
    ],
)
def test_the_document_number_is_the_prefix_the_year_of_issue_and_the_issue_number(issued_on, scope, number):
    assert document_number(CircularSettings(), issued_on, 12, scope) == number


# Through the read model.


@pytest.fixture
def clock() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def rectify(clock, store_url: str) -> Iterator[Rectify]:
    application = build_application(load_settings({"RECTIFY_DATABASE_URL": store_url}))
    register_units(application)
    yield application
    application.close()


def served(application: Rectify, view: Any, week: Week, scope: str | None = None, **options: Any) -> dict[str, Any]:
    wait_for(view, application.recorder.max_notification_id(), 10)
    return weekly_circular(view, week, datetime.now(ZONE), scope, CircularSettings(), **options)


def test_the_circular_carries_its_document_number_and_leaves_the_whole_systems_name_to_the_renderers(
    rectify, view, projector
):
    issue(rectify, "XC-T-1", at(FIRST, 2), FIRST.monday + timedelta(days=30))

    whole, unit = served(rectify, view, LAST), served(rectify, view, LAST, "BJ")
    assert (whole["issue_number"], whole["document_number"], whole["scope"]) == (
        4,
        "整改办〔2027〕4号",
        {"unit": None, "name": None},
    )
    assert (unit["issue_number"], unit["document_number"], unit["scope"]) == (
        4,
        "整改办〔2027〕4号-BJ",
        {"unit": "BJ", "name": "北京分公司"},
    )
    assert whole["settings"] == asdict(CircularSettings()) | {"issued_on": "2027-01-04"}


def test_the_ledger_lists_the_open_findings_or_all_of_them_and_says_which(rectify, view, projector):
    still_open = issue(rectify, "XC-T-1", at(FIRST, 1), FIRST.monday + timedelta(days=60))
    closed = issue(rectify, "XC-T-2", at(FIRST, 1), FIRST.monday + timedelta(days=60))
    withdrawn = issue(rectify, "XC-T-3", at(FIRST, 1), FIRST.monday + timedelta(days=60))
    rectify.assign(still_open, STAFF, at(FIRST, 2), assignee="张伟", note="")
    rectify.assign(closed, STAFF, at(FIRST, 2), assignee="张伟", note="")
    rectify.rectify(closed, STAFF, at(FIRST, 3), measures="已整改", evidence=[])
    rectify.review(closed, REVIEWER, at(FIRST, 4), outcome=Outcome.ACCEPTED, comment="同意销号")
    rectify.withdraw(withdrawn, INSPECTOR, at(FIRST, 4), reason="误发")

    def listed(**options: Any) -> tuple[str | None, list[str] | None]:
        circular = served(rectify, view, LAST, **options)
        rows = circular.get("ledger")
        return circular.get("ledger_scope"), None if rows is None else [row["reference"] for row in rows]

    assert listed() == (None, None)
    assert listed(ledger="open") == ("open", ["XC-T-1"])
    assert listed(ledger="all") == ("all", ["XC-T-1", "XC-T-2", "XC-T-3"])
    with pytest.raises(ValueError, match="ledger"):
        served(rectify, view, LAST, ledger="overdue")


def warnings(figures: dict[str, Any]) -> tuple[int, int, int]:
    return figures["warnings"]["green"], figures["warnings"]["yellow"], figures["warnings"]["red"]


def test_warnings_in_force_are_counted_by_colour_wherever_figures_are(rectify, view, projector):
    warned = issue(rectify, "XC-T-1", at(FIRST, 1), FIRST.monday + timedelta(days=12))
    fixed = issue(rectify, "XC-T-2", at(FIRST, 1), FIRST.monday + timedelta(days=12), unit="SH")
    warn(rectify, warned, WarningLevel.YELLOW, at(FIRST, 3).occurred_at)
    warn(rectify, fixed, WarningLevel.YELLOW, at(FIRST, 3).occurred_at)
    week = Week.parse("2026-W51", ZONE)
    warn(rectify, warned, WarningLevel.RED, at(week, 2).occurred_at)
    rectify.assign(fixed, Actor("staff-sh", Role.UNIT, "SH"), at(week, 2), assignee="李娜", note="")
    rectify.rectify(fixed, Actor("staff-sh", Role.UNIT, "SH"), at(week, 3), measures="已整改", evidence=[])

    circular = served(rectify, view, week, ledger="all")
    units = {unit["unit"]: unit for unit in circular["units"]}
    assert warnings(circular["previous"]) == (0, 2, 0)  # both yellow at the end of week 50
    assert warnings(circular["totals"]) == (0, 0, 1)  # the highest level counts; a reported fix ends its warning
    assert [warnings(units[code]["figures"]) for code in ("BJ", "BJ-01", "SH")] == [(0, 0, 1), (0, 0, 1), (0, 0, 0)]
    assert warnings(units["SH"]["previous"]) == (0, 1, 0)
    assert warnings(circular["by_source"]["inspection"]) == warnings(circular["by_severity"]["serious"]) == (0, 0, 1)
    assert warnings(circular["by_source"]["audit"]) == (0, 0, 0)
    assert [(row["reference"], row["warning"]) for row in circular["ledger"]] == [("XC-T-1", "red"), ("XC-T-2", None)]


def test_a_new_deadline_ends_the_warnings_of_the_old_one(rectify, view, projector):
    warned = issue(rectify, "XC-T-1", at(FIRST, 1), FIRST.monday + timedelta(days=5))
    warn(rectify, warned, WarningLevel.RED, at(FIRST, 6).occurred_at)
    week = Week.parse("2026-W52", ZONE)
    rectify.extend(warned, INSPECTOR, at(week, 1), due_date=FIRST.monday + timedelta(days=60), reason="延期")

    before, after = served(rectify, view, Week.parse("2026-W51", ZONE), ledger="open"), served(rectify, view, week)
    assert (warnings(before["totals"]), before["ledger"][0]["warning"]) == ((0, 0, 1), "red")
    assert warnings(after["totals"]) == (0, 0, 0)
