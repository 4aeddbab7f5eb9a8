"""The Flask app over each store, and a token for every role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from domain.values import Actor, Role
from service import create_app
from service.application import Rectify
from service.config import build_application, load_settings
from tests.service.helpers import days_from_today

SETUP = Actor("setup", Role.ADMIN)


def with_unit_tree(rectify: Rectify) -> Rectify:
    """The application with the tests' small unit tree registered: HQ > BJ > BJ-01, and SH."""
    rectify.register_unit(SETUP, code="HQ", name="集团公司")
    rectify.register_unit(SETUP, code="BJ", name="北京分公司", parent="HQ")
    rectify.register_unit(SETUP, code="BJ-01", name="北京分公司财务部", parent="BJ")
    rectify.register_unit(SETUP, code="SH", name="上海分公司", parent="HQ")
    return rectify


@pytest.fixture
def application(store_url: str) -> Iterator[Rectify]:
    """The application over a fresh store, with a small unit tree: HQ > BJ > BJ-01, and SH."""
    rectify = with_unit_tree(build_application(load_settings({"RECTIFY_DATABASE_URL": store_url})))
    yield rectify
    rectify.close()


@pytest.fixture
def app(application: Rectify, store_url: str) -> Flask:
    flask_app = create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True}, application=application)
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(application: Rectify) -> dict[str, dict[str, str]]:
    """Authorization headers by user: one per role, unit users for BJ and SH, a second reviewer."""
    users: dict[str, tuple[Role, str | None]] = {
        "inspector": (Role.INSPECTOR, None),
        "bj": (Role.UNIT, "BJ"),
        "sh": (Role.UNIT, "SH"),
        "reviewer": (Role.REVIEWER, None),
        "auditor": (Role.AUDITOR, None),
        "admin": (Role.ADMIN, None),
    }
    return {
        name: {"Authorization": f"Bearer {application.add_user(name, role, unit)}"}
        for name, (role, unit) in users.items()
    }


def finding_body(**overrides: Any) -> dict[str, Any]:
    """A valid body for issuing a finding to BJ-01, due in a year."""
    body = {
        "source": "inspection",
        "batch": "2026年第三轮巡察",
        "title": "公务接待超标准",
        "description": "2026年5月接待费用超出标准12%。",
        "category": "作风建设",
        "severity": "serious",
        "unit": "BJ-01",
        "due_date": days_from_today(365),
    }
    return body | overrides


@pytest.fixture
def issue(client: FlaskClient, auth: dict[str, dict[str, str]]):
    """Issue a finding as the inspector and return the answer's JSON."""

    def issue_finding(**overrides: Any) -> dict[str, Any]:
        response = client.post("/api/v1/findings", json=finding_body(**overrides), headers=auth["inspector"])
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return issue_finding
