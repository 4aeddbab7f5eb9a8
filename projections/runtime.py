"""Running the read-model projection: the library's runner, writing in batches, and how far it has got.

The service says which application and store it runs over (`service/read_store.py`);
nothing here knows them.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.projection import Projection, ProjectionRunner

from projections.gathering import Gathering
from projections.projection import BATCH_SIZE, REBUILD_BATCH_SIZE, ReadModel


class BatchingProjectionRunner(ProjectionRunner[Any, Any]):
    """The library's runner, writing many events in one transaction while more are at hand.

    Following the log, a batch is written as soon as the subscription has nothing
    more at hand (at most BATCH_SIZE events), but not sooner than a moment after
    the last write (`projections.gathering`). Rebuilding (`bulk_until` the log's
    head when it started), the batch grows to REBUILD_BATCH_SIZE and is written
    early only once the head is reached: fewer, larger transactions, each finding
    written once and most successor times linked in memory. (Writing in a thread
    of its own, beside the projecting, was slower on both stores: the two
    threads take turns at the interpreter lock for every row.) `progress` says
    how far the projecting has got, written or not, and its `flushed` is set
    after each write, so a caller can wait for the view without polling it.
    """

    def __init__(self, *, bulk_until: int = 0, **kwargs: Any):
        self.bulk_until = bulk_until
        self.progress = Progress()
        super().__init__(**kwargs)

    @staticmethod
    def _process_events_loop(subscription: Any, projection: Any, is_stopping: Any, runner: Any) -> None:
        this = runner()
        batching = FlushWhenDrained(projection, subscription.subscription, this.bulk_until, this.progress)
        del this  # the loop holds only the weak reference, as the library's does
        ProjectionRunner._process_events_loop(subscription, batching, is_stopping, runner)


@dataclass
class Progress:
    """How far the runner's projecting has got."""

    seen: int = 0  # the position of the last event projected, whether written yet or not
    flushed: threading.Event = field(default_factory=threading.Event)  # set after each write


class FlushWhenDrained(Projection[Any]):
    """Hands events to the projection and flushes it when the subscription has no more at hand."""

    def __init__(self, projection: ReadModel, subscription: Any, bulk_until: int, progress: Progress):
        super().__init__(projection.view)
        self.projection = projection
        self.handlers = projection.handlers
        self.handler = projection.handler
        self.subscription = subscription
        self.bulk_until = bulk_until
        self.progress = progress
        self.gathering = Gathering(subscription)
        projection.loading = bool(bulk_until)

    def process_event(self, domain_event: Any, tracking: Any) -> None:
        (self.handlers.get(type(domain_event)) or self.handler(type(domain_event)))(domain_event, tracking)
        self.progress.seen = tracking.notification_id
        if self.bulk_until:
            if tracking.notification_id >= self.bulk_until:
                self.bulk_until = 0  # caught up: follow as usual from here
                self.projection.end_loading()
                self.flush()
            elif self.projection.pending >= REBUILD_BATCH_SIZE:
                self.flush()
        elif self.projection.pending >= BATCH_SIZE or self.gathering.drained():
            self.flush()

    def flush(self) -> None:
        self.projection.flush()
        self.gathering.written()
        self.progress.flushed.set()
