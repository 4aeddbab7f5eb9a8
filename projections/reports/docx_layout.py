"""The layout of an official document after GB/T 9704-2012, on top of python-docx: page, type faces, page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run


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
# English text reads better in a Latin face; Chinese text keeps one face for both scripts, as offices set it.
LATIN = {"方正小标宋简体": "Times New Roman", "仿宋_GB2312": "Times New Roman", "黑体": "Arial",
         "楷体_GB2312": "Times New Roman", "宋体": "Times New Roman"}  # fmt: skip
LINE = Pt(29)  # exactly 29 pt: 22 lines on the 225 mm high type area
INDENT = Pt(32)  # two characters of 16 pt
MARGINS_MM = {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}
A4_MM = (210, 297)


class Composer:
    """Writes paragraphs and tables into a document in one language's faces."""

    def __init__(self, document: Document, lang: str) -> None:
        self.document, self.lang = document, lang

    def face(self, run: Run, face: Face) -> Run:
        """Put `face` on a run: the Latin font, and the East Asian one that font.name leaves out."""
        run.font.name = face.font if self.lang == "zh" else LATIN.get(face.font, face.font)
        run.font.size = Pt(face.size)
        run.font.bold = face.bold
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face.font)
        return run

    def paragraph(self, parts: str | Sequence[tuple[str, Face]], face: Face = BODY, **layout: object) -> Paragraph:
        """A paragraph of text in one face, or of several (text, face) parts, laid out as body text by default."""
        paragraph = self.document.add_paragraph()
        for text, part_face in [(parts, face)] if isinstance(parts, str) else parts:
            self.face(paragraph.add_run(text), part_face)
        return shape(paragraph, **layout)  # type: ignore[arg-type]

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float]) -> Table:
        """A ruled table with a header row that repeats on every page."""
        table = self.document.add_table(rows=1, cols=len(headers), style="Table Grid")
        table.alignment, table.autofit = WD_TABLE_ALIGNMENT.CENTER, False
        repeat_as_header(self.fill_row(table.rows[0].cells, headers, widths_mm, CELL_HEAD))
        for row in rows:
            self.fill_row(table.add_row().cells, row, widths_mm, CELL)
        return table

    def fill_row(self, cells: Sequence, texts: Sequence[str], widths_mm: Sequence[float], face: Face) -> Sequence:
        """Write one table row: each cell its text, width and centred single-spaced paragraph."""
        for cell, text, width in zip(cells, texts, widths_mm, strict=True):
            cell.width, cell.vertical_alignment = Mm(width), WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            self.face(paragraph.add_run(text), face)
            shape(paragraph, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, spacing=None)
        return cells


def shape(
    paragraph: Paragraph, indent: bool = True, align: WD_ALIGN_PARAGRAPH | None = None, spacing: Pt | None = LINE
) -> Paragraph:
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


def repeat_as_header(cells: Sequence) -> None:
    """Mark the row of `cells` to repeat at the top of each page the table runs onto."""
    row_properties = cells[0]._tc.getparent().get_or_add_trPr()
    row_properties.append(OxmlElement("w:tblHeader"))


def prepare(composer: Composer) -> None:
    """Body text defaults, A4 portrait page, and page numbers on the outer edge of odd and even pages."""
    document = composer.document
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY.font, Pt(BODY.size)  # type: ignore[attr-defined]
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
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = composer.face(paragraph.add_run(), PAGE_NUMBER)
        if kind is not None:
            run.element.append(field_char(kind))
        elif text == "1":
            run.text = text
        else:
            run.element.append(instruction(text or ""))
    composer.face(paragraph.add_run(" —"), PAGE_NUMBER)


def field_char(kind: str) -> OxmlElement:
    """A `w:fldChar` of type begin, separate or end."""
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), kind)
    return element


def instruction(code: str) -> OxmlElement:
    """A `w:instrText` holding a field code such as PAGE."""
    element = OxmlElement("w:instrText")
    element.set(qn("xml:space"), "preserve")
    element.text = code
    return element
