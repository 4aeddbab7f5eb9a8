"""Where the read model lives for a store, and the read side and projector built over it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from projections.circular import CircularSettings
from projections.projection import ReadModel
from projections.read_side import ReadSide
from projections.runtime import BatchingProjectionRunner
from projections.seal_store import PostgresSealStore, SealStore, SQLiteSealStore
from projections.sealer import Sealer
from projections.stores import PostgresReadModelView, SQLiteReadModelView
from projections.view import ReadModelSQL
from service.application import Rectify
from service.stores import application_env, sqlite_path


def views_path(database_url: str) -> Path:
    """The SQLite file of the read model, beside the events file (`rectify.db` → `rectify.views.db`)."""
    events = sqlite_path(database_url)
    return events.with_name(f"{events.stem}.views{events.suffix or '.db'}")


def seals_path(database_url: str) -> Path:
    """The SQLite file of the seals, beside the events file (`rectify.db` → `rectify.seals.db`)."""
    events = sqlite_path(database_url)
    return events.with_name(f"{events.stem}.seals{events.suffix or '.db'}")


SEALS = "Seals"  # the seal store's name: its settings' prefix, and its PostgreSQL tables' (`seals`, …)


def open_seals(settings: dict[str, Any], *, create_tables: bool = False, beside: Any = None) -> SealStore:
    """The store of the log's seals, for reading (the web workers) or for the sealer.

    `beside`: a recorder or view already connected to the same PostgreSQL database, whose
    connections the seals share (a pool of their own would hold connections for nothing).
    """
    url = settings["RECTIFY_DATABASE_URL"]
    if not url.startswith("sqlite:") and beside is not None:
        store = PostgresSealStore(beside.datastore, tracking_table_name=f"{SEALS.lower()}_tracking")
        if create_tables:
            store.create_table()
        return store
    env = application_env(settings, create_tables=create_tables)
    env[f"{SEALS.upper()}_CREATE_TABLE"] = "y" if create_tables else "n"
    if url.startswith("sqlite:"):
        env[f"{SEALS.upper()}_SQLITE_DBNAME"] = str(seals_path(url))
    factory = InfrastructureFactory.construct(Environment(SEALS, env))
    store_class = SQLiteSealStore if url.startswith("sqlite:") else PostgresSealStore
    return cast(SealStore, factory.tracking_recorder(store_class))


class ApplicationLog:
    """The application's stored records, read by position and decoded: what the audit answer shows of each event."""

    def __init__(self, application: Rectify):
        self.select_records = application.store.select_records
        self.decode = application.mapper.to_domain_event


def view_class(database_url: str) -> type[ReadModelSQL]:
    return SQLiteReadModelView if database_url.startswith("sqlite:") else PostgresReadModelView


def projection_env(settings: dict[str, Any], *, create_tables: bool = False) -> dict[str, str]:
    """The library's settings for the application and, under the projection's prefix, its view."""
    url = settings["RECTIFY_DATABASE_URL"]
    env = application_env(settings, create_tables=create_tables)
    prefix = ReadModel.name.upper()
    env[f"{prefix}_CREATE_TABLE"] = "y" if create_tables else "n"
    if url.startswith("sqlite:"):
        env[f"{prefix}_SQLITE_DBNAME"] = str(views_path(url))
    return env


def open_view(settings: dict[str, Any], *, create_tables: bool = False) -> ReadModelSQL:
    """The read model's view, for queries (the web workers) or for set-up."""
    env = Environment(ReadModel.name, projection_env(settings, create_tables=create_tables))
    factory = InfrastructureFactory.construct(env)
    view = cast(ReadModelSQL, factory.tracking_recorder(view_class(settings["RECTIFY_DATABASE_URL"])))  # type: ignore[arg-type]
    view.configured_zone = settings["RECTIFY_TIMEZONE"]
    return view


# The office's words in the circular: setting → CircularSettings field (an empty setting keeps the default).
CIRCULAR_TEXTS = {
    "RECTIFY_ISSUING_OFFICE": "issuing_office",
    "RECTIFY_ISSUING_OFFICE_EN": "issuing_office_en",
    "RECTIFY_CIRCULAR_CLOSING": "closing",
    "RECTIFY_CIRCULAR_CLOSING_EN": "closing_en",
    "RECTIFY_DOCUMENT_PREFIX": "document_prefix",
    "RECTIFY_DOCUMENT_PREFIX_EN": "document_prefix_en",
    "RECTIFY_CIRCULAR_RECIPIENTS": "recipients",
    "RECTIFY_CIRCULAR_RECIPIENTS_EN": "recipients_en",
    "RECTIFY_MASTHEAD": "masthead",
    "RECTIFY_MASTHEAD_EN": "masthead_en",
}


def circular_settings(settings: dict[str, Any]) -> CircularSettings:
    """The office's settings of the circular, defaults where it has none."""
    texts = {field: settings[name].strip() for name, field in CIRCULAR_TEXTS.items() if settings.get(name, "").strip()}
    return CircularSettings(
        honor_rate=float(settings["RECTIFY_HONOR_RATE"]), shame_rate=float(settings["RECTIFY_SHAME_RATE"]), **texts
    )


def open_read_side(settings: dict[str, Any], application: Rectify, view: ReadModelSQL | None = None) -> ReadSide:
    """The read side over the configured store's view and seals, on the application's clock and time zone."""
    view = view or open_view(settings)
    return ReadSide(
        view,
        seals=open_seals(settings, beside=view),
        log=ApplicationLog(application),
        zone=application.timezone,
        clock=application.clock,
        circular_settings=circular_settings(settings),
        read_wait=float(settings["RECTIFY_READ_WAIT"]),
    )


def start_runner(settings: dict[str, Any], *, bulk_until: int = 0) -> BatchingProjectionRunner:
    """Start following the event log from the view's position, in threads of this process.

    `bulk_until`: the view is being rebuilt from zero up to this position (see BatchingProjectionRunner).
    """
    return BatchingProjectionRunner(
        application_class=Rectify,
        projection_class=ReadModel,
        view_class=view_class(settings["RECTIFY_DATABASE_URL"]),
        env=projection_env(settings),
        bulk_until=bulk_until,
    )


@contextmanager
def start_sealer(settings: dict[str, Any], application: Rectify) -> Iterator[Sealer]:
    """Seal each record of the log as it is stored, in a thread of this process, until the block ends."""
    with Sealer(application.recorder, open_seals(settings, beside=application.recorder)) as sealer:
        yield sealer


@contextmanager
def following(settings: dict[str, Any]) -> Iterator[BatchingProjectionRunner]:
    """The read model's runner and the sealer, both following the log in threads of this process."""
    with start_runner(settings) as runner, start_sealer(settings, runner.app):
        yield runner
