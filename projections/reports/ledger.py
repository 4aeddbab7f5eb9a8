"""The ledger of findings (整改台账, or 未销号及长期坚持问题清单) as CSV and XLSX, and the workbook's summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from projections.reports.front_matter import setting
from projections.reports.labels import LEDGER_COLUMNS, Labels
from projections.reports.sheets import HEADER_ROW, sheet_title, start_sheet, write_row
from projections.reports.summary import summary_sheet

WIDTHS = {"number": 6, "reference": 15, "source": 9, "unit": 10, "unit_name": 22, "title": 44, "severity": 9,
          "assignee": 10, "due_date": 12, "status": 10, "days_overdue": 9, "warning": 8, "measures": 40,
          "evidence": 30}  # fmt: skip
WORDS = ("source", "severity", "status", "warning")
SHORT = ("number", "source", "unit", "severity", "assignee", "due_date", "status", "days_overdue", "warning")
CENTRED = frozenset(LEDGER_COLUMNS.index(key) for key in SHORT)
# A cell that starts with one of these is a formula to a spreadsheet program; see spreadsheet_safe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
OVERDUE_FILL = PatternFill("solid", fgColor="FFFBE2E0")
WARNING_FILLS = {colour: PatternFill("solid", fgColor=rgb) for colour, rgb in
                 (("red", "FFF4B6B2"), ("yellow", "FFFCE8A6"), ("green", "FFC8E6C9"))}  # fmt: skip


def ledger_name(circular: Mapping[str, Any], labels: Labels) -> str:
    """未销号及长期坚持问题清单 when the ledger holds the open findings, 整改台账 when it holds all of them."""
    return labels("ledger_open" if circular.get("ledger_scope") == "open" else "ledger_all")


def ledger_rows(circular: Mapping[str, Any], labels: Labels) -> list[list[Any]]:
    """The ledger's rows in LEDGER_COLUMNS order, numbered from 1, codes put into words."""
    rows = []
    for number, entry in enumerate(circular.get("ledger") or [], start=1):
        cells = {**entry, "number": number, **{key: word(labels, key, entry.get(key)) for key in WORDS}}
        cells["status"] = labels.ledger_status(entry.get("status"), entry.get("term"))
        cells["due_date"] = labels.time_limit(entry.get("due_date"), entry.get("term"))
        cells["evidence"] = labels("list_sep").join(entry.get("evidence") or [])
        rows.append([cells.get(key) for key in LEDGER_COLUMNS])
    return rows


def word(labels: Labels, key: str, code: str | None) -> str:
    """A source, severity, status or warning colour as people read it."""
    return str(getattr(labels, key)(code))


def spreadsheet_safe(value: Any) -> Any:
    """Text that a spreadsheet program would run as a formula, quoted so that it shows as text."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def render_csv(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The ledger as CSV under its header row: UTF-8 with a byte order mark so that Excel reads the Chinese right."""
    labels = Labels.of(lang)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(labels.ledger_headers())
    writer.writerows([spreadsheet_safe("" if v is None else v) for v in row] for row in ledger_rows(circular, labels))
    return buffer.getvalue().encode("utf-8-sig")


def render_xlsx(circular: Mapping[str, Any], lang: str = "zh") -> bytes:
    """The workbook: the ledger sheet (when the circular carries one), then the summary of the ranking."""
    labels = Labels.of(lang)
    workbook = Workbook()
    first: Worksheet = workbook.active
    if circular.get("ledger") is not None:
        ledger_sheet(first, circular, labels)
        summary_sheet(workbook.create_sheet(), circular, labels)
    else:
        summary_sheet(first, circular, labels)
    workbook.properties.title = sheet_title(circular, labels, ledger_name(circular, labels))
    workbook.properties.creator = setting(circular, "issuing_office", labels) or labels("default_office")
    known_at = datetime.fromisoformat(circular["as_known_at"]).astimezone(UTC)
    workbook.properties.created = known_at.replace(tzinfo=None)  # openpyxl writes naive times as UTC
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def width(key: str, entries: list[Mapping[str, Any]], labels: Labels) -> float:
    """A column's width; 整改时限 and 整改状态 widen to the words of long-term items (长期坚持（首期 2026-12-31）)."""
    words = {"due_date": labels.time_limit, "status": labels.ledger_status}.get(key)
    if words is None:
        return WIDTHS[key]
    texts = [words(entry.get(key), entry.get("term")) for entry in entries if entry.get("term") == "long"]
    return max([WIDTHS[key], *(sum(2 if ord(ch) > 0x2E7F else 1 for ch in text) + 1 for text in texts)])


def ledger_sheet(sheet: Worksheet, circular: Mapping[str, Any], labels: Labels) -> None:
    """One row a finding under the title and a frozen header; overdue rows shaded, warnings in their colour."""
    name = ledger_name(circular, labels)
    sheet.title = name[:31]
    start_sheet(sheet, sheet_title(circular, labels, name), labels.ledger_headers(),
                [width(key, circular["ledger"], labels) for key in LEDGER_COLUMNS], labels)  # fmt: skip
    due, late = LEDGER_COLUMNS.index("due_date"), LEDGER_COLUMNS.index("days_overdue")
    entries = circular["ledger"]
    for row, entry in zip(ledger_rows(circular, labels), entries, strict=True):
        colour = entry.get("warning")
        if entry.get("term") != "long":  # a long-term item's 整改时限 is words: 长期坚持（首期 2026-12-31）
            row[due] = date.fromisoformat(row[due]) if row[due] else None
        write_row(sheet, row, OVERDUE_FILL if (row[late] or 0) > 0 else None, CENTRED)
        sheet.cell(sheet.max_row, due + 1).number_format = "yyyy-mm-dd"
        if colour in WARNING_FILLS:
            sheet.cell(sheet.max_row, LEDGER_COLUMNS.index("warning") + 1).fill = WARNING_FILLS[colour]
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(LEDGER_COLUMNS))}{max(sheet.max_row, HEADER_ROW)}"
