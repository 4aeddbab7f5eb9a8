"""台账导入 (`/console/imports`): upload, a dry run's preview, then the import of the same bytes, on every store."""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient

from service.application import Rectify
from service.imports.jobs import JOB_STALLED
from service.imports.views import jobs
from tests.service.conftest import SETUP
from tests.service.console_helpers import csrf_token, signed_in
from tests.service.helpers import API, last_position, ok
from tests.service.test_import_support import (
    LEDGERS,
    at_import_moment,  # noqa: F401 - a fixture
    expected_created,
    expected_refusals,
)

pytestmark = pytest.mark.usefixtures("at_import_moment")

PAGE = "/console/imports"
COUNT = re.compile(r'data-count="(\w+)"><span class="count">(\d+)</span>')
FINDING_LINK = re.compile(r'<a href="/console/findings/([0-9a-f-]{36})">([^<]+)</a>')
REFUSAL_REASON = re.compile(r'<tr class="refusal" .*?<td>[^<]*</td><td>([^<]*)</td></tr>', re.DOTALL)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
REFUSED_ROW = re.compile(
    r'<tr class="refusal" data-row="(\d+)"><td>([^<]*)</td><td class="number">\d+</td><td>([^<]*)</td>'
)


@pytest.fixture
def units(application: Rectify) -> Rectify:
    """The tree the import tests use: 上海研究院 beside 上海分公司, so that 上海 alone names either."""
    application.register_unit(SETUP, code="SHY", name="上海研究院", parent="HQ")
    return application


def upload(client: FlaskClient, name: str, data: bytes | None = None, **form: Any) -> Any:
    """Send a ledger (a fixture's, or these bytes) with the upload form, a dry run unless told otherwise."""
    content = (LEDGERS / name).read_bytes() if data is None else data
    fields = {"csrf_token": csrf_token(client, PAGE), "dry_run": "true", "file": (io.BytesIO(content), name)}
    return client.post(PAGE, data=fields | form, content_type="multipart/form-data")


def settled(client: FlaskClient, location: str, timeout: float = 60) -> str:
    """The job's page once the job no longer runs (while it runs, the page reloads itself)."""
    deadline = time.monotonic() + timeout
    while True:
        response = client.get(location)
        assert response.status_code == 200, response.status_code
        text = response.get_data(as_text=True)
        if 'data-status="running"' not in text:
            return text
        assert '<meta http-equiv="refresh" content="2">' in text
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)


def counts(text: str) -> dict[str, int]:
    return {key: int(number) for key, number in COUNT.findall(text)}


def previewed(client: FlaskClient, name: str) -> tuple[str, str]:
    """Upload a fixture ledger for a preview: the preview's address and its page once finished."""
    response = upload(client, name)
    assert response.status_code == 303, response.get_data(as_text=True)
    location = response.headers["Location"]
    assert re.fullmatch(r"/console/imports/[0-9a-f-]{36}", location)
    return location, settled(client, location)


def test_the_page_offers_the_upload_form_to_importers(client, auth, units):
    text = signed_in(client, auth, "inspector").get(PAGE).get_data(as_text=True)
    assert 'data-form="import"' in text and 'enctype="multipart/form-data"' in text and 'method="post"' in text
    assert 'type="file" id="file" name="file"' in text
    assert '<input type="checkbox" name="dry_run" value="true" checked>' in text
    assert 'name="source"' in text and 'name="batch"' in text and 'name="sheet"' in text
    assert "台账导入" in text and "还没有导入过台账" in text


@pytest.mark.parametrize("name", ["inspection.xlsx", "list-utf8-bom.csv"])
def test_a_preview_counts_the_ledgers_rows_lists_the_refusals_and_records_nothing(client, auth, units, name):
    signed_in(client, auth, "inspector")
    position = last_position(units)
    _, text = previewed(client, name)
    created, refused = expected_created(name), expected_refusals(name)
    assert counts(text) == {"created": len(created), "already_imported": 0, "refused": len(refused),
                            "total": len(created) + len(refused)}  # fmt: skip
    assert [(int(row), sheet, column) for row, sheet, column in REFUSED_ROW.findall(text)] == [
        (row, sheet, column) for sheet, row, column, _, _ in refused
    ]
    shown = REFUSAL_REASON.findall(text)
    assert len(shown) == len(refused) and all(CHINESE.search(reason) for reason in shown), shown
    for *_, reason in refused:  # the API's English reason is not what a Chinese page shows
        assert reason.replace("'", "&#39;") not in text
    assert "试导入预览" in text and "将登记" in text and ">导入</button>" in text
    assert FINDING_LINK.findall(text) == []  # nothing to link to: nothing was recorded
    assert last_position(units) == position


