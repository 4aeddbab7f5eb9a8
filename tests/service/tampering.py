"""Changing the stored log behind the service's back, as someone with the database's password could."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from service.config import load_settings
from service.read_store import open_seals, start_sealer
from service.stores import sqlite_path

COLUMNS = "originator_id, originator_version, topic, state"


class RawLog:
    """The stored events table of a store, reached with the database's own driver."""

    def __init__(self, url: str):
        self.url = url
        self.sqlite = url.startswith("sqlite:")
        if self.sqlite:
            self.table, self.position = "stored_events", "rowid"
        else:
            parts = urlsplit(url)
            self.target = urlunsplit(parts._replace(query=""))
            self.table, self.position = f"{parse_qs(parts.query)['schema'][0]}.rectify_events", "notification_id"

    @contextmanager
    def cursor(self) -> Iterator[Any]:
        if self.sqlite:
            with closing(sqlite3.connect(sqlite_path(self.url))) as connection, connection:
                yield connection.cursor()
            return
        import psycopg

        with psycopg.connect(self.target) as connection, connection.cursor() as cursor:
            yield cursor

    def mark(self, sql: str) -> str:
        return sql if self.sqlite else sql.replace("?", "%s")

    def positions(self) -> list[int]:
        with self.cursor() as cursor:
            cursor.execute(f"SELECT {self.position} FROM {self.table} ORDER BY {self.position}")
            return [row[0] for row in cursor.fetchall()]

    def row(self, position: int) -> tuple[Any, ...]:
        with self.cursor() as cursor:
            cursor.execute(self.mark(f"SELECT {COLUMNS} FROM {self.table} WHERE {self.position} = ?"), (position,))
            return tuple(cursor.fetchone())

    def edit(self, position: int, old: bytes, new: bytes) -> None:
        """Replace bytes of one stored event's state (a name, a date) with others."""
        state = bytes(self.row(position)[3])
        assert old in state, f"{old!r} is not in the event at {position}"
        with self.cursor() as cursor:
            update = f"UPDATE {self.table} SET state = ? WHERE {self.position} = ?"
            cursor.execute(self.mark(update), (state.replace(old, new), position))

    def delete(self, position: int) -> tuple[Any, ...]:
        """Remove one stored event; its row is returned, to put back later."""
        row = self.row(position)
        with self.cursor() as cursor:
            cursor.execute(self.mark(f"DELETE FROM {self.table} WHERE {self.position} = ?"), (position,))
        return row

    def insert(self, position: int, row: tuple[Any, ...]) -> None:
        """Put a stored event at a position no event holds."""
        with self.cursor() as cursor:
            insert = f"INSERT INTO {self.table} ({self.position}, {COLUMNS}) VALUES (?, ?, ?, ?, ?)"
            cursor.execute(self.mark(insert), (position, *row))


def sealed(application, store_url: str) -> int:
    """Run the sealer until it has sealed the whole log; the log's head."""
    settings = load_settings({"RECTIFY_DATABASE_URL": store_url})
    head = application.recorder.max_notification_id() or 0
    with start_sealer(settings, application):
        seals = open_seals(settings, beside=application.recorder)
        deadline = time.monotonic() + 10
        while seals.position() < head:
            assert time.monotonic() < deadline, f"sealed {seals.position()} of {head}"
            time.sleep(0.01)
    return head
