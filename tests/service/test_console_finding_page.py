"""A finding's page (`/console/findings/{id}`): its fields, timeline and evidence, and its action forms."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

import pytest
from flask.testing import FlaskClient

from domain.values import WarningLevel
from projections.reports.labels import Labels
from service import create_app
from service.evidence.samples import sample_pdf
from tests.service.console_helpers import CSRF_FIELD, signed_in
from tests.service.helpers import (
    API,
    SHANGHAI,
    assigned,
    closed,
    command,
    days_after,
    days_from_today,
    history,
    last_position,
    ok,
    rectified,
)

FORM = re.compile(r'<form method="post" action="/console/findings/([0-9a-f-]+)/(\w+)" data-command="(\w+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
ENTRY = re.compile(r'<li class="entry[^"]*"\s+data-event="(\w+)"[^>]*>(.*?)</li>', re.S)
ALERT = re.compile(r'<div class="alert" role="alert" data-code="(\w+)" data-status="(\d+)">(.*?)</div>', re.S)
PDF = sample_pdf("整改报告")


def shown(client: FlaskClient, finding: dict, status: int = 200, query: str = "") -> str:
    response = client.get(f"/console/findings/{finding['id']}{query}")
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def commands_on(text: str) -> list[str]:
    """The commands of the action forms a page shows, in its order (each form posts where its name says)."""
    forms = FORM.findall(text)
    assert all(path == name for _, path, name in forms), forms
    return [name for _, _, name in forms]


def entries(text: str) -> list[tuple[str, str]]:
    """The timeline's entries: each event's name and what the entry shows."""
    return ENTRY.findall(text)


def post(client: FlaskClient, finding: dict, name: str, files: dict | None = None, **fields) -> object:
    """Submit an action form as the page shows it: its CSRF token and version, and the fields given."""
    text = shown(client, finding)
    form = {"csrf_token": CSRF_FIELD.search(text).group(1), "version": VERSION.search(text).group(1)} | fields
    response = client.post(
        f"/console/findings/{finding['id']}/{name}",
        data=form | (files or {}),
        content_type="multipart/form-data" if files else "application/x-www-form-urlencoded",
    )
    if files:
        response.request.environ["wsgi.input"].close()  # the test client's encoded body
    return response


def done(client: FlaskClient, finding: dict, name: str, files: dict | None = None, **fields) -> str:
    """Submit a form that succeeds: 303 back to the finding's page, which says what was done."""
    response = post(client, finding, name, files, **fields)
    assert response.status_code == 303, (response.status_code, response.get_data(as_text=True)[:3000])
    assert response.headers["Location"].endswith(f"/console/findings/{finding['id']}")
    text = shown(client, finding)
    assert f'data-done="{"evidence_again" if name == "evidence" and "again" in fields else name}"' in text
    return text


def api_finding(client: FlaskClient, auth, finding: dict) -> dict:
    return ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))


def moment(when: datetime, lang: str = "zh") -> str:
    local = when.astimezone(SHANGHAI)
    day = Labels.of(lang).full_date(local.date().isoformat())
    return f"{day} {local:%H:%M}" if lang == "zh" else f"{day}, {local:%H:%M}"


