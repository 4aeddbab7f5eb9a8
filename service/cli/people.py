"""`rectify users …` and `rectify units add`: who may act, and the tree they act in."""

from __future__ import annotations

import argparse

from domain.values import UNIT_CODE_PATTERN, Role
from service.cli.common import CLI_ACTOR, CommandError, opened_store


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
