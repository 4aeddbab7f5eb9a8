"""The finding list: filters, free-text search and cursor pages over the read model."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.lifecycle import IN_PROGRESS, overdue_sql, sql_in, terms_sql
from projections.view import ReadModelSQL

MAX_PAGE = 200
MAX_POSITION = 2**63 - 1  # positions are 64-bit integers in both stores
# A cursor is "p" and a position (at most 19 digits), in URL-safe base64 without padding: 3 to 27 characters.
CURSOR_PATTERN = re.compile(r"^[A-Za-z0-9_-]{3,27}$")
CURSOR_TEXT = re.compile(r"^p([0-9]{1,19})$")


class InvalidCursor(ValueError):
    """A cursor this service did not hand out."""


@dataclass(frozen=True)
class FindingFilter:
    """What a list request asks for; `units` is the set of unit codes already widened to subtrees."""

    units: frozenset[str] | None = None
    status: str | None = None
    source: str | None = None
    severity: str | None = None
    term: str | None = None
    batch: str | None = None
    assignee: str | None = None
    overdue: bool | None = None
    q: str | None = None
    # The 工作台's queues: still in progress and warned (预警函) or escalated; sent back by a reviewer at least once.
    warned: bool | None = None
    escalated: bool | None = None
    rejected: bool | None = None


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"p{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position a cursor stands for; InvalidCursor for anything `encode_cursor` cannot have made."""
    match = None
    if CURSOR_PATTERN.match(cursor):
        try:
            match = CURSOR_TEXT.match(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii"))
        except (binascii.Error, UnicodeDecodeError, ValueError):
            match = None
    if match is None or int(match.group(1)) > MAX_POSITION:
        raise InvalidCursor("the cursor was not handed out by this service") from None
    return int(match.group(1))


def list_findings(
    view: ReadModelSQL, where: FindingFilter, today: date, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of findings, newest issued first, and the cursor of the next page (None on the last)."""
    clauses, params = conditions(where, today)
    if cursor is not None:
        clauses.append("issued_position < :before")
        params["before"] = decode_cursor(cursor)
    sql = "SELECT * FROM {findings}"
    if clauses:
        sql += " WHERE " + " AND ".join(clauses)
    sql += f" ORDER BY issued_position DESC LIMIT {min(limit, MAX_PAGE) + 1}"
    rows = view.select(sql, params)
    page = rows[:limit]
    more = len(rows) > limit
    return page, encode_cursor(page[-1]["issued_position"]) if more and page else None


def count_findings(view: ReadModelSQL, where: FindingFilter, today: date) -> int:
    """How many findings a filter selects (the same conditions as the list)."""
    clauses, params = conditions(where, today)
    sql = "SELECT COUNT(*) AS n FROM {findings}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
    return int(view.select(sql, params)[0]["n"])


def conditions(where: FindingFilter, today: date) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions and parameters for a filter."""
    clauses: list[str] = []
    params: dict[str, Any] = {}
    for column in ("status", "source", "severity", "term", "batch", "assignee"):
        value = getattr(where, column)
        if value is not None:
            clauses.append(f"{column} = :{column}")
            params[column] = value
    if where.units is not None:
        names = {f"u{i}": code for i, code in enumerate(sorted(where.units))}
        clauses.append(f"unit IN ({', '.join(':' + n for n in names)})" if names else "1 = 0")
        params |= names
    if where.overdue is not None:
        overdue = overdue_sql("status", "due_date", "term", ":today")
        clauses.append(overdue if where.overdue else f"NOT {overdue}")
        params["today"] = today.isoformat()
    clauses += queue_conditions(where)
    if where.q:
        pattern = "%" + where.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        fields = ("reference", "title", "description")
        clauses.append("(" + " OR ".join(f"LOWER({f}) LIKE :q ESCAPE '\\'" for f in fields) + ")")
        params["q"] = pattern
    return clauses, params


def queue_conditions(where: FindingFilter) -> list[str]:
    """Conditions of the 工作台's queues; warnings and escalations matter only while the unit's fix is awaited."""
    waiting = f"{sql_in('status', IN_PROGRESS)} AND {terms_sql('term')}"
    queues = {
        "warned": f"({waiting} AND warnings <> '')",
        "escalated": f"({sql_in('status', IN_PROGRESS)} AND escalations > 0)",
        "rejected": "rejections > 0",
    }
    clauses = []
    for name, condition in queues.items():
        wanted = getattr(where, name)
        if wanted is not None:
            clauses.append(condition if wanted else f"NOT {condition}")
    return clauses
