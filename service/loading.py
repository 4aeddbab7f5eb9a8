"""Loading an aggregate of a known class, so an id of anything else reads as not found; and the cache behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import suppress
from copy import copy, deepcopy
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, LRUCache, Repository, project_aggregate
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


@dataclass(frozen=True)
class Kept:
    """A cached aggregate and the stored bytes of the last event it was built from."""

    aggregate: Any
    last_state: bytes


class CheckedRepository(Repository[UUID]):
    """The library's repository with a cache of aggregates in this process, checked against the store on each load.

    Each load reads, at one moment, the cached version's event and those after it (recorded by any worker or
    host), and how many events the aggregate has stored. Versions are unique and start at 1, so the store
    holds versions 1 to N without a hole exactly when it holds N events: when the count and the version the
    events lead to differ, an event was removed under the service; when the cached version's event is not
    the bytes the aggregate was built from, it was rewritten. Either way the aggregate is rebuilt from the
    store as if nothing were cached, so the damage is reported as it would be without the cache. (An event
    rewritten further back is the seal chain's to find: `rectify verify`.)
    """

    def __init__(self, event_store: EventStore[UUID], recorder: CountingRecorder, maxsize: int):
        super().__init__(event_store)  # the library's own cache holds aggregates only: this one keeps their bytes too
        self.kept: LRUCache[UUID, Kept] = LRUCache(maxsize=maxsize)
        self.counting = recorder

    def get(
        self, aggregate_id: UUID, *, version: int | None = None, projector_func: Any = project_aggregate, **_: Any
    ) -> Any:
        """The aggregate now (from the cache, brought up to date) or at `version` (from the store)."""
        if version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        kept = self._kept(aggregate_id)
        aggregate = self._brought_up_to_date(aggregate_id, kept, projector_func) if kept is not None else None
        if aggregate is None:
            aggregate = self._rebuilt(aggregate_id, projector_func)
        return copied(aggregate)  # a command changes its copy; the cached one changes only by recorded events

    def cached(self, aggregate_id: UUID) -> Any:
        """The aggregate as cached, unchecked and not to be changed (None when not cached)."""
        kept = self._kept(aggregate_id)
        return kept.aggregate if kept is not None else None

    def all_current(self, aggregates: Sequence[Any]) -> bool:
        """Whether the store holds exactly the events each of these (cached) aggregates was built from: one read."""
        extents = self.counting.select_extents([aggregate.id for aggregate in aggregates])
        return all(extents.get(aggregate.id) == (aggregate.version, aggregate.version) for aggregate in aggregates)

    def remember(self, aggregate: Any, last_state: bytes) -> None:
        """Keep an aggregate just saved, its last event stored as `last_state`."""
        self.kept.put(aggregate.id, Kept(copied(aggregate), last_state))

    def _kept(self, aggregate_id: UUID) -> Kept | None:
        try:
            return self.kept.get(aggregate_id)
        except KeyError:
            return None

    def _brought_up_to_date(self, aggregate_id: UUID, kept: Kept, projector_func: Any) -> Any:
        """The cached aggregate with the events recorded after it; None if the store lost what it was built from."""
        cached = kept.aggregate
        stored, since = self.counting.select_events_after(aggregate_id, cached.version - 1)
        intact = since and since[0].originator_version == cached.version and since[0].state == kept.last_state
        if not intact or stored != since[-1].originator_version:
            with suppress(KeyError):  # another thread may have dropped it first
                self.kept.get(aggregate_id, evict=True)
            return None
        events = [self.event_store.mapper.to_domain_event(event) for event in since[1:]]
        # Given no events the projector changes nothing, but still says whether the aggregate is of its kind.
        aggregate = projector_func(copied(cached) if events else cached, events)
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        if events:
            self.kept.put(aggregate_id, Kept(aggregate, since[-1].state))
        return aggregate

    def _rebuilt(self, aggregate_id: UUID, projector_func: Any) -> Any:
        """The aggregate from all its stored events, kept in the cache."""
        _stored, events = self.counting.select_events_after(aggregate_id, 0)
        aggregate = projector_func(None, [self.event_store.mapper.to_domain_event(event) for event in events])
        if aggregate is None:
            raise AggregateNotFoundError(aggregate_id)
        self.kept.put(aggregate_id, Kept(aggregate, events[-1].state))
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
