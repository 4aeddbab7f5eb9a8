"""The ranking shows one level (peers, the own row, the total) and the red and watch lists are the JSON's."""

from __future__ import annotations

import re

import pytest

from projections.reports import render
from tests.projections.conftest import COUNTS, page_text, unit_edition, word, workbook

PEERS = ["西安分公司", "广州分公司", "上海分公司", "北京分公司", "成都分公司", "昆明分公司"]
TABLE_FIGURES = {"累计下发": "issued_to_date", "累计销号": "closed_to_date", "在改": "open", "逾期": "overdue"}


def docx_ranking(circular, lang="zh"):
    """The DOCX ranking table as a list of rows of cell texts."""
    table = word(circular, lang).tables[0]
    return [[cell.text for cell in row.cells] for row in table.rows]


def progress_text(circular) -> str:
    """The body of 二、各单位进展 in the DOCX."""
    lines = [p.text for p in word(circular).paragraphs]
    return "\n".join(lines[lines.index("二、各单位进展") : lines.index("三、存在问题")])


def test_docx_ranking_lists_the_peers_in_rank_order_then_the_own_row_then_the_total(circular):
    rows = docx_ranking(circular)
    assert [row[1] for row in rows[1:]] == [*PEERS, "集团公司本级", "合计"]
    assert [row[0] for row in rows[1:]] == ["1", "2", "3", "4", "5", "—", "—", ""]
    header = rows[0]
    for label, key in TABLE_FIGURES.items():
        column = header.index(label)
        assert int(rows[-1][column]) == circular["totals"][key]
        assert sum(int(row[column]) for row in rows[1:-1]) == circular["totals"][key], label


def test_docx_ranking_of_one_units_subtree_names_its_own_row():
    rows = docx_ranking(unit_edition())
    assert [row[1] for row in rows[1:]] == ["北京分公司第二项目部", "北京分公司第一项目部", "北京分公司本级", "合计"]
    assert "第二项目部物资设备科" not in {row[1] for row in rows}


def test_xlsx_summary_shows_one_level_and_a_total_equal_to_the_totals(circular):
    sheet = workbook(circular).worksheets[-1]
    rows = [row for row in sheet.iter_rows(values_only=True)]
    header_at = next(i for i, row in enumerate(rows) if "累计下发" in row)
    header, body = rows[header_at], rows[header_at + 1 :]
    assert [row[header.index("单位名称")] for row in body] == [*PEERS, "集团公司本级", "合计"]
    for key in COUNTS:
        label = next((h for h in header if h and render_label(h) == key), None)
        if label is None:
            continue
        column = header.index(label)
        assert body[-1][column] == circular["totals"][key], key
        assert sum(row[column] for row in body[:-1]) == circular["totals"][key], key


def render_label(header: str) -> str | None:
    """The figure key behind a Chinese column header of the summary."""
    from projections.reports.labels import TEXT

    return next((key for key, text in TEXT["zh"].items() if text == header and key in COUNTS), None)


def test_page_ranking_lists_the_peers_the_own_row_and_the_total(circular):
    page = render(circular, "html")[0].decode()
    table = page[page.index('<table class="grid ranking">') :]
    table = table[: table.index("</table>")]
    names = re.findall(r'<span class="unit-name">([^<]+)</span>', table)
    assert names == [*PEERS, "集团公司本级", "合计"]
    assert "北京分公司第一项目部" not in table


def set_lists(circular, honour, watch):
    """Name other units on the lists than their rates would: the renderers must show the JSON's lists."""
    circular["honour_roll"], circular["watch_list"] = honour, watch
    return circular


def test_docx_shows_the_honour_roll_and_watch_list_it_is_given(circular):
    progress = progress_text(set_lists(circular, ["CD"], ["XA", "KM"]))
    honour = next(line for line in progress.splitlines() if "红榜" in line)
    watch = next(line for line in progress.splitlines() if "黑榜" in line)
    assert honour.endswith("：成都分公司。")
    assert watch.endswith("：西安分公司、昆明分公司。")


def test_page_shows_the_honour_roll_and_watch_list_it_is_given(circular):
    text = page_text(render(set_lists(circular, ["CD"], ["XA", "KM"]), "html")[0].decode())
    boards = text[text.index("红榜") :]
    honour, watch = boards[: boards.index("黑榜")], boards[boards.index("黑榜") :]
    assert "成都分公司" in honour and "西安分公司" not in honour
    assert "西安分公司" in watch and "昆明分公司" in watch and "成都分公司" not in watch.split("三、")[0]


def test_xlsx_summary_marks_the_listed_units(circular):
    sheet = workbook(set_lists(circular, ["CD"], ["XA"])).worksheets[-1]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(row for row in rows if "累计下发" in row)
    marks = {row[1]: row[header.index("红黑榜")] for row in rows[rows.index(header) + 1 :]}
    assert {code: mark for code, mark in marks.items() if mark} == {"CD": "红榜", "XA": "黑榜"}


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_empty_lists_say_none(circular, fmt):
    set_lists(circular, [], [])
    text = progress_text(circular) if fmt == "docx" else page_text(render(circular, "html")[0].decode())
    if fmt == "docx":
        assert all(line.endswith("：无。") for line in text.splitlines() if "榜" in line[:8])
    else:
        boards = text[text.index("红榜") : text.index("三、存在问题")]
        assert boards.count("无") == 2
