"""When to write, following a log: as soon as nothing more is at hand, but not sooner than a moment after
the last write.

Most of a small write's cost is its transaction (the pages it changes, each index's and the tracking
row's, and its commit), whatever the number of events in it. Beside the workers, the projector and the
sealer wrote each command's event on its own, each at about the cost of a write of four. So a write comes
at most GATHER_SECONDS after the one before, and the events committed meanwhile go in it; an event after
a quiet spell is written at once. The read model is then at most that much later under load than it
would be (see docs/decisions.md, "Writing what the log brings, a moment at a time").
"""

from __future__ import annotations

import time
from typing import Any

GATHER_SECONDS = 0.2


class Gathering:
    """Says when a follower of `subscription` (a `PollingSubscription`) should write what it holds.

    Stopped while it waits for the moment to pass, the follower writes nothing more: its subscription
    ends, and what it held is projected again by the next follower (the view's position says from where),
    as after a crash. So a write never comes after `stop` has let the caller go on (to rebuild, say)."""

    def __init__(self, subscription: Any, seconds: float | None = None):
        self.subscription = subscription
        self.seconds = GATHER_SECONDS if seconds is None else seconds
        self.written_at = -self.seconds  # time.monotonic() of the last write: none yet

    def drained(self) -> bool:
        """Whether nothing more is at hand, once the rest of the moment since the last write has passed.

        What is committed already is taken without waiting: catching up with a log, a follower reads page
        after page, and writes when it holds a batch's worth or has read the last."""
        if self.subscription.has_buffered() or self.subscription.fetch():
            return False
        wait = self.written_at + self.seconds - time.monotonic()
        if wait > 0:
            if self.subscription.stopped_within(wait):
                return False  # stopping: what is held is left to the next follower, as after a crash
            return not self.subscription.fetch()
        return True

    def written(self) -> None:
        self.written_at = time.monotonic()
