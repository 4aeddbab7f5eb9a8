"""One ledger row read as a finding to record, or refused with the column and the reason: a pure function."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.values import Source, Status, Term
from service.imports.cells import (
    LIMITS,
    Reading,
    Refused,
    category_of,
    reference_of,
    severity_of,
    source_of,
    status_of,
    timing,
    unit_of,
)
from service.imports.columns import CANONICAL
from service.imports.units import UnitDirectory

SENTENCE_END = re.compile(r"[。！？!?；;\n]")


@dataclass(frozen=True)
class LedgerRow:
    """A row of a sheet: its number as the spreadsheet shows it, and its cells by field, with the headers read."""

    sheet: str
    number: int
    cells: Mapping[str, Any]
    headers: Mapping[str, str]


@dataclass(frozen=True)
class ImportContext:
    """What every row of one import shares: the units, the moment it runs, the defaults given."""

    units: UnitDirectory
    moment: datetime
    zone: ZoneInfo
    batch: str
    source: Source | None = None
    categories: tuple[str, ...] = ()
    long_term: bool = False  # whether the application records long-term items (term="long") yet


@dataclass(frozen=True)
class PlannedFinding:
    """A finding to issue, and the status the ledger says it has reached."""

    sheet: str
    row: int
    reference: str
    fields: dict[str, Any]
    issued_at: datetime
    status: Status
    assignee: str | None
    measures: str | None
    unit_name: str = ""


@dataclass(frozen=True)
class Refusal:
    """A row not imported: where it is, the column and value at fault, and why."""

    sheet: str
    row: int
    column: str
    value: str
    reason: str
    reason_zh: str  # the same reason, for the console's Chinese page


def interpret(row: LedgerRow, context: ImportContext) -> PlannedFinding | Refusal:
    """The finding a ledger row describes, or why it cannot be imported."""
    reading = Reading(row, context)
    try:
        return plan(reading)
    except Refused as refused:
        header = row.headers.get(refused.field) or CANONICAL[refused.field]
        return Refusal(row.sheet, row.number, header, reading.text(refused.field), refused.reason, refused.reason_zh)


def plan(reading: Reading) -> PlannedFinding:
    """The planned finding, each cell read by its rule (the first cell that breaks one refuses the row)."""
    context = reading.context
    description = reading.limited("description", reading.text("description"))
    if not description:
        raise Refused("description", "no description of the problem", "未写问题描述")
    title = reading.limited("title", reading.text("title")) or first_sentence(description)
    unit = unit_of(reading)
    batch = reading.limited("batch", reading.text("batch") or context.batch)
    issued_at, due_date, long_term = timing(reading)
    status = status_of(reading)
    fields: dict[str, Any] = {
        "source": source_of(reading),
        "batch": batch,
        "title": title,
        "description": description,
        "category": category_of(reading),
        "severity": severity_of(reading),
        "unit": unit,
        "due_date": due_date,
    }
    if long_term:
        fields["term"] = Term.LONG
    return PlannedFinding(
        sheet=reading.row.sheet,
        row=reading.row.number,
        reference=reference_of(reading, batch, unit, description),
        fields=fields,
        issued_at=issued_at,
        status=status,
        assignee=reading.limited("assignee", reading.text("assignee")) or None,
        measures=reading.limited("measures", reading.text("measures")) or None,
        unit_name=context.units.names[unit],
    )


def first_sentence(description: str) -> str:
    """The title a description gives: its first sentence, without the full stop, at most 300 characters."""
    sentence = next((part.strip() for part in SENTENCE_END.split(description) if part.strip()), description)
    return sentence if len(sentence) <= LIMITS["title"] else sentence[: LIMITS["title"] - 1] + "…"
