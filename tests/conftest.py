"""Fixtures shared by every test folder: the stores the service runs on, and the clock the session runs on."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import settings

# Speed is measured in bench/, never asserted by a test: hypothesis's 200 ms deadline per example is a timed
# assertion that a loaded machine fails. Every property test runs without one.
settings.register_profile("rectify", deadline=None)
settings.load_profile("rectify")

# RECTIFY_TEST_NOW=2026-11-29T23:30:00+08:00 runs the whole session from that moment on (`make test-dates`).
TEST_NOW = "RECTIFY_TEST_NOW"
# Holds the sitecustomize that makes every Python process the tests start travel with them.
SUBPROCESS_CLOCK = Path(__file__).parent / "e2e" / "clock"
SESSION_TRAVEL = pytest.StashKey[tuple[time_machine.travel, pytest.MonkeyPatch]]()

POSTGRES_URL = os.environ.get("RECTIFY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("RECTIFY_REQUIRE_POSTGRES", "") not in ("", "0", "no")
CHROMIUM = Path("/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("RECTIFY_REQUIRE_BROWSER", "") not in ("", "0", "no")


def pinned_moment() -> datetime | None:
    """The moment RECTIFY_TEST_NOW names, or None when it is unset."""
    value = os.environ.get(TEST_NOW, "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"{TEST_NOW} must be an ISO 8601 moment, not {value!r}") from None
    if moment.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW} needs a UTC offset, e.g. 2026-11-29T23:30:00+08:00, not {value!r}")
    return moment


def pytest_configure(config: pytest.Config) -> None:
    """Travel to RECTIFY_TEST_NOW, ticking, before any test is collected; Python subprocesses follow."""
    moment = pinned_moment()
    if moment is None:
        return
    environment = pytest.MonkeyPatch()
    environment.setenv("RECTIFY_TEST_NOW_SINCE", repr(time.time()))
    environment.setenv("PYTHONPATH", str(SUBPROCESS_CLOCK), prepend=os.pathsep)
    travel = time_machine.travel(moment.timestamp(), tick=True)
    travel.start()
    time.time()  # ticking starts at the first reading: take it at the moment RECTIFY_TEST_NOW_SINCE names
    config.stash[SESSION_TRAVEL] = (travel, environment)


def pytest_unconfigure(config: pytest.Config) -> None:
    travel, environment = config.stash.get(SESSION_TRAVEL, (None, None))
    if travel is not None and environment is not None:
        travel.stop()
        environment.undo()


def pytest_report_header(config: pytest.Config) -> str:
    moment = pinned_moment()
    return f"clock: {TEST_NOW}={moment.isoformat()}, ticking" if moment else "clock: the real one"


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for tests, or None when it can."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable ({str(error).strip()})"


@pytest.fixture(scope="session")
def postgres_available() -> None:
    """Skip PostgreSQL tests with the reason when it is unreachable; fail instead when it is required."""
    problem = postgres_problem()
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"{problem}; RECTIFY_REQUIRE_POSTGRES is set, so PostgreSQL tests must run", pytrace=False)
    pytest.skip(f"{problem}; set RECTIFY_TEST_DATABASE_URL to run them")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, or a skip with the reason (a failure when RECTIFY_REQUIRE_BROWSER is set)."""
    if CHROMIUM.exists():
        return CHROMIUM
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk"
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; RECTIFY_REQUIRE_BROWSER is set, so the browser tests must run", pytrace=False)
    pytest.skip(reason)


