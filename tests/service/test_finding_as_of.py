"""A finding as the log knew it at a recorded moment (`as_of`) or at a version, over HTTP."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest

from service.cli import main
from tests.service.conftest import finding_body
from tests.service.helpers import API, assert_error, command, ok

# The finding's life, each step recorded at its own moment (Shanghai): issued due 20 May, assigned after
# the due date, rectified three days later; the questions are asked on 1 June.
ISSUED = "2026-05-11T10:00:00+08:00"
ASSIGNED = "2026-05-22T10:00:00+08:00"
RECTIFIED = "2026-05-25T10:00:00+08:00"
ASKED = "2026-06-01T10:00:00+08:00"


@pytest.fixture
def finding(client, auth, time_machine) -> dict:
    """A finding issued, assigned and rectified at the moments above; the clock then stands at ASKED."""
    time_machine.move_to(ISSUED, tick=False)
    response = client.post(f"{API}/findings", json=finding_body(due_date="2026-05-20"), headers=auth["inspector"])
    issued = ok(response, 201)
    time_machine.move_to(ASSIGNED, tick=False)
    ok(command(client, issued, "assign", auth["bj"], assignee="王芳"))
    time_machine.move_to(RECTIFIED, tick=False)
    ok(command(client, issued, "rectify", auth["bj"], measures="退回超标费用", evidence=["凭证-001"]))
    time_machine.move_to(ASKED, tick=False)
    return issued


def as_of(client, headers, finding, **query):
    return client.get(f"{API}/findings/{finding['id']}", query_string=query, headers=headers)


@pytest.mark.parametrize(
    ("moment", "version", "status", "overdue"),
    [
        pytest.param(ISSUED, 1, "issued", False, id="the-moment-it-was-issued"),
        pytest.param("2026-05-20T15:30:00Z", 1, "issued", False, id="due-day-23h30-in-shanghai"),
        pytest.param("2026-05-20T16:30:00Z", 1, "issued", True, id="next-day-00h30-in-shanghai"),
        pytest.param(ASSIGNED, 2, "assigned", True, id="the-moment-it-was-assigned"),
        pytest.param("2026-05-24T23:59:59+08:00", 2, "assigned", True, id="just-before-rectified"),
        pytest.param(RECTIFIED, 3, "rectified", False, id="the-moment-it-was-rectified"),
        pytest.param(ASKED, 3, "rectified", False, id="now"),
    ],
)
def test_as_of_answers_the_last_version_recorded_by_then_with_overdue_for_that_day(
    client, auth, finding, moment, version, status, overdue
):
    response = as_of(client, auth["auditor"], finding, as_of=moment)
    answer = ok(response)
    assert (answer["version"], answer["status"], answer["overdue"]) == (version, status, overdue)
    assert response.headers["ETag"] == f'"{version}"'
    assert answer["assignee"] == (None if version < 2 else "王芳")
    assert answer["measures"] == (None if version < 3 else "退回超标费用")


@pytest.mark.parametrize(
    ("version", "status", "overdue"),
    [(1, "issued", False), (2, "assigned", True), (3, "rectified", False)],
)
def test_version_answers_the_finding_at_it_with_overdue_for_the_day_it_was_recorded(
    client, auth, finding, version, status, overdue
):
    response = as_of(client, auth["auditor"], finding, version=version)
    answer = ok(response)
    assert (answer["version"], answer["status"], answer["overdue"]) == (version, status, overdue)
    assert response.headers["ETag"] == f'"{version}"'


def test_the_last_version_and_as_of_now_answer_exactly_what_the_plain_read_does(client, auth, finding):
    now = ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))
    assert ok(as_of(client, auth["auditor"], finding, version=3)) == now
    assert ok(as_of(client, auth["auditor"], finding, as_of=ASKED)) == now


def test_as_of_before_the_finding_was_issued_is_not_found(client, auth, finding):
    body = assert_error(as_of(client, auth["auditor"], finding, as_of="2026-05-11T09:59:59+08:00"), 404)
    assert body["code"] == "finding_not_found"


@pytest.mark.parametrize("version", [4, 2**63 - 1])
def test_a_version_beyond_the_last_is_not_found(client, auth, finding, version):
    assert_error(as_of(client, auth["auditor"], finding, version=version), 404, "finding_not_found")


def test_a_unit_token_outside_the_subtree_hears_what_it_hears_of_a_missing_finding(client, auth, finding):
    assert ok(as_of(client, auth["bj"], finding, as_of=ASSIGNED))["version"] == 2
    assert ok(as_of(client, auth["bj"], finding, version=1))["version"] == 1
    missing = {"id": str(uuid4())}
    for query in ({"as_of": ASSIGNED}, {"version": 1}):
        outside = assert_error(as_of(client, auth["sh"], finding, **query), 404)
        absent = assert_error(as_of(client, auth["sh"], missing, **query), 404)
        assert outside["code"] == absent["code"] == "finding_not_found"
        assert outside["errors"] == absent["errors"] == {}


def test_as_of_in_the_future_is_refused_as_other_moments_in_the_future_are(client, auth, finding):
    response = as_of(client, auth["auditor"], finding, as_of="2026-06-01T10:00:01+08:00")
    assert_error(response, 422, "occurred_in_future", "as_of")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param({"as_of": ISSUED, "version": 1}, "version", id="both"),
        pytest.param({"as_of": "2026-05-22T10:00:00"}, "as_of", id="as-of-without-offset"),
        pytest.param({"as_of": "yesterday"}, "as_of", id="as-of-not-a-moment"),
        pytest.param({"as_of": "9001-01-01T00:00:00Z"}, "as_of", id="as-of-beyond-the-calendar"),
        pytest.param({"version": 0}, "version", id="version-zero"),
        pytest.param({"version": -1}, "version", id="version-negative"),
        pytest.param({"version": 2**63}, "version", id="version-beyond-64-bits"),
        pytest.param({"version": "two"}, "version", id="version-not-a-number"),
        pytest.param({"at": ISSUED}, "at", id="unknown-argument"),
    ],
)
def test_malformed_moments_and_versions_are_refused_naming_the_argument(client, auth, finding, query, field):
    assert_error(as_of(client, auth["auditor"], finding, **query), 422, "invalid_fields", field)


# The same questions on the command line: `rectify finding ID [--as-of T | --version N]`.


@pytest.fixture
def on_the_command_line(store_url, monkeypatch):
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)


def test_the_command_line_prints_the_finding_as_of_a_moment_or_at_a_version(
    client, auth, finding, on_the_command_line, capsys
):
    served = ok(as_of(client, auth["auditor"], finding, version=2))
    capsys.readouterr()  # the request log's line
    for argv in (["--as-of", "2026-05-24T23:59:59+08:00"], ["--version", "2"]):
        assert main(["finding", finding["reference"], *argv]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed == served
        assert (printed["version"], printed["status"], printed["overdue"]) == (2, "assigned", True)
    assert main(["finding", finding["id"]]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == 3


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        pytest.param(["--as-of", "2026-05-11T09:59:59+08:00"], 1, "no finding", id="before-it-was-issued"),
        pytest.param(["--as-of", "2026-06-02T00:00:00+08:00"], 1, "in the future", id="in-the-future"),
        pytest.param(["--as-of", "2026-05-22T10:00:00"], 1, "--as-of needs a UTC offset", id="without-offset"),
        pytest.param(["--version", "4"], 1, "no finding", id="version-beyond-the-last"),
        pytest.param(["--version", "0"], 1, "--version must be 1 or more", id="version-zero"),
        pytest.param(["--version", "1", "--as-of", ISSUED], 2, "not allowed with", id="both"),
    ],
)
def test_the_command_line_refuses_what_the_api_refuses_in_one_line(
    finding, on_the_command_line, capsys, argv, status, message
):
    assert main(["finding", finding["reference"], *argv]) == status
    out, err = capsys.readouterr()
    assert out == "" and message in err
