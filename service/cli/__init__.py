"""The `rectify` command line: set up the store, serve it, manage users and units, project, report."""

from __future__ import annotations

import argparse
import os
import sys

from eventsourcing.persistence import MapperDeserialisationError, PersistenceError

from domain.errors import RectifyError
from service.cli import audit, demo, findings, imports, integrity, keys, people, projecting, reports, setup
from service.cli.common import USER_ROLES, CommandError
from service.config import check_cipher_key, load_settings
from service.stores import CipherKeyError, InvalidDatabaseUrl


def main(argv: list[str] | None = None) -> int:
    """Run one `rectify` command; the exit status is 0 on success."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage error or the help
        return stop.code if isinstance(stop.code, int) else 2
    try:
        # init and serve check as they initialise; verify reads the stored bytes only, needing no key (and must
        # report a first record that no longer decodes as edited, not as a wrong key).
        if args.handler not in (keys.keygen, setup.init, setup.serve, integrity.verify_command):
            check_cipher_key(load_settings())
        return args.handler(args)
    except (CommandError, RectifyError, InvalidDatabaseUrl, CipherKeyError, OSError) as error:
        return fail(str(error))
    except MapperDeserialisationError as error:
        return fail(f"a stored event cannot be read (is RECTIFY_CIPHER_KEY the key it was written with?): {error}")
    except PersistenceError as error:
        return fail(f"the event store failed: {error} (check RECTIFY_DATABASE_URL; has `rectify init` run?)")
    except KeyboardInterrupt:
        return fail("interrupted", status=130)


def fail(message: str, status: int = 1) -> int:
    """Say what went wrong in one line on stderr, and give the exit status."""
    print(f"rectify: error: {message}", file=sys.stderr)
    return status


def build_parser() -> argparse.ArgumentParser:
    """Every command and its arguments."""
    parser = argparse.ArgumentParser(prog="rectify", description="Track the rectification of findings.")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    commands.add_parser("init", help="create the store's tables").set_defaults(handler=setup.init)
    serve_parser = commands.add_parser("serve", help="serve the HTTP API with gunicorn")
    serve_parser.add_argument("--bind", default="127.0.0.1:8000", metavar="HOST:PORT", help="default: 127.0.0.1:8000")
    serve_parser.add_argument("--workers", type=positive, default=default_workers(), help="default: 2×CPUs+1, ≤ 8")
    serve_parser.set_defaults(handler=setup.serve)
    add_users_parser(commands.add_parser("users", help="add, list and revoke users"))
    projecting.add_parser(commands)
    reports.add_parsers(commands)
    audit.add_parser(commands)
    findings.add_parser(commands)
    imports.add_parser(commands)
    units = commands.add_parser("units", help="register units").add_subparsers(required=True, metavar="ACTION")
    add_unit = units.add_parser("add", help="register a unit in the organisation tree")
    add_unit.add_argument("code")
    add_unit.add_argument("--name", required=True)
    add_unit.add_argument("--parent", metavar="CODE")
    add_unit.set_defaults(handler=people.units_add)
    demo_parser = commands.add_parser("demo", help="seed a realistic data set into a new store")
    demo_parser.add_argument("--weeks", type=positive, default=8, help="how far back the findings go (default 8)")
    demo_parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo_parser.set_defaults(handler=demo.demo_command)
    keys.add_parser(commands)
    integrity.add_parser(commands)
    return parser


def add_users_parser(parser: argparse.ArgumentParser) -> None:
    """`rectify users add|list|revoke`."""
    actions = parser.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user and print its token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add.add_argument("--unit", metavar="CODE", help="the unit a unit user acts for (and the units below it)")
    add.set_defaults(handler=people.users_add)
    actions.add_parser("list", help="list users").set_defaults(handler=people.users_list)
    revoke = actions.add_parser("revoke", help="revoke a user's token for good")
    revoke.add_argument("name")
    revoke.set_defaults(handler=people.users_revoke)


def positive(text: str) -> int:
    """An argparse type: a whole number above zero."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above zero, not {text!r}")
    return int(text)


def default_workers() -> int:
    """Gunicorn's rule of thumb (2 × CPUs + 1), capped: the CPUs this process may use, at most 8 workers."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(2 * cpus + 1, 8)
