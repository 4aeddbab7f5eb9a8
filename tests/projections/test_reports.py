"""The weekly circular's renderers: what a reader finds in the page, the ledger and the Word document."""

from __future__ import annotations

import copy
import csv
import io
import zipfile
from typing import Any

import openpyxl
import pytest
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.reports import UnsupportedFormat, UnsupportedLanguage, render
from projections.reports.html import render_html
from projections.reports.labels import xml_text
from projections.reports.ledger import render_csv, render_xlsx
from tests.projections.conftest import sample_circular, word

HEADINGS = ["一、总体情况", "二、各单位进展", "三、存在问题", "四、下步要求"]
TITLE = "关于整改工作进展情况的通报（第12期）"


def texts(document: Document) -> list[str]:
    """The text of each paragraph of the document body, in order."""
    return [paragraph.text for paragraph in document.paragraphs]


def section_text(document: Document, start: str, end: str) -> str:
    """The body text from the paragraph `start` up to the paragraph `end`."""
    lines = texts(document)
    return "\n".join(lines[lines.index(start) : lines.index(end)])


def east_asian_font(run: Any) -> str | None:
    """The w:eastAsia font a run sets on itself."""
    fonts = run.element.rPr.rFonts if run.element.rPr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_docx_title_is_centred_in_xiaobiaosong_22pt(circular):
    document = word(circular)
    title = next(p for p in document.paragraphs if p.text == TITLE)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(east_asian_font(run), run.font.size) for run in title.runs} == {("方正小标宋简体", Pt(22))}


def test_docx_has_the_four_sections_in_order_in_heiti(circular):
    document = word(circular)
    lines = texts(document)
    positions = [lines.index(heading) for heading in HEADINGS]
    assert positions == sorted(positions)
    for position in positions:
        assert {east_asian_font(run) for run in document.paragraphs[position].runs} == {"黑体"}


def test_docx_overview_states_the_split_by_source_and_severity(circular):
    overview = section_text(word(circular), "一、总体情况", "二、各单位进展")
    assert "（一）分来源情况。巡察发现问题98个，已销号64个，逾期2个，整改率66.7%；审计发现问题62个" in overview
    assert "重大问题18个" in overview


def test_docx_groups_overdue_and_escalated_findings_by_unit(circular):
    problems = section_text(word(circular), "三、存在问题", "四、下步要求")
    assert "逾期未完成整改问题5个，涉及4个单位；本周督办问题2个。" in problems
    assert "（一）成都分公司\nSJ-2026-0007" in problems and "XC-2026-0051" in problems
    assert "（二）北京分公司第一项目部\nXC-2026-0042" in problems
    assert "已逾期16天，累计督办2次（本周已督办）" in problems
    assert "XC-2026-0051，物资采购未按规定履行比选程序。整改时限11月18日，已逾期4天。" in problems


def test_docx_ends_with_the_closing_the_issuing_office_and_the_date(circular):
    lines = texts(word(circular))
    assert lines[lines.index("四、下步要求") + 1].startswith("各单位要切实扛起整改主体责任")
    office = lines.index("整改工作领导小组办公室")
    assert lines[office + 1] == "2026年11月23日"
    assert word(circular).paragraphs[office].alignment == WD_ALIGN_PARAGRAPH.RIGHT


def test_docx_page_is_a4_with_the_official_margins(circular):
    section = word(circular).sections[0]
    expected = {"page_width": 210, "page_height": 297, "top_margin": 37, "bottom_margin": 35, "left_margin": 28,
                "right_margin": 26}  # fmt: skip
    for attribute, millimetres in expected.items():
        assert abs(getattr(section, attribute) - Mm(millimetres)) <= Mm(0.5), attribute
    assert section.orientation == WD_ORIENT.PORTRAIT


def test_docx_ledger_is_a_landscape_attachment(circular):
    document = word(circular)
    last = document.sections[-1]
    assert len(document.sections) == 2
    assert last.orientation == WD_ORIENT.LANDSCAPE and last.page_width > last.page_height
    assert "附件" in texts(document) and "附件：未销号及长期坚持问题清单" in texts(document)
    ledger = document.tables[-1]
    assert len(ledger.rows) == 1 + len(circular["ledger"])
    first = [cell.text for cell in ledger.rows[1].cells]
    assert first[:5] == ["1", circular["ledger"][0]["reference"], "审计", "北京分公司", circular["ledger"][0]["title"]]


def test_docx_body_text_is_fangsong_16pt_exactly_29pt_with_a_two_character_indent(circular):
    document = word(circular)
    lines = texts(document)
    body = document.paragraphs[lines.index("一、总体情况") + 1]
    assert {(east_asian_font(run), run.font.size) for run in body.runs} == {("仿宋_GB2312", Pt(16))}
    layout = body.paragraph_format
    assert layout.line_spacing_rule == WD_LINE_SPACING.EXACTLY and abs(layout.line_spacing - Pt(29)) <= Pt(0.1)
    assert layout.first_line_indent == Pt(32)


