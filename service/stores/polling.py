"""A subscription for stores that cannot notify: it polls for what other processes wrote."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, ListenNotifySubscription

DEFAULT_POLL_INTERVAL = 0.02


class PollingSubscription(ListenNotifySubscription[ApplicationRecorder]):
    """The library's listen/notify subscription, woken by a timer instead of a notification.

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
        self._interval = interval
        super().__init__(recorder=recorder, gt=gt, topics=topics)

    def _loop_on_pull(self) -> None:
        try:
            self._pull()
            while not self._has_been_stopped:
                self._has_been_notified.wait(timeout=self._interval)
                self._pull()
        except BaseException as error:
            if self._thread_error is None:
                self._thread_error = error
            self.stop()


def has_buffered(subscription: Any) -> bool:
    """Whether a listen/notify subscription holds events not yet handed out (so a batch can grow)."""
    # The library keeps these private; eventsourcing is pinned below 9.6 for this reason.
    index = subscription._notifications_index
    return index < len(subscription._notifications) or not subscription._notifications_queue.empty()
