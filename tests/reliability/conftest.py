"""Fixtures of the fault tests: a real server on a fresh store, a PostgreSQL cluster of their own."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_POSTGRES
from tests.reliability.serving import PostgresCluster, Server

pytestmark = pytest.mark.e2e


@pytest.fixture
def serve_folder(tmp_path: Path) -> Path:
    return tmp_path


def sqlite_server(folder: Path, **env: str) -> Server:
    """A server (not started) on a fresh SQLite file in `folder`."""
    return Server(folder, {**os.environ, "RECTIFY_DATABASE_URL": f"sqlite:///{folder}/rectify.db", **env})


@pytest.fixture
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running cluster of the test's own; fails (not skips) without server binaries when PostgreSQL is required."""
    try:
        cluster = PostgresCluster()
    except RuntimeError as problem:
        if REQUIRE_POSTGRES:
            pytest.fail(f"{problem}; RECTIFY_REQUIRE_POSTGRES is set, so PostgreSQL tests must run", pytrace=False)
        pytest.skip(str(problem))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.remove()
