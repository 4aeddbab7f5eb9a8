"""Sealing the log as it grows, and checking the chain against the log: both read the stored records.

The library's projection runner hands a projection decoded events; the seal covers
the bytes as stored, so the sealer follows the recorder's own subscription, and keeps
each batch of seals and the position it reaches in one transaction, as the runner does.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from itertools import takewhile
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Notification

from projections.gathering import Gathering
from projections.seal_store import SealStore
from projections.sealing import GENESIS, Mark, Progress, Seal, StoredRecord, Verdict, check_chain, mark_of, seal_of

BATCH_SIZE = 1000
PAGE_SIZE = 2000


class SealConflict(Exception):
    """Another sealer kept a different seal for a position: the log it read is not the one read here."""


class Sealer:
    """Seals each new record of the log, in a thread of its own, until stopped."""

    def __init__(self, recorder: ApplicationRecorder, store: SealStore):
        self.store = store
        last = store.last()
        self.previous = last.seal if last else GENESIS
        self.subscription: Any = recorder.subscribe(gt=store.position())
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._follow, name="sealer", daemon=True)

    def __enter__(self) -> Sealer:
        self.subscription.__enter__()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.subscription.stop()
        self.thread.join()
        self.subscription.__exit__(*exc)

    def raise_if_stopped(self) -> None:
        """Raise what stopped the sealing thread, if something did."""
        if self.error is not None:
            raise self.error

    def _follow(self) -> None:
        pending: list[Seal] = []
        gathering = Gathering(self.subscription)
        try:
            for record in self.subscription:
                self.previous = seal_of(self.previous, record)
                pending.append(Seal(record.id, self.previous))
                if len(pending) >= BATCH_SIZE or gathering.drained():
                    self._keep(pending)
                    gathering.written()
                    pending = []
        except BaseException as error:
            self.error = error

    def _keep(self, pending: list[Seal]) -> None:
        """Keep the batch's seals, leaving those another sealer kept first if they are the same.

        A second sealer runs for a moment when a projector takes over from one whose lock
        it lost, or beside a rebuild: the chain it computes from the same records is the same.
        """
        while pending:
            try:
                self.store.append(pending)
                return
            except IntegrityError:
                kept = self.store.between(pending[0].position, pending[-1].position)
                if not kept:
                    raise
                differing = [seal.position for seal in pending if kept.get(seal.position, seal.seal) != seal.seal]
                if differing:
                    raise SealConflict(f"position {differing[0]} is sealed differently by another sealer") from None
                pending = [seal for seal in pending if seal.position not in kept]


def stored_records(recorder: ApplicationRecorder, *, page: int = PAGE_SIZE) -> Iterator[Notification]:
    """Every stored record in position order, read a page at a time."""
    after = 0
    while True:
        records = recorder.select_notifications(start=after, limit=page, inclusive_of_start=False)
        yield from records
        if len(records) < page:
            return
        after = records[-1].id


def verify(
    recorder: ApplicationRecorder,
    store: SealStore,
    *,
    checkpoints: Mapping[int, str] | None = None,
    progress: Progress | None = None,
) -> Verdict:
    """Recompute the chain from the stored records and compare it with the kept seals.

    Only seals kept when the check starts are compared, so a record sealed while it
    runs is counted as not yet sealed rather than taken for a missing one.
    """
    sealed_up_to = store.position()
    seals = takewhile(lambda seal: seal.position <= sealed_up_to, store.all())
    records = stored_records(recorder)
    return check_chain(records, seals, checkpoints=checkpoints, sealed_up_to=sealed_up_to, progress=progress)


class RecordSource(Protocol):
    """Where stored records can be read by position (the application's recorder)."""

    def select_records(self, positions: Sequence[int]) -> Sequence[Notification]: ...


def marks(
    positions: Sequence[int], records: Sequence[StoredRecord], store: SealStore
) -> dict[int, tuple[str | None, Mark]]:
    """Each position's kept seal, and whether the record stored there still matches it (or is gone)."""
    stored = {record.id: record for record in records}
    sealed_up_to = store.position()
    found: dict[int, tuple[str | None, Mark]] = {}
    for position in positions:
        kept, previous = store.around(position)
        record = stored.get(position)
        found[position] = (kept, Mark.MISSING if record is None else mark_of(record, kept, previous, sealed_up_to))
    return found