def test_docx_every_run_names_its_east_asian_font(circular):
    document = word(circular)
    cells = [cell for table in document.tables for row in table.rows for cell in row.cells]
    paragraphs = document.paragraphs + [p for cell in cells for p in cell.paragraphs]
    runs = [run for paragraph in paragraphs for run in paragraph.runs if run.text]
    assert runs and all(east_asian_font(run) for run in runs)
    subheadings = [run for run in runs if run.text.startswith("（一）")]
    assert subheadings and {east_asian_font(run) for run in subheadings} == {"楷体_GB2312"}


def test_docx_numbers_pages_on_the_outer_edge_of_odd_and_even_pages(circular):
    document = word(circular)
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, edge in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == edge
        assert "PAGE" in "".join(footer._element.xpath(".//w:instrText/text()"))
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert {(east_asian_font(run), run.font.size) for run in paragraph.runs} == {("宋体", Pt(14))}


def test_docx_in_english_keeps_the_layout_with_english_words(circular):
    document = word(circular, "en")
    lines = texts(document)
    title = document.paragraphs[lines.index("Circular on Rectification Progress (No. 12)")]
    assert [line for line in lines if line.startswith(("I.", "II.", "III.", "IV."))] == [
        "I. Overview", "II. Progress by Unit", "III. Problems", "IV. Next Steps"
    ]  # fmt: skip
    assert document.sections[-1].orientation == WD_ORIENT.LANDSCAPE
    assert east_asian_font(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.name == "Times New Roman"


LEDGER_HEADER = ("序号", "问题编号", "问题来源", "单位代码", "责任单位", "问题描述", "严重程度", "责任人", "整改时限",
                 "整改状态", "逾期天数", "预警", "整改措施", "佐证材料")  # fmt: skip


def test_xlsx_ledger_has_one_row_per_finding_under_the_header(circular):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(circular)))
    assert workbook.sheetnames == ["未销号及长期坚持问题清单", "汇总"]
    rows = list(workbook["未销号及长期坚持问题清单"].values)
    assert rows[1] == LEDGER_HEADER
    assert len(rows) == 2 + len(circular["ledger"])
    first = dict(zip(LEDGER_HEADER, rows[2], strict=True))
    entry = circular["ledger"][0]
    assert (first["序号"], first["问题编号"], first["问题来源"], first["单位代码"]) == (
        1,
        entry["reference"],
        "审计",
        "BJ",
    )
    assert first["整改时限"].date().isoformat() == entry["due_date"] and first["整改状态"] == "整改中"
    unassigned = next(row for row in rows[2:] if row[1] == "XC-2026-0051")
    assert unassigned[7] is None  # a finding nobody has taken yet has no assignee


def test_xlsx_header_is_bold_and_frozen_and_overdue_rows_stand_out(circular):
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(circular))).worksheets[0]
    assert sheet.freeze_panes == "A3" and sheet["A2"].font.bold and sheet["A1"].font.bold
    assert sheet.column_dimensions["F"].width > sheet.column_dimensions["C"].width
    overdue = {row[1].value for row in sheet.iter_rows(min_row=3) if row[1].fill.fgColor.rgb == "FFFBE2E0"}
    assert overdue == {entry["reference"] for entry in circular["ledger"] if entry["days_overdue"] > 0}


def ledger_cell(sheet, header: str, row: int = 3):
    """A cell of the ledger sheet by its column header (row 2) and row."""
    column = next(cell.column for cell in sheet[2] if cell.value == header)
    return sheet.cell(row, column)


def test_xlsx_keeps_text_that_looks_like_a_formula_as_text(circular):
    circular["ledger"][0]["title"] = '=HYPERLINK("http://example.invalid","点击")'
    data = render_xlsx(circular)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cell = ledger_cell(sheet, "问题描述")
    assert cell.value == circular["ledger"][0]["title"] and cell.data_type == "s"
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")


def test_csv_ledger_opens_in_excel_as_utf8_with_a_row_per_finding(circular):
    data = render_csv(circular)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == LEDGER_HEADER and len(rows) == 1 + len(circular["ledger"])
    overdue = next(row for row in rows if row[1] == "XC-2026-0042")
    assert overdue[2:] == ["巡察", "BJ-01", "北京分公司第一项目部", "公务用车使用登记不规范，存在私车公养问题", "较重",
                           "张伟", "2026-11-10", "整改中", "12", "红色", "", ""]  # fmt: skip


def test_csv_ledger_in_english_and_with_formula_text_quoted(circular):
    circular["ledger"][0]["title"] = "=1+1"
    rows = list(csv.reader(io.StringIO(render_csv(circular, "en").decode("utf-8-sig"))))
    assert rows[0][:2] == ["No.", "Reference"] and rows[1][2] == "Audit" and rows[1][9] == "In progress"
    assert rows[1][5] == "'=1+1"


