"""The application owns the clock: the HTTP reads, the circular's default week and the warnings follow it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.values import Actor, Role
from domain.warnings import WarningThresholds
from projections.weeks import Week
from service import create_app
from service.config import build_application, load_settings
from service.read_store import open_read_side
from service.warnings import send_due_warnings

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETUP = Actor("setup", Role.ADMIN)


class Clock:
    """A clock a test sets by hand; the application calls it for every 'now'."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def clocked(store_url: str, clock: Clock, projector):
    """An application on the hand-set clock, with one unit, an inspector and an auditor, and its HTTP client."""
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url})
    application = build_application(settings, clock=clock)
    application.register_unit(SETUP, code="BJ", name="北京分公司")
    tokens = {role: application.add_user(f"{role}-user", Role(role)) for role in ("inspector", "auditor")}
    client = create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True}, application=application).test_client()
    yield application, client, {role: {"Authorization": f"Bearer {token}"} for role, token in tokens.items()}
    application.close()


def issue_due_in(client, headers, days: int, clock: Clock) -> dict:
    due = (clock().astimezone(SHANGHAI).date() + timedelta(days=days)).isoformat()
    body = {"source": "audit", "batch": "2026年审计", "title": "账实不符", "severity": "general", "unit": "BJ",
            "due_date": due}  # fmt: skip
    response = client.post("/api/v1/findings", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_overdue_in_the_list_and_the_finding_follows_the_applications_clock(clocked, clock):
    application, client, auth = clocked
    finding = issue_due_in(client, auth["inspector"], 3, clock)
    listed = f"/api/v1/findings?min_position={finding['position']}"
    assert client.get(listed, headers=auth["auditor"]).get_json()["items"][0]["overdue"] is False
    clock.moment += timedelta(days=5)  # the deadline has passed on the application's clock only
    assert client.get(listed, headers=auth["auditor"]).get_json()["items"][0]["overdue"] is True
    assert client.get(f"/api/v1/findings/{finding['id']}", headers=auth["auditor"]).get_json()["overdue"] is True


def test_the_circulars_default_week_is_the_last_finished_week_on_the_applications_clock(clocked, clock):
    application, client, auth = clocked
    clock.moment = datetime.now(UTC) + timedelta(days=400)  # far from the real date, so only the clock can say
    answer = client.get("/api/v1/circulars/weekly", headers=auth["auditor"]).get_json()
    expected = Week.containing(clock.moment - timedelta(days=7), SHANGHAI)
    assert answer["week"] == expected.label


def test_due_warnings_are_worked_out_for_today_on_the_applications_clock(clocked, clock, store_url):
    application, client, auth = clocked
    finding = issue_due_in(client, auth["inspector"], 15, clock)
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url})
    read_side = open_read_side(settings, application).caught_up(finding["position"])
    thresholds = WarningThresholds(green_days=10, yellow_days=5)
    assert send_due_warnings(application, read_side, thresholds) == []  # 15 days left: none due yet
    clock.moment += timedelta(days=6)  # 9 days left
    sent = send_due_warnings(application, read_side, thresholds)
    assert [(warning.reference, warning.level.value) for warning in sent] == [(finding["reference"], "green")]
