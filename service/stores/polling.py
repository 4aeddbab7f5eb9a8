"""Subscriptions that read the log in the thread that iterates them, woken by a watch of the file (SQLite) or on NOTIFY
(PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, Subscription
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from service.stores.watch import POLL_INTERVAL, FileWatch

DEFAULT_POLL_INTERVAL = POLL_INTERVAL  # in memory, where no other process can commit
PAGE_SIZE = 1000
QUIET_READ_INTERVAL = 1.0  # a woken subscription (watched, listening) reads at least this often all the same


class PollingSubscription(Subscription[ApplicationRecorder]):
    """Yields the log's notifications after a position, reading again when it has none left.

    It reads in the thread that iterates it, a page at a time, and when nothing new
    has been committed it waits until woken or until `interval` has passed. A thread
    of its own for reading would only take turns with the consumer at the
    interpreter lock (the drivers let go of it for every row), which cost a rebuild
    a fifth of its time. Each read is a new read transaction, so events committed
    by any process are seen.
    """

    def __init__(
        self,
        recorder: ApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._interval = interval
        self._page: Sequence[Notification] = []
        self._index = 0
        self._woken = threading.Event()
        self._stopped = threading.Event()
        self._error: BaseException | None = None

    def stop(self) -> None:
        super().stop()
        self._stopped.set()
        self._woken.set()

    def stopped_within(self, seconds: float) -> bool:
        """Wait `seconds`, or less if stopped meanwhile; whether it has been stopped."""
        return self._stopped.wait(timeout=seconds)

    def wake(self) -> None:
        """Something new may have been committed: read again now."""
        self._woken.set()

    def __next__(self) -> Notification:
        while self._index == len(self._page):
            self._end_if_stopped()
            if not self._read():
                self._woken.wait(timeout=self._interval)
        self._end_if_stopped()
        notification = self._page[self._index]
        self._index += 1
        return notification

    def fetch(self) -> bool:
        """Read what has been committed since the last read, unless what was read still waits to be handed out;
        whether any waits now. It does not wait."""
        if not self.has_buffered() and not self._has_been_stopped:
            self._read()
        return self.has_buffered()

    def _read(self) -> bool:
        """Read the next page of the log; whether it held anything."""
        self._woken.clear()  # before reading: a wake-up during the read is not lost
        self._page = self._recorder.select_notifications(
            start=self._last_notification_id or 0, limit=PAGE_SIZE, topics=self._topics, inclusive_of_start=False
        )
        self._index = 0
        if self._page:
            self._last_notification_id = self._page[-1].id
        return bool(self._page)

    def _end_if_stopped(self) -> None:
        if self._has_been_stopped:
            if self._error is not None:
                raise self._error
            raise StopIteration

    def has_buffered(self) -> bool:
        """Whether notifications already read wait to be handed out."""
        return self._index < len(self._page)

    def fail(self, error: BaseException) -> None:
        """Stop, and raise `error` to the consumer instead of ending the iteration."""
        if self._error is None:
            self._error = error
        self.stop()


class WatchedSubscription(PollingSubscription):
    """SQLite's, for a file: woken when another connection, of this process or another, has committed to it
    (`FileWatch`, one for every subscription of the process); it reads every QUIET_READ_INTERVAL all the same,
    as the PostgreSQL subscription does beside its notifications."""

    def __init__(
        self, recorder: ApplicationRecorder, db_name: str, gt: int | None = None, topics: Sequence[str] = ()
    ) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics, interval=QUIET_READ_INTERVAL)
        self._db_name = db_name
        FileWatch.follow(db_name, self._woken)

    def stop(self) -> None:
        super().stop()
        FileWatch.leave(self._db_name, self._woken)


class ListeningSubscription(PollingSubscription):
    """PostgreSQL's: woken by the NOTIFY each recording sends (the library's recorder sends one).

    A thread of its own only listens, and it is listening before the first read,
    so nothing committed after that read goes unnoticed; `interval` is a safety net.
    """

    def __init__(
        self,
        recorder: PostgresApplicationRecorder,
        gt: int | None = None,
        topics: Sequence[str] = (),
        interval: float = QUIET_READ_INTERVAL,
    ):
        super().__init__(recorder=recorder, gt=gt, topics=topics, interval=interval)
        self._postgres = recorder
        self._listening = threading.Event()
        self._listen_thread = threading.Thread(target=self._listen, name="log-listener", daemon=True)
        self._listen_thread.start()
        self._listening.wait(timeout=5)

    def __exit__(self, *args: object, **kwargs: Any) -> None:
        try:
            super().__exit__(*args, **kwargs)
        finally:
            self._listen_thread.join()

    def _listen(self) -> None:
        try:
            with self._postgres.datastore.get_connection() as connection:
                connection.execute(SQL("LISTEN {0}").format(Identifier(self._postgres.channel_name)))
                self._listening.set()
                while not self._has_been_stopped:
                    # At most a tenth of a second per wait, so that a stop is noticed.
                    for _ in connection.notifies(timeout=0.1, stop_after=1):
                        self.wake()
        except BaseException as error:
            self.fail(error)
        finally:
            self._listening.set()
