"""Ruled tables for the circular's document: header rows that repeat, rows kept whole, names kept on one line."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence, Set
from copy import deepcopy
from dataclasses import dataclass

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.shared import Mm, Pt
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph

from projections.reports.docx_layout import CELL, CELL_HEAD, Composer, Face, off_grid, shape
from projections.reports.labels import xml_text

CELL_MARGIN = Mm(1)  # each side of a cell's text: narrower than Word's 0.19 cm, so that twelve columns fit
CELL_PADDING = Mm(0.6)  # above and below a cell's text, so that it does not touch the rules
CELL_MARGINS_MM = 2 * CELL_MARGIN.mm + 0.8  # both sides, and a little to spare
LATIN_EM = 0.56  # how wide a Latin letter or digit sets, on average, against a full-width character
BOLD_LATIN_EM = 0.66  # the same in a bold sans serif, as headers are set in English
# Where w:noWrap goes among a cell's properties (the schema fixes the order).
AFTER_NO_WRAP = ("w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
                 "w:cellDel", "w:cellMerge", "w:tcPrChange")  # fmt: skip
MIN_WRAPPING_MM = 24.0  # a wrapping column keeps room for a few characters a line
EMPTY: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Columns:
    """A table's columns: widths in millimetres, which align left, which hold names (never wrapped), and which
    hold long text that wraps anyway, and so gives up width to columns whose words need more."""

    widths_mm: tuple[float, ...]
    left: Set[int] = EMPTY
    names: Set[int] = EMPTY
    wrapping: Set[int] = EMPTY
    size: float = CELL.size  # 五号; an attachment of many columns may take 小五


def text_width_mm(text: str, size: float, latin_em: float = LATIN_EM) -> float:
    """How wide a line of text sets at `size` points: a full-width character one em, any other about half."""
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else latin_em for ch in text)
    return Pt(ems * size).mm


def unbreakable_mm(text: str, size: float, header: bool) -> float:
    """The widest piece of a cell's text that must not break: a word, or a whole short Chinese value.

    A header may wrap between any two Chinese characters (问题/来源 reads well); a value
    may not (整改/中 does not), and a Latin word never breaks.
    """
    pieces = text.split() or [""]
    if header:
        pieces = [p[:2] if unicodedata.east_asian_width(p[:1] or " ") in "WF" else p for p in pieces]
    return max(text_width_mm(piece, size, BOLD_LATIN_EM if header else LATIN_EM) for piece in pieces)


def fitted(columns: Columns, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[float, ...]:
    """The widths, each column widened to its widest unbreakable text where it can be, the room taken from the
    others' spare width in proportion (mostly the wrapping columns'), the table as wide as before."""
    needs = [need_mm(columns, column, width, headers, rows) for column, width in enumerate(columns.widths_mm)]
    grow = [max(0.0, need - width) for need, width in zip(needs, columns.widths_mm, strict=True)]
    room = [max(0.0, width - need) for need, width in zip(needs, columns.widths_mm, strict=True)]
    deficit, spare = sum(grow), sum(room)
    if not deficit or not spare:
        return columns.widths_mm
    moved = min(deficit, spare)
    return tuple(
        width + more * moved / deficit - less * moved / spare
        for width, more, less in zip(columns.widths_mm, grow, room, strict=True)
    )


def need_mm(
    columns: Columns, column: int, width: float, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> float:
    """How wide a column must be so that nothing in it breaks where it should not."""
    if column in columns.wrapping:
        return min(width, MIN_WRAPPING_MM)
    if column in columns.names:  # kept on one line whole (w:noWrap), spaces and all: 集团公司 (own)
        texts = [text_width_mm(row[column], columns.size) for row in rows]
    else:
        texts = [unbreakable_mm(row[column], columns.size, header=False) for row in rows]
    return max([unbreakable_mm(headers[column], columns.size, header=True), *texts]) + CELL_MARGINS_MM


def table(composer: Composer, headers: Sequence[str], rows: Sequence[Sequence[str]], columns: Columns) -> Table:
    """A ruled table whose header row repeats on every page; rows kept whole, names on one line."""
    widths = fitted(columns, headers, rows)
    grid = composer.document.add_table(rows=1, cols=len(headers), style="Table Grid")
    grid.alignment, grid.autofit = WD_TABLE_ALIGNMENT.CENTER, False
    cell_margins(grid)
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = Mm(width)  # the grid, which LibreOffice reads; cells carry their own width for Word
    head, body = Face(CELL_HEAD.font, columns.size), Face(CELL.font, columns.size)
    balanced = [header_lines(text, width, columns.size) for text, width in zip(headers, widths, strict=True)]
    fill_row(composer, grid.rows[0], balanced, widths, head, Columns(widths))
    row_property(grid.rows[0], "w:tblHeader")
    if rows:
        blank = grid.add_row()  # a body row of empty cells, laid out once, then copied for each row's text
        fill_row(composer, blank, [""] * len(headers), widths, body, columns)
        grid._tbl.remove(blank._tr)
        for values in rows:
            grid._tbl.append(filled(blank._tr, values))
    return grid


def filled(blank: CT_Row, texts: Sequence[str]) -> CT_Row:
    """A copy of a blank body row with each cell's text, as `fill_row` writes it: a run a line, a break before
    each line but the first. Laying each row out anew through python-docx took most of a document's rendering."""
    row = deepcopy(blank)
    for cell, text in zip(row.tc_lst, texts, strict=True):
        paragraph = cell.p_lst[0]
        empty = paragraph.r_lst[0]  # its properties, and a w:t of no text
        paragraph.remove(empty)
        empty.remove(empty.t_lst[0])
        for number, line in enumerate(text.split("\n")):
            run = deepcopy(empty)
            if number:
                run.add_br()
            run.add_t(xml_text(line))
            paragraph.append(run)
    return row


