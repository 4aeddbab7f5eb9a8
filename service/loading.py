"""Loading an aggregate of a known class, so an id of anything else reads as not found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate, OriginatorVersionError

from domain.errors import RecordBroken

A = TypeVar("A", bound=Aggregate)


def load(repository: Repository[UUID], aggregate_id: UUID, cls: type[A], version: int | None = None) -> A | None:
    """The `cls` aggregate with this id (at `version`), or None when there is none of that class."""

    def project(initial: Any, events: Iterable[Any]) -> A | None:
        events = list(events)
        # Ids in tokens and URLs come from clients: they may name a log or another kind of aggregate.
        if not events or not all(isinstance(event, cls.Event) for event in events):
            return None
        if initial is None and events[0].originator_version != 1:  # its first event was removed
            raise OriginatorVersionError(events[0].originator_version, 1)
        return project_aggregate(initial, events)

    try:
        return repository.get(aggregate_id, version=version, projector_func=project)
    except AggregateNotFoundError:
        return None
    except OriginatorVersionError as error:  # the store was changed under the service: say so, never a 500
        found, expected = error.args[:2]
        raise RecordBroken(
            f"event {expected} of {aggregate_id} is missing from the store (the next recorded is {found}): "
            "the store was changed outside the service; see the history and run `rectify verify`"
        ) from None
