"""The projector process: exactly one per view, following the log until told to stop."""

from __future__ import annotations

import fcntl
import gc
import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from projections.seal_store import SealStore
from projections.sealer import verify
from projections.view import ReadModelSQL
from service.application import Rectify
from service.config import build_application, warning_thresholds
from service.read_store import open_read_side, open_seals, open_view, start_runner, start_sealer, views_path
from service.rebuild_parts import load_in_parts, rebuild_processes
from service.warnings import send_due_warnings

Say = Callable[[str], None]


class ProjectorLockLost(Exception):
    """The database session holding the projector's lock ended: another projector may be feeding the view now."""


class StoppedWaiting(Exception):
    """Told to stop while waiting for the lock: nothing was done, nothing needs undoing."""


# How often a projector waiting for the lock tries it again (and sees whether it was told to stop).
LOCK_TRY_EVERY = 0.25


def wait_for(take: Callable[[], bool], stop: threading.Event) -> None:
    """Try `take` until it succeeds, or raise StoppedWaiting once `stop` is set.

    Blocking in the lock's own wait would leave SIGTERM unheard until the lock came: a standby host would
    then stop only when its supervisor gave up and killed it.
    """
    while not take():
        if stop.wait(LOCK_TRY_EVERY):
            raise StoppedWaiting


@contextmanager
def projector_lock(settings: dict[str, Any], say: Say, stop: threading.Event) -> Iterator[Callable[[], None]]:
    """Hold the one lock that lets a projector feed the view; a second projector waits here, until `stop`.

    Yields a check to call as the projector goes: it raises ProjectorLockLost once the lock is no longer held.
    Raises StoppedWaiting when `stop` is set before the lock was had.
    """
    url = settings["RECTIFY_DATABASE_URL"]
    if url.startswith("sqlite:"):
        with _file_lock(str(views_path(url)) + ".lock", say, stop):
            yield lambda: None  # a lock on a file lasts as long as this process keeps the file open
    else:
        with _advisory_lock(url, say, stop) as still_held:
            yield still_held


@contextmanager
def _file_lock(path: str, say: Say, stop: threading.Event) -> Iterator[None]:
    with open(path, "a") as lock_file:

        def take() -> bool:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        if not take():
            say(f"another projector holds {path}; waiting for it to stop")
            wait_for(take, stop)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def projector_lock_key(url: str) -> int:
    """The PostgreSQL advisory lock key of the projector of the store at `url`: one per schema."""
    return int.from_bytes(
        hashlib.sha256(f"rectify-projector:{lock_schema(url)}".encode()).digest()[:8], "big", signed=True
    )


def lock_schema(url: str) -> str:
    parts = urlsplit(url)
    return dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p).get("schema", "public")


# How often a projector makes sure its lock's session still exists.
LOCK_CHECK_EVERY = 1.0


@contextmanager
def _advisory_lock(url: str, say: Say, stop: threading.Event) -> Iterator[Callable[[], None]]:
    """The lock lives as long as the session holding it, which a server restart, an idle timeout or a
    network cut can end while this process goes on: then another host's projector takes the lock, and
    this one must stop rather than feed the view beside it."""
    import psycopg

    schema, key = lock_schema(url), projector_lock_key(url)
    with psycopg.connect(urlunsplit(urlsplit(url)._replace(query="")), autocommit=True) as connection:

        def take() -> bool:
            row = connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            return bool(row and row[0])

        if not take():
            say(f"another projector holds the lock of schema {schema}; waiting for it to stop")
            wait_for(take, stop)
        checked = time.monotonic()

        def still_held() -> None:
            nonlocal checked
            if time.monotonic() - checked < LOCK_CHECK_EVERY:
                return
            checked = time.monotonic()
            try:
                connection.execute("SELECT 1")  # a session-level lock is held for as long as its session lives
            except psycopg.Error as error:
                raise ProjectorLockLost(f"lost the projector lock of schema {schema}: its session ended") from error

        yield still_held  # the lock goes with the connection


def run_projector(
    settings: dict[str, Any], stop: threading.Event, say: Say, *, rebuild: bool = False, until_caught_up: bool = False
) -> None:
    """Follow the log into the view until `stop` is set (or, if asked, until it has caught up)."""
    try:
        with projector_lock(settings, say, stop) as still_held:
            follow(settings, stop, say, still_held, rebuild=rebuild, until_caught_up=until_caught_up)
    except StoppedWaiting:
        say("stopped while waiting for the lock")


