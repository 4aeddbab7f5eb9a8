"""Fixtures shared by every test folder: the stores the service runs on, and the clock the session runs on."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

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


@contextmanager
def fresh_store(kind: str, folder: Path) -> Iterator[str]:
    """A fresh, initialised store of `kind` ("sqlite" or "postgres"): a file in `folder`, or a schema of its own."""
    from service.config import initialise_store, load_settings

    if kind == "sqlite":
        url = f"sqlite:///{folder}/rectify.db"
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
        yield url
        return
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}schema={schema}"
    try:
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
        yield url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, initialised store: a SQLite file, or a schema of its own in PostgreSQL."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_available")
    with fresh_store(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def projector(store_url: str) -> Iterator[object]:
    """The read-model projector following the store, in threads of the test process."""
    from service.config import load_settings
    from service.read_store import following

    with following(load_settings({"RECTIFY_DATABASE_URL": store_url})) as runner:
        yield runner
