"""A finding's life over HTTP: issue, assign, rectify, review, extend, escalate, reopen, withdraw, history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.application import free_number
from tests.service.conftest import finding_body
from tests.service.helpers import (
    API,
    assert_error,
    assigned,
    closed,
    command,
    days_from_today,
    history,
    last_position,
    ok,
    rectified,
)

# Tests whose dates are written out run at a moment of their own (time-machine's marker), whatever the day.
SPRING = "2026-05-11T10:00:00+08:00"


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


def read(client, auth, finding) -> dict:
    return ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))


# Issuing.


def test_issuing_answers_201_with_location_etag_and_the_new_state(client, auth, application):
    before = last_position(application)
    body = finding_body()
    response = client.post(f"{API}/findings", json=body, headers=auth["inspector"])
    finding = ok(response, 201)
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/v1/findings/{finding['id']}")
    assert finding["status"] == "issued" and finding["version"] == 1
    assert finding["unit"] == "BJ-01" and finding["due_date"] == body["due_date"]
    assert finding["severity"] == "serious" and finding["source"] == "inspection"
    assert finding["overdue"] is False
    assert finding["assignee"] is None and finding["evidence"] == []
    assert (finding["rejections"], finding["reopenings"], finding["escalations"], finding["extensions"]) == (0, 0, 0, 0)
    assert before < finding["position"] <= last_position(application)
    read_back = ok(client.get(response.headers["Location"], headers=auth["auditor"]))
    assert read_back == {key: value for key, value in finding.items() if key != "position"}


@pytest.mark.time_machine(SPRING)
def test_references_are_numbered_per_source_in_sequence(issue):
    first, second, audit = issue(), issue(), issue(source="audit")
    assert first["reference"] == "XC-2026-0001"
    assert second["reference"] == "XC-2026-0002"
    assert audit["reference"] == "SJ-2026-0001" and audit["source"] == "audit"
    assert len({first["id"], second["id"], audit["id"]}) == 3


@pytest.mark.time_machine(SPRING)
def test_client_given_reference_is_kept_and_numbering_skips_it(issue):
    assert issue(reference="BJ/2026.xc_7")["reference"] == "BJ/2026.xc_7"
    taken = issue(reference="XC-2026-0001")
    assert taken["reference"] == "XC-2026-0001"
    assert issue()["reference"] == "XC-2026-0002"


@pytest.mark.time_machine(SPRING)
def test_numbering_steps_over_a_run_of_client_given_references_in_few_reads(issue, application, monkeypatch):
    for n in range(1, 41):
        issue(reference=f"XC-2026-{n:04d}")
    probes = []
    contains = type(application.repository).__contains__
    monkeypatch.setattr(
        type(application.repository), "__contains__", lambda self, id: probes.append(id) or contains(self, id)
    )
    assert issue()["reference"] == "XC-2026-0041"
    assert len(probes) <= 13  # 2 log2(40) + 1, not one read per reference taken


@given(start=st.integers(1, 50), taken=st.frozensets(st.integers(1, 300)))
def test_a_free_number_follows_a_taken_one_and_ends_an_unbroken_run_of_them(start, taken):
    probes: list[int] = []
    number = free_number(start, lambda n: probes.append(n) or n in taken)
    assert number >= start and number not in taken
    assert number == start or number - 1 in taken
    assert len(probes) <= 2 * (number - start).bit_length() + 2
    run = start
    while run in taken:
        run += 1
    if not any(n > run for n in taken):  # those taken from `start` on run on without a gap
        assert number == run


@pytest.mark.parametrize(
    "reference",
    [
        pytest.param("XC-2026-0001", marks=pytest.mark.time_machine("2026-12-31T23:30:00+08:00"), id="eve"),
        pytest.param("XC-2027-0001", marks=pytest.mark.time_machine("2027-01-01T00:30:00+08:00"), id="day-not-in-utc"),
    ],
)
def test_a_finding_issued_now_is_numbered_in_the_year_in_shanghai(issue, reference):
    assert issue()["reference"] == reference


def test_reference_year_is_the_year_in_shanghai_when_it_occurred(issue):
    late_evening_utc = issue(occurred_at="2025-12-31T15:00:00+00:00")  # 23:00 in Shanghai
    after_midnight_in_shanghai = issue(occurred_at="2025-12-31T17:00:00+00:00")  # 01:00 next day
    assert late_evening_utc["reference"] == "XC-2025-0001"
    assert after_midnight_in_shanghai["reference"] == "XC-2026-0001"


def test_same_reference_twice_is_409_and_records_nothing(client, auth, issue, application):
    first = issue(reference="BJ-2026-001")
    before = last_position(application)
    body = finding_body(reference="BJ-2026-001", title="另一个")
    assert_error(client.post(f"{API}/findings", json=body, headers=auth["inspector"]), 409, "duplicate_reference")
    assert_error(client.post(f"{API}/findings", json=body, headers=auth["admin"]), 409, "duplicate_reference")
    assert last_position(application) == before
    assert read(client, auth, first)["title"] == first["title"]


def test_admin_may_issue_to_any_unit_leaving_optional_fields_out(client, auth):
    body = finding_body(unit="HQ")
    del body["description"], body["category"]
    finding = ok(client.post(f"{API}/findings", json=body, headers=auth["admin"]), 201)
    assert finding["unit"] == "HQ" and finding["status"] == "issued"
    assert finding["description"] == "" and finding["category"] == ""


def test_due_date_before_issue_is_422_and_records_nothing(client, auth, application):
    before = last_position(application)
    body = finding_body(due_date=days_from_today(-2))
    response = client.post(f"{API}/findings", json=body, headers=auth["inspector"])
    assert_error(response, 422, "due_date_before_issue", field="due_date")
    assert last_position(application) == before


@pytest.mark.time_machine("2026-11-30T00:30:00+08:00")  # Monday in Shanghai, still Sunday in UTC
def test_due_date_before_the_issue_date_in_shanghai_is_422(client, auth, application):
    before = last_position(application)
    response = client.post(f"{API}/findings", json=finding_body(due_date="2026-11-29"), headers=auth["inspector"])
    assert_error(response, 422, "due_date_before_issue", field="due_date")
    assert last_position(application) == before


@pytest.mark.time_machine("2026-02-01T00:30:00+08:00")  # still 31 January in UTC
def test_overdue_begins_the_day_after_the_due_date_in_shanghai_and_ends_with_an_extension(client, auth, issue):
    finding = issue(occurred_at="2026-01-05T09:00:00+08:00", due_date="2026-01-31")
    assert finding["overdue"] is True
    assert finding["issued_at"] == "2026-01-05T09:00:00+08:00"
    extended = ok(command(client, finding, "extend", auth["inspector"], due_date="2026-02-01", reason="延期"))
    assert extended["overdue"] is False


@pytest.mark.time_machine("2026-01-31T23:30:00+08:00")
def test_a_finding_is_not_overdue_on_its_due_date(issue):
    assert issue(occurred_at="2026-01-05T09:00:00+08:00", due_date="2026-01-31")["overdue"] is False


# Assigning, rectifying, reviewing.


def test_unit_assigns_and_inspector_reassigns(client, auth, issue):
    finding = issue()
    response = command(client, finding, "assign", auth["bj"], assignee="王芳", note="请尽快落实")
    first = ok(response)
    assert response.headers["ETag"] == '"2"' and "Location" not in response.headers
    assert first["status"] == "assigned" and first["assignee"] == "王芳" and first["version"] == 2
    second = ok(command(client, finding, "assign", auth["inspector"], assignee="李强"))
    assert second["status"] == "assigned" and second["assignee"] == "李强" and second["version"] == 3
    assert second["position"] > first["position"] > finding["position"]


def test_rectify_records_measures_and_evidence(client, auth, issue):
    finding, plain = issue(), issue()
    assigned(client, auth, finding)
    response = command(
        client, finding, "rectify", auth["bj"], measures="已退回", evidence=["凭证-001", "https://x.test/1"]
    )
    fixed = ok(response)
    assert fixed["status"] == "rectified" and fixed["rectified_by"] == "bj" and fixed["overdue"] is False
    assert fixed["measures"] == "已退回" and fixed["evidence"] == ["凭证-001", "https://x.test/1"]
    assigned(client, auth, plain)
    assert ok(command(client, plain, "rectify", auth["bj"], measures="已整改"))["evidence"] == []


def test_rejected_fix_goes_back_and_can_be_reported_again_and_accepted(client, auth, issue):
    finding = issue()
    rectified(client, auth, finding)
    back = ok(command(client, finding, "review", auth["reviewer"], outcome="rejected", comment="证据不足"))
    assert back["status"] == "assigned" and back["rejections"] == 1 and back["closed_at"] is None
    ok(command(client, finding, "rectify", auth["bj"], measures="补充凭证", evidence=["凭证-002"]))
    done = ok(command(client, finding, "review", auth["reviewer"], outcome="accepted"))
    assert done["status"] == "closed" and done["closed_at"] is not None
    assert done["rejections"] == 1 and done["evidence"] == ["凭证-002"]


def test_rejection_without_a_comment_is_422_and_records_nothing(client, auth, issue, application):
    finding = issue()
    rectified(client, auth, finding)
    before = last_position(application)
    for body in ({"outcome": "rejected"}, {"outcome": "rejected", "comment": "  "}):
        response = client.post(f"{API}/findings/{finding['id']}/review", json=body, headers=auth["reviewer"])
        assert_error(response, 422, "invalid_fields", field="comment")
    assert last_position(application) == before
    assert read(client, auth, finding)["status"] == "rectified"


# Deadlines, notices, reopening, withdrawal.


@pytest.mark.time_machine(SPRING)
def test_extend_moves_the_deadline_later_and_counts(client, auth, issue):
    finding = issue(due_date="2026-06-30")
    later = ok(command(client, finding, "extend", auth["inspector"], due_date="2026-09-30", reason="涉及诉讼"))
    assert later["due_date"] == "2026-09-30" and later["extensions"] == 1 and later["status"] == "issued"


@pytest.mark.time_machine(SPRING)
def test_extend_to_a_date_not_later_is_409_and_records_nothing(client, auth, issue, application):
    finding = issue(due_date="2026-06-30")
    before = last_position(application)
    for due_date in ("2026-06-30", "2026-06-01"):
        response = command(client, finding, "extend", auth["inspector"], due_date=due_date, reason="x")
        assert_error(response, 409, "deadline_not_later", field="due_date")
    assert last_position(application) == before


def test_escalate_counts_supervision_notices(client, auth, issue):
    finding = issue()
    ok(command(client, finding, "escalate", auth["inspector"], note="督办通知"))
    assigned(client, auth, finding)
    twice = ok(command(client, finding, "escalate", auth["inspector"], note="再次督办"))
    assert twice["escalations"] == 2 and twice["status"] == "assigned"


def test_reopen_a_closed_finding(client, auth, issue):
    finding = issue()
    closed(client, auth, finding)
    reopened = ok(command(client, finding, "reopen", auth["inspector"], reason="回头看发现问题反弹"))
    assert reopened["status"] == "assigned" and reopened["reopenings"] == 1
    assert reopened["closed_at"] is None and reopened["rectified_by"] is None


def test_withdraw_from_each_open_status_and_then_nothing_more(client, auth, issue, application):
    for advance in (lambda f: None, lambda f: assigned(client, auth, f), lambda f: rectified(client, auth, f)):
        finding = issue()
        advance(finding)
        assert ok(command(client, finding, "withdraw", auth["inspector"], reason="误发"))["status"] == "withdrawn"
    before = last_position(application)
    assert_error(command(client, finding, "assign", auth["bj"], assignee="王芳"), 409, "invalid_transition")
    assert_error(command(client, finding, "withdraw", auth["inspector"], reason="x"), 409, "invalid_transition")
    assert last_position(application) == before


@pytest.mark.time_machine(SPRING)
def test_counters_add_up_over_a_long_life(client, auth, issue):
    finding = issue(due_date="2026-06-30")
    ok(command(client, finding, "escalate", auth["inspector"], note="督办"))
    ok(command(client, finding, "extend", auth["inspector"], due_date="2026-07-31", reason="延期"))
    rectified(client, auth, finding)
    ok(command(client, finding, "review", auth["reviewer"], outcome="rejected", comment="不到位"))
    ok(command(client, finding, "rectify", auth["bj"], measures="再次整改"))
    ok(command(client, finding, "review", auth["reviewer"], outcome="accepted"))
    ok(command(client, finding, "reopen", auth["inspector"], reason="回头看"))
    ok(command(client, finding, "extend", auth["inspector"], due_date="2026-12-31", reason="再延期"))
    final = read(client, auth, finding)
    assert (final["rejections"], final["reopenings"], final["escalations"], final["extensions"]) == (1, 1, 1, 2)
    assert final["version"] == 10
    assert final["status"] == "assigned" and final["due_date"] == "2026-12-31"


# History.


def test_history_lists_every_event_oldest_first(client, auth, issue):
    finding = issue()
    closed(client, auth, finding)
    events = history(client, auth, finding)
    assert [e["type"] for e in events] == ["Issued", "Assigned", "Rectified", "Reviewed"]
    assert [e["version"] for e in events] == [1, 2, 3, 4]
    positions = [e["position"] for e in events]
    assert positions == sorted(positions) and len(set(positions)) == 4
    assert [e["actor"] for e in events] == ["inspector", "bj", "bj", "reviewer"]
    recorded = [datetime.fromisoformat(e["recorded_at"]) for e in events]
    assert recorded == sorted(recorded)
    for event in events:
        assert set(event) >= {"type", "actor", "occurred_at", "recorded_at", "version", "position", "data"}
        assert datetime.fromisoformat(event["occurred_at"]).tzinfo is not None
        assert "actor" not in event["data"] and "occurred_at" not in event["data"]


@pytest.mark.time_machine(SPRING)
def test_history_data_carries_each_events_own_fields(client, auth, issue):
    finding = issue(due_date="2026-06-30")
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳", note="请落实"))
    ok(command(client, finding, "extend", auth["inspector"], due_date="2026-08-31", reason="延期"))
    ok(command(client, finding, "rectify", auth["bj"], measures="整改", evidence=["E1"]))
    ok(command(client, finding, "review", auth["reviewer"], outcome="rejected", comment="不足"))
    issued, assign, extend, rectify, review = history(client, auth, finding)
    assert issued["data"]["reference"] == finding["reference"] and issued["data"]["unit"] == "BJ-01"
    assert issued["data"]["due_date"] == "2026-06-30" and issued["data"]["severity"] == "serious"
    assert assign["data"] == {"assignee": "王芳", "note": "请落实"}
    assert extend["type"] == "DeadlineExtended" and extend["data"] == {"due_date": "2026-08-31", "reason": "延期"}
    assert rectify["data"] == {"measures": "整改", "evidence": ["E1"]}
    assert review["data"] == {"outcome": "rejected", "comment": "不足"}


def test_history_answers_the_current_finding_and_the_positions_of_answers(client, auth, issue):
    finding = issue()
    answer = assigned(client, auth, finding)
    body = ok(client.get(f"{API}/findings/{finding['id']}/history", headers=auth["auditor"]))
    assert body["finding"]["id"] == finding["id"]
    assert body["finding"]["version"] == 2 and body["finding"]["status"] == "assigned"
    assert [e["position"] for e in body["events"]] == [finding["position"], answer["position"]]


def test_actor_comes_from_the_token_never_from_the_body(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    response = command(client, finding, "assign", auth["bj"], assignee="王芳", actor="inspector")
    assert_error(response, 422, "invalid_fields", field="actor")
    response = client.post(f"{API}/findings", json=finding_body(actor="somebody"), headers=auth["inspector"])
    assert_error(response, 422, "invalid_fields", field="actor")
    assert last_position(application) == before
    assigned(client, auth, finding, by="bj")
    assert history(client, auth, finding)[-1]["actor"] == "bj"


# When things happened.


def test_back_dated_occurred_at_is_recorded_as_given(client, auth, issue):
    finding = issue(occurred_at=ago(days=10))
    when = ago(days=3)
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=when))
    events = history(client, auth, finding)
    assert datetime.fromisoformat(events[-1]["occurred_at"]) == datetime.fromisoformat(when)
    assert datetime.fromisoformat(events[-1]["recorded_at"]) > datetime.fromisoformat(when)


def test_occurred_at_defaults_to_now_and_keeps_a_given_offset(client, auth, issue):
    start = datetime.now(UTC)
    now = issue()
    occurred = datetime.fromisoformat(history(client, auth, now)[0]["occurred_at"])
    assert start - timedelta(seconds=1) <= occurred <= datetime.now(UTC) + timedelta(seconds=1)
    given = issue(occurred_at="2026-03-02T09:30:00+08:00")
    assert history(client, auth, given)[0]["occurred_at"] == "2026-03-02T09:30:00+08:00"


def test_occurred_at_in_the_future_is_422_and_records_nothing(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=future)
    assert_error(response, 422, "occurred_in_future", field="occurred_at")
    response = client.post(f"{API}/findings", json=finding_body(occurred_at=future), headers=auth["inspector"])
    assert_error(response, 422, "occurred_in_future", field="occurred_at")
    assert last_position(application) == before


def test_occurred_at_before_the_previous_event_is_409_but_the_same_moment_is_fine(client, auth, issue, application):
    when = "2026-03-02T09:30:00+08:00"
    finding = issue(occurred_at=when)
    before = last_position(application)
    earlier = "2026-03-02T01:29:59+00:00"
    response = command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=earlier)
    assert_error(response, 409, "occurred_before_previous", field="occurred_at")
    assert last_position(application) == before
    assert len(history(client, auth, finding)) == 1
    same_moment = "2026-03-02T01:30:00+00:00"
    assert ok(command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=same_moment))["version"] == 2


def test_naive_occurred_at_is_422(client, auth, issue, application):
    finding = issue()
    before = last_position(application)
    response = command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at="2026-03-02T09:30:00")
    assert_error(response, 422, "invalid_fields", field="occurred_at")
    naive = finding_body(occurred_at="2026-03-02T09:30:00")
    assert_error(client.post(f"{API}/findings", json=naive, headers=auth["inspector"]), 422, field="occurred_at")
    assert last_position(application) == before
