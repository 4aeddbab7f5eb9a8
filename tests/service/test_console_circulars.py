"""每周通报 (`/console/circulars`): the week picker, the circular as the HTML report shows it, and its downloads."""

from __future__ import annotations

import html
import io
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest
from flask.testing import FlaskClient

from projections.reports.labels import Labels
from projections.reports.rates import percent
from projections.view import ViewLagging
from projections.weeks import Week
from service.circulars.schemas import FORMATS
from service.console import circular_page as circular_page_module
from tests.service.console_helpers import caught_up, signed_in
from tests.service.helpers import API, assigned, command, days_from_today, ok

ZONE = ZoneInfo("Asia/Shanghai")
CARD = re.compile(r'<div class="card-label">([^<]*)</div>\s*<div class="card-value">([^<]*)</div>')
WEEK_LINK = re.compile(r'<a href="[^"]*"\s+data-week="([^"]+)" rel="(prev|next)">')
DOWNLOAD = re.compile(r'<a href="([^"]+)"\s+data-format="(\w+)" download>')
SHOWN_FIGURES = ("issued_to_date", "closed_to_date", "rectification_rate", "open", "overdue")


def this_week() -> Week:
    return Week.containing(datetime.now(ZONE), ZONE)


def api_circular(client: FlaskClient, auth, name: str, **query) -> dict:
    return ok(client.get(f"{API}/circulars/weekly", query_string=query, headers=auth[name]))


def circular_page(client: FlaskClient, query: str = "", status: int = 200) -> str:
    response = client.get(f"/console/circulars{query}")
    assert response.status_code == status, response.status_code
    return response.get_data(as_text=True)


def cards(text: str) -> dict[str, str]:
    """The headline figures the page shows, by their label (the HTML report's own cards)."""
    return dict(CARD.findall(text))


def expected_cards(circular: dict, lang: str = "zh") -> dict[str, str]:
    """The same figures as the API's JSON gives them, labelled and formatted as the report labels them."""
    labels, totals = Labels.of(lang), circular["totals"]
    return {
        labels(key): percent(totals[key]) if key == "rectification_rate" else str(totals[key]) for key in SHOWN_FIGURES
    }


@pytest.fixture
def a_week_of_work(client, auth, issue, projector) -> int:
    """This week: two findings to BJ-01 and one to SH, one of BJ-01's closed; the last event's position."""
    closed, _ = issue(unit="BJ-01"), issue(unit="BJ-01", due_date=days_from_today(30))
    issue(unit="SH", source="audit")
    assigned(client, auth, closed)
    ok(command(client, closed, "rectify", auth["bj"], measures="已退回超标费用"))
    last = ok(command(client, closed, "review", auth["reviewer"], outcome="accepted", comment="整改到位"))
    caught_up(client, auth, last["position"])
    return last["position"]


def test_the_page_shows_the_figures_the_api_counts_for_the_week(client, auth, a_week_of_work):
    week = this_week().label
    text = circular_page(signed_in(client, auth, "inspector"), f"?week={week}")
    api = api_circular(client, auth, "inspector", week=week)
    assert api["totals"]["issued_to_date"] == 3 and api["totals"]["closed_to_date"] == 1
    shown = cards(text)
    assert {label: shown[label] for label in expected_cards(api)} == expected_cards(api)
    assert '<article class="circular-report" data-week="' + week + '">' in text
    assert "关于整改工作进展情况的通报" in text and "一、总体情况" in text and "北京分公司" in text
    assert 'data-form="week"' in text and f'value="{week}"' in text


def test_a_unit_user_sees_the_circular_the_api_shows_a_unit(client, auth, a_week_of_work):
    week = this_week().label
    text = circular_page(signed_in(client, auth, "bj"), f"?week={week}")
    api = api_circular(client, auth, "bj", week=week)
    assert api["scope"]["unit"] == "BJ" and api["totals"]["issued_to_date"] == 2
    assert cards(text) | expected_cards(api) == cards(text)
    assert "上海分公司" not in text
    assert "核验本期数据校验码" not in text  # a unit may not check the whole log
    circular_page(client, "?unit=SH", status=422)  # another unit's subtree is not there for BJ


def test_the_page_defaults_to_the_apis_week_and_steps_a_week_either_way(client, auth, projector):
    signed_in(client, auth, "auditor")
    default = api_circular(client, auth, "auditor")["week"]
    text = circular_page(client)
    assert f'value="{default}"' in text
    steps = dict((rel, week) for week, rel in WEEK_LINK.findall(text))
    shown = Week.parse(default, ZONE)
    assert steps == {"prev": shown.previous().label, "next": this_week().label}
    latest = circular_page(client, f"?week={this_week().label}")
    assert dict((rel, week) for week, rel in WEEK_LINK.findall(latest)) == {"prev": default}  # no week to come
    recent = re.findall(r'<li[^>]*><a href="[^"]*"\s+data-week="([^"]+)"', text)
    assert recent[:2] == [this_week().label, default] and len(recent) == 8


