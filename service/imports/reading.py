"""Reading a ledger file: the sheets of an XLSX workbook (merged cells filled in) or a CSV in UTF-8 or GB18030."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import iterparse

from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from service.imports.columns import find_header
from service.imports.rows import LedgerRow

XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
MERGE_CELL = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
# Rows that are notes, not findings: 注：…, 填表说明…, 制表人：… (after the spaces are taken out).
FOOTNOTE = re.compile(
    r"^(注\d*[:：.、]|备注[:：]|说明[:：]|填表说明|填报说明|制表|填报人|填表人|审核人|联系人|联系电话)"
)


class LedgerUnreadable(ValueError):
    """The file is no ledger this import can read (the whole file, not a row)."""


@dataclass(frozen=True)
class Sheet:
    """A sheet's rows as values, with merged areas filled from their top-left cell."""

    name: str
    rows: list[list[Any]]


@dataclass(frozen=True)
class LedgerSheet:
    """A sheet with a header row: the title lines above it, and the rows below it."""

    name: str
    title: list[str]
    header_row: int
    rows: list[LedgerRow]


def read_sheets(data: bytes, sheet: str | None = None) -> list[Sheet]:
    """Every sheet of an XLSX workbook (or the one named), or the one 'sheet' of a CSV file."""
    if data.startswith(OLE_MAGIC):
        raise LedgerUnreadable("this is an old .xls workbook: save it as .xlsx (or CSV) and import that")
    if data.startswith(XLSX_MAGIC):
        return workbook_sheets(data, sheet)
    return [Sheet(sheet or "CSV", csv_rows(data))]


def workbook_sheets(data: bytes, only: str | None) -> list[Sheet]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise LedgerUnreadable(f"not a workbook this import can read: {error}") from None
    try:
        if only is not None and only not in workbook.sheetnames:
            raise LedgerUnreadable(f"no sheet named {only} (the workbook has: {', '.join(workbook.sheetnames)})")
        names = [only] if only is not None else workbook.sheetnames
        sheets = []
        for name in names:
            worksheet = workbook[name]
            if isinstance(worksheet, ReadOnlyWorksheet):
                rows = [list(row) for row in worksheet.iter_rows(values_only=True)]
                fill_merged(rows, merged_ranges(data, worksheet._worksheet_path))
                sheets.append(Sheet(name, rows))
        return sheets
    finally:
        workbook.close()


def merged_ranges(data: bytes, path: str) -> Iterator[tuple[int, int, int, int]]:
    """The merged areas of a sheet (min_col, min_row, max_col, max_row), read from its XML as it streams by.

    Read-only worksheets do not load them, and a ledger's merged 责任单位 covers the rows below it.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open(path) as xml:
        for _, element in iterparse(xml):
            if element.tag == MERGE_CELL:
                bounds = range_boundaries(element.get("ref", ""))
                if None not in bounds:
                    yield bounds
            element.clear()


def fill_merged(rows: list[list[Any]], ranges: Iterator[tuple[int, int, int, int]]) -> None:
    """Every cell of a merged area takes the value of its top-left cell."""
    for min_col, min_row, max_col, max_row in ranges:
        if min_row > len(rows):
            continue
        value = cell(rows, min_row, min_col)
        for row in rows[min_row - 1 : max_row]:
            row.extend([None] * (max_col - len(row)))
            row[min_col - 1 : max_col] = [value] * (max_col - min_col + 1)


def cell(rows: list[list[Any]], row: int, column: int) -> Any:
    values = rows[row - 1]
    return values[column - 1] if column <= len(values) else None


def csv_rows(data: bytes) -> list[list[Any]]:
    """A CSV file's rows: UTF-8 with or without a byte order mark, UTF-16, else GB18030 (Excel's in China)."""
    text = decoded(data)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","  # Excel's 'Unicode text' is tab-separated
    try:
        rows = csv.reader(io.StringIO(text), delimiter=delimiter)
        return [[value if value.strip() else None for value in row] for row in rows]
    except csv.Error as error:
        raise LedgerUnreadable(f"not a CSV file this import can read: {error}") from None


def decoded(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as Excel saves 'Unicode text'
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise LedgerUnreadable("the file is neither UTF-8 nor GB18030 text, nor an XLSX workbook") from None


def ledger_sheet(sheet: Sheet) -> LedgerSheet | None:
    """The sheet's header and finding rows; None when no row of its first ones is a ledger's header."""
    found = find_header(sheet.rows)
    if found is None:
        return None
    index, columns = found
    header = sheet.rows[index]
    headers = {field: "".join(str(header[column]).split()) for field, column in columns.items()}
    title = [first_text(row) for row in sheet.rows[:index] if first_text(row)]
    rows = []
    for number, values in enumerate(sheet.rows[index + 1 :], start=index + 2):
        cells = {field: clean(values[column]) if column < len(values) else None for field, column in columns.items()}
        if is_finding_row(values, cells):
            rows.append(LedgerRow(sheet.name, number, cells, headers))
    return LedgerSheet(sheet.name, title, index + 1, rows)


def clean(value: Any) -> Any:
    """Blank text is no value; other text loses its surrounding spaces."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def first_text(row: list[Any]) -> str:
    return next((str(value).strip() for value in row if value is not None and str(value).strip()), "")


def is_finding_row(values: list[Any], cells: dict[str, Any]) -> bool:
    """Blank rows, notes (注：…), and headings that fill the row with one text (一、财务管理方面) are not findings."""
    filled = [str(value).strip() for value in values if value is not None and str(value).strip()]
    if not filled or FOOTNOTE.match(re.sub(r"\s+", "", filled[0])):
        return False
    if len(set(filled)) == 1 and (len(filled) > 1 or cells.get("description") is None):
        return False
    return True