def cell_margins(grid: Table) -> None:
    """Narrow left and right cell margins for the whole table, a little room above and below."""
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("w:top", CELL_PADDING), ("w:left", CELL_MARGIN), ("w:bottom", CELL_PADDING),
                        ("w:right", CELL_MARGIN)):  # fmt: skip
        margin = OxmlElement(side)
        margin.set(qn("w:w"), str(width.twips))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")


def header_lines(text: str, width_mm: float, size: float) -> str:
    """A Chinese header too wide for its column, broken in two even halves (严重/程度, 较上周/（百分点）)."""
    if " " in text or text_width_mm(text, size) + CELL_MARGINS_MM <= width_mm or len(text) < 4:
        return text
    cut = text.find("（") if "（" in text[1:] else (len(text) + 1) // 2
    return f"{text[:cut]}\n{text[cut:]}"


def fill_row(
    composer: Composer, row: _Row, texts: Sequence[str], widths: Sequence[float], face: Face, columns: Columns
) -> None:
    """Write one table row: each cell its text (a line break where it holds one), width and single-spaced
    paragraph off the grid; the row kept on one page."""
    row_property(row, "w:cantSplit")
    for column, (cell, text, width) in enumerate(zip(row.cells, texts, widths, strict=True)):
        cell.width, cell.vertical_alignment = Mm(width), WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        for number, line in enumerate(text.split("\n")):
            run = composer.face(paragraph.add_run(), face)
            if number:
                run.add_break()
            run.add_text(xml_text(line))
        align = WD_ALIGN_PARAGRAPH.LEFT if column in columns.left else WD_ALIGN_PARAGRAPH.CENTER
        off_grid(shape(paragraph, indent=False, align=align, spacing=None))
        mark_size(paragraph, face.size)
        if column in columns.names:
            cell._tc.get_or_add_tcPr().insert_element_before(OxmlElement("w:noWrap"), *AFTER_NO_WRAP)


def mark_size(paragraph: Paragraph, size: float) -> None:
    """Size the paragraph mark as the cell's text: Word counts the mark in the line's height, and at the body's
    16 pt it would make every row of small text twice as tall as it needs to be."""
    properties, height = OxmlElement("w:rPr"), OxmlElement("w:sz")
    height.set(qn("w:val"), str(int(size * 2)))
    properties.append(height)
    paragraph._p.get_or_add_pPr().insert_element_before(properties, "w:sectPr", "w:pPrChange")


def row_property(row: _Row, tag: str) -> None:
    """Switch on a row property such as w:tblHeader (repeat on each page) or w:cantSplit (keep on one page)."""
    row._tr.get_or_add_trPr().append(OxmlElement(tag))
