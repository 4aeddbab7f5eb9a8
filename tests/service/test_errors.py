"""Whatever a client sends, the answer is a JSON error of the contract's shape, never a 500, and nothing is recorded."""

from __future__ import annotations

import json
import string
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.logs import UNITS_LOG_ID, USERS_LOG_ID
from domain.values import Source, reference_log_id, unit_id, user_id
from tests.service.conftest import finding_body
from tests.service.helpers import API, NEVER_500, assert_error, assigned, command, days_after, last_position, ok

COMMANDS = {
    "assign": {"assignee": "王芳", "note": "n"},
    "rectify": {"measures": "m", "evidence": ["e"]},
    "review": {"outcome": "accepted", "comment": "c"},
    "extend": {"due_date": "2031-01-01", "reason": "r"},
    "escalate": {"note": "n"},
    "reopen": {"reason": "r"},
    "withdraw": {"reason": "r"},
}


def post_raw(client, path, data, headers, content_type="application/json"):
    return client.post(path, data=data, content_type=content_type, headers=headers)


# Malformed bodies.


def test_malformed_json_is_400_and_records_nothing(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for data in ("{bad", '{"title": }', b"\xff\xfe{}", "{'single': 'quotes'}", '{"a": 1} trailing'):
        for path in (f"{API}/findings", f"{API}/findings/{finding['id']}/assign", f"{API}/units"):
            assert_error(post_raw(client, path, data, auth["admin"]), 400, "malformed_request")
    assert last_position(application) == before


def test_body_that_is_not_an_object_is_refused_with_the_error_shape(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for body in ("[]", "[1, 2]", '"a string"', "42", "true", "null"):
        for path in (f"{API}/findings", f"{API}/findings/{finding['id']}/assign", f"{API}/units"):
            response = post_raw(client, path, body, auth["admin"])
            assert response.status_code in (400, 422), (body, path, response.get_json())
            assert_error(response, response.status_code)
    assert last_position(application) == before


def test_non_json_content_type_is_refused_but_json_with_a_charset_is_not(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = post_raw(client, f"{API}/findings", json.dumps(finding_body()), auth["inspector"], content_type)
        assert response.status_code in (400, 415, 422)
        assert_error(response, response.status_code)
        response = post_raw(
            client, f"{API}/findings/{finding['id']}/assign", '{"assignee": "x"}', auth["bj"], content_type
        )
        assert response.status_code in (400, 415, 422)
        assert_error(response, response.status_code)
    assert last_position(application) == before
    data = json.dumps(finding_body()).encode()
    response = post_raw(client, f"{API}/findings", data, auth["inspector"], "application/json; charset=utf-8")
    assert response.status_code == 201


# Invalid fields.


INVALID_ISSUE_FIELDS = [
    ("title", 123),
    ("title", None),
    ("title", ["a"]),
    ("title", ""),
    ("title", "   "),
    ("title", "x" * 301),
    ("batch", {"a": 1}),
    ("source", "inspectionx"),
    ("source", "INSPECTION"),
    ("severity", "critical"),
    ("severity", 1),
    ("unit", ""),
    ("due_date", "2026-13-45"),
    ("due_date", ""),
    ("due_date", "31/12/2030"),
    ("due_date", 20301231),
    ("due_date", None),
    ("reference", "has space"),
    ("reference", "-leading-dash"),
    ("reference", "x" * 65),
    ("reference", 7),
    ("occurred_at", "yesterday"),
    ("occurred_at", "2026-02-30T10:00:00+08:00"),
    ("occurred_at", 1767225600),
]


def test_invalid_issue_field_is_422_naming_the_field(client, auth, application):
    before = last_position(application)
    for field, value in INVALID_ISSUE_FIELDS:
        response = client.post(f"{API}/findings", json=finding_body(**{field: value}), headers=auth["inspector"])
        assert_error(response, 422, "invalid_fields", field=field)
    assert last_position(application) == before


def test_missing_issue_fields_are_422_naming_each_field(client, auth, application):
    before = last_position(application)
    for field in ("source", "batch", "title", "severity", "unit", "due_date"):
        body = finding_body()
        del body[field]
        response = client.post(f"{API}/findings", json=body, headers=auth["inspector"])
        assert field in assert_error(response, 422, "invalid_fields", field=field)["message"]
    required = {"source", "batch", "title", "severity", "unit", "due_date"}
    body = assert_error(client.post(f"{API}/findings", json={}, headers=auth["inspector"]), 422, "invalid_fields")
    assert set(body["errors"]) == required
    body = assert_error(post_raw(client, f"{API}/findings", "", auth["inspector"]), 422, "invalid_fields")
    assert set(body["errors"]) == required
    assert last_position(application) == before


def test_unknown_fields_are_422(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    response = client.post(f"{API}/findings", json=finding_body(status="closed"), headers=auth["inspector"])
    assert_error(response, 422, "invalid_fields", field="status")
    for name, body in COMMANDS.items():
        response = command(client, finding, name, auth["admin"], **body, version=1)
        assert_error(response, 422, "invalid_fields", field="version")
    assert last_position(application) == before


INVALID_COMMAND_FIELDS = [
    ("assign", {}, "assignee"),
    ("assign", {"assignee": ""}, "assignee"),
    ("assign", {"assignee": 5}, "assignee"),
    ("assign", {"assignee": "x", "note": ["n"]}, "note"),
    ("rectify", {"measures": "m", "evidence": "one"}, "evidence"),
    ("rectify", {"measures": "m", "evidence": [""]}, "evidence"),
    ("rectify", {"measures": "m", "evidence": [1]}, "evidence"),
    ("rectify", {"evidence": []}, "measures"),
    ("review", {"outcome": "maybe", "comment": "c"}, "outcome"),
    ("review", {"comment": "c"}, "outcome"),
    ("extend", {"reason": "r"}, "due_date"),
    ("extend", {"due_date": "2026-13-45", "reason": "r"}, "due_date"),
    ("extend", {"due_date": "", "reason": "r"}, "due_date"),
    ("extend", {"due_date": "2031-01-01"}, "reason"),
    ("escalate", {}, "note"),
    ("reopen", {"reason": "  "}, "reason"),
    ("withdraw", {"reason": None}, "reason"),
    ("withdraw", {"reason": "r", "occurred_at": "2026-03-02"}, "occurred_at"),
]


def test_invalid_command_field_is_422_naming_the_field(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    for name, body, field in INVALID_COMMAND_FIELDS:
        response = command(client, finding, name, auth["admin"], **body)
        assert_error(response, 422, "invalid_fields", field=field)
    assert last_position(application) == before


def test_unknown_unit_is_422_naming_the_unit_field(client, auth, application):
    before = last_position(application)
    response = client.post(f"{API}/findings", json=finding_body(unit="NOWHERE"), headers=auth["inspector"])
    assert_error(response, 422, "unknown_unit", field="unit")
    assert last_position(application) == before


def test_category_outside_a_configured_list_is_422(client, auth, app, application):
    app.config["RECTIFY_CATEGORIES"] = "作风建设, 财经管理"
    before = last_position(application)
    response = client.post(f"{API}/findings", json=finding_body(category="其他"), headers=auth["inspector"])
    assert_error(response, 422, "invalid_fields", field="category")
    assert last_position(application) == before
    assert (
        client.post(f"{API}/findings", json=finding_body(category="财经管理"), headers=auth["inspector"]).status_code
        == 201
    )


# Unknown things.


def test_unknown_finding_is_404_even_when_the_id_is_a_unit_or_user(client, auth, application):
    before = last_position(application)
    for missing in (uuid.uuid4(), unit_id("BJ-01"), user_id("inspector")):
        assert_error(client.get(f"{API}/findings/{missing}", headers=auth["auditor"]), 404, "finding_not_found")
        response = client.get(f"{API}/findings/{missing}/history", headers=auth["auditor"])
        assert_error(response, 404, "finding_not_found")
        for name, body in COMMANDS.items():
            response = client.post(f"{API}/findings/{missing}/{name}", json=body, headers=auth["admin"])
            assert_error(response, 404, "finding_not_found")
    assert last_position(application) == before


def test_finding_id_that_is_not_a_uuid_is_404(client, auth):
    for path in ("not-a-uuid", "12345", "XC-2026-0001", "00000000-0000-0000-0000-00000000000g"):
        assert_error(client.get(f"{API}/findings/{path}", headers=auth["auditor"]), 404)
        assert_error(client.get(f"{API}/findings/{path}/history", headers=auth["auditor"]), 404)
        assert_error(client.post(f"{API}/findings/{path}/assign", json={"assignee": "x"}, headers=auth["bj"]), 404)


def test_ids_of_the_applications_logs_are_not_findings(client, auth, issue):
    issue(occurred_at="2026-03-01T09:00:00+08:00")  # so the 2026 reference log exists
    for log_id in (UNITS_LOG_ID, USERS_LOG_ID, reference_log_id(Source.INSPECTION, 2026)):
        assert_error(client.get(f"{API}/findings/{log_id}", headers=auth["auditor"]), 404, "finding_not_found")
        assert_error(client.get(f"{API}/findings/{log_id}/history", headers=auth["auditor"]), 404)
        response = client.post(f"{API}/findings/{log_id}/escalate", json={"note": "x"}, headers=auth["inspector"])
        assert_error(response, 404, "finding_not_found")


def test_unknown_route_is_a_json_404(client, auth):
    assert_error(client.get(f"{API}/nothing-here", headers=auth["auditor"]), 404, "not_found")
    assert_error(client.post(f"{API}/findings/{uuid.uuid4()}/approve", json={}, headers=auth["admin"]), 404)
    assert_error(client.get("/no-such-page"), 404, "not_found")


def test_wrong_method_is_a_json_405_with_allow(client, auth, issue):
    finding = issue()
    for method, path in (
        ("delete", f"{API}/findings/{finding['id']}"),
        ("put", f"{API}/findings/{finding['id']}"),
        ("get", f"{API}/findings/{finding['id']}/assign"),
        ("delete", f"{API}/units"),
    ):
        response = getattr(client, method)(path, headers=auth["admin"])
        assert_error(response, 405, "method_not_allowed")
        assert response.headers["Allow"]


# Rules of the domain.


def test_illegal_transitions_are_409_and_record_nothing(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    attempts = [
        ("rectify", "bj", {"measures": "m"}),
        ("review", "reviewer", {"outcome": "accepted"}),
        ("reopen", "inspector", {"reason": "r"}),
    ]
    for name, user, body in attempts:
        body = assert_error(command(client, finding, name, auth[user], **body), 409, "invalid_transition")
        assert body["errors"] == {}
    assert last_position(application) == before
    assert ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))["version"] == 1
    assigned(client, auth, finding)
    ok(command(client, finding, "rectify", auth["bj"], measures="m"))
    ok(command(client, finding, "review", auth["reviewer"], outcome="accepted"))
    before = last_position(application)
    assert_error(command(client, finding, "withdraw", auth["inspector"], reason="r"), 409, "invalid_transition")
    later = days_after(finding["due_date"], 30)
    extend = command(client, finding, "extend", auth["inspector"], due_date=later, reason="r")
    assert_error(extend, 409, "invalid_transition")
    assert_error(command(client, finding, "escalate", auth["inspector"], note="n"), 409, "invalid_transition")
    assert last_position(application) == before


def test_admin_who_reported_the_fix_cannot_review_it(client, auth, issue, application):
    finding = issue()
    ok(command(client, finding, "assign", auth["admin"], assignee="王芳"))
    ok(command(client, finding, "rectify", auth["admin"], measures="m"))
    before = last_position(application)
    for outcome in ("accepted", "rejected"):
        response = command(client, finding, "review", auth["admin"], outcome=outcome, comment="c")
        assert_error(response, 409, "separation_of_duties")
    assert last_position(application) == before
    assert ok(command(client, finding, "review", auth["reviewer"], outcome="accepted"))["status"] == "closed"


# Never a 500 for anything a client sends.


def test_lone_surrogates_in_text_are_refused_not_a_500(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    title = json.dumps(finding_body(title="\ud800 surrogate"))
    with_key = auth["inspector"] | {"Idempotency-Key": "surrogate-1"}
    assignee = json.dumps({"assignee": "\udfff"})
    for path, data, headers in (
        (f"{API}/findings", title, auth["inspector"]),
        (f"{API}/findings", title, with_key),
        (f"{API}/findings/{finding['id']}/assign", assignee, auth["bj"]),
        (f"{API}/units", json.dumps({"code": "GZ", "name": "\ud83d"}), auth["admin"]),
        (f"{API}/findings", json.dumps(finding_body(unit="\ud800")), auth["inspector"]),
        (f"{API}/findings", json.dumps({"\ud800": 1}), auth["inspector"]),
    ):
        response = post_raw(client, path, data, headers)
        assert response.status_code in (400, 422), (path, response.status_code)
        assert_error(response, response.status_code)
    assert last_position(application) == before


def test_occurred_at_at_the_edges_of_the_calendar_is_not_a_500(client, auth, application):
    before = last_position(application)
    for occurred_at in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        body = finding_body(occurred_at=occurred_at, due_date="9999-12-31")
        response = client.post(f"{API}/findings", json=body, headers=auth["inspector"])
        assert response.status_code in (409, 422), (occurred_at, response.status_code, response.get_json())
        assert_error(response, response.status_code, field="occurred_at")
    assert last_position(application) == before


def test_deeply_nested_json_is_refused_not_a_500(client, auth, application):
    before = last_position(application)
    depth = 100_000
    response = post_raw(client, f"{API}/findings", "[" * depth + "]" * depth, auth["inspector"])
    assert response.status_code in (400, 413, 422)
    assert_error(response, response.status_code)
    assert last_position(application) == before


def test_a_huge_number_is_refused_not_a_500(client, auth, issue):
    finding = issue()
    response = post_raw(client, f"{API}/findings/{finding['id']}/assign", '{"assignee": 1e999}', auth["bj"])
    assert_error(response, 422, field="assignee")
    response = post_raw(client, f"{API}/findings/{finding['id']}/assign", '{"assignee": NaN}', auth["bj"])
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
plausible_strings = st.sampled_from(
    ["", " ", "inspection", "audit", "accepted", "rejected", "general", "BJ-01", "SH", "HQ", "2030-12-31",
     "2026-13-45", "2026-01-01T00:00:00+08:00", "2026-01-01T00:00:00", "x" * 5001, "XC-2026-0001"]
)  # fmt: skip
field_values = json_values | plausible_strings | st.dates().map(str) | st.lists(plausible_strings, max_size=3)
field_names = [
    "reference", "source", "batch", "title", "description", "category", "severity", "unit", "due_date",
    "assignee", "note", "measures", "evidence", "outcome", "comment", "reason", "occurred_at", "actor",
]  # fmt: skip
bodies = st.dictionaries(st.sampled_from(field_names), field_values, max_size=8) | json_values
headers = st.fixed_dictionaries(
    {},
    optional={
        "If-Match": st.text(alphabet=string.printable.strip() + " ", max_size=6),
        "Idempotency-Key": st.text(alphabet=string.ascii_letters + " é", max_size=5),
    },
)
paths = st.sampled_from(["", *COMMANDS])
users = st.sampled_from(["inspector", "bj", "sh", "reviewer", "auditor", "admin"])


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=paths, user=users, body=bodies, extra=headers)
def test_random_bodies_to_every_command_never_answer_500(client, auth, issue, path, user, body, extra):
    finding = issue()
    url = f"{API}/findings" if path == "" else f"{API}/findings/{finding['id']}/{path}"
    try:
        data = json.dumps(body)
    except ValueError:
        return
    response = post_raw(client, url, data, auth[user] | extra)
    assert response.status_code in NEVER_500, (response.status_code, response.get_data(as_text=True))
    if response.status_code >= 400:
        assert_error(response, response.status_code)