def test_each_download_is_the_apis_file_in_the_pages_language(client, auth, a_week_of_work):
    week = this_week().label
    text = circular_page(signed_in(client, auth, "auditor"), f"?week={week}&lang=en")
    links = {fmt: html.unescape(href) for href, fmt in DOWNLOAD.findall(text)}
    assert set(links) == set(FORMATS)
    for fmt, link in links.items():
        download = client.get(link)
        assert download.status_code == 200, (fmt, download.status_code)
        known_at = re.search(r"as_known_at=([^&]+)", link).group(1)
        api = client.get(
            f"{API}/circulars/weekly?week={week}&format={fmt}&lang=en&as_known_at={known_at}",
            headers=auth["auditor"],
        )
        assert download.content_type == api.content_type, fmt
        if fmt == "json":
            assert download.headers["Content-Disposition"] == f'attachment; filename="circular-{week}.json"'
            assert json.loads(download.data) == api.get_json()
        elif fmt == "docx":
            assert paragraphs(download.data) == paragraphs(api.data)
        elif fmt == "xlsx":  # a workbook's zip dates its parts to the second it was written
            assert cells(download.data) == cells(api.data)
        else:
            assert download.data == api.data, fmt
        if fmt != "json":
            assert download.headers["Content-Disposition"] == api.headers["Content-Disposition"], fmt
    assert "circular-" + week + ".docx" in client.get(links["docx"]).headers["Content-Disposition"]
    assert "ledger-" + week + ".xlsx" in client.get(links["xlsx"]).headers["Content-Disposition"]


def paragraphs(data: bytes) -> list[str]:
    return [paragraph.text for paragraph in docx.Document(io.BytesIO(data)).paragraphs]


def cells(data: bytes) -> list[list[list[object]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    return [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in workbook.worksheets]


def test_an_invalid_week_is_a_clear_message_beside_the_picker(client, auth, projector):
    signed_in(client, auth, "inspector")
    for week in ("2026-W54", "last", "2026-W99", "1999-W10"):
        text = circular_page(client, f"?week={week}", status=422)
        assert 'data-form="week"' in text and 'data-field="week"' in text, week
        assert "周次无效" in text and "circular-report" not in text, week
    wrong = client.get(f"/console/circulars/download?week={this_week().label}&format=pdf")
    assert wrong.status_code == 422 and "没有这种下载格式" in wrong.get_data(as_text=True)
    assert "单位不存在" in circular_page(client, "?unit=NOWHERE", status=422)
    later = (datetime.now(ZONE) + timedelta(days=1)).isoformat()
    future = client.get("/console/circulars", query_string={"as_known_at": later})
    assert future.status_code == 422 and 'data-field="as_known_at"' in future.get_data(as_text=True)
    english = circular_page(client, "?week=2026-W99&lang=en", status=422)
    assert "Not a week: choose an ISO week" in english


def test_the_page_is_in_english_when_asked(client, auth, a_week_of_work):
    text = circular_page(signed_in(client, auth, "reviewer"), f"?week={this_week().label}&lang=en")
    assert "Weekly circular" in text and "Previous week" in text and "Circular (Word)" in text
    assert "Circular on Rectification Progress" in text and "I. Overview" in text
    assert "每周通报" not in text and "上一周" not in text and "下载" not in text


def test_the_circular_keeps_its_own_look_within_the_console_and_no_inline_style(client, auth, a_week_of_work):
    text = circular_page(signed_in(client, auth, "auditor"), f"?week={this_week().label}")
    assert "style=" not in text and "<style" not in text and "<script" not in text
    assert 'href="/console/circulars/circular.css"' in text
    sheet = client.get("/console/circulars/circular.css")
    assert sheet.status_code == 200 and sheet.mimetype == "text/css"
    css = sheet.get_data(as_text=True)
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{[^{}]*\}", css) for s in rule.split(",")]
    assert selectors and all(s.startswith(".circular-report") for s in selectors), selectors
    assert ".circular-report .fill.w50 { width: 50%; }" in css
    assert re.search(r'<div class="fill \w+ w(\d+)"></div>', text)


def test_a_read_model_still_behind_is_a_page_that_asks_again(client, auth, projector, monkeypatch):
    def behind(*_, **__):
        raise ViewLagging("the seals have not reached position 7")

    monkeypatch.setattr(circular_page_module, "circular_asked", behind)
    response = signed_in(client, auth, "auditor").get("/console/circulars")
    text = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "2"
    assert '<meta http-equiv="refresh" content="2">' in text and "数据正在更新" in text
