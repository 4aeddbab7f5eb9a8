"""The read model's view, one class per store, as the library's projection docs lay out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Composed

from projections.view import APPLICATION_NAME, ReadModelSQL, pyformat, table_statements


class SQLiteReadModelView(SQLiteTrackingRecorder, ReadModelSQL):
    """The read model in its own SQLite file (the library's tracking table name is fixed)."""

    tables = {"findings": "findings", "facts": "finding_facts", "units": "unit_facts", "prefix": ""}

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *table_statements(self.tables, "INTEGER")]

    def read(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=False)

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as connection:
            # A commit need not wait for the disk: the rows and their position commit together, so a
            # power cut loses at most the last batches, which the projector then processes again.
            connection.cursor().execute("PRAGMA synchronous = NORMAL")
            with connection.transaction(commit=True) as cursor:
                yield cursor

    def record(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def tidy(self) -> None:
        with self.write() as cursor:
            cursor.execute("ANALYZE")

    def reset(self) -> None:
        """Drop the tables and the tracking position and make them anew (a newer layout too), to rebuild."""
        self.create_table()
        with self.write() as cursor:
            for table in ("findings", "facts", "units"):
                cursor.execute(f"DROP TABLE IF EXISTS {self.tables[table]}")
            cursor.execute("DELETE FROM tracking WHERE application_name = ?", (APPLICATION_NAME,))
        self.create_table()


class PostgresReadModelView(PostgresTrackingRecorder, ReadModelSQL):
    """The read model in tables beside the events, named after the projection."""

    def __init__(self, datastore: PostgresDatastore, *, tracking_table_name: str, **kwargs: Any):
        super().__init__(datastore, tracking_table_name=tracking_table_name, **kwargs)
        prefix = tracking_table_name.removesuffix("_tracking")
        schema = f'"{datastore.schema}".'
        self.tables = {
            "findings": f"{schema}{prefix}_findings",
            "facts": f"{schema}{prefix}_facts",
            "units": f"{schema}{prefix}_units",
            "prefix": f"{prefix}_",
        }
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in table_statements(self.tables, "BIGINT"))

    def read(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=False)

    def write(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=True)

    placeholder = "%s"

    def statement(self, sql: str) -> Any:
        return pyformat(sql)

    def record(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def tidy(self) -> None:
        # VACUUM may not run in a transaction: the pool's connections are in autocommit mode.
        with self.datastore.get_connection() as connection:
            for table in ("findings", "facts", "units"):
                connection.execute(f"VACUUM ANALYZE {self.tables[table]}")

    def reset(self) -> None:
        """Drop the tables and the tracking position and make them anew (a newer layout too), to rebuild."""
        self.create_table()
        with self.write() as cursor:
            cursor.execute(f"DROP TABLE {self.tables['findings']}, {self.tables['facts']}, {self.tables['units']}")
            cursor.execute(
                f'DELETE FROM "{self.datastore.schema}".{self.tracking_table_name} WHERE application_name = %s',
                (APPLICATION_NAME,),
            )
        self.create_table()
