"""Signing in and out, the 工作台 and the 问题清单 in Chromium, in both languages, at laptop and tablet width."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from domain.values import Role
from tests.browser.conftest import TABLET, Console, application_on, fits_without_sideways_scroll, sign_in
from tests.service.conftest import finding_body
from tests.service.helpers import days_from_today

pytestmark = pytest.mark.e2e


def issued(console: Console, **overrides: str) -> dict:
    """A finding issued through the API by the inspector."""
    status, answer = console.api("wang.min", "POST", "/findings", finding_body(**overrides))
    assert status == 201, answer
    return answer


def count(page: Page, queue: str) -> int:
    return int(page.locator(f'[data-queue="{queue}"] .count').inner_text())


def test_a_wrong_token_is_refused_on_the_sign_in_page_and_signs_nobody_in(console, people, shoot):
    page = people.page()
    page.goto("/console/")
    expect(page).to_have_url(f"{console.url}/console/login?signed_out=1")
    sign_in(page, "bj.liu", console.tokens["sh.chen"])
    expect(page.get_by_role("alert")).to_have_text("用户名或令牌不正确")
    shoot(page, "refused")
    page.goto("/console/findings")
    expect(page.locator('form[action="/console/login"]')).to_be_visible()


def test_signing_out_without_the_form_s_csrf_token_changes_nothing(console, people, shoot):
    page = people.signed_in("li.qiang")
    sign_out = page.locator('form[action="/console/logout"]')
    sign_out.locator('input[name="csrf_token"]').evaluate("field => field.remove()")
    sign_out.locator("button").click()
    expect(page.locator('[data-error="400"]')).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("缺少安全令牌，未作任何更改")
    shoot(page, "refused-without-token")
    page.goto("/console/")
    expect(page.locator("main h1")).to_have_text("工作台")  # still signed in
    page.locator('form[action="/console/logout"] button').click()
    expect(page).to_have_url(f"{console.url}/console/login")
    page.goto("/console/")
    expect(page).to_have_url(f"{console.url}/console/login?signed_out=1")
    shoot(page, "signed-out")


def test_a_revoked_user_is_sent_back_to_sign_in_on_the_next_click(console, people, shoot):
    with application_on(console.store_url) as application:
        token = application.add_user("bj.zhao", Role.UNIT, "BJ-01")
    page = people.page()
    page.goto("/console/login")
    sign_in(page, "bj.zhao", token)
    expect(page.locator("main h1")).to_have_text("工作台")
    shoot(page, "signed-in")
    with application_on(console.store_url) as application:
        application.revoke_user("bj.zhao")
    page.locator('[data-menu="findings"]').click()
    expect(page).to_have_url(f"{console.url}/console/login?signed_out=1")
    expect(page.locator(".notice")).to_have_text("请重新登录")
    shoot(page, "sent-back")
    sign_in(page, "bj.zhao", token)
    expect(page.get_by_role("alert")).to_have_text("用户名或令牌不正确")


def test_the_workbench_counts_and_the_list_show_a_unit_s_findings_in_both_languages(console, people, shoot):
    issued(console, unit="SH", title="食堂采购未比价")
    waiting = issued(console, unit="SH", title="差旅报销超标准")
    status, answer = console.api("sh.chen", "POST", f"/findings/{waiting['id']}/assign", {"assignee": "陈静"})
    assert status == 200, answer
    late = issued(
        console,
        unit="SH",
        title="固定资产未入账",
        due_date=days_from_today(-10),
        occurred_at=f"{days_from_today(-30)}T09:00:00+08:00",
    )
    console.caught_up(late["position"])

    page = people.signed_in("sh.chen")
    counts = {queue: count(page, queue) for queue in ("to_assign", "to_rectify", "rejected_back", "overdue")}
    assert counts == {"to_assign": 2, "to_rectify": 1, "rejected_back": 0, "overdue": 1}
    expect(page.locator('[data-queue="to_assign"] .label')).to_have_text("待分派")
    shoot(page, "workbench-zh")

    page.get_by_role("link", name="English").click()
    expect(page.locator("main h1")).to_have_text("Workbench")
    expect(page.locator('[data-queue="to_assign"] .label')).to_have_text("To assign")
    assert count(page, "to_assign") == 2
    shoot(page, "workbench-en")

    page.locator('[data-queue="to_assign"] a').click()
    expect(page.locator("main h1")).to_have_text("Findings")
    rows = page.locator("tr.finding")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="固定资产未入账")).to_contain_text("Overdue")
    expect(rows.filter(has_text="食堂采购未比价")).to_contain_text("Issued")
    shoot(page, "list-to-assign-en")

    page.get_by_role("link", name="中文").click()
    expect(page.locator("main h1")).to_have_text("问题清单")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="固定资产未入账")).to_contain_text("已逾期")
    expect(rows.filter(has_text="食堂采购未比价")).to_contain_text("待分派")
    shoot(page, "list-to-assign-zh")

    page.locator('[data-menu="findings"]').click()
    page.locator("#q").fill("差旅")
    page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("整改中")
    expect(rows.first).to_contain_text("陈静")
    shoot(page, "list-search-zh")


# The console's addresses (DESIGN.md) that each person opens at tablet width, by the menu entry that leads there.
ADDRESSES = {"workbench": "/console/", "findings": "/console/findings", "circulars": "/console/circulars",
             "audit": "/console/audit"}  # fmt: skip
OPENED_BY = {"wang.min": ("workbench", "findings", "circulars"), "sh.chen": ("workbench", "findings"),
             "zhao.lei": ("audit",)}  # fmt: skip


def test_the_pages_fit_a_tablet_without_scrolling_sideways_in_either_language(console, people, shoot):
    issued(console, title="关于下属单位公务用车管理制度执行不到位、车辆使用登记不完整的问题")
    console.caught_up(issued(console, unit="SH")["position"])
    guest = people.page(TABLET)
    for lang in ("zh", "en"):
        guest.goto(f"/console/login?lang={lang}")
        assert fits_without_sideways_scroll(guest), lang
        shoot(guest, f"login-{lang}")
    for name, menus in OPENED_BY.items():
        page = people.signed_in(name, TABLET)
        for lang in ("zh", "en"):
            for menu in menus:
                page.goto(f"{ADDRESSES[menu]}?lang={lang}")
                expect(page.locator(f'[data-menu="{menu}"]')).to_have_attribute("aria-current", "page")
                assert fits_without_sideways_scroll(page), (name, menu, lang)
                shoot(page, f"{name}-{menu}-{lang}")
