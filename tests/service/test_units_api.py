"""`/api/v1/units`: registering units of the organisation tree and listing them."""

from __future__ import annotations

import pytest

from domain.errors import CycleInTree
from tests.service.conftest import SETUP, finding_body
from tests.service.helpers import API, assert_error, last_position, ok

SEEDED = [
    {"code": "HQ", "name": "集团公司", "parent": None, "version": 1},
    {"code": "BJ", "name": "北京分公司", "parent": "HQ", "version": 1},
    {"code": "BJ-01", "name": "北京分公司财务部", "parent": "BJ", "version": 1},
    {"code": "SH", "name": "上海分公司", "parent": "HQ", "version": 1},
]


def test_units_are_listed_in_registration_order_with_their_parent(client, auth):
    response = client.get(f"{API}/units", headers=auth["bj"])
    assert ok(response) == SEEDED
    assert_error(client.get(f"{API}/units"), 401, "not_authenticated")
    assert_error(client.post(f"{API}/units", json={"code": "GZ", "name": "x"}), 401, "not_authenticated")


def test_inspector_registers_a_unit_under_a_parent(client, auth, application):
    before = last_position(application)
    response = client.post(
        f"{API}/units", json={"code": "SH-01", "name": "上海分公司审计部", "parent": "SH"}, headers=auth["inspector"]
    )
    assert ok(response, 201) == {"code": "SH-01", "name": "上海分公司审计部", "parent": "SH", "version": 1}
    assert last_position(application) > before
    assert ok(client.get(f"{API}/units", headers=auth["auditor"]))[-1]["code"] == "SH-01"


def test_admin_registers_units_at_the_top_or_below_and_findings_can_go_to_them(client, auth):
    for parent in ({}, {"parent": None}):
        code = f"TOP-{len(parent)}"
        response = client.post(f"{API}/units", json={"code": code, "name": "独立单位"} | parent, headers=auth["admin"])
        assert ok(response, 201)["parent"] is None
    ok(
        client.post(f"{API}/units", json={"code": "GZ", "name": "广州分公司", "parent": "HQ"}, headers=auth["admin"]),
        201,
    )
    response = client.post(f"{API}/findings", json=finding_body(unit="GZ"), headers=auth["inspector"])
    assert ok(response, 201)["unit"] == "GZ"


def test_unit_reviewer_and_auditor_cannot_register_units(client, auth, application):
    before = last_position(application)
    for user in ("bj", "sh", "reviewer", "auditor"):
        response = client.post(
            f"{API}/units", json={"code": "GZ", "name": "广州分公司", "parent": "HQ"}, headers=auth[user]
        )
        assert_error(response, 403, "role_not_permitted")
    assert last_position(application) == before
    assert [unit["code"] for unit in ok(client.get(f"{API}/units", headers=auth["bj"]))] == ["HQ", "BJ", "BJ-01", "SH"]


def test_duplicate_code_is_409_and_records_nothing(client, auth, application):
    before = last_position(application)
    response = client.post(
        f"{API}/units", json={"code": "BJ", "name": "另一个北京", "parent": "HQ"}, headers=auth["inspector"]
    )
    assert_error(response, 409, "duplicate_unit")
    assert last_position(application) == before
    assert ok(client.get(f"{API}/units", headers=auth["bj"]))[1]["name"] == "北京分公司"


def test_unknown_parent_is_422_naming_the_parent_field(client, auth, application):
    before = last_position(application)
    response = client.post(
        f"{API}/units", json={"code": "GZ", "name": "广州", "parent": "NOWHERE"}, headers=auth["admin"]
    )
    assert_error(response, 422, "unknown_unit", field="parent")
    assert last_position(application) == before


def test_invalid_unit_fields_are_422_naming_the_field(client, auth, application):
    before = last_position(application)
    for body, field in (
        ({"code": "has space", "name": "x"}, "code"),
        ({"code": "", "name": "x"}, "code"),
        ({"code": "-dash", "name": "x"}, "code"),
        ({"code": "x" * 65, "name": "x"}, "code"),
        ({"code": 12, "name": "x"}, "code"),
        ({"name": "x"}, "code"),
        ({"code": "GZ"}, "name"),
        ({"code": "GZ", "name": "  "}, "name"),
        ({"code": "GZ", "name": "x", "parent": 5}, "parent"),
        ({"code": "GZ", "name": "x", "version": 2}, "version"),
        ({"code": "GZ", "name": "x", "actor": "admin"}, "actor"),
    ):
        response = client.post(f"{API}/units", json=body, headers=auth["admin"])
        assert_error(response, 422, "invalid_fields", field=field)
    assert last_position(application) == before


def test_a_unit_moves_under_another_but_never_under_itself_or_below(application):
    with pytest.raises(CycleInTree):
        application.move_unit(SETUP, "HQ", "BJ-01")
    with pytest.raises(CycleInTree):
        application.move_unit(SETUP, "BJ", "BJ")
    assert application.move_unit(SETUP, "SH", "BJ")["parent"] == "BJ"
    assert application.ancestry("SH") == ["BJ", "HQ"]
