"""`GET /api/v1/audit`: every finding and unit event across findings, filtered, paged, scoped and as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from service.audit import export
from service.audit.export import COLUMNS
from tests.service.helpers import (
    API,
    NEVER_500,
    assert_error,
    assigned,
    command,
    days_from_today,
    last_position,
    ok,
)


def audit(client, headers, position, **query):
    """One page of audit entries, once the view has reached `position`."""
    return ok(client.get(f"{API}/audit", query_string={"min_position": position, **query}, headers=headers))


def entries(client, headers, position, **query):
    """Every entry a query matches (one page of up to 200)."""
    page = audit(client, headers, position, limit=200, **query)
    assert page["next_cursor"] is None
    return page["items"]


def days_ago(days: int) -> str:
    """The moment `days` days before now, as a command's occurred_at."""
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


def moment(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    assert parsed.utcoffset() is not None, text
    return parsed


def test_each_event_is_an_entry_saying_who_did_what_to_which_finding_and_when(client, auth, issue, projector):
    due_date, occurred_at = days_from_today(90), days_ago(19)
    finding = issue(occurred_at=days_ago(20), due_date=due_date)
    moved = ok(command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=occurred_at))
    items = entries(client, auth["auditor"], moved["position"], finding=finding["reference"])
    assert [(i["type"], i["actor"], i["role"], i["unit"]) for i in items] == [
        ("Issued", "inspector", "inspector", "BJ-01"),
        ("Assigned", "bj", "unit", "BJ-01"),
    ]
    issued, assign = items
    assert {i["finding_id"] for i in items} == {finding["id"]}
    assert {i["reference"] for i in items} == {finding["reference"]}
    assert (issued["position"], assign["position"]) == (finding["position"], moved["position"])
    assert moment(assign["occurred_at"]) == datetime.fromisoformat(occurred_at)
    assert moment(issued["recorded_at"]) <= moment(assign["recorded_at"])
    assert assign["data"] == {"assignee": "王芳", "note": ""}
    assert issued["data"]["title"] == "公务接待超标准" and issued["data"]["due_date"] == due_date
    assert "actor" not in issued["data"] and "originator_id" not in issued["data"]


def test_unit_events_are_entries_without_a_finding(client, auth, application, projector):
    position = last_position(application)
    items = entries(client, auth["auditor"], position, type="Registered")
    assert [(i["unit"], i["finding_id"], i["reference"], i["actor"]) for i in items] == [
        ("HQ", None, None, "setup"),
        ("BJ", None, None, "setup"),
        ("BJ-01", None, None, "setup"),
        ("SH", None, None, "setup"),
    ]
    assert items[1]["data"] == {"code": "BJ", "name": "北京分公司", "parent": "HQ"}
    assert items[0]["role"] is None  # the set-up actor acts without being a user


def test_actor_type_and_finding_filters_each_narrow_the_entries(client, auth, issue, projector):
    first, second = issue(), issue(unit="SH")
    assigned(client, auth, first)
    last = assigned(client, auth, second, by="sh")
    position = last["position"]
    by_sh = entries(client, auth["auditor"], position, actor="sh")
    assert [(i["type"], i["reference"]) for i in by_sh] == [("Assigned", second["reference"])]
    assert [i["reference"] for i in entries(client, auth["auditor"], position, type="Issued")] == [
        first["reference"],
        second["reference"],
    ]
    by_id = entries(client, auth["auditor"], position, finding=first["id"])
    assert [i["type"] for i in by_id] == ["Issued", "Assigned"]
    assert entries(client, auth["auditor"], position, finding=first["reference"]) == by_id
    assert entries(client, auth["auditor"], position, finding="XC-1999-0001") == []
    both = entries(client, auth["auditor"], position, actor="bj", type="Assigned", finding=first["reference"])
    assert [i["position"] for i in both] == [by_id[1]["position"]]


def test_the_unit_filter_covers_the_units_subtree(client, auth, issue, projector):
    below = issue(unit="BJ-01")
    other = issue(unit="SH")
    position = other["position"]
    units = {i["unit"] for i in entries(client, auth["auditor"], position, unit="BJ")}
    assert units == {"BJ", "BJ-01"}
    references = {i["reference"] for i in entries(client, auth["auditor"], position, unit="BJ")}
    assert references == {below["reference"], None}
    assert {i["unit"] for i in entries(client, auth["auditor"], position, unit="BJ-01")} == {"BJ-01"}


def test_since_and_until_bound_the_recorded_time_both_included(client, auth, issue, projector):
    findings = [issue(title=f"问题{n}") for n in range(4)]
    every = entries(client, auth["auditor"], findings[-1]["position"], type="Issued")
    pivot = every[2]["recorded_at"]
    since = entries(client, auth["auditor"], findings[-1]["position"], type="Issued", since=pivot)
    until = entries(client, auth["auditor"], findings[-1]["position"], type="Issued", until=pivot)
    assert since == [i for i in every if moment(i["recorded_at"]) >= moment(pivot)]
    assert until == [i for i in every if moment(i["recorded_at"]) <= moment(pivot)]
    assert since[0] == until[-1] == every[2]


def test_occurred_since_and_until_bound_when_it_happened(client, auth, issue, projector):
    old = issue(occurred_at=days_ago(30), title="旧问题")
    new = issue(title="新问题")
    position = new["position"]
    assert [i["reference"] for i in entries(client, auth["auditor"], position, occurred_until=days_ago(20))] == [
        old["reference"]
    ]
    recent = entries(client, auth["auditor"], position, occurred_since=days_ago(20), type="Issued")
    assert [i["reference"] for i in recent] == [new["reference"]]


