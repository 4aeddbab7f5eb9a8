"""What the commands share: the acting identity, errors for the terminal, the opened store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from domain.values import Actor, Role
from service.application import Rectify
from service.config import build_application, load_settings
from service.stores import sqlite_path

CLI_ACTOR = Actor("cli", Role.ADMIN)
USER_ROLES = [role.value for role in Role if role is not Role.SYSTEM]
TOKEN_HINT = f"rectify users add NAME --role {{{','.join(USER_ROLES)}}} [--unit CODE]"


class CommandError(Exception):
    """Something the person at the terminal can fix; shown as one line."""


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
