"""Loading a rebuild's bare tables in several processes at once, each the findings of its own share.

A finding's rows, facts and audit entries depend on its own events alone, so the
findings can be shared out (by their ids) among processes that each read the log
to the rebuild's head and project the events of their share, writing into the same
bare tables. Unit and user events are projected by every part, which needs them
(the unit tree, the actors' roles), and written by the first alone. Each part
tracks its position under a name of its own; the view's own position is recorded
by whoever started the parts once all have reached the head (`ReadModelSQL.
loaded_in_parts`), so a load stopped half way leaves a view at position 0, which
the projector rebuilds from zero, as it does a rebuild stopped before its end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from eventsourcing.persistence import Mapper, Notification, Tracking

from domain.finding import Finding
from projections.projection import REBUILD_BATCH_SIZE, ReadModel
from projections.view import ReadModelSQL, part_name

FINDING_TOPICS = Finding.TOPIC + "."  # the topic of every finding event begins so
PAGE = 1_000  # records read a page at a time


class ShareSource(Protocol):
    """Where a part's records are read: the application's recorder. A finding's events fall to the part its
    id's last byte, modulo the parts, names."""

    def select_share(
        self, after: int, stop: int, limit: int, *, prefix: str, part: int, parts: int
    ) -> list[Notification]: ...


class PartReadModel(ReadModel):
    """The read model of one part of a load: its share of the findings, and, in the first part only, the rows
    of units and users (every part follows those, for the unit tree and the actors' roles)."""

    def __init__(self, view: ReadModelSQL, part: int):
        super().__init__(view)
        self.loading = True
        self.writes_shared = part == 0
        self.roles_loaded = True  # the view was empty when the load began: there are no roles to read back


def load_part(
    view: ReadModelSQL,
    recorder: ShareSource,
    mapper: Mapper[Any],
    *,
    head: int,
    part: int,
    parts: int,
    stopped: Callable[[], bool],
) -> bool:
    """Project the events up to `head` of this part's share into the view's bare tables; False if stopped."""
    projection = PartReadModel(view, part)
    handlers, handler = projection.handlers, projection.handler
    to_domain_event = mapper.to_domain_event
    name = part_name(part)
    for record in records_to(recorder, head, part, parts):  # another part's findings' records are not even read
        if projection.pending >= REBUILD_BATCH_SIZE:  # written before the next event, not after the last: the
            if stopped():  # last write below then has an event's position to record with the rows held
                return False
            projection.flush()
        event = to_domain_event(record)
        (handlers.get(type(event)) or handler(type(event)))(event, Tracking(name, record.id))
    if stopped():
        return False
    projection.end_loading()
    projection.flush()
    return True


def records_to(recorder: ShareSource, head: int, part: int, parts: int) -> Iterator[Notification]:
    """The part's stored records up to `head`, in position order, a page at a time."""
    after = 0
    while after < head:
        records = recorder.select_share(after, head, PAGE, prefix=FINDING_TOPICS, part=part, parts=parts)
        if not records:
            return
        yield from records
        after = records[-1].id