def test_the_page_shows_the_fields_and_the_timeline_with_both_times_and_the_actors(client, auth, issue):
    happened = f"{days_from_today(-3)}T09:30:00+08:00"
    finding = issue(title="公务接待超标准", occurred_at=happened, due_date=days_from_today(40))
    ok(command(client, finding, "assign", auth["bj"], assignee="王芳", note="请财务部牵头"))
    text = shown(signed_in(client, auth, "auditor"), finding)
    entered = (finding["reference"], "公务接待超标准", "2026年5月接待费用超出标准12%。", "2026年第三轮巡察", "作风建设")
    for shown_value in (*entered, "BJ-01", "北京分公司财务部", "较重", "整改中", "王芳", "巡察", "限期整改"):
        assert shown_value in text, shown_value
    assert Labels.of("zh").full_date(days_from_today(40)) in text
    events = history(client, auth, finding)
    timeline = entries(text)
    assert [event for event, _ in timeline] == ["Issued", "Assigned"] == [event["type"] for event in events]
    for (_, shows), event in zip(timeline, events, strict=True):
        assert moment(datetime.fromisoformat(event["occurred_at"])) in shows  # when it happened
        assert moment(datetime.fromisoformat(event["recorded_at"])) in shows  # when it was recorded
        assert f'data-actor="{event["actor"]}"' in shows and "发生于" in shows and "记录于" in shows
        assert f'data-integrity="{event["integrity"]}"' in shows
    issued, handed = timeline[0][1], timeline[1][1]
    assert "inspector" in issued and "补录" in issued  # it happened three days before it was recorded
    assert "分派给 王芳" in handed and "请财务部牵头" in handed and "bj" in handed and "补录" not in handed


def test_each_role_sees_exactly_the_actions_open_to_it_in_each_status(client, auth, issue):
    findings = {
        "issued": issue(),
        "assigned": assigned(client, auth, issue()),
        "rectified": rectified(client, auth, issue()),
        "closed": closed(client, auth, issue()),
        "withdrawn": ok(command(client, issue(), "withdraw", auth["inspector"], reason="误发")),
    }
    inspecting = ["assign", "extend", "escalate", "withdraw"]
    expected = {
        "issued": {"bj": ["assign"], "inspector": inspecting, "reviewer": [], "auditor": []},
        "assigned": {"bj": ["assign", "evidence", "rectify"], "inspector": inspecting, "reviewer": [], "auditor": []},
        "rectified": {"bj": ["evidence"], "inspector": ["withdraw"], "reviewer": ["review"], "auditor": []},
        "closed": {"bj": [], "inspector": ["reopen"], "reviewer": [], "auditor": []},
        "withdrawn": {"bj": [], "inspector": [], "reviewer": [], "auditor": []},
    }
    for user in ("bj", "inspector", "reviewer", "auditor"):
        signed_in(client, auth, user)
        for status, finding in findings.items():
            text = shown(client, finding)
            assert f'data-status="{status}"' in text
            assert commands_on(text) == expected[status][user], (status, user)
            assert ('data-actions="none"' in text) == (not expected[status][user])
    signed_in(client, auth, "admin")  # holds every role
    assert commands_on(shown(client, findings["assigned"])) == ["assign", "evidence", "rectify", *inspecting[1:]]


def test_the_whole_life_through_the_console_forms_with_the_api_confirming_each_step(app, client, auth, issue):
    finding = issue()
    unit, reviewer = signed_in(app.test_client(), auth, "bj"), signed_in(app.test_client(), auth, "reviewer")

    text = done(unit, finding, "assign", assignee="王芳", note="财务部牵头")
    assert api_finding(client, auth, finding)["status"] == "assigned" and "王芳" in text

    text = done(unit, finding, "evidence", files={"file": (io.BytesIO(PDF), "整改报告.pdf")})
    sha256 = hashlib.sha256(PDF).hexdigest()
    assert [file["sha256"] for file in api_finding(client, auth, finding)["files"]] == [sha256]
    link = f'href="/console/findings/{finding["id"]}/evidence/{sha256}"'
    assert link in text and "整改报告.pdf" in text and f'name="evidence" value="{sha256}" checked' in text

    done(unit, finding, "rectify", measures="退回超标费用", evidence=[sha256, "财务凭证 2026-118"])
    state = api_finding(client, auth, finding)
    assert (state["status"], state["measures"], state["evidence"]) == (
        "rectified", "退回超标费用", [sha256, "财务凭证 2026-118"]
    )  # fmt: skip

    text = done(reviewer, finding, "review", outcome="rejected", comment="佐证不足")
    assert api_finding(client, auth, finding)["status"] == "assigned" and "验收未通过，退回整改" in text

    text = shown(unit, finding)
    assert "退回超标费用</textarea>" in text and "财务凭证 2026-118</textarea>" in text  # the last fix, to amend
    done(unit, finding, "rectify", measures="退回超标费用并追责", evidence=[sha256])
    assert api_finding(client, auth, finding)["status"] == "rectified"

    text = done(reviewer, finding, "review", outcome="accepted", comment="")
    state = api_finding(client, auth, finding)
    assert (state["status"], state["rejections"], state["version"]) == ("closed", 1, 7)
    assert [event for event, _ in entries(text)] == [event["type"] for event in history(client, auth, finding)] == [
        "Issued", "Assigned", "EvidenceAttached", "Rectified", "Reviewed", "Rectified", "Reviewed"
    ]  # fmt: skip
    assert commands_on(text) == []


