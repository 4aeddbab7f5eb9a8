"""Settings: defaults, then the environment, then what the caller passes in."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from domain.warnings import WarningThresholds
from projections.view import DEFAULT_ZONE
from service.application import Rectify
from service.read_store import open_seals, open_view
from service.stores import DEFAULT_DATABASE_URL, application_env, check_log_readable, sqlite_path

DEFAULTS: dict[str, Any] = {
    "RECTIFY_DATABASE_URL": DEFAULT_DATABASE_URL,
    # The AES key (base64, `rectify keygen`) that encrypts each stored event's state; empty: stored in the clear.
    "RECTIFY_CIPHER_KEY": "",
    "RECTIFY_TIMEZONE": DEFAULT_ZONE,
    # Empty means any category is accepted; otherwise a comma-separated list.
    "RECTIFY_CATEGORIES": "",
    # How long a read with min_position waits for the projector before answering 503 (seconds).
    "RECTIFY_READ_WAIT": "3",
    # SQLite only: `full` syncs the log at every commit; `normal` at checkpoints only (faster; the last
    # commits before a power cut may be lost, see docs/operations.md).
    "RECTIFY_SQLITE_SYNCHRONOUS": "full",
    # The weekly circular: 红榜 at or above, 黑榜 below these rates; who issues it; how it ends.
    "RECTIFY_HONOR_RATE": "0.9",
    "RECTIFY_SHAME_RATE": "0.6",
    # The circular's front matter and closing, in Chinese and English (empty: the defaults of CircularSettings).
    "RECTIFY_ISSUING_OFFICE": "",
    "RECTIFY_ISSUING_OFFICE_EN": "",
    "RECTIFY_CIRCULAR_CLOSING": "",
    "RECTIFY_CIRCULAR_CLOSING_EN": "",
    "RECTIFY_DOCUMENT_PREFIX": "",
    "RECTIFY_DOCUMENT_PREFIX_EN": "",
    "RECTIFY_CIRCULAR_RECIPIENTS": "",
    "RECTIFY_CIRCULAR_RECIPIENTS_EN": "",
    "RECTIFY_MASTHEAD": "",
    "RECTIFY_MASTHEAD_EN": "",
    # Warnings (预警函): green at this many days left or fewer, yellow at this many, red when overdue.
    "RECTIFY_WARN_GREEN_DAYS": "20",
    "RECTIFY_WARN_YELLOW_DAYS": "10",
    # How often the projector sends due warnings itself, in seconds (0: only `rectify warn`).
    "RECTIFY_WARN_EVERY": "0",
    "RECTIFY_VERIFY_EVERY": "3600",
    # How many processes a rebuild of the read model loads it in, at once (empty: two where there are two CPUs or
    # more); a rebuild of fewer than 20,000 events loads in the projector alone.
    "RECTIFY_REBUILD_PROCESSES": "",
    # The largest request body, in KB: a larger one is a 413 before it is read.
    "RECTIFY_MAX_BODY_KB": "1024",
    # Files of evidence: the largest, in MB (a 413 beyond, before it is read), and the kinds allowed, by content.
    "RECTIFY_EVIDENCE_MAX_MB": "20",
    "RECTIFY_EVIDENCE_TYPES": "pdf,ofd,jpeg,png,docx,xlsx,zip",
    # Rate limits (`N/second|minute|hour`, or `off`): failed authentications per client address, requests per token.
    "RECTIFY_RATE_LIMIT_AUTH": "20/minute",
    "RECTIFY_RATE_LIMIT_TOKEN": "600/minute",
    # Where the counters live: `memory://` (per worker, each worker allowing its share of the limit) or
    # a shared flask-limiter storage such as `redis://host:6379` when several hosts serve one store.
    "RECTIFY_RATE_LIMIT_STORAGE": "memory://",
    # The console's session cookies: the key that signs them (empty: a random one per process, which
    # `rectify serve` makes once for all its workers), how long a sign-in lasts, and whether the cookie is
    # sent over HTTPS only (set 1 behind TLS).
    "RECTIFY_SECRET_KEY": "",
    "RECTIFY_SESSION_HOURS": "8",
    "RECTIFY_SECURE_COOKIES": "0",
    # The worker processes sharing one host's memory counters (gunicorn's own variable for its worker count,
    # which `rectify serve` sets to its --workers); empty: one.
    "WEB_CONCURRENCY": "",
}


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The service's settings for this process."""
    settings = dict(DEFAULTS)
    settings.update({key: value for key, value in os.environ.items() if key in DEFAULTS})
    settings.update(overrides or {})
    return settings


def build_application(
    settings: dict[str, Any], *, create_tables: bool = False, clock: Callable[[], datetime] | None = None
) -> Rectify:
    """The application over the configured store, on `clock` (default: the system's); tables made only when asked."""
    synchronous = settings.get("RECTIFY_SQLITE_SYNCHRONOUS") or "full"
    env = application_env(settings, create_tables=create_tables)
    env |= {"SQLITE_SYNCHRONOUS": synchronous, "RECTIFY_SQLITE_SYNCHRONOUS": synchronous}  # this setting decides
    return Rectify(env=env, clock=clock)


def check_cipher_key(settings: dict[str, Any], application: Rectify | None = None) -> None:
    """Refuse a store that RECTIFY_CIPHER_KEY cannot read (written with another key, or none) before any write.

    Opens a connection, so the commands call it, not `build_application` (a web worker starts without its store).
    """
    url = settings["RECTIFY_DATABASE_URL"]
    if application is None and url.startswith("sqlite:") and not sqlite_path(url).exists():
        return  # nothing stored yet, and opening it would make the file
    opened = application or build_application(settings)
    try:
        check_log_readable(opened.recorder, opened.mapper, key_set=bool(settings.get("RECTIFY_CIPHER_KEY", "").strip()))
    finally:
        if application is None:
            opened.close()


def initialise_store(settings: dict[str, Any]) -> None:
    """Create the tables once (and the SQLite file, in WAL mode) before any worker starts."""
    url = settings["RECTIFY_DATABASE_URL"]
    if url.startswith("sqlite:"):
        Path(sqlite_path(url)).parent.mkdir(parents=True, exist_ok=True)
    application = build_application(settings, create_tables=True)
    application.recorder.max_notification_id()  # opens a connection: SQLite switches to WAL here
    try:
        check_cipher_key(settings, application)
    finally:
        application.close()
    view = open_view(settings, create_tables=True)
    view.keep_zone()
    open_seals(settings, create_tables=True, beside=view).position()
    view.datastore.close()


def warning_thresholds(settings: dict[str, Any]) -> WarningThresholds:
    """Days left at which green and yellow warnings are due."""
    return WarningThresholds(int(settings["RECTIFY_WARN_GREEN_DAYS"]), int(settings["RECTIFY_WARN_YELLOW_DAYS"]))
