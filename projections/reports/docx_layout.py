"""The layout of an official document after GB/T 9704-2012, on top of python-docx: page, type faces, page numbers."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.table import Table, _Row
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from projections.reports.labels import xml_text


@dataclass(frozen=True)
class Face:
    """A type face: the East Asian font, its size in points, and whether bold."""

    font: str
    size: float
    bold: bool = False


TITLE = Face("方正小标宋简体", 22)  # 二号
BODY = Face("仿宋_GB2312", 16)  # 三号
HEADING = Face("黑体", 16)  # 「一、」
SUBHEADING = Face("楷体_GB2312", 16)  # 「（一）」
PAGE_NUMBER = Face("宋体", 14)  # 四号
CELL = Face("仿宋_GB2312", 10.5)  # 五号
CELL_HEAD = Face("黑体", 10.5)
NOTE = Face("仿宋_GB2312", 10.5)
# English text reads better in a Latin face (bold where the Chinese face looks heavy); Chinese text keeps one
# face for both scripts, as offices set it.
LATIN = {
    "方正小标宋简体": ("Times New Roman", True),
    "仿宋_GB2312": ("Times New Roman", False),
    "黑体": ("Arial", True),
    "楷体_GB2312": ("Times New Roman", False),
    "宋体": ("Times New Roman", False),
}
LINE = Pt(29)  # exactly 29 pt: 22 lines on the 225 mm high type area
INDENT = Pt(32)  # two characters of 16 pt
MARGINS_MM = {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}
A4_MM = (210, 297)
Align = WD_ALIGN_PARAGRAPH | None
EMPTY: frozenset[int] = frozenset()


class Composer:
    """Writes paragraphs and tables into a document in one language's faces."""

    def __init__(self, document: Document, lang: str) -> None:
        self.document, self.lang = document, lang

    def face(self, run: Run, face: Face) -> Run:
        """Put `face` on a run: the Latin font, and the East Asian one that font.name leaves out."""
        latin, bold = (face.font, face.bold) if self.lang == "zh" else LATIN.get(face.font, (face.font, face.bold))
        run.font.name, run.font.size, run.font.bold = latin, Pt(face.size), bold
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face.font)
        return run

    def paragraph(
        self, parts: str | Sequence[tuple[str, Face]], face: Face = BODY, indent: bool = True, align: Align = None
    ) -> Paragraph:
        """A paragraph of text in one face, or of several (text, face) parts, laid out as body text."""
        paragraph = self.document.add_paragraph()
        for text, part_face in [(parts, face)] if isinstance(parts, str) else parts:
            self.face(paragraph.add_run(xml_text(text)), part_face)
        return shape(paragraph, indent, align, LINE if face.size == BODY.size else Pt(face.size * 1.5))

    def table(
        self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float], left: Set[int] = EMPTY
    ) -> Table:
        """A ruled table, its header row repeated on every page, rows kept whole; columns in `left` align left."""
        table = self.document.add_table(rows=1, cols=len(headers), style="Table Grid")
        table.alignment, table.autofit = WD_TABLE_ALIGNMENT.CENTER, False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)  # the grid, which LibreOffice reads; cells carry their own width for Word
        self.fill_row(table.rows[0], headers, widths_mm, CELL_HEAD, EMPTY)
        row_property(table.rows[0], "w:tblHeader")
        for values in rows:
            self.fill_row(table.add_row(), values, widths_mm, CELL, left)
        return table

    def fill_row(self, row: _Row, texts: Sequence[str], widths_mm: Sequence[float], face: Face, left: Set[int]) -> None:
        """Write one table row: each cell its text, width and single-spaced paragraph; the row kept on one page."""
        row_property(row, "w:cantSplit")
        for column, (cell, text, width) in enumerate(zip(row.cells, texts, widths_mm, strict=True)):
            cell.width, cell.vertical_alignment = Mm(width), WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            self.face(paragraph.add_run(xml_text(text)), face)
            align = WD_ALIGN_PARAGRAPH.LEFT if column in left else WD_ALIGN_PARAGRAPH.CENTER
            shape(paragraph, indent=False, align=align, spacing=None)


def shape(paragraph: Paragraph, indent: bool = True, align: Align = None, spacing: Length | None = LINE) -> Paragraph:
    """Lay a paragraph out: first-line indent of two characters, and exact line spacing (None: single)."""
    layout = paragraph.paragraph_format
    layout.first_line_indent = INDENT if indent else Pt(0)
    layout.space_before = layout.space_after = Pt(0)
    layout.alignment = align
    if spacing is None:
        layout.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        layout.line_spacing, layout.line_spacing_rule = spacing, WD_LINE_SPACING.EXACTLY
    return paragraph


def row_property(row: _Row, tag: str) -> None:
    """Switch on a row property such as w:tblHeader (repeat on each page) or w:cantSplit (keep on one page)."""
    row._tr.get_or_add_trPr().append(OxmlElement(tag))


def prepare(composer: Composer) -> None:
    """Body text defaults, A4 portrait page, and page numbers on the outer edge of odd and even pages."""
    document = composer.document
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY.font, Pt(BODY.size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY.font)
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    page_setup(section, landscape=False)
    section.footer_distance, section.header_distance = Mm(25), Mm(15)
    page_number(composer, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(composer, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def page_setup(section: Section, landscape: bool) -> None:
    """A4 with the GB/T 9704 margins, upright or turned on its side."""
    width, height = A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(height), Mm(width)) if landscape else (Mm(width), Mm(height))
    for margin, millimetres in MARGINS_MM.items():
        setattr(section, margin, Mm(millimetres))


def landscape_section(document: Document) -> Section:
    """A new section, on a new page turned landscape, that keeps the page numbers running."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    page_setup(section, landscape=True)
    return section


def page_number(composer: Composer, paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """「— 1 —」 in 宋体 14 pt, one character in from the outer edge."""
    shape(paragraph, indent=False, align=align, spacing=None)
    layout = paragraph.paragraph_format
    layout.right_indent, layout.left_indent = (Pt(14), None) if align == WD_ALIGN_PARAGRAPH.RIGHT else (None, Pt(14))
    composer.face(paragraph.add_run("— "), PAGE_NUMBER)
    for element in (field_char("begin"), instruction(" PAGE "), field_char("separate")):
        composer.face(paragraph.add_run(), PAGE_NUMBER).element.append(element)
    composer.face(paragraph.add_run("1"), PAGE_NUMBER)  # what a reader shows until it works the field out
    composer.face(paragraph.add_run(), PAGE_NUMBER).element.append(field_char("end"))
    composer.face(paragraph.add_run(" —"), PAGE_NUMBER)


def field_char(kind: str) -> BaseOxmlElement:
    """A `w:fldChar` of type begin, separate or end."""
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def instruction(code: str) -> BaseOxmlElement:
    """A `w:instrText` holding a field code such as PAGE."""
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = code
    return element