def test_a_stale_version_is_refused_with_its_message_and_records_nothing(client, auth, issue, application):
    finding = assigned(client, auth, issue())
    signed_in(client, auth, "bj")
    page = shown(client, finding)
    csrf, version = CSRF_FIELD.search(page).group(1), VERSION.search(page).group(1)
    moved = ok(command(client, finding, "assign", auth["inspector"], assignee="李四"))  # someone changes it meanwhile
    position, events = last_position(application), history(client, auth, finding)
    form = {"csrf_token": csrf, "version": version, "measures": "已整改完毕"}
    response = client.post(f"/console/findings/{finding['id']}/rectify", data=form)
    assert response.status_code == 412
    text = response.get_data(as_text=True)
    code, status, alert = ALERT.search(text).groups()
    assert (code, status) == ("version_mismatch", "412") and "未能完成：" in alert and "已被他人更改" in alert
    assert "已整改完毕</textarea>" in text  # what was typed is kept
    assert f'name="version" value="{moved["version"]}"' in text  # the page shows the finding as it is now
    assert api_finding(client, auth, finding)["version"] == moved["version"] and "李四" in text
    assert last_position(application) == position and history(client, auth, finding) == events


def test_a_rejection_without_a_comment_is_refused_beside_its_form_and_records_nothing(client, auth, issue, application):
    finding = rectified(client, auth, issue())
    signed_in(client, auth, "reviewer")
    before, position = api_finding(client, auth, finding), last_position(application)
    response = post(client, finding, "review", outcome="rejected", comment="  ")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    code, _, alert = ALERT.search(text).groups()
    assert code == "invalid_fields" and "验收意见" in alert and "退回须写明理由" in alert
    assert re.search(r'data-command="review"[^>]*class="action card refused"', text)
    assert 'value="rejected" checked' in text  # the choice made is kept
    assert api_finding(client, auth, finding) == before and last_position(application) == position


def test_a_broken_rule_shows_the_rules_message_and_records_nothing(client, auth, issue, application):
    finding = issue(due_date=days_from_today(30))
    signed_in(client, auth, "inspector")
    position = last_position(application)
    response = post(client, finding, "extend", due_date=days_from_today(10), reason="工期紧张")
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    code, _, alert = ALERT.search(text).groups()
    assert code == "deadline_not_later" and "新的整改期限须晚于当前期限" in alert and "is not later than" in alert
    assert f'value="{days_from_today(10)}" aria-invalid="true"' in text and "工期紧张</textarea>" in text
    assert last_position(application) == position and api_finding(client, auth, finding)["version"] == 1


def test_a_command_of_another_role_is_refused_and_records_nothing(client, auth, issue, application):
    finding = issue()
    signed_in(client, auth, "bj")
    position = last_position(application)
    response = post(client, finding, "extend", due_date=days_from_today(400), reason="工期紧张")
    assert response.status_code == 403
    code, _, alert = ALERT.search(response.get_data(as_text=True)).groups()
    assert code == "role_not_permitted" and "您的角色不能进行此操作" in alert
    assert last_position(application) == position


