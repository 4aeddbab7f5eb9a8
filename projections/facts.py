"""Folding events into read-model rows: pure functions, no I/O.

A finding's row is its state after its latest event; a fact is one event with
the state it left the finding in, and when the finding's next event happened
and was recorded, which is all the weekly circular needs to know what stood at
any moment, as known at any moment. Rows are mutable and written as tuples:
a rebuild makes hundreds of thousands of them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from operator import attrgetter
from typing import Any

from domain.lifecycle import status_after
from domain.values import Term, WarningLevel

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Text no store or report format can hold: C0 controls but tab, line feed and carriage return (PostgreSQL's
# text refuses NUL, XML 1.0 the others) and lone surrogates (not UTF-8). The HTTP API refuses them, but events
# recorded before it did hold some, and the view must store whatever the log holds: they become U+FFFD.
UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def storable(text: str) -> str:
    """The text with every character the view cannot hold replaced by U+FFFD (itself, where there is none).

    Text taken from an event is made storable as it enters a row, a fact or an audit entry, once: each
    is then written as it is, where checking every row a batch writes read its texts again at each write.
    """
    return UNSTORABLE.sub(REPLACEMENT, text)


# A name as the view holds it, worked out once per name: those who act, and units, are a few, each met again
# and again.
storable_name = lru_cache(maxsize=1024)(storable)


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since the epoch (how the views store and compare time)."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def moment(value: int) -> datetime:
    """The UTC moment of a stored microsecond count."""
    return EPOCH + value * EPOCH.resolution


@dataclass(slots=True)
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
    due_date: str | None  # None: a long-term item without a deadline
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
    term: str = "fixed"
    evidence: str = ""  # the names of the files of evidence attached so far, one a line


# A fact is one finding event and the state it left the finding in, and when the finding's next event happened
# and was recorded: a plain tuple in the order of FACT_COLUMNS, which a store takes as it is. A rebuild keeps one
# an event, and the garbage collector stops tracking plain tuples of plain values (it keeps tracking named tuples
# and other objects).
Fact = tuple[Any, ...]
FACT_FIELDS = (
    "position",
    "finding_id",
    "version",
    "type",
    "occurred_at",
    "recorded_at",
    "unit",
    "source",
    "severity",
    "status",
    "due_date",
    "term",
    "escalations",
    "assignee",
    "measures",
    "outcome",
    "level",
    "warning",
    "evidence",
)
OCCURRED_AT, RECORDED_AT = FACT_FIELDS.index("occurred_at"), FACT_FIELDS.index("recorded_at")

# A fact ends with when the finding's next event happened and was recorded: unknown (None) until it comes.
SUCCESSOR_COLUMNS = ("next_occurred_at", "next_recorded_at")
SUCCESSOR = len(FACT_FIELDS)  # where a fact's successor times start


def issued_row(event: Any, position: int) -> FindingRow:
    """The row of a newly issued finding."""
    return FindingRow(
        id=str(event.originator_id),
        reference=storable(event.reference),
        source=str(event.source),
        batch=storable(event.batch),
        title=storable(event.title),
        description=storable(event.description),
        category=storable(event.category),
        severity=str(event.severity),
        unit=storable_name(event.unit),
        due_date=event.due_date.isoformat() if event.due_date is not None else None,
        status=status_after("Issued", None).value,
        issued_at=micros(event.occurred_at),
        issued_position=position,
        last_position=position,
        version=event.originator_version,
        term=str(getattr(event, "term", Term.FIXED)),  # Issued events stored before terms existed were fixed
    )


def moved_on(row: FindingRow, event: Any, position: int, outcome: str | None = None) -> None:
    """Move the row past a later event: its position, version, and the status the lifecycle says it leads to."""
    row.last_position, row.version = position, event.originator_version
    step = (type(event).__name__, row.status, outcome)
    status = STATUS_AFTER.get(step)
    if status is None:
        status = STATUS_AFTER[step] = status_after(*step).value
    row.status = status


# The lifecycle's answers by (event, status, outcome), kept as they are asked: a rebuild asks one an event.
STATUS_AFTER: dict[tuple[str, str, str | None], str] = {}


def fact_of(row: FindingRow, event: Any, position: int, outcome: str | None = None, level: str | None = None) -> Fact:
    """The fact an event leaves: the event with the row it produced (in the order of FACT_COLUMNS), its successor
    not yet known."""
    return (
        position,
        row.id,
        event.originator_version,
        type(event).__name__,
        micros(event.occurred_at),
        micros(event.timestamp),
        row.unit,
        row.source,
        row.severity,
        row.status,
        row.due_date,
        row.term,
        row.escalations,
        row.assignee,
        row.measures,
        outcome,
        level,
        warning_in_force(row.warnings),
        row.evidence,
        None,
        None,
    )


WARNING_ORDER = tuple(level.value for level in WarningLevel)  # green, yellow, red: lowest first


@lru_cache(maxsize=256)  # a finding's warnings are mostly one of a few strings: "yellow", "yellow,red", …
def warning_in_force(warnings: str) -> str | None:
    """The highest warning level recorded for the finding's current deadline (None: none)."""
    levels = warnings.split(",") if warnings else []
    return max(levels, key=WARNING_ORDER.index) if levels else None


