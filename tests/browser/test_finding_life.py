"""A finding's whole life in Chromium, each step by the right person in a browser context of their own.

The inspector issues it through the issue form; the unit assigns it, attaches a file and reports the fix; the
reviewer sends it back, the unit reports again, the reviewer accepts; this week's circular counts the closing.
Every step checks what the page shows, then what the API says the store recorded.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from service.evidence.samples import sample_pdf
from tests.browser.conftest import TABLET, Camera, Console, People, fits_without_sideways_scroll
from tests.service.conftest import finding_body
from tests.service.helpers import SHANGHAI, days_from_today

pytestmark = pytest.mark.e2e

STATUS_SHOWN = {"issued": "待分派", "assigned": "整改中", "rectified": "待验收", "closed": "已销号"}
REPORT = sample_pdf("Rectification report")
FINDING_PAGE = re.compile(r"/console/findings/[0-9a-f-]{36}$")


def shows(page: Page, status: str, events: dict[str, int]) -> None:
    """The finding's page shows this status, and this many timeline entries of each event."""
    expect(page.locator("header.finding-head")).to_have_attribute("data-status", status)
    expect(page.locator('[data-field="status"]')).to_have_text(STATUS_SHOWN[status])
    for event, times in events.items():
        expect(page.locator(f'.timeline [data-event="{event}"]')).to_have_count(times)


def history(console: Console, finding_id: str) -> list[dict[str, Any]]:
    """The finding's events as the API's audit trail answers them, oldest first."""
    status, answer = console.api("zhao.lei", "GET", f"/findings/{finding_id}/history")
    assert status == 200, answer
    return answer["events"]


def recorded(console: Console, finding_id: str) -> tuple[dict[str, Any], list[str]]:
    """The finding as the API answers it, and the types of its events in order."""
    return console.finding(finding_id), [event["type"] for event in history(console, finding_id)]


def send(page: Page, command: str, **fields: str) -> None:
    """Fill in the action's form (text fields by name) and send it; wait for the page to say it was done."""
    form = page.locator(f'form[data-command="{command}"]')
    for name, value in fields.items():
        form.locator(f'[name="{name}"]').fill(value)
    form.locator('button[type="submit"]').click()
    expect(page.locator(f'[role="status"][data-done="{command}"]')).to_be_visible()


def review(page: Page, outcome: str, comment: str) -> None:
    form = page.locator('form[data-command="review"]')
    form.locator(f'input[name="outcome"][value="{outcome}"]').check()
    send(page, "review", comment=comment)


def this_week() -> str:
    """The ISO week of today in Shanghai, by the tests' clock (2026-W49)."""
    year, week, _ = datetime.now(SHANGHAI).isocalendar()
    return f"{year}-W{week:02d}"


def issue_through_the_form(page: Page, title: str) -> str:
    """The inspector fills in 下发问题 and sends it; the id of the finding the page then shows."""
    page.locator('[data-menu="issue"]').click()
    form = page.locator('form[data-form="issue"]')
    form.locator("#source").select_option("inspection")
    form.locator("#batch").fill("2026年第三轮巡察")
    form.locator("#title").fill(title)
    form.locator("#description").fill("2026年5月接待费用超出标准12%，未经审批。")
    form.locator("#category").fill("作风建设")
    form.locator("#severity").select_option("serious")
    form.locator("#unit").select_option("BJ-01")
    form.locator("#due_date").fill(days_from_today(30))
    form.locator('button[type="submit"]').click()
    expect(page).to_have_url(FINDING_PAGE)
    return page.locator("header.finding-head").get_attribute("data-id") or ""