def test_a_form_without_its_csrf_token_changes_nothing(client, auth, issue, application):
    finding = issue()
    signed_in(client, auth, "bj")
    position = last_position(application)
    for token in (None, "forged"):
        form = {"version": "1", "assignee": "王芳"} | ({"csrf_token": token} if token else {})
        response = client.post(f"/console/findings/{finding['id']}/assign", data=form)
        assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert last_position(application) == position and api_finding(client, auth, finding)["status"] == "issued"


def test_a_form_without_the_version_shown_is_refused(client, auth, issue, application):
    finding = issue()
    signed_in(client, auth, "bj")
    position = last_position(application)
    response = post(client, finding, "assign", version="", assignee="王芳")
    assert response.status_code == 422 and "页面版本无效" in response.get_data(as_text=True)
    assert last_position(application) == position


def test_a_unit_of_another_subtree_gets_the_404_page_for_the_finding_its_actions_and_its_files(
    app, client, auth, issue, application
):
    finding = assigned(client, auth, issue())
    done(signed_in(app.test_client(), auth, "bj"), finding, "evidence", files={"file": (io.BytesIO(PDF), "a.pdf")})
    sha256 = hashlib.sha256(PDF).hexdigest()
    other = signed_in(client, auth, "sh")
    position = last_position(application)
    assert shown(other, finding, 404).count(finding["reference"]) == 0
    csrf = CSRF_FIELD.search(other.get("/console/").get_data(as_text=True)).group(1)
    for name, form in (("assign", {"assignee": "张三"}), ("rectify", {"measures": "x"}), ("withdraw", {"reason": "x"})):
        response = other.post(
            f"/console/findings/{finding['id']}/{name}", data={"csrf_token": csrf, "version": "3"} | form
        )
        assert response.status_code == 404 and "不在您的职责范围内" in response.get_data(as_text=True)
    response = other.post(
        f"/console/findings/{finding['id']}/evidence",
        data={"csrf_token": csrf, "version": "3", "file": (io.BytesIO(PDF), "b.pdf")},
        content_type="multipart/form-data",
    )
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 404
    assert other.get(f"/console/findings/{finding['id']}/evidence/{sha256}").status_code == 404
    assert last_position(application) == position


def test_a_file_of_evidence_downloads_as_the_api_serves_it(app, client, auth, issue):
    finding = assigned(client, auth, issue())
    unit = signed_in(app.test_client(), auth, "bj")
    done(unit, finding, "evidence", files={"file": (io.BytesIO(PDF), "整改报告.pdf")})
    done(unit, finding, "evidence", files={"file": (io.BytesIO(PDF), "again.pdf")}, again="")  # records nothing new
    sha256 = hashlib.sha256(PDF).hexdigest()
    console = signed_in(client, auth, "auditor").get(f"/console/findings/{finding['id']}/evidence/{sha256}")
    api = client.get(f"{API}/findings/{finding['id']}/evidence/{sha256}", headers=auth["auditor"])
    assert console.status_code == api.status_code == 200 and console.data == api.data == PDF
    for header in ("Content-Type", "Content-Disposition", "Content-Length"):
        assert console.headers[header] == api.headers[header], header
    assert len(api_finding(client, auth, finding)["files"]) == 1


def test_a_file_the_policy_refuses_is_shown_beside_the_upload_form(client, auth, issue, application):
    finding = assigned(client, auth, issue())
    signed_in(client, auth, "bj")
    position = last_position(application)
    response = post(client, finding, "evidence", files={"file": (io.BytesIO(b"MZ" + bytes(100)), "a.pdf")})
    assert response.status_code == 415
    assert ALERT.search(response.get_data(as_text=True)).group(1) == "evidence_type_not_allowed"
    response = post(client, finding, "evidence", files={"file": (io.BytesIO(b""), "")})  # no file chosen
    assert response.status_code == 422 and "必填" in response.get_data(as_text=True)
    assert last_position(application) == position


