"""The layout of an official document after GB/T 9704-2012, on top of python-docx: page, grid, faces, page numbers."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from copy import deepcopy
from dataclasses import dataclass

from docx.document import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Length, Mm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from projections.reports.labels import xml_text


@dataclass(frozen=True)
class Face:
    """A type face: the East Asian font, its size in points, whether bold, and its colour if not black."""

    font: str
    size: float
    bold: bool = False
    colour: RGBColor | None = None


RED = RGBColor(0xFF, 0x00, 0x00)
TITLE = Face("方正小标宋简体", 22)  # 二号
MASTHEAD = Face("方正小标宋简体", 36, colour=RED)  # 发文机关标志; shrunk to fit the type area's width
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
MARGINS_MM = {"top_margin": 37, "bottom_margin": 35, "left_margin": 28, "right_margin": 26}
A4_MM = (210, 297)
TYPE_AREA_MM = (A4_MM[0] - 28 - 26, A4_MM[1] - 37 - 35)  # 156 × 225 mm (版心)
LINES, CHARACTERS = 22, 28  # a page of GB/T 9704: 22 lines of 28 characters of 三号
LINE = Twips(int(Mm(TYPE_AREA_MM[1]).twips / LINES))  # 579 twips, a hair under 29 pt, so that 22 lines fit
CHAR_SPACE = int((Mm(TYPE_AREA_MM[0]).pt / CHARACTERS - BODY.size) * 4096) - 1  # in 4096ths of a point
INDENT = Pt(32)  # two characters of 16 pt
MASTHEAD_DROP = Mm(35)  # from the type area's top to the masthead
Align = WD_ALIGN_PARAGRAPH | None
# Where w:pBdr and w:snapToGrid go among a paragraph's properties (the schema fixes the order).
AFTER_BORDER = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
                "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
                "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
                "w:rPr", "w:sectPr", "w:pPrChange")  # fmt: skip
AFTER_SNAP = AFTER_BORDER[AFTER_BORDER.index("w:snapToGrid") + 1 :]
# Where w:w goes among a run's properties.
AFTER_RUN_SCALE = ("w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect", "w:bdr",
                     "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
                     "w:specVanish", "w:oMath")  # fmt: skip
# 28 characters of 16 pt are 448 pt, the type area 442: Word and WPS fit them to the grid's narrower pitch, but
# LibreOffice gives a character wider than the pitch two cells. Setting body text at 98% of its width (still 三号,
# too little to see) makes each character narrower than the pitch, so every program sets 28 to a line. Condensed
# spacing (w:spacing) would do the same, but LibreOffice then breaks lines early.
GRID_SCALE = "98"


class Composer:
    """Writes paragraphs into a document in one language's faces."""

    def __init__(self, document: Document, lang: str) -> None:
        self.document, self.lang = document, lang
        # The properties each face, and each paragraph layout, came to the first time, copied for the next runs
        # and paragraphs: python-docx places each property among its siblings anew, most of a document's time.
        self.run_properties: dict[Face, BaseOxmlElement] = {}
        self.paragraph_properties: dict[Hashable, BaseOxmlElement] = {}

    def face(self, run: Run, face: Face) -> Run:
        """Put `face` on a new run: the Latin font, and the East Asian one that font.name leaves out."""
        properties = self.run_properties.get(face)
        if properties is not None:
            run.element.insert(0, deepcopy(properties))  # w:rPr is a run's first child
            return run
        latin, bold = (face.font, face.bold) if self.lang == "zh" else LATIN.get(face.font, (face.font, face.bold))
        run.font.name, run.font.size, run.font.bold = latin, Pt(face.size), bold
        if face.colour is not None:
            run.font.color.rgb = face.colour
        run.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face.font)
        self.run_properties[face] = deepcopy(run.element.get_or_add_rPr())
        return run

    def paragraph(
        self,
        parts: str | Sequence[tuple[str, Face]],
        face: Face = BODY,
        indent: bool = True,
        align: Align = None,
        keep: bool = False,
        grid: bool = True,
    ) -> Paragraph:
        """A paragraph of text in one face, or of several (text, face) parts; `keep` holds it to the next one.

        Body text stands on the character grid; `grid=False` sets a single line such as
        the document number or the date by its own pitch (on the grid, 2026 would take
        whole cells and stand apart from its characters in some programs).
        """
        paragraph = self.document.add_paragraph()
        on_grid = grid and face.size == BODY.size and self.lang == "zh"  # the grid counts Chinese characters
        for text, part_face in [(parts, face)] if isinstance(parts, str) else parts:
            run = self.face(paragraph.add_run(xml_text(text)), part_face)
            if on_grid:
                narrow(run)
        if align is None and indent:
            align = WD_ALIGN_PARAGRAPH.JUSTIFY  # body text fills its lines, as offices set it
        spacing = LINE if face.size == BODY.size else Pt(face.size * 1.5)
        layout = (indent, align, spacing, on_grid, keep)
        properties = self.paragraph_properties.get(layout)
        if properties is not None:
            paragraph._p.insert(0, deepcopy(properties))  # w:pPr is a paragraph's first child
            return paragraph
        shape(paragraph, indent, align, spacing)
        if not on_grid:
            off_grid(paragraph)
        paragraph.paragraph_format.keep_with_next = keep or None
        self.paragraph_properties[layout] = deepcopy(paragraph._p.get_or_add_pPr())
        return paragraph

    def heading(self, parts: str | Sequence[tuple[str, Face]], face: Face = HEADING, **layout: object) -> Paragraph:
        """A heading, kept on the page of the paragraph that follows it."""
        return self.paragraph(parts, face, keep=True, **layout)  # type: ignore[arg-type]

    def blank(self, lines: int = 1) -> None:
        """Empty body lines, as GB/T 9704 counts space (空一行, 空二行)."""
        for _ in range(lines):
            self.paragraph("", indent=False)


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


