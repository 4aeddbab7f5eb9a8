"""From a ledger file to a plan: each row a finding to record or a refusal, before anything is recorded."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.finding import Finding
from domain.values import Source
from service.imports.reading import LedgerSheet, ledger_sheet, read_sheets
from service.imports.rows import ImportContext, PlannedFinding, Refusal, interpret
from service.imports.units import UnitDirectory

# Whether Finding.issue takes `term` (long-term items, 长期坚持); until it does, such rows are refused.
LONG_TERM_RECORDED = "term" in inspect.signature(Finding.issue).parameters


@dataclass(frozen=True)
class ImportRequest:
    """What the person importing chose: the file, and the defaults for what its rows do not say."""

    data: bytes
    file_name: str = ""
    source: Source | None = None
    batch: str | None = None
    sheet: str | None = None
    dry_run: bool = False


@dataclass
class ImportPlan:
    """Every row read: the findings to record, the refusals, and which sheets held a ledger."""

    planned: list[PlannedFinding] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    skipped_sheets: list[str] = field(default_factory=list)


def plan_import(request: ImportRequest, units: list[dict[str, Any]], moment: datetime, zone: Any,
                categories: tuple[str, ...] = ()) -> ImportPlan:  # fmt: skip
    """Read the file and interpret every row; a row's reference repeated in the same file is refused."""
    plan = ImportPlan()
    directory = UnitDirectory(units)
    seen: dict[str, PlannedFinding] = {}
    for sheet in read_sheets(request.data, request.sheet):
        ledger = ledger_sheet(sheet)
        if ledger is None:
            plan.skipped_sheets.append(sheet.name)
            continue
        plan.sheets.append(sheet.name)
        context = ImportContext(
            units=directory,
            moment=moment,
            zone=zone,
            batch=request.batch or default_batch(ledger, request.file_name),
            source=request.source or source_named(ledger),
            categories=categories,
            long_term=LONG_TERM_RECORDED,
        )
        for row in ledger.rows:
            outcome = interpret(row, context)
            if isinstance(outcome, PlannedFinding) and outcome.reference in seen:
                first = seen[outcome.reference]
                outcome = Refusal(
                    row.sheet,
                    row.number,
                    row.headers.get("reference", ""),
                    outcome.reference,
                    f"the same finding as {first.sheet} row {first.row} (same reference)",
                    f"与“{first.sheet}”第 {first.row} 行是同一问题（问题编号相同）",
                )
            if isinstance(outcome, Refusal):
                plan.refused.append(outcome)
            else:
                seen[outcome.reference] = outcome
                plan.planned.append(outcome)
    return plan


def default_batch(ledger: LedgerSheet, file_name: str) -> str:
    """The batch when neither the row nor the person importing names one: the sheet's title, else the file's name."""
    if ledger.title:
        return ledger.title[0][:200]
    stem = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return (stem or ledger.name)[:200]


def source_named(ledger: LedgerSheet) -> Source | None:
    """巡察 or 审计 as the sheet's title or name says (巡察整改台账), or None."""
    words = " ".join([*ledger.title, ledger.name])
    if "审计" in words:
        return Source.AUDIT
    if "巡察" in words or "巡视" in words:
        return Source.INSPECTION
    return None
