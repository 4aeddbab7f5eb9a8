"""Audit entries as CSV, for HTTP and the command line alike: one row an entry, the data as a JSON column."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Response

from domain.values import Actor
from projections.audit import MAX_PAGE, every_entry
from projections.read_side import ReadSide
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


def audit_download(side: ReadSide, actor: Actor, unit: str | None, cursor: str | None, **where: Any) -> Response:
    """Every entry a query matches, as a CSV file to save (for the API and the console alike)."""
    # The first page is read now, so that a bad unit or cursor is answered as an error, not as a broken file.
    first = side.audit(actor, unit=unit, cursor=cursor, limit=MAX_PAGE, **where)
    entries = every_entry(first, lambda after: side.audit(actor, unit=unit, cursor=after, limit=MAX_PAGE, **where))
    response = Response(audit_csv(entries), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
