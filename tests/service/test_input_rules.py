"""Input rules: text carries no control characters, every parameter has a range, and no input gives a 500."""

from __future__ import annotations

import base64
import time
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.service.conftest import finding_body
from tests.service.helpers import API, SHANGHAI, assert_error, command, last_position, ok

# Every C0 control character the rule refuses: all but tab, line feed and carriage return.
CONTROLS = [chr(code) for code in range(32) if chr(code) not in "\t\n\r"]
PLAIN_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), max_size=4)

# The valid bodies of every route that takes text, and each of their text fields.
BODIES: dict[str, dict[str, Any]] = {
    "issue": finding_body(reference="XC-2026-9000"),
    "assign": {"assignee": "王芳", "note": "请尽快整改"},
    "rectify": {"measures": "退回超标费用", "evidence": ["凭证-001"]},
    "review": {"outcome": "rejected", "comment": "佐证不足"},
    "extend": {"due_date": "2031-01-01", "reason": "工程量大"},
    "escalate": {"note": "督办"},
    "reopen": {"reason": "回头看发现反弹"},
    "withdraw": {"reason": "误发"},
    "unit": {"code": "GZ", "name": "广州分公司", "parent": "HQ"},
}
TEXT_FIELDS = [
    *(("issue", name) for name in ("reference", "batch", "title", "description", "category", "unit")),
    ("assign", "assignee"),
    ("assign", "note"),
    ("rectify", "measures"),
    ("rectify", "evidence"),
    ("review", "comment"),
    ("extend", "reason"),
    ("escalate", "note"),
    ("reopen", "reason"),
    ("withdraw", "reason"),
    *(("unit", name) for name in ("code", "name", "parent")),
]


def post(client, finding: dict[str, Any], route: str, body: dict[str, Any], headers: dict[str, str]):
    if route == "issue":
        return client.post(f"{API}/findings", json=body, headers=headers)
    if route == "unit":
        return client.post(f"{API}/units", json=body, headers=headers)
    return command(client, finding, route, headers, **body)


@pytest.fixture
def finding(issue) -> dict[str, Any]:
    """One finding the commands are posted to (the fields are refused before its state matters)."""
    return issue(reference="XC-2026-0001")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(TEXT_FIELDS), control=st.sampled_from(CONTROLS), before=PLAIN_TEXT, after=PLAIN_TEXT)
def test_every_text_field_refuses_c0_controls_with_422_naming_it(
    client, auth, finding, application, field, control, before, after
):
    recorded = last_position(application)
    route, name = field
    value = f"{before or '问题'}{control}{after}"
    body = BODIES[route] | {name: [value] if name == "evidence" else value}
    response = post(client, finding, route, body, auth["admin"] if route != "issue" else auth["inspector"])
    assert_error(response, 422, "invalid_fields", field=name)
    assert last_position(application) == recorded


def test_tab_line_feed_and_crlf_are_kept_as_sent(client, auth, issue):
    finding = issue(title="第一项\t公务接待", description="一、超标准接待\r\n二、超范围接待\n三、其他\r")
    assert finding["title"] == "第一项\t公务接待"
    assert finding["description"] == "一、超标准接待\r\n二、超范围接待\n三、其他\r"
    assigned = ok(command(client, finding, "assign", auth["bj"], assignee="王\t芳", note="第一行\r\n第二行"))
    assert assigned["assignee"] == "王\t芳"


def test_blank_text_is_still_refused_whatever_its_white_space(client, auth, application):
    recorded = last_position(application)
    for blank in (" ", "\t\r\n", "\u3000", " \n "):
        response = client.post(f"{API}/findings", json=finding_body(title=blank), headers=auth["inspector"])
        assert_error(response, 422, "invalid_fields", field="title")
    assert last_position(application) == recorded


# Query parameters.


QUERY_TEXT = {
    "/findings": ("q", "batch", "assignee", "unit", "cursor"),
    "/circulars/weekly": ("week", "unit"),
}


def test_control_characters_in_query_parameters_are_422_naming_the_parameter(client, auth):
    for path, names in QUERY_TEXT.items():
        for name in names:
            for control in ("\x00", "\x01", "\x1b", "\x1f"):
                response = client.get(f"{API}{path}", query_string={name: f"a{control}b"}, headers=auth["auditor"])
                assert_error(response, 422, "invalid_fields", field=name)


def test_nul_in_the_search_is_422_not_a_store_error(client, auth):
    body = assert_error(client.get(f"{API}/findings?q=%00", headers=auth["auditor"]), 422, field="q")
    assert body["code"] == "invalid_fields"


def test_a_finding_its_history_and_the_units_refuse_unknown_query_parameters(client, auth, issue):
    finding = issue()
    for path in (f"/findings/{finding['id']}", f"/findings/{finding['id']}/history", "/units"):
        response = client.get(f"{API}{path}?verbose=1", headers=auth["auditor"])
        assert_error(response, 422, "invalid_fields", field="verbose")
        assert client.get(f"{API}{path}", headers=auth["auditor"]).status_code == 200


