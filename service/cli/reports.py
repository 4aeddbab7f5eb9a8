"""`rectify circular` and `rectify warn`: the weekly circular to a file, and the due warnings."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from projections.circular import DEFAULT_LEDGER, LEDGER_SCOPES
from projections.reports import render
from projections.weeks import InvalidWeek
from service.cli.common import CLI_ACTOR, CommandError, opened_store
from service.config import load_settings, warning_thresholds
from service.read_store import open_read_side
from service.warnings import send_due_warnings

FORMATS = ("json", "html", "csv", "xlsx", "docx")


def add_parsers(commands: Any) -> None:
    """The `circular` and `warn` commands and their options."""
    circular = commands.add_parser("circular", help="write the weekly circular (每周讲评通报) to a file")
    circular.add_argument("--week", help="ISO week such as 2026-W47 (default: last week)")
    circular.add_argument("--format", choices=FORMATS, default="docx")
    circular.add_argument("--lang", choices=("zh", "en"), default="zh")
    circular.add_argument("--unit", metavar="CODE", help="only this unit and the units below it")
    circular.add_argument(
        "--ledger",
        choices=sorted(LEDGER_SCOPES),
        help="open or all findings (default: open in docx, all otherwise)",
    )
    circular.add_argument("--as-known-at", metavar="ISO8601", help="count only events recorded up to this moment")
    circular.add_argument("-o", "--output", metavar="FILE", help="default: circular-WEEK.FORMAT")
    circular.set_defaults(handler=write_circular)
    warn = commands.add_parser("warn", help="record the warnings (预警函) due today, each level once per deadline")
    warn.set_defaults(handler=send_warnings)


def write_circular(args: argparse.Namespace) -> int:
    """Compute the circular from the read model and write it in the asked format."""
    settings = load_settings()
    known_at = parse_moment(args.as_known_at) if args.as_known_at else None
    ledger = args.ledger or DEFAULT_LEDGER[args.format] or "all"  # a JSON file keeps the ledger too
    with opened_store() as application:
        read_side = open_read_side(settings, application)
        print(
            f"read model at position {read_side.position()} (log at {application.recorder.max_notification_id() or 0})"
        )
        try:
            circular = read_side.circular(
                CLI_ACTOR, week=args.week, unit=args.unit, as_known_at=known_at, ledger=ledger
            )
        except InvalidWeek as error:
            raise CommandError(str(error)) from None
    output = Path(args.output or f"circular-{circular['week']}.{args.format}")
    if args.format == "json":
        output.write_text(json.dumps(circular, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        output.write_bytes(render(circular, args.format, args.lang)[0])
    print(f"wrote the circular of {circular['week']} ({args.format}) to {output}")
    return 0


def parse_moment(text: str, option: str = "--as-known-at") -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{option} must be an ISO 8601 moment with offset, not {text!r}") from None
    if moment.tzinfo is None:
        raise CommandError(f"{option} needs a UTC offset, e.g. 2026-11-23T09:00:00+08:00")
    return moment


def send_warnings(args: argparse.Namespace) -> int:
    """Record today's due warnings and list them."""
    settings = load_settings()
    with opened_store() as application:
        read_side = open_read_side(settings, application)
        sent = send_due_warnings(application, read_side, warning_thresholds(settings))
        today = read_side.today()
    for warning in sent:
        print(f"{warning.level:<6} {warning.reference}  {warning.unit}  due {warning.due_date}")
    print(f"recorded {len(sent)} warning(s) for {today.isoformat()}")
    return 0
