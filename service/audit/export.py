"""Audit entries as CSV, for HTTP and the command line alike: one row an entry, the data as a JSON column."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from projections.reports.ledger import spreadsheet_safe
from service.audit.schemas import AuditEntrySchema

BOM = "\ufeff"  # so that Excel reads the file as UTF-8 (and the Chinese right)
ENTRY = AuditEntrySchema()
COLUMNS = list(ENTRY.fields)


def csv_cells(entry: dict[str, Any]) -> list[Any]:
    """An entry's cells, shaped as the JSON answer shapes it; text a spreadsheet would run is quoted."""
    shaped = ENTRY.dump(entry)
    shaped["data"] = json.dumps(shaped["data"], ensure_ascii=False)
    return [spreadsheet_safe(shaped[column]) for column in COLUMNS]


def audit_csv(entries: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The CSV's byte order mark and header, then a chunk of rows at a time (entries may come page by page)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    for count, entry in enumerate(entries, start=1):
        writer.writerow(csv_cells(entry))
        if count % 1000 == 0:
            yield take(buffer)
    yield take(buffer)


def take(buffer: io.StringIO) -> bytes:
    """What the buffer holds, as UTF-8, leaving it empty."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")