def narrow(run: Run) -> Run:
    """Set a run of body text at GRID_SCALE of its width, so that each character stands within the grid's pitch."""
    scale = OxmlElement("w:w")
    scale.set(qn("w:val"), GRID_SCALE)
    run.element.get_or_add_rPr().insert_element_before(scale, *AFTER_RUN_SCALE)
    return run


def off_grid(paragraph: Paragraph) -> Paragraph:
    """Keep a paragraph's own character pitch: text smaller or larger than 三号 would be spaced out by the grid."""
    element = OxmlElement("w:snapToGrid")
    element.set(qn("w:val"), "0")
    paragraph._p.get_or_add_pPr().insert_element_before(element, *AFTER_SNAP)
    return paragraph


def red_rule(paragraph: Paragraph) -> None:
    """The red separator line (分隔线) 4 mm under a paragraph, as wide as the type area."""
    borders, bottom = OxmlElement("w:pBdr"), OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "11"), ("w:color", str(RED))):
        bottom.set(qn(name), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *AFTER_BORDER)


def masthead_size(text: str) -> float:
    """The masthead's size in points: as large as MASTHEAD, small enough to stand on one line of the type area."""
    ems = sum(1.0 if ord(ch) > 0x2E7F else 0.6 for ch in text) or 1.0
    return max(24.0, min(MASTHEAD.size, int(Mm(TYPE_AREA_MM[0]).pt * 0.94 / ems)))  # with room to spare


def prepare(composer: Composer) -> None:
    """Body text defaults, A4 portrait page on the 22 × 28 grid, page numbers on the outer edge of each page."""
    document = composer.document
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = BODY.font, Pt(BODY.size)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY.font)
    defaults = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}")
    for size in (defaults.find(qn("w:sz")), defaults.find(qn("w:szCs"))):
        size.set(qn("w:val"), str(int(BODY.size * 2)))  # the grid's character pitch counts from the default size
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    page_setup(section, landscape=False)
    section.footer_distance, section.header_distance = Mm(25), Mm(15)
    page_number(composer, section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    page_number(composer, section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def page_setup(section: Section, landscape: bool) -> None:
    """A4 with the GB/T 9704 margins, upright on the character grid, or turned on its side without a grid."""
    width, height = A4_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(height), Mm(width)) if landscape else (Mm(width), Mm(height))
    for margin, millimetres in MARGINS_MM.items():
        setattr(section, margin, Mm(millimetres))
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.insert_element_before(grid, "w:printerSettings", "w:sectPrChange")
    grid.set(qn("w:type"), "default" if landscape else "linesAndChars")  # the attachment's table sets its own lines
    grid.set(qn("w:linePitch"), str(LINE.twips))
    grid.set(qn("w:charSpace"), "0" if landscape else str(CHAR_SPACE))


def landscape_section(document: Document) -> Section:
    """A new section, on a new page turned landscape, that keeps the page numbers running."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    page_setup(section, landscape=True)
    return section


def page_number(composer: Composer, paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """「— 1 —」 in 宋体 14 pt, one character in from the outer edge."""
    shape(paragraph, indent=False, align=align, spacing=None)
    off_grid(paragraph)
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
