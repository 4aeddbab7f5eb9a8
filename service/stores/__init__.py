"""The event store: one URL setting mapped onto the eventsourcing library's settings.

Each store's application recorder adds two things the library lacks, in the same
transaction as the events: idempotency keys (so a repeated command records
nothing, across workers and restarts) and events read back with their positions.
"""

from __future__ import annotations

import binascii
from base64 import b64decode
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    Mapper,
    MapperDeserialisationError,
    Notification,
    PersistenceError,
)

DEFAULT_DATABASE_URL = "sqlite:///var/rectify.db"


class InvalidDatabaseUrl(ValueError):
    """RECTIFY_DATABASE_URL names no store this service can use."""


class CipherKeyError(ValueError):
    """RECTIFY_CIPHER_KEY is malformed, or is not the key the stored events were written with."""


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

    def select_records(self, positions: Sequence[int]) -> list[Notification]: ...

    def select_share(
        self, after: int, stop: int, limit: int, *, prefix: str, part: int, parts: int
    ) -> list[Notification]: ...


def application_env(settings: dict[str, Any], *, create_tables: bool = False) -> dict[str, str]:
    """The library's settings of the application over the configured store: its URL, cipher key and time zone."""
    url, key = settings["RECTIFY_DATABASE_URL"], settings.get("RECTIFY_CIPHER_KEY", "")
    return store_env(url, create_tables=create_tables, cipher_key=key) | {
        "RECTIFY_TIMEZONE": settings["RECTIFY_TIMEZONE"]
    }


def store_env(url: str, *, create_tables: bool = False, cipher_key: str = "") -> dict[str, str]:
    """The library's settings for a database URL (`sqlite:///…`, `postgresql://…`, `memory:`) and a cipher key."""
    scheme = url.split(":", 1)[0].lower()
    env = {"CREATE_TABLE": "y" if create_tables else "n"} | cipher_env(cipher_key)
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


def cipher_env(key: str) -> dict[str, str]:
    """The library's AES cipher (GCM) over each stored event's state when a key is set, and no cipher when not.

    The library also reads the process environment, where the application's prefixed
    names (`RECTIFY_CIPHER_KEY`) win over its plain ones: both are set, so this setting decides.
    """
    key = key.strip()
    if key and key_size(key) not in (16, 24, 32):
        raise CipherKeyError("RECTIFY_CIPHER_KEY must be 16, 24 or 32 bytes in base64: make one with `rectify keygen`")
    settings = {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher" if key else "", "CIPHER_KEY": key}
    return settings | {f"RECTIFY_{name}": value for name, value in settings.items()}


def key_size(key: str) -> int:
    """How many bytes a base64 key holds (0 when it is not base64)."""
    try:
        return len(b64decode(key, validate=True))
    except (binascii.Error, ValueError):
        return 0


def check_log_readable(recorder: ApplicationRecorder, mapper: Mapper[Any], *, key_set: bool) -> None:
    """Decode the log's first event, so a store written with another key (or none) is refused before any use.

    An unreachable or uninitialised store is left to the command or request that uses it.
    """
    try:
        first = recorder.select_notifications(start=1, limit=1)
    except PersistenceError:
        return
    if not first:
        return
    try:
        mapper.to_domain_event(first[0])
    except MapperDeserialisationError as error:
        reason = (
            "RECTIFY_CIPHER_KEY is not the key the stored events were written with (or they were written without one)"
            if key_set
            else "the stored events are encrypted: set RECTIFY_CIPHER_KEY to the key they were written with"
        )
        raise CipherKeyError(f"{reason}; the event at position {first[0].id} cannot be read") from error


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///relative` or `sqlite:////absolute` URL names."""
    if not url.startswith("sqlite:///") or len(url) <= len("sqlite:///"):
        raise InvalidDatabaseUrl(f"SQLite URL must look like sqlite:///var/rectify.db, not {url!r}")
    return Path(url[len("sqlite:///") :])


def _sqlite_env(url: str) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "service.stores.sqlite:RectifySQLiteFactory",
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
