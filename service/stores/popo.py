"""In-memory recorder for unit tests only, with the same additions as the real stores."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing import popo
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Notification, StoredEvent

from service.stores import IdempotencyRecord


class POPORectifyRecorder(popo.POPOApplicationRecorder):
    """The library's in-memory recorder, plus idempotency keys."""

    def __init__(self) -> None:
        super().__init__()
        self._idempotency: dict[str, IdempotencyRecord] = {}

    def _insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        with self._database_lock:
            if record is not None and record.key in self._idempotency:
                raise IntegrityError(f"idempotency key already used: {record.key}")
            ids = super()._insert_events(stored_events, **kwargs)
            if record is not None:
                self._idempotency[record.key] = record
            return ids

    def select_idempotency(self, key: str) -> IdempotencyRecord | None:
        """The record stored under a key, if any."""
        with self._database_lock:
            return self._idempotency.get(key)

    def select_records(self, positions: Sequence[int]) -> list[Notification]:
        """The stored records at these positions, in position order."""
        wanted = set(positions)
        everything = self.select_notifications(start=min(wanted, default=1), limit=len(self._stored_events) or 1)
        return [n for n in everything if n.id in wanted]

    def select_positioned_events(self, originator_id: UUID) -> list[Notification]:
        """One aggregate's events, oldest first, each with its position in the log."""
        with self._database_lock:
            index = self._stored_events_index[str(originator_id)]
            return [
                Notification(
                    id=position + 1,
                    originator_id=originator_id,
                    originator_version=version,
                    topic=self._stored_events[position].topic,
                    state=self._stored_events[position].state,
                )
                for version, position in sorted(index.items())
            ]


class POPORectifyFactory(popo.POPOFactory):
    """The library's in-memory factory, making the recorder above."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPORectifyRecorder()


Factory = POPORectifyFactory
