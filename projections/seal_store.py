"""Where the seals are kept: a table of their own, with the library's tracking, one class per store.

SQLite keeps them in a file of their own beside the events (`rectify.seals.db`),
PostgreSQL in `seals` beside the events. Unlike the read model, the seals are
never rebuilt by the service: rebuilt from a changed log, they would seal the change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Composed

from projections.sealing import Seal
from projections.view import APPLICATION_NAME, pyformat

PAGE = 5000


def seal_statements(seals: str, checks: str, big: str) -> list[str]:
    """CREATE statements of the seal table and of the table keeping the last scheduled check's verdict."""
    return [
        f"CREATE TABLE IF NOT EXISTS {seals} (position {big} PRIMARY KEY, seal TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {checks} (checked_at TEXT NOT NULL, verdict TEXT NOT NULL)",
    ]


class SealSQL:
    """The seal table's statements over a store's cursor; subclasses say how to reach the store."""

    seals_table: str
    checks_table: str

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def statement(self, sql: str) -> Any:
        return sql

    def _insert_tracking(self, cursor: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def max_tracking_id(self, application_name: str) -> int | None:
        raise NotImplementedError

    def select(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self.transaction(commit=False) as cursor:
            cursor.execute(self.statement(sql.format(seals=self.seals_table, checks=self.checks_table)), params or {})
            return [dict(row) for row in cursor.fetchall()]

    def position(self) -> int:
        """The position of the last record sealed (0 before any)."""
        return self.max_tracking_id(APPLICATION_NAME) or 0

    def append(self, seals: Sequence[Seal]) -> None:
        """Keep the seals of the next records, and the position they reach, in one transaction."""
        insert = f"INSERT INTO {self.seals_table} (position, seal) VALUES (:position, :seal)"
        with self.transaction(commit=True) as cursor:
            cursor.executemany(self.statement(insert), [seal._asdict() for seal in seals])
            self._insert_tracking(cursor, Tracking(APPLICATION_NAME, seals[-1].position))

    def last(self, up_to: int | None = None) -> Seal | None:
        """The seal of the last record sealed, or of the last at or before a position."""
        rows = self.select(
            "SELECT position, seal FROM {seals} WHERE position <= :up_to ORDER BY position DESC LIMIT 1",
            {"up_to": self.position() if up_to is None else up_to},
        )
        return Seal(rows[0]["position"], rows[0]["seal"]) if rows else None

    def between(self, first: int, last: int) -> dict[int, str]:
        """The seals of positions from `first` to `last`, by position."""
        rows = self.select(
            "SELECT position, seal FROM {seals} WHERE position BETWEEN :first AND :last", {"first": first, "last": last}
        )
        return {row["position"]: row["seal"] for row in rows}

    def around(self, position: int) -> tuple[str | None, str | None]:
        """The seal kept for a position (None: none is) and the last one kept before it."""
        rows = self.select(
            "SELECT position, seal FROM {seals} WHERE position <= :p ORDER BY position DESC LIMIT 2", {"p": position}
        )
        if rows and rows[0]["position"] == position:
            return rows[0]["seal"], rows[1]["seal"] if len(rows) > 1 else None
        return None, rows[0]["seal"] if rows else None

    def all(self, page: int = PAGE) -> Iterator[Seal]:
        """Every seal in position order, read a page at a time (as plain tuples: a check reads millions)."""
        sql = self.statement(
            f"SELECT position, seal FROM {self.seals_table} WHERE position > :after ORDER BY position LIMIT :page"
        )
        after = -1
        while True:
            with self.transaction(commit=False) as cursor:
                cursor.execute(sql, {"after": after, "page": page})
                rows = [Seal._make(row.values() if isinstance(row, dict) else row) for row in cursor.fetchall()]
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].position

    def keep_check(self, checked_at: str, verdict: dict[str, Any]) -> None:
        """Keep the verdict of the last scheduled check, for /readyz to report."""
        with self.transaction(commit=True) as cursor:
            cursor.execute(f"DELETE FROM {self.checks_table}")
            insert = f"INSERT INTO {self.checks_table} (checked_at, verdict) VALUES (:checked_at, :verdict)"
            cursor.execute(self.statement(insert), {"checked_at": checked_at, "verdict": json.dumps(verdict)})

    def last_check(self) -> dict[str, Any] | None:
        """The verdict of the last scheduled check and when it ran, if one has."""
        rows = self.select("SELECT checked_at, verdict FROM {checks}")
        return {"checked_at": rows[0]["checked_at"], **json.loads(rows[0]["verdict"])} if rows else None


class SQLiteSealStore(SQLiteTrackingRecorder, SealSQL):
    """The seals in their own SQLite file."""

    seals_table = "seals"
    checks_table = "seal_checks"

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *seal_statements("seals", "seal_checks", "INTEGER")]

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)


class PostgresSealStore(PostgresTrackingRecorder, SealSQL):
    """The seals in a table beside the events."""

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str, **kwargs: Any):
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        prefix = f'"{datastore.schema}".{tracking_table_name.removesuffix("_tracking")}'
        self.seals_table, self.checks_table = prefix, f"{prefix}_checks"
        statements = seal_statements(self.seals_table, self.checks_table, "BIGINT")
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in statements)

    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=commit)

    def statement(self, sql: str) -> Any:
        return pyformat(sql)


SealStore = SQLiteSealStore | PostgresSealStore
