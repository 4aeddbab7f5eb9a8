"""`rectify import`: record the findings of a ledger (整改台账) kept in XLSX or CSV."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

from domain.values import Source
from service.cli.common import CLI_ACTOR, CommandError, opened_store
from service.config import load_settings
from service.imports.importing import import_ledger
from service.imports.planning import ImportRequest
from service.imports.reading import LedgerUnreadable
from service.imports.recording import ImportResult

PROGRESS_EVERY = 2.0  # seconds between progress lines on stderr
REPORT_COLUMNS = ("sheet", "row", "column", "value", "reason")


def add_parser(commands: Any) -> None:
    """The `import` command and its options."""
    parser = commands.add_parser("import", help="import the findings of a ledger (XLSX or CSV)")
    parser.add_argument("file", metavar="FILE", type=Path, help="the ledger: .xlsx, or .csv in UTF-8 or GB18030")
    parser.add_argument("--dry-run", action="store_true", help="read and check every row, record nothing")
    parser.add_argument("--source", choices=[s.value for s in Source], help="for rows without a 问题来源")
    parser.add_argument("--batch", metavar="NAME", help="the inspection round or audit project (default: the title)")
    parser.add_argument("--sheet", metavar="NAME", help="read only this sheet (default: every sheet with a ledger)")
    parser.add_argument("--report", metavar="FILE.csv", type=Path, help="also write the refused rows to a CSV file")
    parser.set_defaults(handler=import_command)


def import_command(args: argparse.Namespace) -> int:
    """Import the file and print the summary and every refused row; the exit status is 0 even if rows were refused."""
    try:
        data = args.file.read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {args.file}: {error.strerror}") from None
    request = ImportRequest(
        data=data,
        file_name=args.file.name,
        source=Source(args.source) if args.source else None,
        batch=args.batch,
        sheet=args.sheet,
        dry_run=args.dry_run,
    )
    settings = load_settings()
    with opened_store() as application:
        try:
            result = import_ledger(
                application, request, CLI_ACTOR, categories=settings["RECTIFY_CATEGORIES"], progress=ProgressLine()
            )
        except LedgerUnreadable as error:
            raise CommandError(f"{args.file}: {error}") from None
    if not result.sheets:
        raise CommandError(
            f"{args.file}: no ledger found: no sheet has a header row (问题描述 or a synonym, and another column) "
            "in its first rows"
        )
    print_result(result)
    if args.report is not None:
        write_report(result, args.report)
    return 0


class ProgressLine:
    """`rows 1200/20000` on stderr every few seconds, and once at the end."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if total and (done == total or now - self.last >= PROGRESS_EVERY):
            print(f"rows {done}/{total}", file=sys.stderr, flush=True)
            self.last = now


def print_result(result: ImportResult) -> None:
    """The summary, then the refused rows, one a line."""
    verb = "would be created" if result.dry_run else "created"
    print(
        f"{'dry run: ' if result.dry_run else ''}{result.total} rows read from {', '.join(result.sheets) or 'no sheet'}"
    )
    print(
        f"{len(result.created)} {verb}, {len(result.already_imported)} already imported, {len(result.refused)} refused"
    )
    for name in result.skipped_sheets:
        print(f"sheet {name}: no header row with the problem's column in its first rows, skipped")
    for refusal in result.refused:
        column = f" {refusal.column}" if refusal.column else ""
        print(f"refused: {refusal.sheet} row {refusal.row}{column} {refusal.value!r}: {refusal.reason}")


def write_report(result: ImportResult, path: Path) -> None:
    """The refused rows as CSV (UTF-8 with a byte order mark, for Excel)."""
    with path.open("w", encoding="utf-8-sig", newline="") as report:
        writer = csv.writer(report)
        writer.writerow(REPORT_COLUMNS)
        writer.writerows([getattr(refusal, key) for key in REPORT_COLUMNS] for refusal in result.refused)
