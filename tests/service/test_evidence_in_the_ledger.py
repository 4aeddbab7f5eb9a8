"""The circular's ledger names each finding's files of evidence, as attached by the cut-off, in every format."""

from __future__ import annotations

import io
from datetime import datetime

import docx
import openpyxl

from projections.weeks import Week
from service.evidence.samples import sample_pdf, sample_png
from tests.service.helpers import API, SHANGHAI, assigned, ok
from tests.service.test_evidence import upload


def ledger_of(client, auth, position: int, fmt: str = "json", ledger: str = "all"):
    """This week's circular (the findings were issued in it), with its ledger, once the view has `position`."""
    week = Week.containing(datetime.now(SHANGHAI), SHANGHAI).label
    query = {"min_position": position, "ledger": ledger, "format": fmt, "week": week}
    response = client.get(f"{API}/circulars/weekly", query_string=query, headers=auth["auditor"])
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response


def test_the_ledger_names_the_files_attached_to_each_finding(client, auth, issue, projector) -> None:
    with_files, without = issue(title="有佐证材料的问题"), issue(title="没有佐证材料的问题")
    assigned(client, auth, with_files)
    assigned(client, auth, without)
    ok(upload(client, with_files, auth["bj"], sample_pdf("report"), filename="整改报告.pdf"), 201)
    last = ok(upload(client, with_files, auth["bj"], sample_png(40, 120, 200), filename="现场照片.png"), 201)
    rows = {row["title"]: row for row in ledger_of(client, auth, last["position"]).get_json()["ledger"]}
    assert rows["有佐证材料的问题"]["evidence"] == ["整改报告.pdf", "现场照片.png"]
    assert rows["没有佐证材料的问题"]["evidence"] == []
    sheet = openpyxl.load_workbook(io.BytesIO(ledger_of(client, auth, last["position"], "xlsx").data)).worksheets[0]
    header = [cell.value for cell in sheet[2]]
    column = header.index("佐证材料")
    named = {row[header.index("问题描述")].value: row[column].value for row in sheet.iter_rows(min_row=3)}
    assert named == {"有佐证材料的问题": "整改报告.pdf、现场照片.png", "没有佐证材料的问题": None}
    csv_text = ledger_of(client, auth, last["position"], "csv").get_data(as_text=True)
    assert "佐证材料" in csv_text.splitlines()[0] and "整改报告.pdf、现场照片.png" in csv_text
    document = docx.Document(io.BytesIO(ledger_of(client, auth, last["position"], "docx", "open").data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert any("佐证材料：整改报告.pdf、现场照片.png" in text for text in cells)


def test_the_finding_lists_its_files(client, auth, issue) -> None:
    finding = issue()
    assigned(client, auth, finding)
    attached = ok(upload(client, finding, auth["bj"], sample_pdf("report"), filename="整改报告.pdf"), 201)
    files = ok(client.get(f"{API}/findings/{finding['id']}", headers=auth["auditor"]))["files"]
    assert files == [attached["file"]] and files[0]["filename"] == "整改报告.pdf"
