"""SQLite recorder with idempotency keys and positioned reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import (
    SQLiteApplicationRecorder,
    SQLiteConnection,
    SQLiteConnectionPool,
    SQLiteCursor,
    SQLiteFactory,
)
from eventsourcing.utils import Environment, EnvType

from service.stores import IdempotencyRecord, idempotency_from_row, idempotency_row
from service.stores.evidence import SQLITE_CREATE_STATEMENTS, EvidenceTables, sqlite_statements
from service.stores.polling import DEFAULT_POLL_INTERVAL, PollingSubscription, WatchedSubscription


class SQLiteRectifyRecorder(EvidenceTables, SQLiteApplicationRecorder):
    """The library's SQLite recorder, plus the `idempotency_keys` table, evidence files and a polling subscription."""

    poll_interval = DEFAULT_POLL_INTERVAL
    evidence_sql = sqlite_statements()

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            "CREATE TABLE IF NOT EXISTS idempotency_keys ("
            "key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, "
            "originator_id TEXT NOT NULL, originator_version INTEGER NOT NULL)",
            *SQLITE_CREATE_STATEMENTS,
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The key goes in first: a repeat fails before any event is written.
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute("INSERT INTO idempotency_keys VALUES (?, ?, ?, ?)", idempotency_row(record))
        return super()._insert_events(c, stored_events, **kwargs)

    def select_idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record stored under a key, if any."""
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT * FROM idempotency_keys WHERE key = ?", (key,))
            row = c.fetchone()
        return idempotency_from_row(row) if row else None

    def select_positioned_events(self, originator_id: UUID) -> list[Notification]:
        """One aggregate's events, oldest first, each with its position in the log."""
        statement = f"SELECT rowid, * FROM {self.events_table_name} WHERE originator_id = ? ORDER BY originator_version"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (originator_id.hex,))
            rows = c.fetchall()
        return [
            Notification(
                id=row["rowid"],
                originator_id=originator_id,
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=row["state"],
            )
            for row in rows
        ]

    def select_events_after(self, originator_id: UUID, version: int) -> tuple[int, list[StoredEvent]]:
        """How many events an aggregate has stored, and those after `version`, oldest first: one read."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(self.select_events_after_statement, (originator_id.hex, originator_id.hex, version))
            rows = c.fetchall()
        return rows[0]["stored"], [
            StoredEvent(originator_id, row["originator_version"], row["topic"], row["state"])
            for row in rows
            if row["originator_version"] is not None
        ]

    def select_extents(self, originator_ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]:
        """How many events each aggregate has stored, and its last version, in one read."""
        marks = ", ".join("?" for _ in originator_ids)
        statement = (
            f"SELECT originator_id, COUNT(*) AS stored, MAX(originator_version) AS last FROM {self.events_table_name} "
            f"WHERE originator_id IN ({marks}) GROUP BY originator_id"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, [originator_id.hex for originator_id in originator_ids])
            rows = c.fetchall()
        return {UUID(row["originator_id"]): (row["stored"], row["last"]) for row in rows}

    @property
    def select_events_after_statement(self) -> str:
        # One row with a NULL version when nothing follows; the count reads only the primary key's index.
        table = self.events_table_name
        return (
            f"SELECT (SELECT COUNT(*) FROM {table} WHERE originator_id = ?) AS stored, "
            f"e.originator_version, e.topic, e.state FROM (SELECT 1) AS one LEFT JOIN {table} AS e "
            "ON e.originator_id = ? AND e.originator_version > ? ORDER BY e.originator_version"
        )

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> PollingSubscription:
        """A subscription (the library's SQLite recorder has none): on a file, one woken once something was
        committed to it; in memory, one that reads every `poll_interval`."""
        pool = self.datastore.pool
        if pool.is_sqlite_memory_mode:  # one process: nothing to ask the file
            return PollingSubscription(self, gt=gt, topics=topics, interval=self.poll_interval)
        return WatchedSubscription(self, pool.db_name, gt=gt, topics=topics)

    def select_share(
        self, after: int, stop: int, limit: int, *, prefix: str, part: int, parts: int
    ) -> list[Notification]:
        """Up to `limit` records after `after` up to `stop`, in position order: those whose topic begins with
        `prefix` only if the originator id's last byte, modulo `parts`, is `part`, the others all (ids are
        stored as 32 hex digits: the last two are the last byte)."""
        last_byte = (
            "((instr('0123456789abcdef', substr(originator_id, 31, 1)) - 1) * 16"
            " + instr('0123456789abcdef', substr(originator_id, 32, 1)) - 1)"
        )
        statement = (
            f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid > ? AND rowid <= ? "
            f"AND (substr(topic, 1, ?) != ? OR {last_byte} % ? = ?) ORDER BY rowid LIMIT ?"
        )
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, (after, stop, len(prefix), prefix, parts, part, limit))
            rows = c.fetchall()
        return list(map(self.notification, rows))

    def notification(self, row: Any) -> Notification:
        """A stored record, as the library's recorder gives it, from a row of the events table and its rowid."""
        return Notification(
            id=row["rowid"],
            originator_id=self.convert_originator_id(row["originator_id"]),
            originator_version=row["originator_version"],
            topic=row["topic"],
            state=row["state"],
        )

    def select_records(self, positions: Sequence[int]) -> list[Notification]:
        """The stored records at these positions (those still there), in position order."""
        found: list[Notification] = []
        for start in range(0, len(positions), 500):
            chunk = list(positions[start : start + 500])
            marks = ", ".join("?" for _ in chunk)
            statement = f"SELECT rowid, * FROM {self.events_table_name} WHERE rowid IN ({marks}) ORDER BY rowid"
            with self.datastore.transaction(commit=False) as c:
                c.execute(statement, chunk)
                found.extend(map(self.notification, c.fetchall()))
        return found


class SynchronousSQLitePool(SQLiteConnectionPool):
    """The library's pool of connections, each opened with SQLite's `synchronous` setting at a given level."""

    def __init__(self, *, db_name: str, lock_timeout: int | None, synchronous: str):
        self.synchronous = synchronous
        super().__init__(db_name=db_name, lock_timeout=lock_timeout)

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        connection.cursor().execute(f"PRAGMA synchronous={self.synchronous}")  # outside any transaction
        return connection


class RectifySQLiteFactory(SQLiteFactory):
    """The library's SQLite factory, with `SQLITE_SYNCHRONOUS` (`full`, the default, or `normal`).

    In WAL mode `normal` skips the sync at each commit (the WAL is synced at checkpoints): the file stays
    consistent, but commits of the last moments before a power cut or an operating system crash may be lost.
    """

    SQLITE_SYNCHRONOUS = "SQLITE_SYNCHRONOUS"
    LEVELS = ("FULL", "NORMAL")

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        level = (self.env.get(self.SQLITE_SYNCHRONOUS) or "full").strip().upper()
        if level not in self.LEVELS:
            raise OSError(f"SQLITE_SYNCHRONOUS must be full or normal, not {level.lower()!r}")
        if level != "FULL":
            unused, self.datastore.pool = (
                self.datastore.pool,
                SynchronousSQLitePool(
                    db_name=self.datastore.pool.db_name,
                    lock_timeout=self.datastore.pool.lock_timeout,
                    synchronous=level,
                ),
            )
            unused.close()
