"""`GET /api/v1/circulars/weekly` and `rectify circular`/`rectify warn`: formats, scope, errors."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl

from projections.weeks import Week
from service.cli import main
from tests.service.helpers import API, assert_error, assigned, command, ok

ZONE = ZoneInfo("Asia/Shanghai")


def this_week() -> str:
    return Week.containing(datetime.now(ZONE), ZONE).label


def circular(client, headers, position, **query):
    query = {"week": this_week(), "min_position": position} | query
    return client.get(f"{API}/circulars/weekly", query_string=query, headers=headers)


def test_the_circular_counts_this_weeks_issues_and_closings(client, auth, issue, projector):
    first = issue(unit="BJ-01")
    issue(unit="SH", source="audit")
    assigned(client, auth, first)
    ok(command(client, first, "rectify", auth["bj"], measures="已整改"))
    last = ok(command(client, first, "review", auth["reviewer"], outcome="accepted"))
    assert "ledger" not in ok(circular(client, auth["auditor"], last["position"]))
    body = ok(circular(client, auth["auditor"], last["position"], ledger="all"))
    assert body["week"] == this_week()
    assert (body["totals"]["issued_this_week"], body["totals"]["closed_this_week"]) == (2, 1)
    assert body["totals"]["rectification_rate"] == 0.5
    assert body["by_source"]["audit"]["issued_to_date"] == 1
    units = {row["unit"]: row for row in body["units"]}
    assert units["BJ"]["figures"]["closed_to_date"] == 1  # rolled up from BJ-01
    assert units["BJ"]["rank"] == 1 and units["SH"]["rank"] == 2
    assert [row["unit"] for row in body["ledger"]] == ["BJ-01", "SH"]


def test_a_unit_token_gets_its_own_subtrees_circular_only(client, auth, issue, projector):
    issue(unit="BJ-01")
    other = issue(unit="SH")
    body = ok(circular(client, auth["bj"], other["position"]))
    assert body["scope"]["unit"] == "BJ" and body["totals"]["issued_to_date"] == 1
    assert_error(circular(client, auth["bj"], other["position"], unit="SH"), 422, "unknown_unit")


def test_every_format_answers_with_its_content_type_and_readable_content(client, auth, issue, projector):
    finding = issue(title="账外资金未入账")
    position = finding["position"]
    page = circular(client, auth["auditor"], position, format="html", lang="en")
    assert page.content_type.startswith("text/html") and "北京分公司" in page.get_data(as_text=True)
    csv_text = circular(client, auth["auditor"], position, format="csv").get_data().decode("utf-8-sig")
    assert finding["reference"] in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(circular(client, auth["auditor"], position, format="xlsx").data))
    assert finding["reference"] in [cell.value for row in workbook.worksheets[0].iter_rows() for cell in row]
    document = docx.Document(io.BytesIO(circular(client, auth["auditor"], position, format="docx").data))
    assert any("关于整改工作进展情况的通报" in p.text for p in document.paragraphs)


def test_an_earlier_as_known_at_leaves_later_entries_out(client, auth, issue, projector):
    first = issue()
    known_at = datetime.now(ZONE).isoformat()
    second = issue()
    now = ok(circular(client, auth["auditor"], second["position"]))
    then = ok(circular(client, auth["auditor"], second["position"], as_known_at=known_at, ledger="all"))
    assert (now["totals"]["issued_to_date"], then["totals"]["issued_to_date"]) == (2, 1)
    assert [row["reference"] for row in then["ledger"]] == [first["reference"]]


def test_a_week_not_yet_ended_is_reported_as_of_the_day_known_and_an_earlier_one_is_still_issue_1(
    client, auth, issue, projector
):
    finding = issue()
    now = ok(circular(client, auth["auditor"], finding["position"]))
    known_day = datetime.fromisoformat(now["as_known_at"]).astimezone(ZONE).date()
    assert now["as_of"] == known_day.isoformat() and now["start"] <= now["as_of"] <= now["end"]
    assert now["settings"]["issued_on"] == known_day.isoformat()  # not the Monday after: it has not come yet
    document = docx.Document(io.BytesIO(circular(client, auth["auditor"], finding["position"], format="docx").data))
    assert any(f"现将截至{known_day.month}月{known_day.day}日" in p.text for p in document.paragraphs)

    before = Week.containing(datetime.now(ZONE), ZONE).previous()  # the week before the first finding was issued
    earlier = ok(circular(client, auth["auditor"], finding["position"], week=before.label))
    assert (earlier["issue_number"], earlier["as_of"], earlier["totals"]["issued_to_date"]) == (1, earlier["end"], 0)
    assert earlier["settings"]["issued_on"] == before.cutoff.date().isoformat()
    assert earlier["document_number"].endswith("〕1号")


def test_bad_circular_arguments_are_422_naming_the_argument(client, auth, projector):
    later = (datetime.now(ZONE) + timedelta(days=1)).isoformat()
    assert_error(circular(client, auth["auditor"], 0, week="2026-W54"), 422, field="week")
    assert_error(circular(client, auth["auditor"], 0, week="last"), 422, field="week")
    assert_error(circular(client, auth["auditor"], 0, format="pdf"), 422, field="format")
    assert_error(circular(client, auth["auditor"], 0, as_known_at=later), 422, field="as_known_at")
    assert_error(circular(client, auth["auditor"], 0, unit="NOWHERE"), 422, field="unit")


def test_the_command_line_writes_the_circular_in_the_asked_format(
    store_url, issue, projector, tmp_path, monkeypatch, capsys
):
    finding = issue()
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    projector.wait(finding["position"], timeout=5)
    output = tmp_path / "circular.json"
    assert main(["circular", "--week", this_week(), "--format", "json", "-o", str(output)]) == 0
    assert json.loads(output.read_text(encoding="utf-8"))["totals"]["issued_to_date"] == 1
    assert main(["circular", "--week", "2026-W99"]) == 1
    assert "no week 99" in capsys.readouterr().err


def test_warn_records_each_due_level_once_and_a_second_run_records_nothing(
    application, client, auth, issue, projector, store_url, monkeypatch, capsys
):
    today = datetime.now(ZONE).date()
    long_ago = (datetime.now(ZONE) - timedelta(days=30)).isoformat()
    overdue = issue(due_date=(today - timedelta(days=1)).isoformat(), occurred_at=long_ago)
    soon = issue(due_date=(today + timedelta(days=5)).isoformat())
    issue(due_date=(today + timedelta(days=60)).isoformat())
    monkeypatch.setenv("RECTIFY_DATABASE_URL", store_url)
    projector.wait(soon["position"], timeout=5)
    assert main(["warn"]) == 0
    assert "recorded 2 warning(s)" in capsys.readouterr().out
    projector.wait(application.recorder.max_notification_id(), timeout=5)
    assert main(["warn"]) == 0
    assert "recorded 0 warning(s)" in capsys.readouterr().out
    levels = {f["reference"]: f["warnings"] for f in (overdue, soon)}
    for reference, finding in zip(levels, (overdue, soon), strict=True):
        levels[reference] = ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))["warnings"]
    assert list(levels.values()) == [["red"], ["yellow"]]
