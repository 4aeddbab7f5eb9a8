"""The ledger: the DOCX attachment lists what it is given and says which; the XLSX and CSV print and number well."""

from __future__ import annotations

import copy

from docx.enum.section import WD_ORIENT

from tests.projections.conftest import csv_rows, word, workbook

CLOSED = [
    {"reference": "XC-2026-0043", "source": "inspection", "unit": "SH", "unit_name": "上海分公司",
     "title": "“三重一大”事项集体决策记录不完整", "severity": "general", "assignee": "李娜", "due_date": "2026-11-30",
     "status": "closed", "days_overdue": 0, "measures": "补齐会议纪要", "warning": None},
    {"reference": "XC-2026-0060", "source": "inspection", "unit": "BJ", "unit_name": "北京分公司",
     "title": "基层党支部“三会一课”落实不到位", "severity": "general", "assignee": "赵敏", "due_date": "2026-12-20",
     "status": "withdrawn", "days_overdue": 0, "measures": None, "warning": None},
]  # fmt: skip


def texts(document) -> list[str]:
    """The text of each body paragraph."""
    return [p.text for p in document.paragraphs]


def test_docx_attachment_lists_the_open_findings_it_is_given_and_says_so(circular):
    document = word(circular)
    lines = texts(document)
    assert "附件：未销号及长期坚持问题清单" in lines
    assert lines[lines.index("附件") + 1] == "未销号及长期坚持问题清单"
    ledger = document.tables[-1]
    assert len(ledger.rows) == 1 + len(circular["ledger"])
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE


def test_docx_attachment_of_every_finding_is_the_ledger(circular):
    circular["ledger"] += copy.deepcopy(CLOSED)
    circular["ledger_scope"] = "all"
    document = word(circular)
    lines = texts(document)
    assert "附件：整改台账" in lines and lines[lines.index("附件") + 1] == "整改台账"
    assert len(document.tables[-1].rows) == 1 + len(circular["ledger"])
    table = document.tables[-1]
    column = [cell.text.replace("\n", "") for cell in table.rows[0].cells].index("整改状态")
    statuses = {row.cells[column].text for row in table.rows[1:]}
    assert {"已销号", "已撤回"} <= statuses


def test_docx_without_a_ledger_has_no_attachment(circular):
    del circular["ledger"], circular["ledger_scope"]
    document = word(circular)
    assert len(document.sections) == 1
    assert not [line for line in texts(document) if line.startswith("附件")]


def test_docx_attachment_in_english(circular):
    lines = texts(word(circular, "en"))
    assert (
        "Attachment: Open and long-term findings" in lines
        and lines[lines.index("Attachment") + 1] == "Open and long-term findings"
    )


def test_xlsx_ledger_has_a_title_row_with_the_week_and_the_moment_known(circular):
    sheet = workbook(circular).worksheets[0]
    assert sheet.title == "未销号及长期坚持问题清单"
    title = sheet["A1"].value
    assert "未销号及长期坚持问题清单" in title and "截至2026年11月22日（数据截至2026年11月23日09:00）" in title
    assert sheet.cell(2, 1).value == "序号" and sheet.cell(2, 2).value == "问题编号"
    # the 57 open findings and the 2 long-term items closed in stages (阶段性销号) this week, which go on
    assert [sheet.cell(row, 1).value for row in range(3, sheet.max_row + 1)] == list(range(1, 60))
    assert sheet.freeze_panes == "A3" and sheet.auto_filter.ref.startswith("A2:")


def test_xlsx_sheets_print_landscape_fit_to_width_with_their_header_on_each_page(circular):
    for sheet in workbook(circular).worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows.replace("$", "") == "1:2", sheet.title
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4


def test_xlsx_in_english_titles_its_sheets_in_english(circular):
    book = workbook(circular, "en")
    assert book.sheetnames == ["Open and long-term findings", "Summary"]
    assert (
        book.worksheets[0]["A1"]
        .value.splitlines()[0]
        .endswith("as of 22 November 2026 (data as known at 23 November 2026, 09:00)")
    )


def test_xlsx_without_a_ledger_holds_the_summary_alone(circular):
    del circular["ledger"], circular["ledger_scope"]
    assert workbook(circular).sheetnames == ["汇总"]


def test_csv_numbers_its_rows(circular):
    rows = csv_rows(circular)
    assert rows[0][:2] == ["序号", "问题编号"]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, len(circular["ledger"]) + 1)]
