"""Small helpers shared by the HTTP tests: error shapes, what the store holds, moving a finding along, dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.application import Rectify

API = "/api/v1"
NEVER_500 = {200, 201, 400, 401, 403, 404, 405, 409, 412, 415, 422}
SHANGHAI = ZoneInfo("Asia/Shanghai")  # the service's default RECTIFY_TIMEZONE


def today() -> date:
    """Today in Shanghai by the clock the tests run on (RECTIFY_TEST_NOW moves it)."""
    return datetime.now(SHANGHAI).date()


def days_from_today(days: int) -> str:
    """The ISO date `days` after today in Shanghai (before it, when negative)."""
    return (today() + timedelta(days=days)).isoformat()


def days_after(day: str, days: int) -> str:
    """The ISO date `days` after the ISO date `day`."""
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


def assert_error(response: TestResponse, status: int, code: str | None = None, field: str | None = None) -> dict:
    """The answer is the contract's error shape, with this status (and code, and field in `errors`)."""
    body = response.get_json()
    assert response.status_code == status, (response.status_code, body)
    assert response.is_json, response.get_data(as_text=True)
    assert set(body) == {"code", "message", "errors"}, body
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in body["errors"], body
        assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field]), body
    return body


def last_position(application: Rectify) -> int:
    """The position of the last event in the store (0 when empty)."""
    return application.recorder.max_notification_id() or 0


def command(client: FlaskClient, finding: dict[str, Any], name: str, headers: dict[str, str], **body: Any):
    """POST a command to a finding."""
    return client.post(f"{API}/findings/{finding['id']}/{name}", json=body, headers=headers)


def ok(response: TestResponse, status: int = 200) -> dict[str, Any]:
    """The JSON of a successful answer."""
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()


def assigned(client: FlaskClient, auth: dict, finding: dict[str, Any], by: str = "bj") -> dict[str, Any]:
    return ok(command(client, finding, "assign", auth[by], assignee="王芳"))


def rectified(client: FlaskClient, auth: dict, finding: dict[str, Any], by: str = "bj") -> dict[str, Any]:
    assigned(client, auth, finding, by=by)
    return ok(command(client, finding, "rectify", auth[by], measures="退回超标费用", evidence=["凭证-001"]))


def closed(client: FlaskClient, auth: dict, finding: dict[str, Any]) -> dict[str, Any]:
    rectified(client, auth, finding)
    return ok(command(client, finding, "review", auth["reviewer"], outcome="accepted", comment="整改到位"))


def history(client: FlaskClient, auth: dict, finding: dict[str, Any], by: str = "auditor") -> list[dict[str, Any]]:
    return ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth[by]))["events"]