class SchemaPool:
    """PostgreSQL schemas made by `rectify init` once and emptied after each test, for the next test to take.

    Creating a schema's tables and dropping them again costs PostgreSQL a few hundred milliseconds of catalog
    work and flushed commits per test; emptying them costs a tenth of that, and DELETE a tenth of TRUNCATE
    (which gives each table new files: 75 against 6 ms for the 21 tables, idle, timed once by hand). A schema
    whose tables a test changed (dropped, renamed, added) is dropped instead of reused, so every test still
    starts from what `init` made, its sequences restarted.
    """

    def __init__(self) -> None:
        self.free: list[tuple[str, frozenset[str]]] = []
        self.made_by_init: dict[str, list[tuple[object, ...]]] = {}  # rows `init` writes, by table (tracking)
        self.sequences: list[str] = []  # the sequences `init` makes, the same in every schema
        self.kept: Any = None  # the connection `connection()` keeps

    def take(self) -> tuple[str, frozenset[str]]:
        if self.free:
            return self.free.pop()
        import psycopg

        from service.config import initialise_store, load_settings

        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": schema_url(schema)}))
        tables = self.tables(schema)
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            found = connection.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", (schema,))
            self.sequences = [name for (name,) in found.fetchall()]
            for table in tables:
                rows = connection.execute(f"SELECT * FROM {schema}.{table}").fetchall()  # type: ignore[arg-type]
                if rows:
                    self.made_by_init[table] = rows
        return schema, tables

    def give_back(self, schema: str, tables: frozenset[str]) -> None:
        import psycopg

        connection = self.connection()
        try:
            if self.tables(schema) == tables:
                try:
                    with connection.transaction():
                        connection.execute("SET LOCAL lock_timeout = '2s'")
                        for table in sorted(tables):  # the view's tables have no foreign keys to order them by
                            connection.execute(f"DELETE FROM {schema}.{table}")  # type: ignore[arg-type]
                        for sequence in self.sequences:
                            connection.execute(f"ALTER SEQUENCE {schema}.{sequence} RESTART")  # type: ignore[arg-type]
                        for table, rows in self.made_by_init.items():
                            marks = ", ".join(["%s"] * len(rows[0]))
                            with connection.cursor() as cursor:
                                cursor.executemany(f"INSERT INTO {schema}.{table} VALUES ({marks})", rows)  # type: ignore[arg-type]
                except psycopg.Error:
                    pass  # a server the test left running still holds a lock: drop the schema instead
                else:
                    self.free.append((schema, tables))
                    return
            connection.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]
        except psycopg.Error:
            self.close()  # the next test connects afresh
            raise

    def connection(self) -> Any:
        """The connection this test process keeps for emptying schemas: connecting afresh cost as much again."""
        import psycopg

        if self.kept is None or self.kept.closed:
            self.kept = psycopg.connect(POSTGRES_URL, autocommit=True)
        return self.kept

    def close(self) -> None:
        if self.kept is not None:
            self.kept.close()
            self.kept = None

    def tables(self, schema: str) -> frozenset[str]:
        rows = self.connection().execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,)).fetchall()
        return frozenset(row[0] for row in rows)

    def drop_all(self) -> None:
        connection = self.connection()
        for schema, _ in self.free:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")  # type: ignore[arg-type]
        self.free.clear()


def schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}schema={schema}"


SCHEMAS = SchemaPool()


class SQLiteStore:
    """The files `rectify init` makes for a SQLite store, made once per test process and copied for each test.

    Initialising costs a few tens of milliseconds of table creation and flushed commits; copying the three
    small files, closed and in WAL mode, costs a millisecond.
    """

    def __init__(self) -> None:
        self.made: Path | None = None

    def copy_to(self, folder: Path) -> None:
        if self.made is None:
            from service.config import initialise_store, load_settings

            made = Path(tempfile.mkdtemp(prefix="rectify-store-"))
            initialise_store(load_settings({"RECTIFY_DATABASE_URL": f"sqlite:///{made}/rectify.db"}))
            self.made = made
        folder.mkdir(parents=True, exist_ok=True)
        for file in self.made.iterdir():
            shutil.copyfile(file, folder / file.name)

    def remove(self) -> None:
        if self.made is not None:
            shutil.rmtree(self.made, ignore_errors=True)
            self.made = None


SQLITE_STORE = SQLiteStore()


def pytest_sessionfinish(session: pytest.Session) -> None:
    SQLITE_STORE.remove()
    if SCHEMAS.free:
        SCHEMAS.drop_all()
    SCHEMAS.close()


@contextmanager
def fresh_store(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, initialised store of `kind` ("sqlite" or "postgres"): a file in `folder`, or a schema of its own."""
    if kind == "sqlite":
        SQLITE_STORE.copy_to(folder)
        yield f"sqlite:///{folder}/rectify.db"
        return
    schema, tables = SCHEMAS.take()
    try:
        yield schema_url(schema)
    finally:
        SCHEMAS.give_back(schema, tables)


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, initialised store: a SQLite file, or a schema of its own in PostgreSQL."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_available")
    with fresh_store(request.param, tmp_path) as url:
        yield url


# The demo's stories end at "now": a test that names what a seed's stories hold seeds them at this moment, a
# Wednesday morning in Shanghai, whatever the clock of the session says (at 10:40 on a Tuesday, seed 7 drew no
# escalation).
DEMO_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at_demo_moment() -> time_machine.travel:
    """Travel to DEMO_NOW, the clock ticking from there, for the time of a `with` block."""
    return time_machine.travel(DEMO_NOW, tick=True)


@pytest.fixture
def projector(store_url: str) -> Iterator[object]:
    """The read-model projector following the store, in threads of the test process."""
    from service.config import load_settings
    from service.read_store import following

    with following(load_settings({"RECTIFY_DATABASE_URL": store_url})) as runner:
        yield runner
