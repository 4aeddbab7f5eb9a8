"""Warnings (预警) in force at the cut-off are visible: coloured in the page, named in the document, a ledger column."""

from __future__ import annotations

import re

from projections.reports import render
from tests.projections.conftest import csv_rows, word, workbook


def ranking_rows(page: str) -> dict[str, str]:
    """The page's ranking table rows by the unit name they show."""
    table = page[page.index('<table class="grid ranking">') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    named = [(re.search(r'<span class="unit-name">([^<]+)</span>', row), row) for row in rows]
    return {match.group(1): row for match, row in named if match}


def warning_counts(row: str) -> dict[str, int]:
    """The warning counts a ranking row shows, by colour."""
    return {c: int(n) for c, n in re.findall(r'<span class="warn (red|yellow|green)"[^>]*>[^<\d]*(\d+)</span>', row)}


def test_page_colours_the_warnings_of_each_unit_and_of_the_total(circular):
    rows = ranking_rows(render(circular, "html")[0].decode())
    assert warning_counts(rows["北京分公司"]) == {"red": 1, "yellow": 2, "green": 1}
    assert warning_counts(rows["成都分公司"]) == {"red": 2, "yellow": 1}  # no count of zero
    assert warning_counts(rows["昆明分公司"]) == {}
    assert warning_counts(rows["合计"]) == {"red": 3, "yellow": 5, "green": 2}


def test_page_colours_warnings_red_yellow_and_green(circular):
    page = render(circular, "html")[0].decode()
    for colour in ("red", "yellow", "green"):
        assert re.search(rf"\.warn\.{colour} \{{[^}}]*background", page), colour


def problems(circular, lang="zh") -> str:
    """The body of 三、存在问题 (III. Problems) in the DOCX."""
    lines = [p.text for p in word(circular, lang).paragraphs]
    start, end = ("三、存在问题", "四、下步要求") if lang == "zh" else ("III. Problems", "IV. Next Steps")
    return "\n".join(lines[lines.index(start) : lines.index(end)])


def test_docx_names_the_warnings_by_colour_in_its_problems(circular):
    text = problems(circular)
    assert "红色预警3个、黄色预警5个、绿色预警2个" in text
    assert "北京分公司红色预警1个、黄色预警2个、绿色预警1个" in text
    assert "成都分公司红色预警2个、黄色预警1个。" in text


def test_docx_leaves_warnings_of_zero_out(circular):
    circular["totals"]["warnings"]["yellow"] = 0
    text = problems(circular)
    assert "红色预警3个、绿色预警2个" in text and "黄色预警0个" not in text
    circular["totals"]["warnings"] = {"green": 0, "yellow": 0, "red": 0}
    for unit in circular["units"]:
        unit["figures"]["warnings"] = {"green": 0, "yellow": 0, "red": 0}
    assert "预警" not in problems(circular)


def test_docx_names_the_warnings_in_english(circular):
    text = problems(circular, "en")
    assert "3 red, 5 yellow, 2 green" in text


def test_csv_and_xlsx_ledgers_have_a_warning_column(circular):
    rows = csv_rows(circular)
    column = rows[0].index("预警")
    assert {row[column] for row in rows[1:]} == {"红色", "黄色", "绿色", ""}
    by_reference = {row[rows[0].index("问题编号")]: row[column] for row in rows[1:]}
    assert by_reference["SJ-2026-0007"] == "红色" and by_reference["XC-2026-0070"] == "绿色"
    sheet = workbook(circular).worksheets[0]
    header = next(row for row in sheet.iter_rows() if any(c.value == "预警" for c in row))
    cell = next(c for c in header if c.value == "预警")
    values = [sheet.cell(r, cell.column).value for r in range(header[0].row + 1, sheet.max_row + 1)]
    assert values.count("红色") == 3 and values.count("黄色") == 5 and values.count("绿色") == 2


def test_docx_attachment_has_a_warning_column(circular):
    ledger = word(circular).tables[-1]
    header = [cell.text for cell in ledger.rows[0].cells]
    column = header.index("预警")
    values = [row.cells[column].text for row in ledger.rows[1:]]
    assert values.count("红色") == 3 and values.count("黄色") == 5 and values.count("绿色") == 2
