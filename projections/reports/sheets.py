"""What every sheet of the workbook shares: a title row, a header that stays in view and prints on each page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from typing import Any

from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projections.reports.labels import Labels, as_of, seal_token, xml_text

TITLE_FONT = Font(bold=True, size=14)
TITLE_TEXT = InlineFont(b=True, sz=14)
SEAL_TEXT = InlineFont(sz=9, color="FF595959")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDE3EA")
THIN = Side(style="thin", color="FFB8C0CA")
WRAP = Alignment(wrap_text=True, vertical="top")
CENTRED = Alignment(horizontal="center", vertical="top")
HEADER_ROW = 2  # under the title row


def sheet_title(circular: Mapping[str, Any], labels: Labels, name: str) -> str:
    """「整改台账　截至2026年11月22日（数据截至2026年11月23日09:00）」, with the unit of a subtree's edition."""
    unit = (circular["scope"].get("name") or circular["scope"]["unit"]) if circular["scope"].get("unit") else None
    title = labels(
        "sheet_title",
        scope=labels("sheet_scope", name=unit) if unit else "",
        name=name,
        end=labels.full_date(as_of(circular)),
        known=labels.moment(circular["as_known_at"], circular["cutoff"]),
    )
    seal = seal_token(circular)
    return f"{title}\n{labels('seal_note', seal=seal)}" if seal else title


def start_sheet(sheet: Worksheet, title: str, headers: Sequence[str], widths: Sequence[float], labels: Labels) -> None:
    """The title row across the columns, the header row under it, both kept in view and printed on every page."""
    last = get_column_letter(len(headers))
    heading, _, seal_line = xml_text(title).partition("\n")
    sheet.append([heading])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = TITLE_FONT
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.row_dimensions[1].height = 28
    if seal_line:  # the seal of the log, in small type on a line of its own under the title
        sheet["A1"].value = CellRichText(TextBlock(TITLE_TEXT, heading), TextBlock(SEAL_TEXT, f"\n{seal_line}"))
        sheet.row_dimensions[1].height = 42
    sheet.append(list(headers))
    sheet.row_dimensions[HEADER_ROW].height = 32  # two lines: an English header wraps between its words
    for column, (cell, width) in enumerate(zip(sheet[HEADER_ROW], widths, strict=True), start=1):
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, Border(bottom=THIN, top=THIN)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        longest_word = max((len(word) for word in str(cell.value).split()), default=0)
        sheet.column_dimensions[get_column_letter(column)].width = max(width, longest_word * 1.2 + 2)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(sheet, labels)


def print_setup(sheet: Worksheet, labels: Labels) -> None:
    """A4 landscape, as wide as one page and as long as it takes, title and header on each page, page numbers."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = labels("page_footer")


def write_row(
    sheet: Worksheet, values: Sequence[Any], fill: PatternFill | None = None, centred: Set[int] = frozenset()
) -> None:
    """One data row, text kept as text even when it looks like a formula; short codes and dates centred."""
    sheet.append([xml_text(value) if isinstance(value, str) else value for value in values])
    for column, cell in enumerate(sheet[sheet.max_row]):
        if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
            cell.data_type = "s"
        cell.alignment, cell.border = CENTRED if column in centred else WRAP, Border(bottom=THIN)
        if fill is not None:
            cell.fill = fill
