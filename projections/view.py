"""The read model's tables and statements, written once for both stores.

Queries use `:name` parameters and bulk writes `?` placeholders; each store's
view turns them into its own style. Times are microseconds since the epoch and
dates ISO strings, so both stores compare them the same way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import Tracking

from projections.facts import (
    FACT_COLUMNS,
    FINDING_COLUMNS,
    UNIT_COLUMNS,
    Fact,
    FindingRow,
    UnitFact,
    fact_values,
    finding_values,
    unit_values,
)

APPLICATION_NAME = "Rectify"


def table_statements(t: dict[str, str], big: str) -> list[str]:
    """CREATE statements for the tables named in `t`, with `big` as the 64-bit integer type."""
    return [
        f"CREATE TABLE IF NOT EXISTS {t['findings']} (id TEXT PRIMARY KEY, reference TEXT NOT NULL, "
        "source TEXT NOT NULL, batch TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, "
        "category TEXT NOT NULL, severity TEXT NOT NULL, unit TEXT NOT NULL, due_date TEXT NOT NULL, "
        f"status TEXT NOT NULL, issued_at {big} NOT NULL, issued_position {big} NOT NULL, "
        f"last_position {big} NOT NULL, version INTEGER NOT NULL, assignee TEXT, measures TEXT, "
        f"closed_at {big}, rejections INTEGER NOT NULL, reopenings INTEGER NOT NULL, "
        "escalations INTEGER NOT NULL, extensions INTEGER NOT NULL, warnings TEXT NOT NULL)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {t['prefix']}findings_order ON {t['findings']} (issued_position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}findings_unit ON {t['findings']} (unit, status)",
        f"CREATE TABLE IF NOT EXISTS {t['facts']} (position {big} PRIMARY KEY, finding_id TEXT NOT NULL, "
        f"version INTEGER NOT NULL, type TEXT NOT NULL, occurred_at {big} NOT NULL, recorded_at {big} NOT NULL, "
        "unit TEXT NOT NULL, source TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, "
        "due_date TEXT NOT NULL, escalations INTEGER NOT NULL, assignee TEXT, measures TEXT, outcome TEXT, "
        f"level TEXT, next_occurred_at {big}, next_recorded_at {big})",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_occurred ON {t['facts']} (occurred_at)",
        # Covers the circular's state query: the latest facts are found and counted from the index alone.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_state ON {t['facts']} (next_occurred_at, occurred_at, "
        "recorded_at, unit, source, severity, status, due_date)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_next_recorded ON {t['facts']} (next_recorded_at)",
        f"CREATE TABLE IF NOT EXISTS {t['units']} (position {big} PRIMARY KEY, code TEXT NOT NULL, "
        f"name TEXT NOT NULL, parent TEXT, recorded_at {big} NOT NULL)",
    ]


@dataclass
class Batch:
    """Rows to write together with one tracking position."""

    findings: dict[str, FindingRow] = field(default_factory=dict)
    facts: dict[int, Fact] = field(default_factory=dict)
    successors: list[tuple[int, int, int]] = field(default_factory=list)
    units: list[UnitFact] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.facts) + len(self.units)

    def link(self, previous_position: int, fact: Fact) -> None:
        """Tell the finding's previous fact when its successor happened and was recorded."""
        previous = self.facts.get(previous_position)
        if previous is not None:
            previous.next_occurred_at, previous.next_recorded_at = fact.occurred_at, fact.recorded_at
        else:  # written by an earlier batch
            self.successors.append((fact.occurred_at, fact.recorded_at, previous_position))


class ReadModelSQL:
    """The read model's statements over a store's cursor; subclasses say how to reach the store."""

    tables: dict[str, str]
    placeholder = "?"

    def read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def statement(self, sql: str) -> Any:
        """The store's form of a `:name` statement (SQLite takes it as it is)."""
        return sql

    def record(self, cursor: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def max_tracking_id(self, application_name: str) -> int | None:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget every row and the tracking position, to rebuild from zero."""
        raise NotImplementedError

    def tidy(self) -> None:
        """Refresh the planner's statistics (and reclaim space) after a bulk load."""
        raise NotImplementedError

    # Writing.

    def apply(self, batch: Batch, tracking: Tracking) -> None:
        """Write a batch and its tracking position in one transaction."""
        with self.write() as cursor:
            if batch.findings:
                cursor.executemany(self._upsert_sql(), [finding_values(row) for row in batch.findings.values()])
            if batch.facts:
                sql = self._insert_sql(self.tables["facts"], FACT_COLUMNS)
                cursor.executemany(sql, [fact_values(fact) for fact in batch.facts.values()])
            if batch.successors:
                cursor.executemany(self._successor_sql(), batch.successors)
            if batch.units:
                cursor.executemany(
                    self._insert_sql(self.tables["units"], UNIT_COLUMNS), list(map(unit_values, batch.units))
                )
            self.record(cursor, tracking)

    def _insert_sql(self, table: str, columns: Sequence[str]) -> str:
        marks = ", ".join(self.placeholder for _ in columns)
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    def _upsert_sql(self) -> str:
        updates = ", ".join(f"{c} = excluded.{c}" for c in FINDING_COLUMNS if c != "id")
        return self._insert_sql(self.tables["findings"], FINDING_COLUMNS) + f" ON CONFLICT (id) DO UPDATE SET {updates}"

    def _successor_sql(self) -> str:
        mark = self.placeholder
        return (
            f"UPDATE {self.tables['facts']} SET next_occurred_at = {mark}, next_recorded_at = {mark} "
            f"WHERE position = {mark}"
        )

    # Reading.

    def select(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows of a read-only statement, as dicts."""
        with self.read() as cursor:
            cursor.execute(self.statement(sql.format(**self.tables)), params or {})
            return [dict(row) for row in cursor.fetchall()]

    def finding_rows(self, ids: Sequence[str]) -> dict[str, FindingRow]:
        """Current rows of these findings (those the view has)."""
        found: dict[str, FindingRow] = {}
        for chunk in chunks(ids, 500):
            names = {f"id{i}": value for i, value in enumerate(chunk)}
            placeholders = ", ".join(f":{name}" for name in names)
            for row in self.select(f"SELECT * FROM {{findings}} WHERE id IN ({placeholders})", names):
                found[row["id"]] = FindingRow(**row)
        return found

    def unit_facts(self, known_at: int | None = None) -> list[UnitFact]:
        """Unit events recorded up to a moment (all when None), in log order."""
        if known_at is None:
            rows = self.select("SELECT * FROM {units} ORDER BY position")
        else:
            rows = self.select("SELECT * FROM {units} WHERE recorded_at <= :k ORDER BY position", {"k": known_at})
        return [UnitFact(**row) for row in rows]

    def position(self) -> int:
        """The position of the last event this view has processed (0 before any)."""
        return self.max_tracking_id(APPLICATION_NAME) or 0


class ViewLagging(Exception):
    """The view did not reach a position in time."""


def wait_for(view: ReadModelSQL, position: int | None, timeout: float) -> None:
    """Return once the view has processed `position`; poll briefly so a caught-up view answers at once."""
    if position is None:
        return
    deadline = time.monotonic() + timeout
    interval = 0.002
    while view.position() < position:
        if time.monotonic() > deadline:
            raise ViewLagging(f"the read model has not reached position {position} within {timeout:g} s")
        time.sleep(interval)
        interval = min(interval * 2, 0.01)


def chunks(values: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


def pyformat(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s`."""
    return NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