def follow(
    settings: dict[str, Any],
    stop: threading.Event,
    say: Say,
    still_held: Callable[[], None],
    *,
    rebuild: bool,
    until_caught_up: bool,
) -> None:
    """The lock holder's work: make the view current, then feed it until `stop` (or until caught up)."""
    with ExitStack() as opened:  # the view and the seals are closed however this ends
        view = open_view(settings, create_tables=True)  # the lock holder alone may make or change them
        opened.callback(view.datastore.close)
        built_before = view.position() > 0
        if not rebuild and not view.is_current():  # a new store's view, or one an older version built
            rebuild = True
            if built_before:
                say("the read model was built by another version, in another layout: rebuilding it")
        if rebuild:
            view.reset()
            say("the read model was emptied; rebuilding from position 0" if built_before else "building the read model")
        head = log_head(settings)
        if rebuild and (parts := rebuild_processes(settings, head)) > 1:
            view.drop_replaced()
            with collector_paused(True):
                if not load_in_parts(settings, head=head, parts=parts, stop=stop, say=say):
                    say("stopped before the read model was loaded: the next start rebuilds it")
                    return
            loaded = True  # the runner follows from the head: the rebuild has only its indexing left
        else:
            loaded = False
        warnings = WarningSchedule(settings, say)
        seals = open_seals(settings, create_tables=True, beside=view)
        if seals.datastore is not view.datastore:  # SQLite keeps its seals in a file of their own
            opened.callback(seals.datastore.close)
        checks = ChainCheckSchedule(settings, seals, say)
        with (
            start_runner(settings, bulk_until=head if rebuild and not loaded else 0) as runner,
            start_sealer(settings, runner.app) as sealer,
            collector_paused(rebuild) as resume,
        ):
            say(f"projecting from position {view.position()} (log at {head})")
            view.drop_replaced()  # what the reset set aside goes while the runner loads the new tables
            rebuilding = rebuild
            while not stop.is_set() and not runner.is_interrupted.is_set():
                if not (rebuilding or until_caught_up):  # following: the checks below can wait half a second
                    stop.wait(timeout=0.5)
                elif runner.progress.flushed.wait(timeout=0.5):  # a write wakes the loop: no need to poll the view
                    runner.progress.flushed.clear()
                runner.run_forever(timeout=0)  # raises what stopped the runner's threads, if anything did
                still_held()
                sealer.raise_if_stopped()
                position = view.position() if rebuilding or until_caught_up else 0  # following: not needed
                if rebuilding and position >= head:
                    resume()
                    view.finish_rebuild()  # the tables were loaded bare: index them once, refresh statistics
                    say(f"rebuilt up to position {position}; tables indexed")
                    rebuilding = False
                if until_caught_up and position >= head and seals.position() >= head:  # the seals too
                    break
                if rebuilding:
                    say(f"rebuilding: {runner.progress.seen:,} of {head:,} events projected, {position:,} written")
                else:  # a view half rebuilt would only offer stale candidates
                    warnings.run_if_due(runner.app, view)
                checks.run_if_due(runner.app, rebuilding=rebuilding)
            say(f"stopped at position {view.position()}")


@contextmanager
def collector_paused(pause: bool) -> Iterator[Callable[[], None]]:
    """Pause Python's cyclic garbage collector while a rebuild runs; yield the function that resumes it.

    A rebuild keeps hundreds of thousands of new rows and makes no reference cycles
    (reference counting frees all it lets go of), so the collector's passes over
    the growing heap are a tenth of its time spent for nothing. Resumed once caught
    up, and on any way out.
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()

    def resume() -> None:
        if was_enabled:
            gc.enable()

    try:
        yield resume
    finally:
        resume()


class WarningSchedule:
    """Sends due warnings every RECTIFY_WARN_EVERY seconds (never when 0)."""

    def __init__(self, settings: dict[str, Any], say: Say):
        self.settings = settings
        self.every = float(settings["RECTIFY_WARN_EVERY"])
        self.thresholds = warning_thresholds(settings)
        self.say = say
        self.next_run = time.monotonic()

    def run_if_due(self, application: Rectify, view: ReadModelSQL) -> None:
        if self.every <= 0 or time.monotonic() < self.next_run:
            return
        self.next_run = time.monotonic() + self.every
        read_side = open_read_side(self.settings, application, view)
        for sent in send_due_warnings(application, read_side, self.thresholds):
            self.say(f"warned {sent.reference} ({sent.unit}): {sent.level}, due {sent.due_date}")


class ChainCheckSchedule:
    """Checks the seal chain against the log every RECTIFY_VERIFY_EVERY seconds (never when 0), and keeps the verdict.

    The verdict goes to the log and to the seal store, where `/readyz` reads it.
    """

    def __init__(self, settings: dict[str, Any], seals: SealStore, say: Say):
        self.every = float(settings["RECTIFY_VERIFY_EVERY"])
        self.seals = seals
        self.say = say
        self.next_run = time.monotonic() + min(self.every, 60)  # first after start-up has settled

    def run_if_due(self, application: Rectify, *, rebuilding: bool = False) -> None:
        """Check the chain if it is time, unless a rebuild is under way: a check reads the whole log too, and
        would slow the rebuild by as long as it takes (48 s at a million events); it runs once the rebuild ends."""
        if self.every <= 0 or rebuilding or time.monotonic() < self.next_run:
            return
        self.next_run = time.monotonic() + self.every
        started = time.monotonic()
        verdict = verify(application.recorder, self.seals)
        answer = verdict.answer()
        self.seals.keep_check(application.clock().isoformat(timespec="seconds"), answer)
        took = f"in {time.monotonic() - started:.1f} s"
        if verdict.ok:
            self.say(f"seal chain intact over {verdict.checked:,} records {took}")
        else:
            self.say(f"SEAL CHAIN BROKEN at position {verdict.position}: {verdict.problem} ({took})")


def status(settings: dict[str, Any]) -> dict[str, Any]:
    """Each view's position, how far it lags behind the log, and whether its layout is this version's."""
    head = log_head(settings)
    view = open_view(settings)
    try:
        position = view.position()
        return {"position": position, "head": head, "lag": head - position, "current": view.is_current()}
    finally:
        view.datastore.close()


def log_head(settings: dict[str, Any]) -> int:
    """The position of the last event in the log."""
    application = build_application(settings)
    try:
        return application.recorder.max_notification_id() or 0
    finally:
        application.close()
