"""The benchmark's stores, kept between runs: a SQLite file or a PostgreSQL schema per size.

A store counts as generated once its description (`var/bench/<name>.json`) is
written, after the last event; anything found without one is thrown away and
generated again.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.history import Say, seed_history
from service.application import Rectify
from service.config import initialise_store, load_settings
from service.read_store import SEALS, open_seals, seals_path, views_path
from service.stores import application_env

ROOT = Path("var/bench")
# Raise when the generated history changes, so kept stores are generated again. 2: every user's token is kept.
HISTORY_VERSION = 2
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True)
class Size:
    findings: int
    units: int
    weeks: int = 26
    seed: int = 2026

    @property
    def name(self) -> str:
        suffix = "" if (self.units, self.weeks, self.seed) == (500, 26, 2026) else f"_u{self.units}_w{self.weeks}"
        return f"bench_{self.findings}{suffix}" + ("" if self.seed == 2026 else f"_s{self.seed}")


def store_url(kind: str, size: Size, postgres_url: str = POSTGRES_URL) -> str:
    if kind == "sqlite":
        return f"sqlite:///{ROOT / size.name / 'rectify.db'}"
    return f"{postgres_url}?schema={size.name}"


def prepared_store(
    kind: str, size: Size, postgres_url: str, say: Say, *, regenerate: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings of a store holding the history of this size, generated first if need be, and its description."""
    url = store_url(kind, size, postgres_url)
    # The projector must not send warnings of its own into the kept history.
    settings = load_settings({"RECTIFY_DATABASE_URL": url, "RECTIFY_WARN_EVERY": "0"})
    described = ROOT / f"{kind}-{size.name}.json"
    kept = json.loads(described.read_text()) if described.exists() else {}
    if kept.get("version") == HISTORY_VERSION and not regenerate:
        say(f"{kind}: using the kept history {url} (generated {kept['generated_on']})")
        return settings, kept
    described.unlink(missing_ok=True)
    made = generate(kind, size, settings, postgres_url, say)
    described.write_text(json.dumps(made, ensure_ascii=False, indent=1))
    return settings, made


def generate(kind: str, size: Size, settings: dict[str, Any], postgres_url: str, say: Say) -> dict[str, Any]:
    """A new store with the history in it; what was made, and how long it took."""
    url = settings["RECTIFY_DATABASE_URL"]
    say(f"{kind}: generating {size.findings} findings over {size.units} units into {url}")
    clear(kind, size, postgres_url)
    started = time.perf_counter()
    initialise_store(settings)
    application = writing_application(settings)
    try:
        made = seed_history(
            application, findings=size.findings, units=size.units, weeks=size.weeks, seed=size.seed, say=say
        )
        made["events"] = application.recorder.max_notification_id()
    finally:
        application.close()
    checkpoint(kind, url)
    seconds = round(time.perf_counter() - started, 1)
    say(f"{kind}: generated {made['events']:,} events in {seconds} s")
    return made | {
        "version": HISTORY_VERSION,
        "generation_seconds": seconds,
        "generated_on": time.strftime("%Y-%m-%d %H:%M"),
    }


def writing_application(settings: dict[str, Any]) -> Rectify:
    """The service's application (as `build_application` makes it) without its cache of aggregates.

    The generator holds each finding itself and never loads one: copying every saved finding into the
    cache took a sixth of the writing's CPU time. The events recorded are the same.
    """
    synchronous = settings.get("RECTIFY_SQLITE_SYNCHRONOUS") or "full"
    env = application_env(settings) | {"SQLITE_SYNCHRONOUS": synchronous, "RECTIFY_SQLITE_SYNCHRONOUS": synchronous}
    return Rectify(env=env | {"RECTIFY_AGGREGATE_CACHE_MAXSIZE": "0"})


def clear(kind: str, size: Size, postgres_url: str) -> None:
    """Remove what an unfinished generation may have left."""
    if kind == "sqlite":
        folder = ROOT / size.name
        for path in folder.glob("rectify*") if folder.exists() else ():
            path.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        return
    ROOT.mkdir(parents=True, exist_ok=True)
    with _connect(postgres_url) as connection:
        connection.execute(f'DROP SCHEMA IF EXISTS "{size.name}" CASCADE')
        connection.execute(f'CREATE SCHEMA "{size.name}"')


def checkpoint(kind: str, url: str) -> None:
    """Fold SQLite's write-ahead log into the file, so its size on disk is the store's size."""
    if kind != "sqlite":
        return
    for path in (Path(url.removeprefix("sqlite:///")), views_path(url)):
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def reset_seals(kind: str, settings: dict[str, Any], postgres_url: str, schema: str) -> None:
    """Throw the seals away and make their tables again, empty, so the sealer starts from the first record.

    The service never does this (seals rebuilt from a changed log would seal the change):
    the bench does it to a store that only it writes, to time sealing a whole history.
    """
    url = settings["RECTIFY_DATABASE_URL"]
    if kind == "sqlite":
        seals = seals_path(url)
        for path in seals.parent.glob(seals.name + "*"):
            path.unlink()
    else:
        with _connect(postgres_url) as connection:
            for table in (SEALS.lower(), f"{SEALS.lower()}_checks", f"{SEALS.lower()}_tracking"):
                connection.execute(f'DROP TABLE IF EXISTS "{schema}"."{table}"')
    store = open_seals(settings, create_tables=True)
    store.position()
    store.datastore.close()


def disk_sizes(kind: str, url: str, postgres_url: str, schema: str) -> dict[str, int]:
    """Bytes on disk of the events, the read model and the seals (tables with their indexes)."""
    if kind == "sqlite":
        events = Path(url.removeprefix("sqlite:///"))
        return {
            "events": _files_size(events),
            "read model": _files_size(views_path(url)),
            "seals": _files_size(seals_path(url)),
        }
    with _connect(postgres_url) as connection:
        rows = connection.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'",
            (schema,),
        ).fetchall()
    sizes = {"events": 0, "read model": 0, "seals": 0}
    for table, size in rows:
        sizes[_part(table)] += size
    return sizes


def _part(table: str) -> str:
    """Which part of the store a PostgreSQL table belongs to."""
    if table.startswith("readmodel_"):
        return "read model"
    return "seals" if table.startswith(SEALS.lower()) else "events"


def _files_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if not p.name.endswith(".lock"))


def _connect(postgres_url: str) -> Any:
    import psycopg

    parts = urlsplit(postgres_url)
    return psycopg.connect(urlunsplit(parts._replace(query="")), autocommit=True)
