"""The event store: one URL setting mapped onto the eventsourcing library's settings.

Each store's application recorder adds two things the library lacks, in the same
transaction as the events: idempotency keys (so a repeated command records
nothing, across workers and restarts) and events read back with their positions.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import Notification

DEFAULT_DATABASE_URL = "sqlite:///var/rectify.db"


class InvalidDatabaseUrl(ValueError):
    """RECTIFY_DATABASE_URL names no store this service can use."""


@dataclass(frozen=True)
class IdempotencyRecord:
    """A command's key, what the request looked like, and what it recorded."""

    key: str
    fingerprint: str
    originator_id: UUID
    originator_version: int


class RectifyRecorder(Protocol):
    """What the application needs from its recorder beyond the library's interface."""

    def select_idempotency(self, key: str) -> IdempotencyRecord | None: ...

    def select_positioned_events(self, originator_id: UUID) -> list[Notification]: ...


def store_env(url: str, *, create_tables: bool = False) -> dict[str, str]:
    """The library's settings for a database URL (`sqlite:///…`, `postgresql://…`, `memory:`)."""
    scheme = url.split(":", 1)[0].lower()
    env = {"CREATE_TABLE": "y" if create_tables else "n"}
    if scheme == "memory":
        return env | {
            "PERSISTENCE_MODULE": "service.stores.popo",
            "CREATE_TABLE": "y",
        }
    if scheme == "sqlite":
        return env | _sqlite_env(url)
    if scheme in ("postgresql", "postgres"):
        return env | _postgres_env(url)
    raise InvalidDatabaseUrl(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://…")


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///relative` or `sqlite:////absolute` URL names."""
    if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
        raise InvalidDatabaseUrl(f"SQLite URL must look like sqlite:///var/rectify.db, not {url!r}")
    return Path(url[len("sqlite:///") :])


def _sqlite_env(url: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(sqlite_path(url)),
        "SQLITE_LOCK_TIMEOUT": "30",
        "APPLICATION_RECORDER_TOPIC": "service.stores.sqlite:SQLiteRectifyRecorder",
    }


def _postgres_env(url: str) -> dict[str, str]:
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if not parts.hostname or not parts.path.strip("/"):
        raise InvalidDatabaseUrl(f"PostgreSQL URL needs a host and a database name: {url!r}")
    env = {
        "PERSISTENCE_MODULE": "service.stores.outage:RectifyPostgresFactory",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")),
        "POSTGRES_HOST": parts.hostname,
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        # How long a request waits for a connection before its 503 (`?connect_timeout=N` in the URL).
        "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", ["5"])[0],
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "APPLICATION_RECORDER_TOPIC": "service.stores.postgres:PostgresRectifyRecorder",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = query["schema"][0]
    return env


def idempotency_row(record: IdempotencyRecord) -> tuple[Any, ...]:
    """The values of a record as stored, in column order."""
    return (record.key, record.fingerprint, record.originator_id.hex, record.originator_version)


def idempotency_from_row(row: Any) -> IdempotencyRecord:
    """A record from a stored row."""
    return IdempotencyRecord(
        key=row["key"],
        fingerprint=row["fingerprint"],
        originator_id=UUID(str(row["originator_id"])),
        originator_version=int(row["originator_version"]),
    )