def test_importing_after_the_preview_records_the_findings_and_the_job_page_links_them(client, auth, units):
    signed_in(client, auth, "inspector")
    preview, _ = previewed(client, "inspection.xlsx")
    response = client.post(f"{preview}/import", data={"csrf_token": csrf_token(client, preview)})
    assert response.status_code == 303
    job = response.headers["Location"]
    assert job != preview
    text = settled(client, job)
    created = expected_created("inspection.xlsx")
    assert counts(text)["created"] == len(created) and "导入结果" in text and "已登记" in text
    links = FINDING_LINK.findall(text)
    assert len(links) == len(created)
    for finding_id, reference in links:
        finding = ok(client.get(f"{API}/findings/{finding_id}", headers=auth["auditor"]))
        assert finding["reference"] == reference
    assert sorted(ok(client.get(f"{API}/findings/{i}", headers=auth["auditor"]))["unit"] for i, _ in links) == sorted(
        unit for unit, _, _ in created.values()
    )

    position = last_position(units)  # the 导入 again (a second click): the same job, nothing more recorded
    again = client.post(f"{preview}/import", data={"csrf_token": csrf_token(client, preview)})
    assert (again.status_code, again.headers["Location"]) == (303, job)
    assert last_position(units) == position
    assert f'href="{job}"' in settled(client, preview)  # the preview says where it was imported


def test_the_same_file_again_would_record_nothing_new_and_records_nothing(client, auth, units):
    signed_in(client, auth, "inspector")
    first = upload(client, "audit.xlsx", dry_run="")  # no preview asked: imported at once
    assert counts(settled(client, first.headers["Location"]))["created"] == len(expected_created("audit.xlsx"))
    position = last_position(units)
    _, text = previewed(client, "audit.xlsx")
    assert counts(text)["created"] == 0 and counts(text)["already_imported"] == len(expected_created("audit.xlsx"))
    assert "没有可登记的新问题" in text and ">导入</button>" not in text
    assert len(FINDING_LINK.findall(text)) == len(expected_created("audit.xlsx"))  # those imported before, linked
    again = settled(client, upload(client, "audit.xlsx", dry_run="").headers["Location"])
    assert counts(again)["created"] == 0
    assert last_position(units) == position


def test_a_file_that_is_no_ledger_is_refused_with_a_message_and_records_nothing(client, auth, units):
    signed_in(client, auth, "inspector")
    position = last_position(units)
    old_xls = upload(client, "ledger.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    assert old_xls.status_code == 415 and "另存为 .xlsx 或 CSV" in old_xls.get_data(as_text=True)
    assert 'role="alert"' in old_xls.get_data(as_text=True)
    empty = upload(client, "ledger.csv", b"")
    assert empty.status_code == 422 and "文件是空的" in empty.get_data(as_text=True)
    none = client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "dry_run": "true"})
    assert none.status_code == 422 and "请选择要导入的台账文件" in none.get_data(as_text=True)
    response = upload(client, "photo.xlsx", b"PK\x03\x04 not really a workbook")
    text = settled(client, response.headers["Location"])
    assert "此文件无法导入" in text and "workbook" in text and 'role="alert"' in text
    assert ">导入</button>" not in text
    response = upload(client, "notes.csv", "会议纪要\n一、参会人员\n".encode())
    text = settled(client, response.headers["Location"])
    assert "文件中没有找到台账" in text and ">导入</button>" not in text
    assert last_position(units) == position


def test_a_file_over_the_limit_gets_the_upload_page_with_the_limit(client, auth, units, monkeypatch):
    monkeypatch.setattr("service.console.importing.LEDGER_LIMIT", 2048)
    signed_in(client, auth, "inspector")
    position = last_position(units)
    response = upload(client, "big.csv", b"x" * 4096)
    text = response.get_data(as_text=True)
    assert response.status_code == 413 and "文件超过大小限制" in text and 'data-form="import"' in text
    assert last_position(units) == position


