"""The `rectify` command line: set up the store, serve it, manage users and units, seed a demo."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from eventsourcing.persistence import PersistenceError

from domain.errors import RectifyError
from domain.values import UNIT_CODE_PATTERN, Actor, Role
from service.application import Rectify
from service.config import build_application, initialise_store, load_settings
from service.demo import seed_demo
from service.stores import InvalidDatabaseUrl, sqlite_path

CLI_ACTOR = Actor("cli", Role.ADMIN)
USER_ROLES = [role.value for role in Role if role is not Role.SYSTEM]
TOKEN_HINT = f"rectify users add NAME --role {{{','.join(USER_ROLES)}}} [--unit CODE]"


class CommandError(Exception):
    """Something the person at the terminal can fix; shown as one line."""


def main(argv: list[str] | None = None) -> int:
    """Run one `rectify` command; the exit status is 0 on success."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed the usage error or the help
        return stop.code if isinstance(stop.code, int) else 2
    try:
        return args.handler(args)
    except (CommandError, RectifyError, InvalidDatabaseUrl, OSError) as error:
        return fail(str(error))
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
    commands.add_parser("init", help="create the store's tables").set_defaults(handler=init)
    serve_parser = commands.add_parser("serve", help="serve the HTTP API with gunicorn")
    serve_parser.add_argument("--bind", default="127.0.0.1:8000", metavar="HOST:PORT", help="default: 127.0.0.1:8000")
    serve_parser.add_argument("--workers", type=positive, default=default_workers(), help="default: 2×CPUs+1, ≤ 8")
    serve_parser.set_defaults(handler=serve)
    add_users_parser(commands.add_parser("users", help="add, list and revoke users"))
    units = commands.add_parser("units", help="register units").add_subparsers(required=True, metavar="ACTION")
    add_unit = units.add_parser("add", help="register a unit in the organisation tree")
    add_unit.add_argument("code")
    add_unit.add_argument("--name", required=True)
    add_unit.add_argument("--parent", metavar="CODE")
    add_unit.set_defaults(handler=units_add)
    demo = commands.add_parser("demo", help="seed a realistic data set into a new store")
    demo.add_argument("--weeks", type=positive, default=8, help="how far back the findings go (default 8)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo.set_defaults(handler=demo_command)
    return parser


def add_users_parser(parser: argparse.ArgumentParser) -> None:
    """`rectify users add|list|revoke`."""
    actions = parser.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user and print its token once")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=USER_ROLES)
    add.add_argument("--unit", metavar="CODE", help="the unit a unit user acts for (and the units below it)")
    add.set_defaults(handler=users_add)
    actions.add_parser("list", help="list users").set_defaults(handler=users_list)
    revoke = actions.add_parser("revoke", help="revoke a user's token for good")
    revoke.add_argument("name")
    revoke.set_defaults(handler=users_revoke)


def positive(text: str) -> int:
    """An argparse type: a whole number above zero."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number above zero, not {text!r}")
    return int(text)


def default_workers() -> int:
    """Gunicorn's rule of thumb (2 × CPUs + 1), capped: the CPUs this process may use, at most 8 workers."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return min(2 * cpus + 1, 8)


def init(args: argparse.Namespace) -> int:
    """Create the store's tables (and the SQLite file, in WAL mode)."""
    settings = load_settings()
    initialise_store(settings)
    print(f"store: {describe_store(settings['RECTIFY_DATABASE_URL'])}")
    print(f"tables ready; add a first user with: {TOKEN_HINT}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Initialise the store, then become gunicorn (its master gets the signals from here on)."""
    host, port = split_bind(args.bind)
    settings = load_settings()
    initialise_store(settings)  # before the fork: workers must find the tables and the WAL file ready
    url = f"http://{host}:{port}"
    print(f"store: {describe_store(settings['RECTIFY_DATABASE_URL'])}")
    print(f"serving {url} with {args.workers} workers; API docs at {url}/api/v1/docs")
    print(f"get a token with: {TOKEN_HINT}", flush=True)
    sys.stderr.flush()
    command = gunicorn_command(args.bind, args.workers)
    os.execv(command[0], command)
    return 0  # not reached: execv replaces this process


def gunicorn_command(bind: str, workers: int) -> list[str]:
    """The gunicorn command line; never `--preload`, so each worker builds its own application."""
    config = "python:service.gunicorn_conf"
    return [sys.executable, "-m", "gunicorn", "--config", config, "--bind", bind, "--workers", str(workers), "wsgi:app"]


def split_bind(bind: str) -> tuple[str, int]:
    """HOST and PORT of a `HOST:PORT` bind address."""
    host, _, port = bind.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise CommandError(f"--bind must look like HOST:PORT (e.g. 127.0.0.1:8000), not {bind!r}")
    return host, int(port)


def describe_store(url: str) -> str:
    """The store URL as it is safe to print: the password hidden, a SQLite file's full path shown."""
    if url.startswith("sqlite:"):
        return f"{url} ({sqlite_path(url).resolve()})"
    parts = urlsplit(url)
    if parts.password:
        url = url.replace(f":{parts.password}@", ":***@", 1)
    return url


@contextmanager
def opened_store() -> Iterator[Rectify]:
    """The application over an initialised store, closed afterwards."""
    settings = load_settings()
    url = settings["RECTIFY_DATABASE_URL"]
    # Opening a SQLite URL makes the file: a mistyped path would quietly start an empty store.
    if url.startswith("sqlite:") and not sqlite_path(url).exists():
        raise CommandError(f"no store at {sqlite_path(url)}: run `rectify init` first (or set RECTIFY_DATABASE_URL)")
    application = build_application(settings)
    try:
        yield application
    finally:
        application.close()


def users_add(args: argparse.Namespace) -> int:
    """Add a user and print the token, which is never shown again."""
    role = Role(args.role)
    if role is Role.UNIT and args.unit is None:
        raise CommandError("a unit user needs --unit CODE")
    with opened_store() as application:
        token = application.add_user(args.name, role, args.unit)
    scope = f", unit {args.unit}" if args.unit else ""
    print(f"added {args.name} (role {role.value}{scope}); token:")
    print(token)
    print("Keep it now: only its hash is stored, it will not be shown again.")
    return 0


def users_list(args: argparse.Namespace) -> int:
    """Print the users as a table."""
    with opened_store() as application:
        users = application.list_users()
    rows = [("NAME", "ROLE", "UNIT", "REVOKED")]
    rows += [(u["name"], str(u["role"]), u["unit"] or "-", "yes" if u["revoked"] else "no") for u in users]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    return 0


def users_revoke(args: argparse.Namespace) -> int:
    """Revoke a user's token."""
    with opened_store() as application:
        application.revoke_user(args.name)
    print(f"revoked {args.name}")
    return 0


def units_add(args: argparse.Namespace) -> int:
    """Register a unit, as the command line's own admin actor."""
    if not UNIT_CODE_PATTERN.match(args.code):
        raise CommandError(f"unit code {args.code!r} may hold only letters, digits, '.', '_' and '-'")
    with opened_store() as application:
        unit = application.register_unit(CLI_ACTOR, code=args.code, name=args.name, parent=args.parent)
    under = f" under {unit['parent']}" if unit["parent"] else ""
    print(f"registered unit {unit['code']} ({unit['name']}){under}")
    return 0


def demo_command(args: argparse.Namespace) -> int:
    """Seed a new store with demo data and print the demo users' tokens."""
    initialise_store(load_settings())
    with opened_store() as application:
        summary = seed_demo(application, weeks=args.weeks, seed=args.seed, progress=print_progress)
    statuses = ", ".join(f"{status} {count}" for status, count in sorted(summary["statuses"].items()))
    print(f"seeded {summary['units']} units, {summary['findings']} findings, {summary['events']} events")
    print(f"findings now: {statuses}; overdue {summary['overdue']}")
    print("demo users (tokens are shown this once):")
    for name, role, unit, token in summary["tokens"]:
        who = f"{role.value} {unit}" if unit else role.value
        print(f"  {name:<10} {who:<16} {token or '(existed already; token not shown)'}")
    return 0


def print_progress(issued: int, findings: int, done: int, commands: int) -> None:
    """A line every tenth of the way, so a long seeding shows it is moving."""
    if done == commands or done % max(commands // 10, 1) == 0:
        print(f"findings: {issued}/{findings}  events: {done}/{commands}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
