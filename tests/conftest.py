"""Fixtures shared by every test folder: the stores the service runs on."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_URL = os.environ.get("RECTIFY_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("RECTIFY_REQUIRE_POSTGRES", "") not in ("", "0", "no")


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


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh, initialised store: a SQLite file, or a schema of its own in PostgreSQL."""
    from service.config import initialise_store, load_settings

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/rectify.db"
        initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
        yield url
        return
    request.getfixturevalue("postgres_available")
    import psycopg

    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}schema={schema}"
    initialise_store(load_settings({"RECTIFY_DATABASE_URL": url}))
    try:
        yield url
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def projector(store_url: str) -> Iterator[object]:
    """The read-model projector following the store, in threads of the test process."""
    from projections.runtime import start_runner
    from service.config import load_settings

    with start_runner(load_settings({"RECTIFY_DATABASE_URL": store_url})) as runner:
        yield runner
