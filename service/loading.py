"""Loading an aggregate of a known class, so an id of anything else reads as not found; and the cache behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from copy import copy, deepcopy
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository, project_aggregate
from eventsourcing.domain import Aggregate, OriginatorVersionError
from eventsourcing.persistence import EventStore, StoredEvent

from domain.errors import RecordBroken

A = TypeVar("A", bound=Aggregate)
# Values no command changes in place: a copy of an aggregate may share them with the cached one.
IMMUTABLE = (str, int, float, bytes, UUID, datetime, date, Enum, type(None))


def load(repository: Repository[UUID], aggregate_id: UUID, cls: type[A], version: int | None = None) -> A | None:
    """The `cls` aggregate with this id (at `version`), or None when there is none of that class."""

    def project(initial: Any, events: Iterable[Any]) -> A | None:
        events = list(events)
        if initial is not None:  # a cached aggregate, brought up to date
            return project_aggregate(initial, events) if isinstance(initial, cls) else None
        # Ids in tokens and URLs come from clients: they may name a log or another kind of aggregate.
        if not events or not all(isinstance(event, cls.Event) for event in events):
            return None
        if events[0].originator_version != 1:  # its first event was removed
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


class CountingRecorder(Protocol):
    """A recorder that reads an aggregate's stored count and its events after a version in one read."""

    def select_events_after(self, originator_id: UUID, version: int) -> tuple[int, list[StoredEvent]]: ...

    def select_extents(self, originator_ids: Sequence[UUID]) -> dict[UUID, tuple[int, int]]: ...


class CheckedRepository(Repository[UUID]):
    """The library's repository with a cache of aggregates in this process, checked against the store on each load.

    Each load reads, at one moment, the events recorded after the cached version (by any worker or host)
    and how many events the aggregate has stored. Versions are unique and start at 1, so the store holds
    versions 1 to N without a hole exactly when it holds N events: when the count and the version the events
    lead to differ, an event was removed under the service, and the aggregate is rebuilt from the store as
    if nothing were cached, so the hole is reported (`RecordBroken`) as it would be without the cache.
    """

    def __init__(self, event_store: EventStore[UUID], recorder: CountingRecorder, maxsize: int):
        super().__init__(event_store, cache_maxsize=maxsize, fastforward=True)
        self.counting = recorder

    def get(
        self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = project_aggregate, **_: Any
    ) -> Any:
        """The aggregate now (from the cache, brought up to date) or at `version` (from the store)."""
        if version is not None or self.cache is None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        try:
            cached = self.cache.get(aggregate_id)
        except KeyError:
            cached = None
        aggregate = self._brought_up_to_date(aggregate_id, cached, projector_func) if cached is not None else None
        if aggregate is None:
            aggregate = self._rebuilt(aggregate_id, projector_func)
        return copied(aggregate)  # a command changes its copy; the cached one changes only by recorded events

    def cached(self, aggregate_id: UUID) -> Any:
        """The aggregate as cached, unchecked and not to be changed (None when not cached)."""
        try:
            return self.cache.get(aggregate_id) if self.cache is not None else None
        except KeyError:
            return None

    def all_current(self, aggregates: Sequence[Any]) -> bool:
        """Whether the store holds exactly the events each of these (cached) aggregates was built from: one read."""
        extents = self.counting.select_extents([aggregate.id for aggregate in aggregates])
        return all(extents.get(aggregate.id) == (aggregate.version, aggregate.version) for aggregate in aggregates)

    def remember(self, aggregate: Any) -> None:
        """Keep an aggregate just saved (its events are recorded up to its version)."""
        if self.cache is not None:
            self.cache.put(aggregate.id, copied(aggregate))

    def _brought_up_to_date(self, aggregate_id: UUID, cached: Any, projector_func: Any) -> Any:
        """The cached aggregate with the events recorded after it; None if the store lost what it was built from."""
        stored, after = self.counting.select_events_after(aggregate_id, cached.version)
        if stored != (after[-1].originator_version if after else cached.version):
            with suppress(KeyError):  # another thread may have dropped it first
                self.cache.get(aggregate_id, evict=True)  # type: ignore[union-attr]
            return None
        events = [self.event_store.mapper.to_domain_event(event) for event in after]
        # Given no events the projector changes nothing, but still says whether the aggregate is of its kind.
        aggregate = projector_func(copied(cached) if events else cached, events)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        if events:
            self.cache.put(aggregate_id, aggregate)  # type: ignore[union-attr]
        return aggregate

    def _rebuilt(self, aggregate_id: UUID, projector_func: Any) -> Any:
        """The aggregate from all its stored events, kept in the cache."""
        _stored, events = self.counting.select_events_after(aggregate_id, 0)
        aggregate = projector_func(None, [self.event_store.mapper.to_domain_event(event) for event in events])
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        self.cache.put(aggregate_id, aggregate)  # type: ignore[union-attr]
        return aggregate


def copied(aggregate: Any) -> Any:
    """A copy of an aggregate that no change to it can reach the original through.

    Only its mutable values (lists, dicts, sets) are copied deeply: copying every date and id of a finding
    took as long as the rest of a command's load.
    """
    duplicate = copy(aggregate)
    values = vars(duplicate)
    for name, value in values.items():
        if not isinstance(value, IMMUTABLE):
            values[name] = deepcopy(value)
    return duplicate