def test_html_escapes_what_the_data_says(circular):
    circular["overdue"][0]["title"] = '<script>alert("x")</script> & 其他'
    circular["units"][0]["name"] = "<b>西安</b>"
    page = render_html(circular)
    assert "<script>" not in page and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; 其他" in page
    assert "&lt;b&gt;西安&lt;/b&gt;" in page


def test_html_is_a_self_contained_page_in_chinese_by_default(circular):
    page = render_html(circular)
    assert page.startswith("<!DOCTYPE html>") and '<html lang="zh-CN">' in page
    assert "<style>" in page and "<script" not in page and "http" not in page.split("<body>")[0]
    for words in (TITLE, "截至11月22日", *HEADINGS, "红榜", "黑榜", "逾期问题清单"):
        assert words in page
    assert "width: 93.1%" in page and "▲" in page


def test_html_in_english_uses_english_labels(circular):
    page = render_html(circular, "en")
    assert '<html lang="en">' in page
    assert "Circular on Rectification Progress (No. 12)" in page and "Overdue findings" in page
    assert "一、总体情况" not in page


@pytest.mark.parametrize(
    ("fmt", "content_type", "name"),
    [
        ("html", "text/html; charset=utf-8", "circular-2026-W47.html"),
        ("csv", "text/csv; charset=utf-8", "ledger-2026-W47.csv"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "ledger-2026-W47.xlsx"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "circular-2026-W47.docx"),
    ],
)
def test_render_answers_bytes_content_type_and_file_name(circular, fmt, content_type, name):
    data, answered_type, answered_name = render(circular, fmt, "zh")
    assert isinstance(data, bytes) and len(data) > 1000
    assert (answered_type, answered_name) == (content_type, name)


def test_render_names_the_file_after_the_unit_of_a_subtree_circular(circular):
    circular["scope"] = {"unit": "BJ", "name": "北京分公司"}
    assert render(circular, "csv")[2] == "ledger-2026-W47-BJ.csv"


def test_render_refuses_unknown_formats_and_languages(circular):
    with pytest.raises(UnsupportedFormat):
        render(circular, "pdf")
    with pytest.raises(UnsupportedLanguage):
        render(circular, "html", "fr")


def test_renderers_cope_with_a_circular_with_nothing_in_it(circular):
    circular.update(overdue=[], escalated=[], ledger=[], units=[], honour_roll=[], watch_list=[])
    assert "无逾期未完成整改问题" in "\n".join(texts(word(circular)))
    assert len(list(openpyxl.load_workbook(io.BytesIO(render_xlsx(circular))).active.values)) == 2
    page = render_html(circular)
    assert 'class="ref"' not in page and page.count('<p class="empty">无</p>') == 2


def printed_seal(circular):
    return f"{circular['seal']['position']}:{circular['seal']['seal']}"


def test_docx_notes_the_seal_of_the_log_it_was_built_from_in_its_text_and_properties(circular):
    note = "本通报依据截至2026年11月23日09:00记录的数据生成，数据校验码：" + printed_seal(circular)
    assert note in texts(word(circular))
    assert printed_seal(circular) in word(circular).core_properties.comments
    circular["seal"] = None
    assert not [line for line in texts(word(circular)) if "校验码" in line]


def test_page_notes_the_seal_when_there_is_one(circular):
    assert printed_seal(circular) in render_html(circular)
    circular["seal"] = None
    assert "校验码" not in render_html(circular)


def test_every_sheet_of_the_workbook_carries_the_seal_in_its_title_row(circular):
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(circular)))
    assert all(printed_seal(circular) in sheet["A1"].value for sheet in workbook.worksheets)
    circular["seal"] = None
    workbook = openpyxl.load_workbook(io.BytesIO(render_xlsx(circular)))
    assert not any("校验码" in sheet["A1"].value for sheet in workbook.worksheets)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=60), unit_name=st.text(max_size=20))
def test_no_title_or_unit_name_breaks_a_renderer(title, unit_name):
    circular = copy.deepcopy(SAMPLE)
    circular["ledger"] = circular["ledger"][:6]  # enough rows to show the first one; quick to render
    for item in (circular["ledger"][0], circular["overdue"][0], circular["escalated"][0], circular["units"][0]):
        item.update(title=title, unit_name=unit_name, name=unit_name)
    for fmt in ("html", "csv", "xlsx", "docx"):
        for lang in ("zh", "en"):
            assert render(circular, fmt, lang)[0]
    sheet = openpyxl.load_workbook(io.BytesIO(render_xlsx(circular))).active
    assert (ledger_cell(sheet, "问题描述").value or "") == xml_text(title)


SAMPLE = sample_circular()


def test_no_clause_of_the_prose_hides_a_label():
    from projections.reports import labels
    from projections.reports.prose import PROSE

    for lang, clauses in PROSE.items():
        assert not labels.LABEL_TEXT[lang].keys() & clauses.keys(), lang  # it would replace the label in TEXT
