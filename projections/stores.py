"""The read model's view, one class per store, as the library's projection docs lay out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Composed

from projections.view import (
    APPLICATION_NAME,
    FILTERED_COLUMNS,
    VIEW_TABLES,
    ReadModelSQL,
    index_statements,
    pyformat,
    table_statements,
)


class SQLiteReadModelView(SQLiteTrackingRecorder, ReadModelSQL):
    """The read model in its own SQLite file (the library's tracking table name is fixed)."""

    tables = {
        "findings": "findings",
        "facts": "finding_facts",
        "units": "unit_facts",
        "audit": "audit_entries",
        "users": "users",
        "standing": "standing_counts",
        "groups": "standing_groups",
        "boundaries": "count_boundaries",
        "events": "event_counts",
        "event_groups": "event_groups",
        "layout": "view_layout",
        "zone": "view_zone",
        "text": "finding_text",
        "prefix": "",
    }

    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any):
        super().__init__(datastore, **kwargs)

    def create_table(self) -> None:
        self.drop_replaced()  # tables a rebuild set aside and did not drop: their indexes hold the names
        super().create_table()

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *self.bare_tables(), *self.index_statements()]

    def bare_tables(self) -> list[str]:
        # The searched texts in an FTS5 index of trigrams, keyed by issued position: a LIKE of three characters
        # or more is answered from it. (Patterns of one or two it answers wrongly: those read the findings.)
        text = f"CREATE VIRTUAL TABLE IF NOT EXISTS {self.tables['text']} USING fts5(text, tokenize = 'trigram')"
        return [*table_statements(self.tables, "INTEGER"), text]

    def insert_texts(self, cursor: Any, rows: list[tuple[int, str]]) -> None:
        cursor.executemany(f"INSERT INTO {self.tables['text']} (rowid, text) VALUES (?, ?)", rows)

    def text_condition(self, *, escaped: bool, like: str) -> str:  # SQLite's LIKE is the one for both
        escape = " ESCAPE '\\'" if escaped else ""
        return f"issued_position IN (SELECT rowid FROM {self.tables['text']} WHERE text LIKE :q{escape})"

    def read(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=False)

    @contextmanager
    def write(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=True) as connection:
            # A commit need not wait for the disk: the rows and their position commit together, so a
            # power cut loses at most the last batches, which the projector then processes again.
            connection.cursor().execute("PRAGMA synchronous = NORMAL")
            # Pages freed are not overwritten with zeros first, where that would write pages not written anyway
            # (some builds of SQLite, Debian's among them, zero every one): dropping the tables a rebuild
            # replaced would write each of their pages once more. The view holds nothing the log does not.
            connection.cursor().execute("PRAGMA secure_delete = FAST")
            with connection.transaction(commit=True) as cursor:
                yield cursor

    def record(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def analyze(self) -> None:
        with self.write() as cursor:
            cursor.execute("ANALYZE")

    def has_table(self, table: str) -> bool:
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"
        return bool(self.select(found, {"name": self.tables[table]}))

    def drop(self, cursor: Any) -> None:
        # Renaming is instant; dropping walks every page. The caller drops the renamed tables later
        # (`drop_replaced`), in one step that leaves the interpreter to the threads loading the new ones.
        # (`reset` has made the tables first, and with them dropped any an interrupted rebuild set aside.)
        for table in VIEW_TABLES:
            cursor.execute(f"ALTER TABLE {self.tables[table]} RENAME TO {self.tables[table]}_replaced")
        cursor.execute(f"DELETE FROM {self.tracking_table()} WHERE application_name = ?", (APPLICATION_NAME,))
        self.forget_parts(cursor)

    def tracking_table(self) -> str:
        return "tracking"

    def drop_replaced(self) -> None:
        with self.write() as cursor:
            for table in VIEW_TABLES:
                cursor.execute(f"DROP TABLE IF EXISTS {self.tables[table]}_replaced")


COPY_FROM = 500  # rows: fewer go in one statement, more are copied (a rebuild writes 50,000 events' rows at a time)


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
            "audit": f"{schema}{prefix}_audit",
            "users": f"{schema}{prefix}_users",
            "standing": f"{schema}{prefix}_standing",
            "groups": f"{schema}{prefix}_standing_groups",
            "boundaries": f"{schema}{prefix}_boundaries",
            "events": f"{schema}{prefix}_event_counts",
            "event_groups": f"{schema}{prefix}_event_groups",
            "layout": f"{schema}{prefix}_layout",
            "zone": f"{schema}{prefix}_zone",
            "text": f"{schema}{prefix}_text",
            "prefix": f"{prefix}_",
        }
        statements = [*self.bare_tables(), *self.index_statements()]
        self.sql_create_statements.extend(Composed([SQL(s)]) for s in statements)

    def bare_tables(self) -> list[str]:
        text = f"CREATE TABLE IF NOT EXISTS {self.tables['text']} (issued_position BIGINT PRIMARY KEY, text TEXT)"
        return [*table_statements(self.tables, "BIGINT"), text]

    def index_statements(self) -> list[str]:
        # The searched texts' trigrams in a GIN index, with the pg_trgm extension, made if this user may make it;
        # without it, a search reads the texts' table (narrower than the findings).
        trigrams = (
            "DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;"
            " EXCEPTION WHEN insufficient_privilege THEN NULL; END $$",
            "DO $$ DECLARE trgm name; BEGIN SELECT n.nspname INTO trgm FROM pg_extension e"
            " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';"
            f" IF trgm IS NOT NULL THEN EXECUTE format('CREATE INDEX IF NOT EXISTS {self.tables['prefix']}text_trigrams"
            f" ON {self.tables['text'].replace(chr(39), chr(39) * 2)} USING gin (text %I.gin_trgm_ops)', trgm);"
            " END IF; END $$",
        )
        return [*index_statements(self.tables), *trigrams]

    def insert_texts(self, cursor: Any, rows: list[tuple[int, str]]) -> None:
        self.insert(cursor, "text", ("issued_position", "text"), rows)

    def text_condition(self, *, escaped: bool, like: str) -> str:
        texts = f"SELECT issued_position FROM {self.tables['text']} WHERE text {like} :q ESCAPE '\\'"
        return f"issued_position IN ({texts})"

    def read(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=False)

    def write(self) -> AbstractContextManager[Any]:
        return self.datastore.transaction(commit=True)

    placeholder = "%s"
    like = "ILIKE"
    lateral = True
    grouping_sets = True
    monday = "to_char(date_trunc('week', {}::date), 'YYYY-MM-DD')"

    def statement(self, sql: str) -> Any:
        return pyformat(sql)

    def record(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def insert(self, cursor: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if len(rows) < COPY_FROM:
            super().insert(cursor, table, columns, rows)
            return
        with cursor.copy(f"COPY {self.tables[table]} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        key: str,
        changing: Sequence[str],
    ) -> None:
        if len(rows) < COPY_FROM:
            super().upsert(cursor, table, columns, rows, key, changing)
            return
        # COPY cannot replace rows: copy into a table of the transaction's own, then upsert from it.
        staging = f"staging_{self.tables['prefix']}{table}"
        cursor.execute(f"CREATE TEMPORARY TABLE {staging} (LIKE {self.tables[table]}) ON COMMIT DROP")
        with cursor.copy(f"COPY {staging} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        names = ", ".join(columns)
        cursor.execute(
            f"INSERT INTO {self.tables[table]} ({names}) SELECT {names} FROM {staging}"
            + self._on_conflict(key, changing)
        )

    def has_table(self, table: str) -> bool:
        rows = self.select("SELECT to_regclass(:name) IS NOT NULL AS found", {"name": self.tables[table]})
        return bool(rows[0]["found"])

    def analyze(self) -> None:
        # VACUUM (which lets the circular count from its covering index alone) may not run in a
        # transaction: the pool's connections are in autocommit mode. Statistics are gathered for
        # the columns queries filter on: sampling the long texts too would take longer than the rest.
        with self.datastore.get_connection() as connection:
            for table in VIEW_TABLES:
                connection.execute(f"VACUUM {self.tables[table]}")
                connection.execute(f"ANALYZE {self.tables[table]} ({', '.join(FILTERED_COLUMNS[table])})")

    def drop(self, cursor: Any) -> None:
        tables = ", ".join(self.tables[table] for table in VIEW_TABLES)
        cursor.execute(f"DROP TABLE IF EXISTS {tables}")
        cursor.execute(f"DELETE FROM {self.tracking_table()} WHERE application_name = %s", (APPLICATION_NAME,))
        self.forget_parts(cursor)

    def tracking_table(self) -> str:
        return f'"{self.datastore.schema}".{self.tracking_table_name}'