@pytest.mark.parametrize("path", ["?lang=en", ""])
def test_the_page_speaks_english(client, auth, issue, path):
    finding = rectified(
        client, auth, issue(due_date=days_from_today(-2), occurred_at=f"{days_from_today(-9)}T08:00:00+08:00")
    )
    signed_in(client, auth, "reviewer")
    client.get("/console/?lang=en")  # the language is kept in the session
    text = shown(client, finding, query=path)
    for english in ("Timeline", "Happened", "Recorded", "Assigned to 王芳", "Reported the fix", "Accept and close",
                    "Reject and send back", "Record the review", "Comment", "Responsible unit", "Serious"):  # fmt: skip
        assert english in text, english
    assert not re.search(r"[\u4e00-\u9fff]", strip_data(text)), re.findall(
        r".{20}[\u4e00-\u9fff]+.{20}", strip_data(text)
    )
    response = post(client, finding, "review", outcome="rejected")
    alert = ALERT.search(response.get_data(as_text=True)).group(3)
    assert "Not done: " in alert and "A rejection must say why" in alert


def strip_data(text: str) -> str:
    """A page's own words: without what people entered (the finding's fields, names, notes) or the language link."""
    fields = ("公务接待超标准", "2026年5月接待费用超出标准12%。", "2026年第三轮巡察", "作风建设", "北京分公司财务部")
    for entered in (*fields, "王芳", "退回超标费用", "凭证-001", "中文"):
        text = text.replace(entered, "")
    return text


def test_the_overdue_and_warned_due_date_is_flagged_as_in_the_list(client, auth, issue, application):
    late = issue(due_date=days_from_today(-1), occurred_at=f"{days_from_today(-20)}T09:00:00+08:00")
    signed_in(client, auth, "inspector")
    assert '<dd data-field="due_date" class="overdue">' in shown(client, late)
    soon = issue(due_date=days_after(days_from_today(0), 5))
    application.warn(UUID(soon["id"]), WarningLevel.YELLOW)
    text = shown(client, soon)
    assert '<dd data-field="due_date" class="warning-yellow">' in text and "黄色预警" in text
    assert "发出黄色预警" in text and 'data-actor="system"' in text


def test_the_request_log_names_the_position_a_form_recorded_and_none_for_a_refusal(client, auth, issue):
    finding = issue()
    signed_in(client, auth, "bj")
    with request_log() as lines:
        done(client, finding, "assign", assignee="王芳")
        post(client, finding, "assign", assignee="")
    posted = [line for line in lines if line["method"] == "POST"]
    assert [(line["status"], line["position"]) for line in posted] == [
        (303, history(client, auth, finding)[-1]["position"]),
        (422, None),
    ]
    assert posted[0]["route"] == "/console/findings/<uuid:finding_id>/assign" and posted[0]["user"] == "bj"


@contextmanager
def request_log() -> Iterator[list[dict]]:
    """The request log's lines while the block runs, whatever else handles them."""
    lines: list[dict] = []
    handler = logging.Handler()
    handler.emit = lambda record: lines.append(json.loads(record.getMessage()))  # type: ignore[method-assign]
    logger = logging.getLogger("rectify.requests")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def test_a_file_of_evidence_has_the_apis_size_limit_not_the_general_body_limit(application, store_url, auth, issue):
    app = create_app({"RECTIFY_DATABASE_URL": store_url, "RECTIFY_EVIDENCE_MAX_MB": "3"}, application=application)
    client = signed_in(app.test_client(), auth, "bj")
    finding = assigned(client, auth, issue())
    large = PDF + bytes(2 * 1024 * 1024)  # beyond RECTIFY_MAX_BODY_KB (1024), within the file's own limit
    done(client, finding, "evidence", files={"file": (io.BytesIO(large), "large.pdf")})
    position = last_position(application)
    response = post(client, finding, "evidence", files={"file": (io.BytesIO(PDF + bytes(5 * 1024 * 1024)), "b.pdf")})
    assert response.status_code == 413 and "提交的内容过大" in response.get_data(as_text=True)
    just_over = PDF + bytes(3 * 1024 * 1024)  # within the multipart allowance: the file itself is measured
    response = post(client, finding, "evidence", files={"file": (io.BytesIO(just_over), "c.pdf")})
    assert response.status_code == 413
    assert ALERT.search(response.get_data(as_text=True)).group(1) == "evidence_too_large"
    assert last_position(application) == position
    assert [file["size"] for file in api_finding(client, auth, finding)["files"]] == [len(large)]