@dataclass(slots=True)
class UnitFact:
    """One unit event: the unit as it stood after it, and when that was recorded."""

    position: int
    code: str
    name: str
    parent: str | None
    recorded_at: int


# An audit entry is one finding or unit event as recorded, for the audit query: a tuple in the order of
# AUDIT_COLUMNS. A unit event has no finding: its unit is the unit's own code.
AUDIT_COLUMNS = (
    "position",
    "finding_id",
    "reference",
    "unit",
    "type",
    "actor",
    "role",
    "occurred_at",
    "recorded_at",
)
# What every event carries besides its own fields (the audit entry's other columns say the last two).
ENVELOPE = frozenset(("originator_id", "originator_version", "timestamp", "originator_topic", "actor", "occurred_at"))


def audit_entry(
    event: Any, position: int, finding: FindingRow | None, unit: str, role: str | None, occurred: int, recorded: int
) -> tuple[Any, ...]:
    """The audit entry of an event: who did what to which finding (None: a unit event), and when.

    `occurred` and `recorded` are the event's times in microseconds, which the caller has worked out already.
    The event's own fields are not kept: the audit answer reads them from the stored record, which it checks
    against its seal anyway (a view of every event's texts would double the read model and its rebuild).
    """
    return (
        position,
        finding.id if finding else None,
        finding.reference if finding else None,
        unit,
        type(event).__name__,
        storable_name(event.actor),
        role,
        occurred,
        recorded,
    )


def event_data(event: Any) -> dict[str, Any]:
    """An event's own fields (not the envelope's), as JSON holds them: dates and moments in ISO 8601."""
    fields = vars(event)
    names = OWN_FIELDS.get(type(event)) or OWN_FIELDS.setdefault(type(event), own_fields(event))
    return json.loads(DATA_ENCODER.encode({name: fields[name] for name in names}))


OWN_FIELDS: dict[type, tuple[str, ...]] = {}  # by event class: a rebuild looks them up once an event


def own_fields(event: Any) -> tuple[str, ...]:
    """The names of an event's own fields (not the envelope's), in the order the event has them."""
    return tuple(name for name in vars(event) if name not in ENVELOPE)


def json_value(value: Any) -> Any:
    """Dates and moments in ISO 8601; anything else JSON does not know, as text."""
    return value.isoformat() if isinstance(value, date) else str(value)


# One encoder for every entry: `json.dumps` with options makes a new one each call, a third of the cost.
DATA_ENCODER = json.JSONEncoder(ensure_ascii=False, default=json_value)


def columns(cls: type) -> list[str]:
    """The column names of a row class, in order."""
    return [field.name for field in fields(cls)]


FINDING_COLUMNS, UNIT_COLUMNS = columns(FindingRow), columns(UnitFact)
# The columns of a finding's row a later event changes (the handlers of `projections.projection` and `moved_on`):
# the others are the finding as issued, written once.
CHANGING_COLUMNS = (
    "due_date",
    "status",
    "last_position",
    "version",
    "assignee",
    "measures",
    "closed_at",
    "rejections",
    "reopenings",
    "escalations",
    "extensions",
    "warnings",
    "evidence",
)
FACT_COLUMNS = [*FACT_FIELDS, *SUCCESSOR_COLUMNS]
USER_COLUMNS = ("position", "name", "role", "unit")  # who may act, and as what: a name's role never changes
finding_values = attrgetter(*FINDING_COLUMNS)
unit_values = attrgetter(*UNIT_COLUMNS)
