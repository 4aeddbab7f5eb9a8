"""The 工作台's queues: what waits for a user, by role, each counted by the read side and linked to the list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from domain.values import Actor, Role, Status
from projections.read_side import ReadSide


@dataclass(frozen=True)
class Queue:
    """A named filter of the finding list, for the roles it is work for."""

    key: str
    roles: tuple[Role, ...]
    where: dict[str, Any]

    def query(self) -> str:
        """The filter as the finding list's query string (`status=assigned&rejected=true`)."""
        return urlencode({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in self.where.items()})


EVERYONE = tuple(Role)
# In the order a page shows them; a user sees those of their role (an administrator all), then everyone's.
QUEUES = (
    Queue("to_assign", (Role.UNIT,), {"status": Status.ISSUED.value}),
    Queue("to_rectify", (Role.UNIT,), {"status": Status.ASSIGNED.value}),
    Queue("rejected_back", (Role.UNIT,), {"status": Status.ASSIGNED.value, "rejected": True}),
    Queue("to_review", (Role.REVIEWER,), {"status": Status.RECTIFIED.value}),
    Queue("escalated", (Role.INSPECTOR,), {"escalated": True}),
    Queue("overdue", EVERYONE, {"overdue": True}),
    Queue("warned", EVERYONE, {"warned": True}),
)


@dataclass(frozen=True)
class Waiting:
    """One queue of a user's 工作台: its name, how many findings it holds, and the list's query of them."""

    key: str
    count: int
    query: str
    everyone: bool


def waiting_for(actor: Actor, side: ReadSide) -> list[Waiting]:
    """The queues of this user's role, counted within the user's scope (all in one pass over the findings)."""
    queues = [queue for queue in QUEUES if actor.may(*queue.roles)]
    counts = side.count_each(actor, {queue.key: queue.where for queue in queues})
    return [Waiting(queue.key, counts[queue.key], queue.query(), queue.roles == EVERYONE) for queue in queues]
