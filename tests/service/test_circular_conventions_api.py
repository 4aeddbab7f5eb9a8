"""The circular over HTTP carries the conventions' keys, the office's own words, and each format's ledger."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import openpyxl
import pytest

from projections.weeks import Week
from service import create_app
from tests.service.helpers import API, closed, ok

ZONE = ZoneInfo("Asia/Shanghai")


def circular(client, headers, position, **query):
    query = {"week": Week.containing(datetime.now(ZONE), ZONE).label, "min_position": position} | query
    return client.get(f"{API}/circulars/weekly", query_string=query, headers=headers)


def test_the_json_names_the_red_and_watch_lists_the_document_number_and_the_ledger_it_holds(
    client, auth, issue, projector
):
    done = issue(unit="BJ-01")
    issue(unit="SH")
    last = closed(client, auth, done)
    body = ok(circular(client, auth["auditor"], last["position"], ledger="open"))
    assert body["honour_roll"] == ["BJ"] and body["watch_list"] == ["SH"]  # peers only: never HQ or BJ-01
    assert body["document_number"].startswith("整改办〔") and body["document_number"].endswith("号")
    assert body["ledger_scope"] == "open"
    assert [row["unit"] for row in body["ledger"]] == ["SH"]  # the closed finding is not open


def test_a_ledger_that_is_neither_open_nor_all_is_refused(client, auth, issue, projector):
    finding = issue()
    response = circular(client, auth["auditor"], finding["position"], ledger="true")
    assert response.status_code == 422 and "ledger" in response.get_json()["errors"]


def test_the_docx_attaches_the_open_findings_and_the_xlsx_lists_them_all(client, auth, issue, projector):
    done = issue(unit="BJ-01", title="已销号的问题")
    issue(unit="SH", title="仍在整改的问题")
    last = closed(client, auth, done)
    document = docx.Document(io.BytesIO(circular(client, auth["auditor"], last["position"], format="docx").data))
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    assert "仍在整改的问题" in cells and "已销号的问题" not in cells
    workbook = openpyxl.load_workbook(
        io.BytesIO(circular(client, auth["auditor"], last["position"], format="xlsx").data)
    )
    values = {str(cell.value) for row in workbook.worksheets[0].iter_rows() for cell in row}
    assert {"仍在整改的问题", "已销号的问题"} <= values
    everything = docx.Document(
        io.BytesIO(circular(client, auth["auditor"], last["position"], format="docx", ledger="all").data)
    )
    cells = {cell.text for table in everything.tables for row in table.rows for cell in row.cells}
    assert "已销号的问题" in cells


@pytest.mark.parametrize(
    ("setting", "key", "value"),
    [
        ("RECTIFY_DOCUMENT_PREFIX", "document_prefix", "巡察办"),
        ("RECTIFY_ISSUING_OFFICE_EN", "issuing_office_en", "Inspection Office"),
        ("RECTIFY_CIRCULAR_RECIPIENTS", "recipients", "各分公司、各部门"),
        ("RECTIFY_CIRCULAR_CLOSING_EN", "closing_en", "Close every finding on time."),
    ],
)
def test_the_offices_own_words_come_from_its_settings(
    application, store_url, auth, issue, projector, setting, key, value
):
    finding = issue()
    app = create_app({"RECTIFY_DATABASE_URL": store_url, "TESTING": True, setting: value}, application=application)
    body = ok(circular(app.test_client(), auth["auditor"], finding["position"]))
    assert body["settings"][key] == value
    if key == "document_prefix":
        assert body["document_number"].startswith("巡察办〔")
