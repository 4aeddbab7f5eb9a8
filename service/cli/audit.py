"""`rectify audit`: the audit entries, filtered, as a table on the terminal or as the API's CSV."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from marshmallow import ValidationError

from projections.audit import ENTRY_TYPES, MAX_PAGE, AuditPage, every_entry
from projections.read_side import ReadSide
from service.audit.export import audit_csv
from service.audit.schemas import AuditArgsSchema
from service.cli.common import CLI_ACTOR, CommandError, opened_store
from service.config import load_settings
from service.read_store import open_read_side

# The filters, named as the HTTP API's query arguments (and checked by the same schema).
FILTERS = (
    "actor",
    "unit",
    "type",
    "finding",
    "since",
    "until",
    "occurred_since",
    "occurred_until",
    "backdated_over",
)


def add_parser(commands: Any) -> None:
    """The `audit` command and its filters."""
    audit = commands.add_parser("audit", help="list who did what to which finding, and when (the audit entries)")
    audit.add_argument("--actor", help="entries by this user")
    audit.add_argument("--unit", metavar="CODE", help="entries of this unit and the units below it")
    audit.add_argument("--type", choices=ENTRY_TYPES, help="entries of this event type")
    audit.add_argument("--finding", metavar="ID|REFERENCE", help="entries of one finding")
    audit.add_argument("--since", metavar="ISO8601", help="recorded at or after this moment")
    audit.add_argument("--until", metavar="ISO8601", help="recorded at or before this moment")
    audit.add_argument("--occurred-since", metavar="ISO8601", help="happened at or after this moment")
    audit.add_argument("--occurred-until", metavar="ISO8601", help="happened at or before this moment")
    audit.add_argument("--backdated-over", metavar="DAYS", help="recorded more than DAYS days after it happened")
    audit.add_argument("--csv", metavar="FILE", help="write the entries as CSV to FILE (- for standard output)")
    audit.set_defaults(handler=print_audit)


def print_audit(args: argparse.Namespace) -> int:
    """Every matching entry, page after page, as a table or as CSV."""
    where = filters(args)
    unit = where.pop("unit", None)
    with opened_store() as application:
        side = open_read_side(load_settings(), application)
        head = application.recorder.max_notification_id() or 0
        entries = every_entry(*pages(side, unit, where))
        if args.csv is None:
            count = print_table(entries)
            print(f"{count} entries (read model at position {side.position()}, log at {head})")
            return 0
        with output(args.csv) as stream:
            for chunk in audit_csv(entries):
                stream.write(chunk)
    if args.csv != "-":
        print(f"wrote the audit entries to {args.csv} (read model at position {side.position()}, log at {head})")
    return 0


def filters(args: argparse.Namespace) -> dict[str, Any]:
    """The options given, checked as the HTTP API checks its query (CommandError naming what is wrong)."""
    given = {name: getattr(args, name) for name in FILTERS if getattr(args, name) is not None}
    try:
        loaded = AuditArgsSchema().load(given)
    except ValidationError as error:
        problems = "; ".join(f"--{name.replace('_', '-')}: {' '.join(map(str, messages))}"
                             for name, messages in error.normalized_messages().items())  # fmt: skip
        raise CommandError(problems) from None
    return {name: loaded[name] for name in FILTERS if name in loaded}


def pages(side: ReadSide, unit: str | None, where: dict[str, Any]) -> tuple[AuditPage, Callable[[str], AuditPage]]:
    """The first page (read now, so that an unknown unit fails before anything is written) and the next ones."""

    def page(cursor: str | None) -> AuditPage:
        return side.audit(CLI_ACTOR, unit=unit, cursor=cursor, limit=MAX_PAGE, **where)

    return page(None), page


@contextmanager
def output(name: str) -> Iterator[IO[bytes]]:
    """The file to write to, or standard output for `-`."""
    if name == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    with Path(name).open("wb") as stream:
        yield stream


COLUMNS = ("position", "recorded_at", "occurred_at", "type", "finding", "unit", "actor", "data")


def print_table(entries: Iterator[dict[str, Any]]) -> int:
    """Print the entries one a line under a header; return how many there were."""
    print("  ".join(f"{column:<{width}}" for column, width in zip(COLUMNS, WIDTHS, strict=False)))
    count = 0
    for entry in entries:
        print("  ".join(f"{cell:<{width}}" for cell, width in zip(table_cells(entry), WIDTHS, strict=False)))
        count += 1
    return count


WIDTHS = (8, 25, 25, 16, 16, 10, 24, 0)


def table_cells(entry: dict[str, Any]) -> list[str]:
    """An entry's cells in the table: moments to the second, the actor with their role, the data as JSON."""
    actor = f"{entry['actor']} ({entry['role']})" if entry["role"] else entry["actor"]
    return [
        str(entry["position"]),
        entry["recorded_at"].isoformat(sep=" ", timespec="seconds"),
        entry["occurred_at"].isoformat(sep=" ", timespec="seconds"),
        entry["type"],
        entry["reference"] or "-",
        entry["unit"],
        actor,
        json.dumps(entry["data"], ensure_ascii=False),
    ]
