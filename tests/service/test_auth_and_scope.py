"""Who may do what: bearer tokens, roles, and the reach of unit tokens down their subtree."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask

from domain.logs import UNITS_LOG_ID, USERS_LOG_ID
from domain.values import Role, Source, reference_log_id, unit_id, user_id
from service import create_app
from service.application import Rectify
from tests.service.conftest import finding_body
from tests.service.helpers import (
    API,
    assert_error,
    assigned,
    command,
    days_after,
    history,
    last_position,
    ok,
    rectified,
)

SECRET = "A" * 43


@pytest.fixture
def app(application: Rectify, store_url: str) -> Flask:
    """These tests send many wrong tokens from one address on purpose: the limit on that has tests of its own."""
    settings = {"RECTIFY_DATABASE_URL": store_url, "TESTING": True, "RECTIFY_RATE_LIMIT_AUTH": "off"}
    return create_app(settings, application=application)


def assert_unauthenticated(response) -> dict:
    body = assert_error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    return body


# Tokens.


def test_request_without_a_token_is_401_with_www_authenticate(client, issue, application):
    finding = issue()
    before = last_position(application)
    assert_unauthenticated(client.get(f"{API}/findings/{finding['id']}"))
    assert_unauthenticated(client.get(f"{API}/findings/{finding['id']}/history"))
    assert_unauthenticated(client.get(f"{API}/units"))
    assert_unauthenticated(client.post(f"{API}/findings", json=finding_body()))
    assert_unauthenticated(client.post(f"{API}/findings/{finding['id']}/assign", json={"assignee": "x"}))
    # Authentication comes before the body or the path is even read.
    assert_unauthenticated(client.post(f"{API}/findings", data="{bad", content_type="application/json"))
    # A path that names no route is a 404 whoever asks: the routes are public in the OpenAPI document.
    assert client.post(f"{API}/findings/not-a-uuid/assign", json={}).status_code == 404
    assert last_position(application) == before


def test_malformed_unknown_or_forged_tokens_are_401(client, auth, issue, application):
    finding = issue()
    good = auth["inspector"]["Authorization"].removeprefix("Bearer ")
    before = last_position(application)
    for header in (
        "Bearer",
        "Bearer ",
        "Bearer nonsense",
        f"Basic {good}",
        good,
        f"Bearer {good}x",
        f"Bearer {good[:-1]}",
        f"Bearer rfy_{uuid.uuid4().hex}_{SECRET}",
        f"Bearer rfy_{user_id('inspector').hex}_{SECRET}",
        f"Bearer rfy_{user_id('nobody').hex}_{SECRET}",
        f"Bearer rfy_{unit_id('BJ').hex}_{SECRET}",
        f"Bearer rfy_{finding['id'].replace('-', '')}_{SECRET}",
    ):
        assert_unauthenticated(client.get(f"{API}/findings/{finding['id']}", headers={"Authorization": header}))
        response = client.post(f"{API}/findings", json=finding_body(), headers={"Authorization": header})
        assert_unauthenticated(response)
    assert last_position(application) == before
    assert client.get(f"{API}/findings/{finding['id']}", headers={"Authorization": f"bearer {good}"}).status_code == 200


def test_token_that_names_one_of_the_applications_logs_is_401(client, issue):
    issue(occurred_at="2026-03-01T09:00:00+08:00")  # so the 2026 reference log exists
    for log_id in (UNITS_LOG_ID, USERS_LOG_ID, reference_log_id(Source.INSPECTION, 2026)):
        headers = {"Authorization": f"Bearer rfy_{log_id.hex}_{SECRET}"}
        assert_unauthenticated(client.get(f"{API}/units", headers=headers))


def test_revoked_token_is_401(client, auth, issue, application):
    finding = issue()
    application.revoke_user("bj")
    before = last_position(application)
    body = assert_unauthenticated(
        client.post(f"{API}/findings/{finding['id']}/assign", json={"assignee": "x"}, headers=auth["bj"])
    )
    assert "revoked" in body["message"]
    assert_unauthenticated(client.get(f"{API}/findings/{finding['id']}", headers=auth["bj"]))
    assert last_position(application) == before
    assert client.get(f"{API}/findings/{finding['id']}", headers=auth["sh"]).status_code == 404


def test_only_inspectors_and_admins_issue(client, auth, application):
    before = last_position(application)
    for user in ("auditor", "reviewer", "bj", "sh"):
        response = client.post(f"{API}/findings", json=finding_body(), headers=auth[user])
        assert_error(response, 403, "role_not_permitted")
    assert last_position(application) == before


def test_auditor_changes_nothing(client, auth, issue, application):
    finding = issue()
    fresh = issue()
    rectified(client, auth, finding)
    before = last_position(application)
    for name, body in (
        ("assign", {"assignee": "x"}),
        ("rectify", {"measures": "m"}),
        ("review", {"outcome": "accepted"}),
        ("extend", {"due_date": days_after(finding["due_date"], 30), "reason": "r"}),
        ("escalate", {"note": "n"}),
        ("reopen", {"reason": "r"}),
        ("withdraw", {"reason": "r"}),
    ):
        response = command(client, finding, name, auth["auditor"], **body)
        assert response.status_code in (403, 409), (name, response.get_json())
        if name in ("review", "withdraw"):  # legal in this status for the right role
            assert_error(response, 403, "role_not_permitted")
    assert_error(command(client, fresh, "assign", auth["auditor"], assignee="x"), 403, "role_not_permitted")
    assert last_position(application) == before


def test_auditor_reads_every_finding_and_its_history(client, auth, issue):
    for unit in ("BJ-01", "SH", "HQ"):
        finding = issue(unit=unit)
        assert ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))["unit"] == unit
        assert len(history(client, auth, finding, by="auditor")) == 1
    assert len(ok(client.get(f"{API}/units", headers=auth["auditor"]))) == 4


def test_reviewer_cannot_assign_and_only_units_report_a_fix(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    assert_error(command(client, finding, "assign", auth["reviewer"], assignee="x"), 403, "role_not_permitted")
    assert last_position(application) == before
    assigned(client, auth, finding)
    before = last_position(application)
    assert_error(command(client, finding, "rectify", auth["reviewer"], measures="m"), 403, "role_not_permitted")
    assert_error(command(client, finding, "rectify", auth["inspector"], measures="m"), 403, "role_not_permitted")
    assert last_position(application) == before


def test_unit_cannot_do_the_inspectors_part(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for name, body in (
        ("extend", {"due_date": days_after(finding["due_date"], 30), "reason": "r"}),
        ("escalate", {"note": "n"}),
        ("withdraw", {"reason": "r"}),
    ):
        assert_error(command(client, finding, name, auth["bj"], **body), 403, "role_not_permitted")
    rectified(client, auth, finding)
    before = last_position(application)
    response = command(client, finding, "review", auth["bj"], outcome="accepted")
    assert_error(response, 403, "role_not_permitted")
    assert last_position(application) == before


# Unit scope.


def test_unit_user_works_on_findings_of_its_subtree(client, auth, issue):
    for unit in ("BJ-01", "BJ"):
        finding = issue(unit=unit)
        assert ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["bj"]))["unit"] == unit
        fixed = rectified(client, auth, finding, by="bj")
        assert fixed["status"] == "rectified" and fixed["rectified_by"] == "bj"
        assert [e["actor"] for e in history(client, auth, finding, by="bj")] == ["inspector", "bj", "bj"]


def test_unit_user_below_the_finding_sees_it_as_missing(client, auth, issue, application):
    token = application.add_user("bj01-clerk", Role.UNIT, "BJ-01")
    headers = {"Authorization": f"Bearer {token}"}
    finding = issue(unit="BJ")
    body = assert_error(client.get(f"{API}/findings/{finding['id']}", headers=headers), 404, "finding_not_found")
    assert "BJ" not in body["message"]
    own = issue(unit="BJ-01")
    assert ok(command(client, own, "assign", headers, assignee="x"))["version"] == 2


def test_actor_in_the_events_is_the_token_user(client, auth, issue):
    finding = issue()
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳"))
    ok(command(client, finding, "escalate", auth["admin"], note="督办"))
    ok(command(client, finding, "rectify", auth["bj"], measures="m"))
    ok(command(client, finding, "review", auth["reviewer"], outcome="rejected", comment="c"))
    events = history(client, auth, finding)
    assert [(e["type"], e["actor"]) for e in events] == [
        ("Issued", "inspector"),
        ("Assigned", "bj"),
        ("Escalated", "admin"),
        ("Rectified", "bj"),
        ("Reviewed", "reviewer"),
    ]


def test_a_role_that_may_not_issue_is_refused_before_its_fields_are_judged(client, auth, application):
    before = last_position(application)
    response = client.post(f"{API}/findings", json=finding_body(unit="NOWHERE"), headers=auth["auditor"])
    assert_error(response, 403, "role_not_permitted")
    assert last_position(application) == before