def test_backdated_over_picks_commands_sent_with_an_occurred_at_days_in_the_past(client, auth, issue, projector):
    on_time = issue()
    long_ago = issue(occurred_at=days_ago(10))
    lately = issue(occurred_at=days_ago(3))
    assign = ok(command(client, on_time, "assign", auth["bj"], assignee="王芳", occurred_at=days_ago(0)))
    position = assign["position"]
    assert [i["reference"] for i in entries(client, auth["auditor"], position, backdated_over=5)] == [
        long_ago["reference"]
    ]
    over_two = entries(client, auth["auditor"], position, backdated_over=2)
    assert [(i["type"], i["reference"]) for i in over_two] == [
        ("Issued", long_ago["reference"]),
        ("Issued", lately["reference"]),
    ]


def test_cursor_pages_cover_every_entry_exactly_once_in_log_order(client, auth, issue, projector):
    last = [issue(title=f"问题{n}") for n in range(3)][-1]
    last = assigned(client, auth, last)
    every = [i["position"] for i in entries(client, auth["auditor"], last["position"])]
    seen, cursor = [], None
    while True:
        page = audit(client, auth["auditor"], last["position"], limit=2, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 2
        seen += [i["position"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every == sorted(every)
    assert len(every) == 4 + 3 + 1  # the units' registrations, the issues and the assignment


def test_a_unit_token_sees_its_subtree_only(client, auth, issue, projector):
    mine = issue(unit="BJ-01")
    theirs = issue(unit="SH")
    last = assigned(client, auth, theirs, by="sh")
    items = entries(client, auth["bj"], last["position"])
    assert {i["unit"] for i in items} == {"BJ", "BJ-01"}
    assert {i["reference"] for i in items} == {mine["reference"], None}
    assert entries(client, auth["bj"], last["position"], finding=theirs["reference"]) == []
    assert entries(client, auth["bj"], last["position"], actor="sh") == []
    assert {i["unit"] for i in entries(client, auth["inspector"], last["position"])} == {"HQ", "BJ", "BJ-01", "SH"}


def test_a_unit_outside_the_tokens_subtree_is_answered_as_an_unknown_unit(client, auth, issue, projector):
    position = issue(unit="SH")["position"]
    outside = client.get(f"{API}/audit", query_string={"unit": "SH", "min_position": position}, headers=auth["bj"])
    unknown = client.get(f"{API}/audit", query_string={"unit": "XX", "min_position": position}, headers=auth["bj"])
    answers = [assert_error(r, 422, "unknown_unit", field="unit") for r in (outside, unknown)]
    assert json.dumps(answers[0]).replace("SH", "XX") == json.dumps(answers[1])


def test_csv_carries_a_bom_a_header_and_every_matching_entry_page_after_page(
    client, auth, issue, projector, monkeypatch
):
    monkeypatch.setattr(export, "MAX_PAGE", 2)  # so that the file is read in several pages
    findings = [issue(title=f"公务接待问题{n}") for n in range(3)]
    position = findings[-1]["position"]
    response = client.get(
        f"{API}/audit", query_string={"min_position": position, "format": "csv"}, headers=auth["auditor"]
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    header, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert header == COLUMNS
    expected = entries(client, auth["auditor"], position)
    assert [int(row[0]) for row in rows] == [i["position"] for i in expected]
    by_column = [dict(zip(header, row, strict=True)) for row in rows]
    assert [json.loads(row["data"]) for row in by_column] == [i["data"] for i in expected]
    assert [row["title"] for row in map(lambda r: json.loads(r["data"]), by_column[4:])] == [
        "公务接待问题0",
        "公务接待问题1",
        "公务接待问题2",
    ]
    assert by_column[4]["recorded_at"] == expected[4]["recorded_at"] and by_column[4]["role"] == "inspector"


def test_csv_follows_the_filters_and_the_scope(client, auth, issue, projector):
    issue(unit="SH")
    mine = issue(unit="BJ-01")
    query = {"min_position": mine["position"], "format": "csv", "type": "Issued"}
    response = client.get(f"{API}/audit", query_string=query, headers=auth["bj"])
    _, *rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [row[COLUMNS.index("reference")] for row in rows] == [mine["reference"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"type": "Deleted"}, "type"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"cursor": "nonsense!"}, "cursor"),
        ({"cursor": "AAAA"}, "cursor"),  # the pattern of a cursor, but not one handed out
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-01-01T00:00:00"}, "until"),  # no offset
        ({"occurred_since": "9999-01-01T00:00:00+00:00"}, "occurred_since"),
        ({"occurred_until": "2026-13-01T00:00:00+00:00"}, "occurred_until"),
        ({"backdated_over": -1}, "backdated_over"),
        ({"backdated_over": 36526}, "backdated_over"),
        ({"backdated_over": "ten"}, "backdated_over"),
        ({"actor": "in\x00spector"}, "actor"),
        ({"actor": ""}, "actor"),
        ({"finding": "not a reference"}, "finding"),
        ({"unit": "NOWHERE"}, "unit"),
        ({"format": "xml"}, "format"),
        ({"min_position": -1}, "min_position"),
        ({"min_position": 2**63}, "min_position"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_arguments_are_422_naming_the_argument(client, auth, query, field):
    response = client.get(f"{API}/audit", query_string=query, headers=auth["auditor"])
    assert response.status_code in NEVER_500
    assert_error(response, 422, field=field)


def test_a_min_position_beyond_the_log_and_a_missing_token_are_refused(client, auth, application):
    beyond = {"min_position": last_position(application) + 1}
    assert_error(client.get(f"{API}/audit", query_string=beyond, headers=auth["auditor"]), 422, field="min_position")
    assert_error(client.get(f"{API}/audit"), 401)
