"""The ledger of findings (整改台账) as CSV and XLSX, and the per-unit summary sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projections.reports.labels import LEDGER_COLUMNS, Labels, ranked, xml_text

WIDTHS = {"reference": 15, "source": 9, "unit": 10, "unit_name": 22, "title": 48, "severity": 9, "assignee": 10,
          "due_date": 12, "status": 10, "days_overdue": 9, "measures": 48}  # fmt: skip
SUMMARY_FIGURES = ("issued_to_date", "issued_this_week", "closed_to_date", "closed_this_week", "withdrawn_to_date",
                   "open", "awaiting_review", "overdue", "escalated_this_week", "rectification_rate")  # fmt: skip
# A cell that starts with one of these is a formula to a spreadsheet program; see spreadsheet_safe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="FFDDE3EA")
OVERDUE_FILL = PatternFill("solid", fgColor="FFFBE2E0")
THIN = Side(style="thin", color="FFB8C0CA")
WRAP = Alignment(wrap_text=True, vertical="top")


def ledger_rows(circular: Mapping[str, Any], labels: Labels) -> list[list[Any]]:
    """The ledger's rows, codes put into words, in LEDGER_COLUMNS order."""
    words = {"source": labels.source, "severity": labels.severity, "status": labels.status}
    return [
        [words[key](entry[key]) if key in words else entry.get(key) for key in LEDGER_COLUMNS]
        for entry in circular["ledger"]
    ]


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet program would run as a formula, quoted so that it shows as text."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render_csv(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The ledger as CSV: UTF-8 with a byte order mark so that Excel reads the Chinese right."""
    labels = Labels.of(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(labels.ledger_headers())
    writer.writerows([spreadsheet_safe("" if v is None else v) for v in row] for row in ledger_rows(circular, labels))
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The ledger as an Excel workbook: the ledger sheet, then the per-unit summary."""
    labels = Labels.of(lang)
    workbook = Workbook()
    ledger_sheet(workbook.active, circular, labels)
    summary_sheet(workbook.create_sheet(labels("summary")), circular, labels)
    workbook.properties.title = f"{labels('ledger')} {circular['week']}"
    workbook.properties.creator = circular["settings"]["issuing_office"]
    known_at = datetime.fromisoformat(circular["as_known_at"]).astimezone(UTC)
    workbook.properties.created = known_at.replace(tzinfo=None)  # openpyxl writes naive times as UTC
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ledger_sheet(sheet: Worksheet, circular: Mapping[str, Any], labels: Labels) -> None:
    """One row a finding under a bold, frozen header; overdue rows shaded."""
    sheet.title = labels("ledger")
    write_header(sheet, labels.ledger_headers(), [WIDTHS[key] for key in LEDGER_COLUMNS])
    due, late = LEDGER_COLUMNS.index("due_date"), LEDGER_COLUMNS.index("days_overdue")
    for row in ledger_rows(circular, labels):
        row[due] = date.fromisoformat(row[due]) if row[due] else None
        write_row(sheet, row, OVERDUE_FILL if (row[late] or 0) > 0 else None)
        sheet.cell(sheet.max_row, due + 1).number_format = "yyyy-mm-dd"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{sheet.max_row}"


def summary_sheet(sheet: Worksheet, circular: Mapping[str, Any], labels: Labels) -> None:
    """The figures of each unit in rank order, then the total."""
    headers = [labels("rank"), labels("unit"), labels("unit_name"), *(labels(key) for key in SUMMARY_FIGURES)]
    write_header(sheet, headers, [7, 10, 22, *(11 for _ in SUMMARY_FIGURES)])
    for unit in ranked(circular["units"]):
        write_row(sheet, [unit["rank"], unit["unit"], unit["name"], *figure_cells(unit["figures"])], None)
    write_row(sheet, [None, circular["scope"]["unit"], labels("total"), *figure_cells(circular["totals"])], None)
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER_FONT
    for row in sheet.iter_rows(min_row=2, min_col=len(headers), max_col=len(headers)):
        row[0].number_format = "0.0%"


def figure_cells(figures: Mapping[str, Any]) -> list[Any]:
    """A unit's figures in SUMMARY_FIGURES order."""
    return [figures[key] for key in SUMMARY_FIGURES]


def write_header(sheet: Worksheet, headers: list[str], widths: list[int]) -> None:
    """A bold, shaded header row that stays in view, and the column widths."""
    sheet.append(headers)
    for column, (cell, width) in enumerate(zip(sheet[1], widths, strict=True), start=1):
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, Border(bottom=THIN, top=THIN)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def write_row(sheet: Worksheet, values: list[Any], fill: PatternFill | None) -> None:
    """One data row, text kept as text even when it looks like a formula."""
    sheet.append([xml_text(value) if isinstance(value, str) else value for value in values])
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":  # openpyxl takes any text starting with "=" for a formula
            cell.data_type = "s"
        cell.alignment, cell.border = WRAP, Border(bottom=THIN)
        if fill is not None:
            cell.fill = fill