def test_a_unit_user_and_a_reviewer_are_refused_and_an_auditor_reads_without_importing(client, auth, units):
    signed_in(client, auth, "inspector")
    preview, _ = previewed(client, "list-utf8-bom.csv")
    position = last_position(units)
    for user in ("bj", "reviewer"):
        browser = signed_in(client.application.test_client(), auth, user)
        assert browser.get(PAGE).status_code == 403 and browser.get(preview).status_code == 403, user
        token = csrf_token(browser, "/console/")
        assert browser.post(f"{preview}/import", data={"csrf_token": token}).status_code == 403, user
    auditor = signed_in(client.application.test_client(), auth, "auditor")
    listing = auditor.get(PAGE).get_data(as_text=True)
    assert 'data-form="import"' not in listing and preview.removeprefix(f"{PAGE}/") in listing
    page = auditor.get(preview).get_data(as_text=True)
    assert "将登记" in page and ">导入</button>" not in page
    token = csrf_token(auditor, "/console/")
    assert auditor.post(f"{preview}/import", data={"csrf_token": token}).status_code == 403
    assert last_position(units) == position


def test_a_form_without_its_csrf_token_changes_nothing(client, auth, units):
    signed_in(client, auth, "inspector")
    preview, _ = previewed(client, "list-utf8-bom.csv")
    position = last_position(units)
    assert client.post(f"{preview}/import").status_code == 400
    data = {"file": (io.BytesIO((LEDGERS / "audit.xlsx").read_bytes()), "audit.xlsx")}
    assert client.post(PAGE, data=data, content_type="multipart/form-data").status_code == 400
    assert last_position(units) == position
    assert ">导入</button>" in settled(client, preview)  # the preview can still be imported


@pytest.mark.parametrize(
    ("name", "reasons"),
    [
        (
            "inspection.xlsx",
            ["没有名称或代码为“天津分公司”的已登记单位", "未写问题描述", "日历上没有 2026-02-30 这一天"],
        ),
        ("list-utf8-bom.csv", ["问题来源应为巡察或审计"]),
        ("special-audit-gb18030.csv", ["“下月底前”不是日期"]),
    ],
)
def test_a_chinese_page_gives_each_refused_rows_reason_in_chinese(client, auth, units, name, reasons):
    signed_in(client, auth, "inspector")
    _, text = previewed(client, name)
    shown = REFUSAL_REASON.findall(text)
    assert [reason for reason in reasons if reason not in shown] == [], shown


def test_the_pages_speak_english(client, auth, units):
    signed_in(client, auth, "inspector")
    text = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "Ledger import" in text and "Preview first" in text and ">Upload</button>" in text
    _, preview = previewed(client, "list-utf8-bom.csv")
    assert (
        "Would be recorded" in preview and "Rows that cannot be imported" in preview and ">Import</button>" in preview
    )
    assert "将登记" not in preview and "试导入" not in preview
    for *_, reason in expected_refusals("list-utf8-bom.csv"):
        assert reason.replace("'", "&#39;") in preview
    listing = client.get(PAGE).get_data(as_text=True)
    assert "Recent imports" in listing and "Preview" in listing and "Finished" in listing


def test_a_running_job_reloads_its_page_with_its_progress_and_a_stalled_one_reads_as_interrupted(client, auth, units):
    table, now = jobs(client.application), datetime.now(UTC)
    running = {"id": str(uuid.uuid4()), "status": "running", "dry_run": False, "file_name": "台账.xlsx",
               "user": "inspector", "submitted_at": now.isoformat(), "updated_at": now.isoformat(),
               "progress": {"done": 3, "total": 10}, "result": None, "error": None}  # fmt: skip
    earlier = (now - JOB_STALLED * 2).isoformat()
    stalled = running | {"id": str(uuid.uuid4()), "submitted_at": earlier, "updated_at": earlier}
    table.save(running)
    table.save(stalled)
    signed_in(client, auth, "auditor")
    text = client.get(f"{PAGE}/{running['id']}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="2">' in text and "已处理 3 / 10 行" in text
    assert '<progress class="progress" value="3" max="10">' in text
    text = client.get(f"{PAGE}/{stalled['id']}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in text and "已中断" in text and "import the file again" in text
    listing = client.get(PAGE).get_data(as_text=True)
    assert listing.index(running["id"]) < listing.index(stalled["id"])  # newest first, by the time submitted
    assert client.get(f"{PAGE}/{uuid.uuid4()}").status_code == 404
