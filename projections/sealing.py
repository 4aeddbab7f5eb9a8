"""The seal chain over the stored log: how a record is sealed, and how the chain is checked.

Each stored record, in position order, is sealed with
`sha256(previous seal ‖ position ‖ originator id ‖ version ‖ topic ‖ stored state)`,
the first with 64 zeros as its previous seal. The fields are joined with line
feeds (none of the first five can hold one) and the stored state is the bytes
as the store holds them, encrypted when a cipher key is set. Anyone holding the
stored records can recompute the chain with nothing but sha256: docs/audit.md
shows how.

Pure functions over iterables: the store and the log are read by their callers,
a page at a time, so a check over any length of log holds one page in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from hashlib import sha256
from typing import Any, NamedTuple, Protocol

GENESIS = "0" * 64


class StoredRecord(Protocol):
    """A record as the store holds it (the library's `Notification`)."""

    @property
    def id(self) -> int: ...
    @property
    def originator_id(self) -> Any: ...
    @property
    def originator_version(self) -> int: ...
    @property
    def topic(self) -> str: ...
    @property
    def state(self) -> bytes: ...


class Seal(NamedTuple):
    """The seal of the record at a position."""

    position: int
    seal: str


def seal_of(previous: str, record: StoredRecord) -> str:
    """The seal of a record, given the seal of the record before it in the log."""
    head = f"{previous}\n{record.id}\n{record.originator_id}\n{record.originator_version}\n{record.topic}\n"
    digest = sha256(head.encode())
    digest.update(record.state)
    return digest.hexdigest()


def seals_of(previous: str, records: Iterable[StoredRecord]) -> Iterator[Seal]:
    """The seals of records that follow the record sealed with `previous`, in their order."""
    for record in records:
        previous = seal_of(previous, record)
        yield Seal(record.id, previous)


class Problem(StrEnum):
    """How the chain breaks at a position."""

    EDITED = "edited"  # the record there is not the record that was sealed
    MISSING = "missing"  # a sealed record is no longer stored
    INSERTED = "inserted"  # a record is stored where none was sealed
    CHECKPOINT = "checkpoint"  # the chain's seal there is not the seal printed on a checkpoint


@dataclass(frozen=True)
class Verdict:
    """What a check of the chain found: where it first breaks, if it does, and how far it holds."""

    checked: int  # sealed records found intact
    head: Seal | None  # the last of them
    unsealed: int = 0  # records stored after the last seal (the sealer has not reached them yet)
    position: int | None = None  # where the chain breaks
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def answer(self) -> dict[str, Any]:
        """The verdict as the API and the command line state it."""
        if self.ok:
            head = {"position": self.head.position, "seal": self.head.seal} if self.head else None
            return {"ok": True, "checked": self.checked, "head": head, "unsealed": self.unsealed}
        return {"ok": False, "position": self.position, "problem": str(self.problem), "checked": self.checked}


Progress = Callable[[int], None]


def check_chain(
    records: Iterable[StoredRecord],
    seals: Iterable[Seal],
    *,
    checkpoints: Mapping[int, str] | None = None,
    sealed_up_to: int = 0,
    progress: Progress | None = None,
    every: int = 100_000,
) -> Verdict:
    """Recompute the chain over the stored records and compare it, position by position, with the kept seals.

    Both iterables are in position order. `checkpoints` are seals known from elsewhere
    (a printed circular): the chain must give the same seal at their positions.
    `sealed_up_to`: how far the sealer says it has sealed; a record at or below it
    with no seal kept was put there afterwards (or its seal was taken away).
    """
    checkpoints = checkpoints or {}
    stored, kept = iter(records), iter(seals)
    record, seal = next(stored, None), next(kept, None)
    previous, checked, head = GENESIS, 0, None
    while seal is not None:
        if record is None or seal.position < record.id:
            return Verdict(checked, head, position=seal.position, problem=Problem.MISSING)
        if record.id < seal.position:
            return Verdict(checked, head, position=record.id, problem=Problem.INSERTED)
        if seal_of(previous, record) != seal.seal:
            return Verdict(checked, head, position=record.id, problem=Problem.EDITED)
        if checkpoints.get(seal.position, seal.seal) != seal.seal:
            return Verdict(checked, head, position=seal.position, problem=Problem.CHECKPOINT)
        previous, checked, head = seal.seal, checked + 1, seal
        if progress is not None and checked % every == 0:
            progress(checked)
        record, seal = next(stored, None), next(kept, None)
    if record is not None and record.id <= sealed_up_to:
        return Verdict(checked, head, position=record.id, problem=Problem.INSERTED)
    unchecked = [p for p in checkpoints if head is None or p > head.position]
    if unchecked:
        return Verdict(checked, head, position=min(unchecked), problem=Problem.CHECKPOINT)
    unsealed = 0 if record is None else 1 + sum(1 for _ in stored)
    return Verdict(checked, head, unsealed=unsealed)


class Mark(StrEnum):
    """What a single record's seal says about it."""

    SEALED = "sealed"  # it is the record that was sealed
    EDITED = "edited"
    INSERTED = "inserted"  # stored where nothing was sealed, below the sealer's position
    UNSEALED = "unsealed"  # not reached by the sealer yet
    MISSING = "missing"  # no longer stored (the audit view still holds what it was)


def mark_of(record: StoredRecord, seal: str | None, previous: str | None, sealed_up_to: int) -> Mark:
    """Whether one record still matches its seal, given its kept seal and the kept seal before it."""
    if seal is None:
        return Mark.UNSEALED if record.id > sealed_up_to else Mark.INSERTED
    return Mark.SEALED if seal_of(previous or GENESIS, record) == seal else Mark.EDITED
