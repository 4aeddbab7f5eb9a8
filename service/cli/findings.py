"""`rectify finding`: one finding as it stands, or as the log knew it at a moment or a version."""

from __future__ import annotations

import argparse
import json
from typing import Any
from uuid import UUID

from domain.values import finding_id
from service.cli.common import CLI_ACTOR, CommandError, opened_store
from service.cli.reports import parse_moment
from service.schemas import plain


def add_parser(commands: Any) -> None:
    """The `finding` command and its options."""
    finding = commands.add_parser("finding", help="print a finding as JSON, now or as the log knew it")
    finding.add_argument("finding", metavar="ID", help="the finding's id, or its reference (XC-2026-0001)")
    when = finding.add_mutually_exclusive_group()
    when.add_argument("--as-of", metavar="ISO8601", help="as known at this recorded moment (with offset)")
    when.add_argument("--version", type=int, metavar="N", help="at this version (1 is the issue)")
    finding.set_defaults(handler=print_finding)


def print_finding(args: argparse.Namespace) -> int:
    """Print the finding's JSON, as the HTTP API answers it."""
    as_of = parse_moment(args.as_of, "--as-of") if args.as_of else None
    if args.version is not None and args.version < 1:
        raise CommandError(f"--version must be 1 or more, not {args.version}")
    with opened_store() as application:
        if as_of is None and args.version is None:
            finding = application.get_finding(identity(args.finding), CLI_ACTOR)
        else:
            finding = application.finding_as_of(identity(args.finding), CLI_ACTOR, as_of=as_of, version=args.version)
    print(json.dumps(plain(finding), ensure_ascii=False, indent=2))
    return 0


def identity(text: str) -> UUID:
    """The id a finding is known by: given as is, or derived from its reference."""
    try:
        return UUID(text)
    except ValueError:
        return finding_id(text)
