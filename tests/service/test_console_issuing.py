"""下发问题 (`/console/findings/new`): the issue form posts the fields of POST /findings, with the API's rules."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from service.application import Rectify
from tests.service.conftest import SETUP
from tests.service.console_helpers import caught_up, csrf_token, signed_in
from tests.service.helpers import API, SHANGHAI, days_from_today, last_position, ok

FORM = "/console/findings/new"
OPTION = re.compile(r'<option value="([^"]+)" data-depth="(\d+)"[^>]*>([^<]*)</option>')
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
PROBLEM = re.compile(r'<p class="problem" id="[^"]+" data-problem="([^"]+)">([^<]*)</p>')


def form(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    """A filled-in issue form, as a browser sends it: every field, empty ones as empty text."""
    typed = {"source": "inspection", "batch": "2026年第三轮巡察", "reference": "", "title": "公务接待超标准",
             "description": "2026年5月接待费用超出标准12%。", "category": "", "severity": "serious",
             "unit": "BJ-01", "term": "fixed", "due_date": days_from_today(90)}  # fmt: skip
    page = client.get(FORM).get_data(as_text=True)
    hidden = dict(HIDDEN.findall(page))
    return typed | {"csrf_token": hidden["csrf_token"], "form_key": hidden["form_key"]} | fields


def findings(client: FlaskClient, auth: dict, application: Rectify) -> list[dict[str, Any]]:
    """Every finding the API lists once the read model has caught up with the store."""
    query = {"min_position": last_position(application)}
    return ok(client.get(f"{API}/findings", query_string=query, headers=auth["auditor"]))["items"]


def issued(client: FlaskClient, auth: dict, response: TestResponse) -> dict[str, Any]:
    """The finding a successful form redirected to, as the API shows it."""
    assert response.status_code == 303, response.get_data(as_text=True)
    finding_id = response.headers["Location"].removeprefix("/console/findings/")
    return ok(client.get(f"{API}/findings/{finding_id}", headers=auth["auditor"]))


def problems(text: str) -> dict[str, str]:
    return dict(PROBLEM.findall(text))


def test_the_form_lists_the_unit_tree_each_unit_after_its_parent(client, auth, application, projector):
    application.register_unit(SETUP, code="SH-01", name="上海分公司审计部", parent="SH")
    caught_up(client, auth, last_position(application))  # the units as the read side knows them, too
    text = signed_in(client, auth, "inspector").get(FORM).get_data(as_text=True)
    units = [(code, int(depth), label.strip("\u3000")) for code, depth, label in OPTION.findall(text)]
    assert units == [
        ("HQ", 0, "集团公司（HQ）"),
        ("BJ", 1, "北京分公司（BJ）"),
        ("BJ-01", 2, "北京分公司财务部（BJ-01）"),
        ("SH", 1, "上海分公司（SH）"),
        ("SH-01", 2, "上海分公司审计部（SH-01）"),
    ]
    assert '<option value="BJ-01" data-depth="2">\u3000\u3000北京分公司财务部' in text  # indented by depth
    assert 'data-form="issue"' in text and 'type="date" id="due_date" name="due_date"' in text
    for name in ("source", "batch", "reference", "title", "description", "category", "severity", "unit", "term"):
        assert f'name="{name}"' in text, name
    assert '<option value="serious">较重</option>' in text and '<option value="long">长期坚持</option>' in text


def test_issuing_through_the_form_creates_exactly_the_finding_the_api_then_shows(client, auth, application, projector):
    signed_in(client, auth, "inspector")
    due = days_from_today(60)
    response = client.post(FORM, data=form(client, reference="XC-FORM-1", category="作风建设", due_date=due))
    shown = issued(client, auth, response)
    assert [finding["id"] for finding in findings(client, auth, application)] == [shown["id"]]
    assert {key: shown[key] for key in ("reference", "source", "batch", "title", "description", "category",
                                        "severity", "unit", "term", "due_date", "status")} == {
        "reference": "XC-FORM-1", "source": "inspection", "batch": "2026年第三轮巡察", "title": "公务接待超标准",
        "description": "2026年5月接待费用超出标准12%。", "category": "作风建设", "severity": "serious",
        "unit": "BJ-01", "term": "fixed", "due_date": due, "status": "issued",
    }  # fmt: skip
    history = ok(client.get(f"{API}/findings/{shown['id']}/history", headers=auth["auditor"]))
    assert [(entry["type"], entry["actor"]) for entry in history["events"]] == [("Issued", "inspector")]


def test_without_a_reference_the_finding_is_numbered_and_a_long_term_item_needs_no_due_date(client, auth):
    signed_in(client, auth, "admin")  # an admin may issue, as in the API
    finding = issued(client, auth, client.post(FORM, data=form(client, term="long", due_date="", severity="general")))
    assert re.fullmatch(r"XC-\d{4}-0001", finding["reference"])
    assert (finding["term"], finding["due_date"], finding["severity"]) == ("long", None, "general")


def test_a_second_click_on_the_same_form_issues_nothing_more(client, auth, application):
    signed_in(client, auth, "inspector")
    sent = form(client)
    first = client.post(FORM, data=sent)
    position = last_position(application)
    second = client.post(FORM, data=sent)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert last_position(application) == position


INVALID_FIELDS = {
    "title": ({"title": ""}, "此项必填"),
    "batch": ({"batch": "   "}, "此项必填"),  # only spaces: nothing typed
    "source": ({"source": "rumour"}, "请从列表中选择"),
    "severity": ({"severity": ""}, "此项必填"),
    "unit": ({"unit": ""}, "此项必填"),
    "due_date": ({"due_date": ""}, "限期整改的问题须填整改期限"),
    "reference": ({"reference": "巡察 1"}, "只能用字母、数字"),
    "term": ({"term": "forever"}, "请从列表中选择"),
    "description": ({"description": "a\x00b"}, "不能含控制字符"),
}


def test_each_invalid_field_shows_its_message_beside_it_keeps_what_was_typed_and_records_nothing(
    client, auth, application, projector
):
    signed_in(client, auth, "inspector")
    position = last_position(application)
    for field, (change, words) in INVALID_FIELDS.items():
        response = client.post(FORM, data=form(client, **({"title": "车辆使用不规范", "batch": "第九轮"} | change)))
        text = response.get_data(as_text=True)
        assert response.status_code == 422, field
        assert list(problems(text)) == [field], (field, problems(text))
        assert problems(text)[field].startswith("请更正：") and words in problems(text)[field], field
        assert 'role="alert"' in text and 'data-refused="issue"' in text
        kept = "第九轮" if field == "title" else "车辆使用不规范"
        assert f'value="{kept}"' in text  # what was typed is kept
    assert last_position(application) == position and findings(client, auth, application) == []


def test_each_broken_rule_shows_its_message_and_records_nothing(client, auth, application, issue, projector):
    issue(reference="XC-TAKEN-1")
    signed_in(client, auth, "inspector")
    position = last_position(application)
    broken = {
        "unit": ({"unit": "TJ"}, 422, "该单位未登记"),
        "due_date": ({"due_date": days_from_today(-1)}, 422, "整改期限早于下发日期"),
        "reference": ({"reference": "XC-TAKEN-1"}, 409, "该编号已有问题使用"),
    }
    for field, (change, status, words) in broken.items():
        response = client.post(FORM, data=form(client, **change))
        text = response.get_data(as_text=True)
        assert response.status_code == status, field
        assert problems(text) == {field: f"请更正：{words}"}, field
        if field != "unit":  # an unregistered unit is no option of the select
            assert f'value="{change[field]}"' in text, field
    assert last_position(application) == position
    assert [finding["reference"] for finding in findings(client, auth, application)] == ["XC-TAKEN-1"]


def test_a_unit_user_a_reviewer_and_an_auditor_are_refused(client, auth, application):
    position = last_position(application)
    for user in ("bj", "reviewer", "auditor"):
        browser = signed_in(client.application.test_client(), auth, user)
        page = browser.get(FORM)
        assert page.status_code == 403 and 'role="alert"' in page.get_data(as_text=True), user
        token = csrf_token(browser, "/console/")
        response = browser.post(FORM, data={"csrf_token": token, "title": "x", "unit": "BJ"})
        assert response.status_code == 403, user
    assert last_position(application) == position


def test_a_form_without_its_csrf_token_changes_nothing(client, auth, application):
    signed_in(client, auth, "inspector")
    position = last_position(application)
    sent = form(client)
    del sent["csrf_token"]
    assert client.post(FORM, data=sent).status_code == 400
    assert client.post(FORM, data=sent | {"csrf_token": "forged"}).status_code == 400
    assert last_position(application) == position


def test_the_form_and_its_messages_speak_english(client, auth):
    signed_in(client, auth, "inspector")
    text = client.get(f"{FORM}?lang=en").get_data(as_text=True)
    assert "Issue a finding" in text and "Severity" in text and "Serious" in text and "Long-term" in text
    assert "Choose one" in text and "下发" not in text.split("<main>")[1]
    response = client.post(FORM, data=form(client, unit="TJ", title=""))
    text = response.get_data(as_text=True)
    assert problems(text) == {"title": "Please correct: This field is required"}  # the schema's, before the rules
    response = client.post(FORM, data=form(client, unit="TJ"))
    assert problems(response.get_data(as_text=True)) == {"unit": "Please correct: This unit is not registered"}
    assert "Not issued; please correct the following:" in text


def test_a_finding_issued_earlier_is_recorded_at_the_moment_picked_in_the_service_s_zone(client, auth, application):
    signed_in(client, auth, "inspector")
    assert 'type="datetime-local" id="occurred_at" name="occurred_at"' in client.get(FORM).get_data(as_text=True)
    picked = f"{days_from_today(-3)}T08:45"  # as a datetime-local field sends it: no offset
    shown = issued(client, auth, client.post(FORM, data=form(client, occurred_at=picked)))
    history = ok(client.get(f"{API}/findings/{shown['id']}/history", headers=auth["auditor"]))["events"]
    assert datetime.fromisoformat(history[0]["occurred_at"]) == datetime.fromisoformat(picked).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("picked", "status", "says"),
    [
        (lambda: f"{days_from_today(1)}T09:00", 422, "下发时间不能晚于现在"),
        (lambda: "2026-02-30T10:00", 422, "不是有效的日期和时间"),
        (lambda: "yesterday", 422, "不是有效的日期和时间"),
    ],
    ids=["future", "no-such-day", "not-a-moment"],
)
def test_a_moment_of_issue_the_rules_refuse_is_shown_at_its_field_as_typed_and_nothing_is_issued(
    client, auth, application, picked, status, says
):
    signed_in(client, auth, "inspector")
    position, typed = last_position(application), picked()
    response = client.post(FORM, data=form(client, occurred_at=typed))
    assert response.status_code == status
    text = response.get_data(as_text=True)
    assert problems(text) == {"occurred_at": f"请更正：{says}"}
    assert f'name="occurred_at" value="{typed}" aria-invalid="true"' in text
    assert last_position(application) == position