def test_whoever_reported_the_fix_is_told_they_may_not_review_it(client, auth, issue, application):
    finding = assigned(client, auth, issue())
    signed_in(client, auth, "admin")  # holds every role, so the table offers the review after the fix
    done(client, finding, "rectify", measures="退回超标费用")
    position = last_position(application)
    response = post(client, finding, "review", outcome="accepted")
    assert response.status_code == 409
    code, _, alert = ALERT.search(response.get_data(as_text=True)).groups()
    assert code == "separation_of_duties" and "整改报送人不能验收自己报送的整改" in alert and "admin" in alert
    assert last_position(application) == position and api_finding(client, auth, finding)["status"] == "rectified"


def test_a_fix_reported_as_having_happened_earlier_is_recorded_at_that_moment_in_the_service_s_zone(
    client, auth, issue
):
    finding = assigned_days_ago(client, auth, issue(occurred_at=f"{days_from_today(-6)}T09:00:00+08:00"))
    signed_in(client, auth, "bj")
    page = shown(client, finding)
    assert 'name="occurred_at"' in page and "按服务所在时区 Asia/Shanghai" in page
    picked = f"{days_from_today(-2)}T16:30"  # as a datetime-local field sends it: no offset
    text = done(client, finding, "rectify", measures="已退回超标费用", occurred_at=picked)
    reported = history(client, auth, finding)[-1]
    assert reported["type"] == "Rectified"
    assert datetime.fromisoformat(reported["occurred_at"]) == datetime.fromisoformat(picked).replace(tzinfo=SHANGHAI)
    assert "补录" in entries(text)[-1][1]  # recorded days after it happened


@pytest.mark.parametrize(
    ("picked", "status", "code", "says"),
    [
        (lambda: f"{days_from_today(2)}T10:00", 422, "occurred_in_future", "发生时间不能晚于现在"),
        (lambda: f"{days_from_today(-30)}T10:00", 409, "occurred_before_previous", "发生时间不能早于上一项记录"),
        (lambda: "2026-02-30T10:00", 422, "invalid_fields", "请填写有效的日期和时间"),
        (lambda: "上周五", 422, "invalid_fields", "请填写有效的日期和时间"),
    ],
    ids=["future", "before-previous", "no-such-day", "not-a-moment"],
)
def test_a_moment_the_rules_refuse_is_shown_beside_its_form_as_typed_and_records_nothing(
    client, auth, issue, application, picked, status, code, says
):
    finding = assigned_days_ago(client, auth, issue(occurred_at=f"{days_from_today(-6)}T09:00:00+08:00"))
    signed_in(client, auth, "bj")
    before, position = api_finding(client, auth, finding), last_position(application)
    typed = picked()
    response = post(client, finding, "rectify", measures="已整改", occurred_at=typed)
    assert response.status_code == status
    text = response.get_data(as_text=True)
    found, _, alert = ALERT.search(text).groups()
    assert found == code and says in alert
    assert ('<li data-field="occurred_at">' in alert) == (code == "invalid_fields")  # a rule's words are said once
    assert '<details class="occurred" open>' in text  # unfolded, with what was typed in it
    assert f'value="{typed}" aria-invalid="true"' in text and "已整改</textarea>" in text
    assert api_finding(client, auth, finding) == before and last_position(application) == position


def assigned_days_ago(client: FlaskClient, auth, finding: dict) -> dict:
    """Assigned five days ago (recorded now), so a later form may give a moment between then and now."""
    five_days_ago = f"{days_from_today(-5)}T10:00:00+08:00"
    return ok(command(client, finding, "assign", auth["bj"], assignee="王芳", occurred_at=five_days_ago))
