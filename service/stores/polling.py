"""A subscription for stores that cannot notify: it polls for what other processes wrote."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification, Subscription

DEFAULT_POLL_INTERVAL = 0.02
PAGE_SIZE = 1000


class PollingSubscription(Subscription[ApplicationRecorder]):
    """Yields the log's notifications after a position, polling for new ones when it has none left.

    It pulls in the thread that iterates it, a page at a time: polling needs no
    thread of its own, and a second thread would only take turns with the
    consumer at the interpreter lock (SQLite lets go of it for every row read).
    Each pull is a new read transaction, so events committed by any process on
    the same SQLite file are seen at the next tick.
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

    def stop(self) -> None:
        super().stop()
        self._woken.set()

    def __next__(self) -> Notification:
        while self._index == len(self._page):
            if self._has_been_stopped:
                raise StopIteration
            self._page = self._recorder.select_notifications(
                start=self._last_notification_id or 0, limit=PAGE_SIZE, topics=self._topics, inclusive_of_start=False
            )
            self._index = 0
            if self._page:
                self._last_notification_id = self._page[-1].id
            else:
                self._woken.wait(timeout=self._interval)
        if self._has_been_stopped:
            raise StopIteration
        notification = self._page[self._index]
        self._index += 1
        return notification

    def has_buffered(self) -> bool:
        """Whether notifications already read wait to be handed out."""
        return self._index < len(self._page)


def has_buffered(subscription: Any) -> bool:
    """Whether a subscription holds events not yet handed out (so a batch can grow)."""
    if isinstance(subscription, PollingSubscription):
        return subscription.has_buffered()
    # The library's listen/notify subscription keeps these private; eventsourcing is pinned below 9.6 for it.
    index = subscription._notifications_index
    return index < len(subscription._notifications) or not subscription._notifications_queue.empty()