def test_a_finding_lives_from_issue_to_closing_and_this_week_s_circular_counts_it(
    console: Console, people: People, shoot: Camera
) -> None:
    inspector, unit, reviewer = (people.signed_in(name) for name in ("wang.min", "bj.liu", "li.qiang"))
    title = "公务接待超标准"

    finding_id = issue_through_the_form(inspector, title)
    expect(inspector.locator('h1[data-field="title"]')).to_have_text(title)
    shows(inspector, "issued", {"Issued": 1})
    shoot(inspector, "issued")
    finding, events = recorded(console, finding_id)
    assert (finding["status"], finding["unit"], finding["title"], events) == ("issued", "BJ-01", title, ["Issued"])
    assert finding["due_date"] == days_from_today(30)

    unit.goto(f"/console/findings/{finding_id}")
    send(unit, "assign", assignee="张伟", note="请财务部按期整改")
    shows(unit, "assigned", {"Assigned": 1})
    expect(unit.locator('[data-field="assignee"]')).to_have_text("张伟")
    shoot(unit, "assigned")
    finding, events = recorded(console, finding_id)
    assert (finding["status"], finding["assignee"], events[-1]) == ("assigned", "张伟", "Assigned")

    evidence = unit.locator('form[data-command="evidence"]')
    evidence.locator('input[name="file"]').set_input_files(
        {"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": REPORT}
    )
    send(unit, "evidence")
    sha256 = hashlib.sha256(REPORT).hexdigest()
    expect(unit.locator(f'.files tr[data-sha256="{sha256}"]')).to_contain_text("整改报告.pdf")
    shows(unit, "assigned", {"EvidenceAttached": 1})
    shoot(unit, "evidence-attached")
    finding, events = recorded(console, finding_id)
    assert [file["sha256"] for file in finding["files"]] == [sha256] and events[-1] == "EvidenceAttached"

    send(unit, "rectify", measures="已清退超标费用，修订公务接待管理办法。")
    shows(unit, "rectified", {"Rectified": 1})
    shoot(unit, "rectified")
    finding, events = recorded(console, finding_id)
    assert (finding["status"], finding["evidence"], events[-1]) == ("rectified", [sha256], "Rectified")

    reviewer.goto(f"/console/findings/{finding_id}")
    review(reviewer, "rejected", "佐证材料不充分，请补充报销凭证。")
    shows(reviewer, "assigned", {"Reviewed": 1})
    expect(reviewer.locator('.timeline [data-event="Reviewed"]')).to_contain_text("佐证材料不充分")
    shoot(reviewer, "rejected")
    finding, events = recorded(console, finding_id)
    assert (finding["status"], finding["rejections"], events[-1]) == ("assigned", 1, "Reviewed")

    unit.reload()
    send(unit, "rectify", measures="已清退超标费用并补充报销凭证，修订公务接待管理办法。")
    shows(unit, "rectified", {"Rectified": 2})
    shoot(unit, "rectified-again")
    finding, events = recorded(console, finding_id)
    assert (finding["status"], events.count("Rectified")) == ("rectified", 2)

    reviewer.reload()
    review(reviewer, "accepted", "整改到位，同意销号。")
    shows(reviewer, "closed", {"Reviewed": 2})
    expect(reviewer.locator('[data-actions="none"]')).to_be_visible()  # nothing is left for a reviewer to do
    shoot(reviewer, "closed")
    finding, events = recorded(console, finding_id)
    assert finding["status"] == "closed"
    assert events == ["Issued", "Assigned", "EvidenceAttached", "Rectified", "Reviewed", "Rectified", "Reviewed"]

    console.caught_up(history(console, finding_id)[-1]["position"])
    week = this_week()
    status, circular = console.api("wang.min", "GET", f"/circulars/weekly?week={week}&format=json")
    assert status == 200, circular
    assert circular["totals"]["closed_this_week"] == 1
    inspector.goto(f"/console/circulars?week={week}")
    expect(inspector.locator(f'article.circular-report[data-week="{week}"]')).to_be_visible()
    expect(inspector.locator(".circular-report")).to_contain_text("本周销号 1")
    shoot(inspector, "circular")


def issued_by_api(console: Console, **overrides: str) -> dict[str, Any]:
    status, answer = console.api("wang.min", "POST", "/findings", finding_body(**overrides))
    assert status == 201, answer
    return answer


def test_a_unit_user_of_another_subtree_gets_the_404_page_for_the_finding(console, people, shoot):
    finding = issued_by_api(console, title="车辆使用登记不完整")
    own = people.signed_in("bj.liu")
    own.goto(f"/console/findings/{finding['id']}")
    expect(own.locator('h1[data-field="title"]')).to_have_text("车辆使用登记不完整")
    other = people.signed_in("sh.chen")
    answer = other.goto(f"/console/findings/{finding['id']}")
    assert answer is not None and answer.status == 404
    expect(other.locator('[data-error="404"]')).to_be_visible()
    expect(other.get_by_role("alert")).to_have_text("页面不存在，或不在您的职责范围内")
    assert "车辆使用登记不完整" not in other.content() and "BJ-01" not in other.content()
    shoot(other, "not-found")


