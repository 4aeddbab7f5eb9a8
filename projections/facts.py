"""Folding events into read-model rows: pure functions, no I/O.

A finding's row is its state after its latest event; a fact is one event with
the state it left the finding in, which is all the weekly circular needs to
know what stood at any moment, as known at any moment.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (how the views store and compare time)."""
    return (moment - EPOCH) // (EPOCH.resolution)


def moment(value: int) -> datetime:
    """The UTC moment of a stored microsecond count."""
    return EPOCH + value * EPOCH.resolution


@dataclass(frozen=True)
class FindingRow:
    """A finding as the read model holds it."""

    id: str
    reference: str
    source: str
    batch: str
    title: str
    description: str
    category: str
    severity: str
    unit: str
    due_date: str
    status: str
    issued_at: int
    issued_position: int
    last_position: int
    version: int
    assignee: str | None = None
    measures: str | None = None
    closed_at: int | None = None
    rejections: int = 0
    reopenings: int = 0
    escalations: int = 0
    extensions: int = 0
    warnings: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Fact:
    """One finding event and the state it left the finding in."""

    position: int
    finding_id: str
    version: int
    type: str
    occurred_at: int
    recorded_at: int
    unit: str
    source: str
    severity: str
    status: str
    due_date: str
    escalations: int
    assignee: str | None
    measures: str | None
    outcome: str | None = None
    level: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def issued_row(event: Any, position: int) -> FindingRow:
    """The row of a newly issued finding."""
    return FindingRow(
        id=str(event.originator_id),
        reference=event.reference,
        source=str(event.source),
        batch=event.batch,
        title=event.title,
        description=event.description,
        category=event.category,
        severity=str(event.severity),
        unit=event.unit,
        due_date=event.due_date.isoformat(),
        status="issued",
        issued_at=micros(event.occurred_at),
        issued_position=position,
        last_position=position,
        version=event.originator_version,
    )


def changed_row(row: FindingRow, event: Any, position: int) -> tuple[FindingRow, dict[str, str | None]]:
    """The row after a later event, and what of the event a fact keeps (outcome, level)."""
    kind = type(event).__name__
    changes: dict[str, Any] = {"last_position": position, "version": event.originator_version}
    extra: dict[str, str | None] = {}
    if kind == "Assigned":
        changes |= {"status": "assigned", "assignee": event.assignee}
    elif kind == "Rectified":
        changes |= {"status": "rectified", "measures": event.measures}
    elif kind == "Reviewed":
        extra["outcome"] = str(event.outcome)
        if extra["outcome"] == "accepted":
            changes |= {"status": "closed", "closed_at": micros(event.occurred_at)}
        else:
            changes |= {"status": "assigned", "rejections": row.rejections + 1}
    elif kind == "DeadlineExtended":
        changes |= {"due_date": event.due_date.isoformat(), "extensions": row.extensions + 1, "warnings": ""}
    elif kind == "Escalated":
        changes["escalations"] = row.escalations + 1
    elif kind == "Reopened":
        changes |= {"status": "assigned", "reopenings": row.reopenings + 1, "closed_at": None}
    elif kind == "Withdrawn":
        changes["status"] = "withdrawn"
    elif kind == "Warned":
        extra["level"] = str(event.level)
        changes["warnings"] = ",".join(filter(None, [row.warnings, extra["level"]]))
    return replace(row, **changes), extra


def fact_of(row: FindingRow, event: Any, position: int, extra: dict[str, str | None]) -> Fact:
    """The fact an event leaves: the event with the row it produced."""
    return Fact(
        position=position,
        finding_id=row.id,
        version=event.originator_version,
        type=type(event).__name__,
        occurred_at=micros(event.occurred_at),
        recorded_at=micros(event.timestamp),
        unit=row.unit,
        source=row.source,
        severity=row.severity,
        status=row.status,
        due_date=row.due_date,
        escalations=row.escalations,
        assignee=row.assignee,
        measures=row.measures,
        outcome=extra.get("outcome"),
        level=extra.get("level"),
    )


@dataclass(frozen=True)
class UnitFact:
    """One unit event: the unit as it stood after it, and when that was recorded."""

    position: int
    code: str
    name: str
    parent: str | None
    recorded_at: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
