"""The audit query: every finding and unit event, who did it and when, filtered and paged in log order."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, Notification

from domain.finding import Finding
from domain.unit import Unit
from domain.values import finding_id
from projections.facts import event_data, micros, moment
from projections.listing import decode_cursor, encode_cursor
from projections.seal_store import SealStore
from projections.sealer import marks
from projections.view import ReadModelSQL

MAX_PAGE = 1000  # entries a page may hold (the HTTP API allows fewer; exports page through at this size)
DAY = 86_400 * 1_000_000  # microseconds


@dataclass(frozen=True)
class AuditFilter:
    """What an audit request asks for; `units` is the set of unit codes already widened to subtrees.

    `since` and `until` bound the recorded time, `occurred_since` and `occurred_until` when it happened
    (each bound included); `backdated_over` keeps the events recorded more than that many days after
    they happened; `finding` is a finding's id or its reference.
    """

    units: frozenset[str] | None = None
    actor: str | None = None
    type: str | None = None
    finding: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    occurred_since: datetime | None = None
    occurred_until: datetime | None = None
    backdated_over: int | None = None


@dataclass(frozen=True)
class AuditPage:
    """One page of audit entries, the cursor of the next, and the view's position it was read at."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    position: int


# Filter → the condition it adds; each names its parameter after the filter.
BOUNDS = {
    "actor": "actor = :actor",
    "type": "type = :type",
    "since": "recorded_at >= :since",
    "until": "recorded_at <= :until",
    "occurred_since": "occurred_at >= :occurred_since",
    "occurred_until": "occurred_at <= :occurred_until",
    "backdated_over": "recorded_at - occurred_at > :backdated_over",  # the expression its index is made on
}


def audit_rows(
    view: ReadModelSQL, where: AuditFilter, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the table's rows in log order, and the cursor of the next page (None on the last)."""
    limit = min(limit, MAX_PAGE)
    clauses, params = conditions(where)
    if cursor is not None:
        clauses.append("position > :after")
        params["after"] = decode_cursor(cursor)
    sql = "SELECT * FROM {audit}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    rows = view.select(sql + f" ORDER BY position LIMIT {limit + 1}", params)
    page = rows[:limit]
    return page, encode_cursor(page[-1]["position"]) if len(rows) > limit else None


def conditions(where: AuditFilter) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions and parameters for a filter."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for name, condition in BOUNDS.items():
        value = getattr(where, name)
        if value is not None:
            clauses.append(condition)
            params[name] = micros(value) if isinstance(value, datetime) else value
    if where.backdated_over is not None:
        params["backdated_over"] = where.backdated_over * DAY
    if where.units is not None:
        names = {f"u{i}": code for i, code in enumerate(sorted(where.units))}
        clauses.append(f"unit IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
        params |= names
    if where.finding is not None:
        ids = {f"f{i}": value for i, value in enumerate(sorted(finding_ids(where.finding)))}
        clauses.append(f"finding_id IN ({', '.join(':' + n for n in ids)})")
        params |= ids
    return clauses, params


def finding_ids(finding: str) -> set[str]:
    """The ids a finding may be named by: the text as an id, and the id of the finding with it as reference."""
    ids = {str(finding_id(finding))}
    try:
        ids.add(str(UUID(finding)))
    except ValueError:
        pass  # a reference only
    return ids


class StoredLog(Protocol):
    """The stored records the entries were projected from, read by position and decoded (the application's)."""

    def select_records(self, positions: Sequence[int]) -> Sequence[Notification]: ...

    def decode(self, record: Notification) -> Any: ...


def audit_entries(
    rows: list[dict[str, Any]], zone: tzinfo, log: StoredLog | None, seals: SealStore | None
) -> list[dict[str, Any]]:
    """A page's entries, each with its event's data read from the stored record, its seal, and whether the
    record still matches the seal (`missing`: the record is gone, and the entry is what the view kept of it)."""
    positions = [row["position"] for row in rows]
    records = {record.id: record for record in log.select_records(positions)} if log else {}
    checked = marks(positions, list(records.values()), seals) if seals else {}
    entries = []
    for row in rows:
        record = records.get(row["position"])
        seal, integrity = checked.get(row["position"], (None, None))
        data = decoded_data(log, record) if log and record else None
        entries.append(audit_entry(row, zone) | {"data": data, "seal": seal, "integrity": integrity})
    return entries


def decoded_data(log: StoredLog, record: Notification) -> dict[str, Any] | None:
    """The event's own fields, or None when the stored record no longer decodes (its integrity says why)."""
    try:
        return event_data(log.decode(record))
    except (MapperDeserialisationError, ValueError, TypeError):
        return None


def audit_entry(row: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """An entry as the view keeps it: its times as moments in the service's time zone."""
    return {
        "position": row["position"],
        "finding_id": row["finding_id"],
        "reference": row["reference"],
        "unit": row["unit"],
        "type": row["type"],
        "actor": row["actor"],
        "role": row["role"],
        "occurred_at": moment(row["occurred_at"]).astimezone(zone),
        "recorded_at": moment(row["recorded_at"]).astimezone(zone),
    }


def every_entry(first: AuditPage, page: Callable[[str], AuditPage]) -> Iterator[dict[str, Any]]:
    """Every entry a query matches: its first page, then page after page (`page` answers the one after a cursor)."""
    answer = first
    yield from answer.items
    while answer.next_cursor is not None:
        answer = page(answer.next_cursor)
        yield from answer.items


def recorded_types(aggregate: Any) -> list[str]:
    """The names of the events an aggregate records (those its @event methods made, not the library's bases)."""
    bases = (aggregate.Event, aggregate.Created)
    return [
        value.__name__
        for value in vars(aggregate).values()
        if isinstance(value, type) and issubclass(value, aggregate.Event) and value not in bases
    ]


ENTRY_TYPES = (*recorded_types(Finding), *recorded_types(Unit))  # what an entry's `type` may be