def test_an_action_form_sent_without_its_csrf_token_changes_nothing(console, people, shoot):
    finding = issued_by_api(console, title="办公用房超标准")
    page = people.signed_in("bj.liu")
    page.goto(f"/console/findings/{finding['id']}")
    form = page.locator('form[data-command="assign"]')
    form.locator('input[name="csrf_token"]').evaluate("field => field.remove()")
    form.locator('[name="assignee"]').fill("李娜")
    form.locator('button[type="submit"]').click()
    expect(page.locator('[data-error="400"]')).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("未作任何更改")
    shoot(page, "refused-without-token")
    after = console.finding(finding["id"])
    assert (after["status"], after["version"], after.get("assignee")) == ("issued", finding["version"], None)


def test_an_auditor_finds_a_finding_s_entries_and_verifies_the_record(console, people, shoot):
    finding = issued_by_api(console, title="会议费列支不规范")
    status, answer = console.api("bj.liu", "POST", f"/findings/{finding['id']}/assign", {"assignee": "王芳"})
    assert status == 200, answer
    page = people.signed_in("zhao.lei")
    page.locator('[data-menu="audit"]').click()
    query = page.locator('form[data-form="audit"]')
    query.locator("#finding").fill(finding["reference"])
    query.locator('button[type="submit"]').click()
    entries = page.locator("tr.entry")
    expect(entries).to_have_count(2)
    types = entries.locator("[data-type]").evaluate_all("marks => marks.map(mark => mark.dataset.type)")
    assert sorted(types) == ["Assigned", "Issued"]
    shoot(page, "entries")
    page.locator('form[data-form="verify"] button[type="submit"]').click()
    expect(page.locator('[role="status"][data-verdict="intact"]')).to_be_visible()
    shoot(page, "verified")
    status, verdict = console.api("zhao.lei", "GET", "/audit/verify")
    assert status == 200 and verdict["ok"] is True, verdict


def test_the_finding_page_and_the_issue_form_fit_a_tablet_in_either_language(console, people, shoot):
    finding = issued_by_api(console, title="关于下属单位公务用车管理制度执行不到位、车辆使用登记不完整的问题")
    status, answer = console.api("bj.liu", "POST", f"/findings/{finding['id']}/assign", {"assignee": "王芳"})
    assert status == 200, answer
    unit, inspector = people.signed_in("bj.liu", TABLET), people.signed_in("wang.min", TABLET)
    for lang, shown in (("zh", "整改中"), ("en", "Assigned")):
        unit.goto(f"/console/findings/{finding['id']}?lang={lang}")
        expect(unit.locator('[data-field="status"]')).to_have_text(shown)
        expect(unit.locator('form[data-command="rectify"]')).to_be_visible()
        assert fits_without_sideways_scroll(unit), lang
        shoot(unit, f"finding-{lang}")
        inspector.goto(f"/console/findings/new?lang={lang}")
        expect(inspector.locator('form[data-form="issue"]')).to_be_visible()
        assert fits_without_sideways_scroll(inspector), lang
        shoot(inspector, f"issue-form-{lang}")


def test_a_fix_reported_as_done_two_days_ago_in_the_browser_s_time_field_is_recorded_then(console, people, shoot):
    earlier = f"{days_from_today(-3)}T09:00:00+08:00"
    finding = issued_by_api(console, title="差旅费报销审核不严", occurred_at=earlier)
    status, answer = console.api(
        "bj.liu", "POST", f"/findings/{finding['id']}/assign", {"assignee": "王芳", "occurred_at": earlier}
    )
    assert status == 200, answer
    unit = people.signed_in("bj.liu")
    unit.goto(f"/console/findings/{finding['id']}")
    form = unit.locator('form[data-command="rectify"]')
    field = form.locator('input[name="occurred_at"]')
    expect(field).to_be_hidden()  # folded away until asked for
    form.locator("details.occurred summary").click()
    picked = f"{days_from_today(-2)}T16:30"
    field.fill(picked)  # as the browser's own date-and-time picker sets it
    send(unit, "rectify", measures="已追回多报销的差旅费。")
    shows(unit, "rectified", {"Rectified": 1})
    expect(unit.locator('.timeline [data-event="Rectified"]')).to_contain_text("补录")
    shoot(unit, "rectified-two-days-ago")
    reported = history(console, finding["id"])[-1]
    assert reported["type"] == "Rectified"
    assert datetime.fromisoformat(reported["occurred_at"]) == datetime.fromisoformat(picked).replace(tzinfo=SHANGHAI)