# Values a client can send that once gave a 500.


def test_a_number_too_long_for_python_to_read_is_400(client, auth, issue, application):
    finding = issue()
    recorded = last_position(application)
    digits = "9" * 5001
    for path in (f"{API}/findings", f"{API}/findings/{finding['id']}/assign", f"{API}/units"):
        response = client.post(
            path, data=f'{{"title": {digits}}}', content_type="application/json", headers=auth["admin"]
        )
        assert_error(response, 400, "malformed_request")
    assert last_position(application) == recorded


def test_weeks_outside_2000_to_2999_or_in_other_digits_are_422(client, auth):
    for week in ("9999-W52", "0001-W01", "1999-W52", "3000-W01", "２０２６-W01", "2026-W０1", "2027-W53", "2026-W00"):
        response = client.get(f"{API}/circulars/weekly", query_string={"week": week}, headers=auth["auditor"])
        assert_error(response, 422, "invalid_fields", field="week")
    for week in ("2000-W01", "2026-W53", "2999-W52"):
        response = client.get(f"{API}/circulars/weekly", query_string={"week": week}, headers=auth["auditor"])
        assert response.status_code == 200, (week, response.get_json())
        assert response.get_json()["week"] == week


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_cursors_beyond_a_64_bit_position_or_not_made_by_the_service_are_422(client, auth):
    too_far = ("cDk5OTk5OTk5OTk5OTk5OTk5OTk5", cursor_of(f"p{2**63}"), cursor_of("p" + "9" * 5000))
    odd = (cursor_of("p+5"), cursor_of("p５"), cursor_of("p-1"), cursor_of("p 5"), cursor_of("p1_0"), "cA", "")
    for cursor in (*too_far, *odd):
        response = client.get(f"{API}/findings", query_string={"cursor": cursor}, headers=auth["auditor"])
        assert_error(response, 422, "invalid_fields", field="cursor")
    response = client.get(
        f"{API}/findings", query_string={"cursor": cursor_of(f"p{2**63 - 1}")}, headers=auth["auditor"]
    )
    assert ok(response)["items"] == []


def test_an_if_match_of_thousands_of_digits_is_400_and_records_nothing(client, auth, issue, application):
    finding = issue()
    recorded = last_position(application)
    for version in ("9" * 5000, "1" * 19, "１", "+1"):
        response = client.post(
            f"{API}/findings/{finding['id']}/assign",
            json={"assignee": "王芳"},
            headers=auth["bj"] | {"If-Match": f'"{version}"'},
        )
        assert_error(response, 400, "malformed_request")
    assert last_position(application) == recorded
    response = client.post(
        f"{API}/findings/{finding['id']}/assign", json={"assignee": "王芳"}, headers=auth["bj"] | {"If-Match": '"9" '}
    )
    assert_error(response, 412, "version_mismatch")


def test_positions_and_page_sizes_beyond_their_range_are_422(client, auth):
    for name, value in (("min_position", 2**63), ("min_position", -1), ("min_position", "9" * 5000), ("limit", 201)):
        response = client.get(f"{API}/findings", query_string={name: value}, headers=auth["auditor"])
        assert_error(response, 422, "invalid_fields", field=name)
    response = client.get(f"{API}/circulars/weekly", query_string={"min_position": 2**63}, headers=auth["auditor"])
    assert_error(response, 422, "invalid_fields", field="min_position")


def test_the_week_is_parsed_by_the_calendar_of_the_clock_not_a_fixed_day(client, auth):
    this_week = "{}-W{:02d}".format(*datetime.now(SHANGHAI).isocalendar()[:2])
    response = client.get(f"{API}/circulars/weekly", query_string={"week": this_week}, headers=auth["auditor"])
    assert ok(response)["week"] == this_week


# The document says so.


def test_every_parameter_has_a_documented_range(client):
    document = ok(client.get(f"{API}/openapi.json"))
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else operation:
                if parameter["in"] == "path":
                    continue
                schema = parameter["schema"]
                if "enum" in schema:
                    continue
                bounded = {
                    "string": "enum" in schema or "format" in schema or "maxLength" in schema,
                    "integer": "minimum" in schema and "maximum" in schema,
                    "boolean": True,
                }[schema["type"]]
                if not bounded:
                    unbounded.append((method, path, parameter["name"]))
    assert unbounded == []


def test_a_position_never_written_is_refused_at_once_rather_than_waited_for(client, auth, application):
    beyond = last_position(application) + 1_000_000
    for path in ("/findings", "/circulars/weekly"):
        started = time.monotonic()
        response = client.get(f"{API}{path}", query_string={"min_position": beyond}, headers=auth["auditor"])
        assert_error(response, 422, "invalid_fields", field="min_position")
        assert time.monotonic() - started < 1
