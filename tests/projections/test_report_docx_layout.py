"""The DOCX's grid and flow: 22 lines of 28 characters a page, headings kept with their text, tables that read."""

from __future__ import annotations

import unicodedata

import pytest
from docx.oxml.ns import qn
from docx.shared import Emu, Pt, Twips

from tests.projections.conftest import quiet_week, sample_circular, unit_edition, word

CHARACTERS = 28
HEADING_FONTS = {"黑体", "楷体_GB2312", "方正小标宋简体"}
WORD_CELL_MARGIN = Twips(108)  # Word's default left and right cell margin, 0.19 cm


def east_asian(run) -> str | None:
    """The w:eastAsia font a run names."""
    fonts = run.element.rPr.rFonts if run.element.rPr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def grid(section) -> dict[str, str]:
    """The attributes of a section's w:docGrid."""
    element = section._sectPr.find(qn("w:docGrid"))
    assert element is not None, "no w:docGrid"
    return {key.split("}")[1]: value for key, value in element.attrib.items()}


def type_area(section) -> tuple[Emu, Emu]:
    """The width and height of a section's type area (版心)."""
    width = section.page_width - section.left_margin - section.right_margin
    return width, section.page_height - section.top_margin - section.bottom_margin


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_grid_holds_22_lines_of_28_characters(lang):
    section = word(sample_circular(), lang).sections[0]
    settings = grid(section)
    width, height = type_area(section)
    assert settings["type"] == "linesAndChars"
    line_pitch = Twips(int(settings["linePitch"]))
    assert height // line_pitch == 22
    char_pitch = Pt(16) + Emu(int(int(settings["charSpace"]) * Pt(1) / 4096))
    assert width // char_pitch == 28


def test_body_characters_stand_within_the_grid_pitch(circular):
    """Wider than the pitch, a character takes two cells in LibreOffice: body runs are set a little narrower."""
    document = word(circular)
    section = document.sections[0]
    width, _ = type_area(section)
    pitch = width / CHARACTERS
    body = [p for p in document.paragraphs if p.text.startswith("截至11月22日，")][0]
    for run in body.runs:
        scale = run.element.rPr.find(qn("w:w"))
        assert scale is not None and run.font.size * int(scale.get(qn("w:val"))) / 100 < pitch


def test_body_lines_are_spaced_exactly_on_the_grid(circular):
    document = word(circular)
    _, height = type_area(document.sections[0])
    body = [p for p in document.paragraphs if p.text.startswith("截至11月22日，")][0]
    spacing = body.paragraph_format.line_spacing
    assert height // spacing == 22, "a page must hold 22 body lines"


def headings(document):
    """The paragraphs set wholly in a heading face: title, 「一、」 and 「（一）」 headings."""
    return [
        p for p in document.paragraphs
        if p.text.strip() and {east_asian(r) for r in p.runs if r.text.strip()} <= HEADING_FONTS
    ]  # fmt: skip


@pytest.mark.parametrize("make", [sample_circular, unit_edition, quiet_week])
def test_headings_keep_with_the_paragraph_that_follows(make):
    document = word(make())
    found = headings(document)
    assert len(found) >= 6
    for paragraph in found:
        assert paragraph.paragraph_format.keep_with_next, paragraph.text


def test_the_paragraph_before_a_table_keeps_with_it(circular):
    body = word(circular).element.body
    for table in body.iterchildren(qn("w:tbl")):
        before = table.getprevious()
        assert before.find(f"{qn('w:pPr')}/{qn('w:keepNext')}") is not None


def test_every_tables_header_row_repeats_on_each_page(circular):
    for table in word(circular).tables:
        properties = table.rows[0]._tr.trPr
        assert properties is not None and properties.find(qn("w:tblHeader")) is not None


def text_width(text: str, size: Pt) -> int:
    """How wide a line of text sets: a full-width character one em, any other about half."""
    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)
    return int(ems * size)


def cell_margins(table) -> int:
    """The left and right margins of a table's cells together."""
    margins = table._tbl.tblPr.find(qn("w:tblCellMar"))
    sides = [margins.find(qn(f"w:{side}")) if margins is not None else None for side in ("left", "right")]
    return sum(Twips(int(side.get(qn("w:w")))) if side is not None else WORD_CELL_MARGIN for side in sides)


@pytest.mark.parametrize("make", [sample_circular, unit_edition])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_unit_names_fit_their_cells_on_one_line(make, lang):
    for table in word(make(), lang).tables:
        header = [cell.text for cell in table.rows[0].cells]
        column = next(i for i, text in enumerate(header) if text in ("单位", "责任单位", "Unit"))
        width = table.columns[column].width
        for row in table.rows[1:]:
            cell = row.cells[column]
            size = max(run.font.size for p in cell.paragraphs for run in p.runs)
            assert text_width(cell.text, size) + cell_margins(table) <= width, cell.text
            assert cell._tc.tcPr.find(qn("w:noWrap")) is not None, cell.text


def test_table_text_stands_off_the_character_grid(circular):
    """Ten-and-a-half-point table text on a 16-point grid would be spaced out: it keeps its own pitch."""
    for table in word(circular).tables:
        paragraph = table.rows[1].cells[1].paragraphs[0]
        snap = paragraph._p.find(f"{qn('w:pPr')}/{qn('w:snapToGrid')}")
        assert snap is not None and snap.get(qn("w:val")) in ("0", "false")
