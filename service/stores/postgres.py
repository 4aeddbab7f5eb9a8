"""PostgreSQL recorder with idempotency keys and positioned reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from service.stores import IdempotencyRecord, idempotency_from_row, idempotency_row
from service.stores.evidence import EvidenceTables, postgres_evidence
from service.stores.polling import ListeningSubscription


class PostgresRectifyRecorder(EvidenceTables, PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, plus idempotency and evidence tables beside the events."""

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name=events_table_name)
        table = Identifier(self.datastore.schema, events_table_name.removesuffix("_events") + "_idempotency")
        events = Identifier(self.datastore.schema, events_table_name)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (key text PRIMARY KEY, fingerprint text NOT NULL, "
                "originator_id uuid NOT NULL, originator_version bigint NOT NULL)"
            ).format(table)
        )
        creates, self.evidence_sql = postgres_evidence(self.datastore.schema, events_table_name.removesuffix("_events"))
        self.sql_create_statements.extend(creates)
        # A key another request holds is waited for, then left alone: no error inside the library's pipeline, whose
        # later statements would then fail as "pipeline aborted" (an OperationalError, a 503) where the key's
        # conflict was meant (an IntegrityError, the replay).
        self.insert_idempotency_statement = SQL(
            "INSERT INTO {0} VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO NOTHING RETURNING key"
        ).format(table)
        self.select_idempotency_statement = SQL("SELECT * FROM {0} WHERE key = %s").format(table)
        self.select_records_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
            "WHERE notification_id = ANY(%s) ORDER BY notification_id"
        ).format(events)
        # The records after a position up to another but, of those whose topic begins so, only the share whose
        # originator id's last byte, modulo the shares, is this one's (`projections.parts`).
        self.select_share_statement = SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {0} "
            "WHERE notification_id > %s AND notification_id <= %s AND (left(topic, %s) <> %s "
            "OR get_byte(uuid_send(originator_id), 15) %% %s = %s) ORDER BY notification_id LIMIT %s"
        ).format(events)
        self.select_positioned_statement = SQL(
            "SELECT notification_id, originator_version, topic, state FROM {0} "
            "WHERE originator_id = %s ORDER BY originator_version"
        ).format(events)
        self.select_extents_statement = SQL(
            "SELECT originator_id, COUNT(*) AS stored, MAX(originator_version) AS last FROM {0} "
            "WHERE originator_id = ANY(%s) GROUP BY originator_id"
        ).format(events)
        # One row with a NULL version when nothing follows; the count reads only the primary key's index.
        self.select_events_after_statement = SQL(
            "SELECT (SELECT COUNT(*) FROM {0} WHERE originator_id = %s) AS stored, "
            "e.originator_version, e.topic, e.state FROM (SELECT 1) AS one LEFT JOIN {0} AS e "
            "ON e.originator_id = %s AND e.originator_version > %s ORDER BY e.originator_version"
        ).format(events)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            curs.execute(self.insert_idempotency_statement, idempotency_row(record))
            if curs.fetchone() is None:  # another request recorded the key first: it is replayed
                raise IntegrityError(f"the Idempotency-Key {record.key!r} was recorded by another request")
        super()._insert_events(curs, stored_events, **kwargs)

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> ListeningSubscription:
        """Reads in the consumer's thread, woken by NOTIFY (the library's pulls in a thread of its own)."""
        return ListeningSubscription(self, gt=gt, topics=topics)

    def select_idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record stored under a key, if any."""
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(self.select_idempotency_statement, (key,))
            row = cursor.fetchone()
        return idempotency_from_row(row) if row else None

    def select_positioned_events(self, originator_id: UUID) -> list[Notification]:
        """One aggregate's events, oldest first, each with its position in the log."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_positioned_statement, (originator_id,))
            rows = curs.fetchall()
        return [
            Notification(
                id=row["notification_id"],
                originator_id=originator_id,
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def select_events_after(self, originator_id: UUID, version: int) -> tuple[int, list[StoredEvent]]:
        """How many events an aggregate has stored, and those after `version`, oldest first: one read."""
        # One statement is read at one moment by itself: no BEGIN and ROLLBACK round trips around it.
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(self.select_events_after_statement, (originator_id, originator_id, version))
            rows = cursor.fetchall()
        return rows[0]["stored"], [
            StoredEvent(originator_id, row["originator_version"], row["topic"], bytes(row["state"]))
            for row in rows
            if row["originator_version"] is not None
        ]

    def select_extents(self, originator_ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]:
        """How many events each aggregate has stored, and its last version, in one read."""
        with self.datastore.get_connection() as connection, connection.cursor() as cursor:
            cursor.execute(self.select_extents_statement, (list(originator_ids),))
            rows = cursor.fetchall()
        return {row["originator_id"]: (row["stored"], row["last"]) for row in rows}

    def select_share(
        self, after: int, stop: int, limit: int, *, prefix: str, part: int, parts: int
    ) -> list[Notification]:
        """Up to `limit` records after `after` up to `stop`, in position order: those whose topic begins with the
        `prefix` only if the originator id's last byte, modulo `parts`, is `part`, the others all."""
        parameters = (after, stop, len(prefix), prefix, parts, part, limit)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_share_statement, parameters)
            rows = curs.fetchall()
        return list(map(notification, rows))

    def select_records(self, positions: Sequence[int]) -> list[Notification]:
        """The stored records at these positions (those still there), in position order."""
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self.select_records_statement, (list(positions),))
            rows = curs.fetchall()
        return list(map(notification, rows))


def notification(row: DictRow) -> Notification:
    """A stored record, as the library's recorder gives it, from a row of the events table."""
    return Notification(
        id=row["notification_id"],
        originator_id=row["originator_id"],
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )
