"""The workbook's summary sheet: the ranking's one level (peers, the own row, the total) with every figure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from projections.reports.labels import COLOURS, Labels
from projections.reports.ranking import RankingRow, ranking_rows, warnings
from projections.reports.rates import rate_cell
from projections.reports.sheets import HEADER_FONT, sheet_title, start_sheet, write_row

SUMMARY_FIGURES = ("issued_to_date", "issued_this_week", "closed_to_date", "closed_this_week", "withdrawn_to_date",
                   "open", "awaiting_review", "overdue", "long_term_open", "long_term_closed_this_week",
                   "escalated_this_week")  # fmt: skip
WARNING_FONTS = {"red": Font(color="FFC0261F", bold=True), "yellow": Font(color="FF9A6B00", bold=True),
                 "green": Font(color="FF1E7B3C", bold=True)}  # fmt: skip
BOARD_FILLS = {"honor": PatternFill("solid", fgColor="FFE3F4E8"), "shame": PatternFill("solid", fgColor="FFFBE2E0")}


def summary_sheet(sheet: Worksheet, circular: Mapping[str, Any], labels: Labels) -> None:
    """The peers in rank order, the root's own row and the total, which equals the circular's totals."""
    sheet.title = labels("summary")
    colours = [labels("warning_column", colour=labels.warning(c)) for c in COLOURS]
    headers = [labels("rank"), labels("unit"), labels("unit_full"), *(labels(key) for key in SUMMARY_FIGURES),
               labels("rectification_rate"), *colours, labels("board")]  # fmt: skip
    widths = [7, 10, 22, *(10 for _ in SUMMARY_FIGURES), 10, *(10 for _ in COLOURS), 9]
    start_sheet(sheet, sheet_title(circular, labels, labels("summary_title")), headers, widths, labels)
    rate_column = 4 + len(SUMMARY_FIGURES)
    for row in ranking_rows(circular, labels):
        write_row(sheet, summary_row(row, labels), BOARD_FILLS.get(row.board or ""), {0, 1, len(headers) - 1})
        sheet.cell(sheet.max_row, rate_column).number_format = "0.0%"
        for offset, colour in enumerate(COLOURS, start=1):
            cell = sheet.cell(sheet.max_row, rate_column + offset)
            if cell.value:
                cell.font = WARNING_FONTS[colour]
        if row.kind == "total":
            for cell in sheet[sheet.max_row]:
                cell.font = HEADER_FONT


def summary_row(row: RankingRow, labels: Labels) -> list[Any]:
    """One row: rank, code, name, the figures, the rate as shown (a number formatted 0.0%), warnings, list."""
    figures = row.figures
    board = labels(row.board) if row.board else None
    return [row.rank, row.unit, row.name, *(figures.get(key, 0) for key in SUMMARY_FIGURES),
            rate_cell(figures["rectification_rate"]), *warnings(figures).values(), board]  # fmt: skip
