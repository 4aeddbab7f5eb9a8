"""The read model's tables and statements, written once for both stores.

Queries use `:name` parameters and bulk writes `?` placeholders; each store's
view turns them into its own style. Times are microseconds since the epoch and
dates ISO strings, so both stores compare them the same way.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from eventsourcing.persistence import Tracking

from projections import standing
from projections.facts import (
    AUDIT_COLUMNS,
    CHANGING_COLUMNS,
    FACT_COLUMNS,
    FINDING_COLUMNS,
    OCCURRED_AT,
    RECORDED_AT,
    SUCCESSOR,
    UNIT_COLUMNS,
    USER_COLUMNS,
    Fact,
    FindingRow,
    UnitFact,
    finding_values,
    unit_values,
)

APPLICATION_NAME = "Rectify"
ISSUED_POSITION = itemgetter(FINDING_COLUMNS.index("issued_position"))  # a finding's row's key, of its values


def part_name(part: int) -> str:
    """The name a part of a load in several processes tracks its position under (`projections.parts`)."""
    return f"{APPLICATION_NAME}#{part}"


PART_NAMES = f"{APPLICATION_NAME}#%"  # every part's, as a LIKE pattern

# The tables a rebuild drops and loads anew (the counts of `projections.standing` among them).
VIEW_TABLES = (
    "findings", "facts", "units", "audit", "users", "standing", "groups", "boundaries", "events", "event_groups",
    "text",
)  # fmt: skip
DEFAULT_ZONE = "Asia/Shanghai"  # the time zone of the weeks the circular counts, unless the service sets another


def table_statements(t: dict[str, str], big: str) -> list[str]:
    """CREATE statements for the tables named in `t`, with `big` as the 64-bit integer type."""
    return [
        # Keyed by issued position (SQLite's rowid): the findings a batch changes are mostly the latest issued,
        # found together at the table's end, where the ids are random and each found in a page of its own.
        f"CREATE TABLE IF NOT EXISTS {t['findings']} (id TEXT NOT NULL UNIQUE, reference TEXT NOT NULL, "
        "source TEXT NOT NULL, batch TEXT NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, "
        "category TEXT NOT NULL, severity TEXT NOT NULL, unit TEXT NOT NULL, due_date TEXT, "
        f"status TEXT NOT NULL, issued_at {big} NOT NULL, issued_position {big} PRIMARY KEY, "
        f"last_position {big} NOT NULL, version INTEGER NOT NULL, assignee TEXT, measures TEXT, "
        f"closed_at {big}, rejections INTEGER NOT NULL, reopenings INTEGER NOT NULL, "
        "escalations INTEGER NOT NULL, extensions INTEGER NOT NULL, warnings TEXT NOT NULL, term TEXT NOT NULL, "
        "evidence TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {t['facts']} (position {big} PRIMARY KEY, finding_id TEXT NOT NULL, "
        f"version INTEGER NOT NULL, type TEXT NOT NULL, occurred_at {big} NOT NULL, recorded_at {big} NOT NULL, "
        "unit TEXT NOT NULL, source TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, "
        "due_date TEXT, term TEXT NOT NULL, escalations INTEGER NOT NULL, assignee TEXT, measures TEXT, outcome TEXT, "
        f"level TEXT, warning TEXT, evidence TEXT NOT NULL, next_occurred_at {big}, next_recorded_at {big})",
        f"CREATE TABLE IF NOT EXISTS {t['units']} (position {big} PRIMARY KEY, code TEXT NOT NULL, "
        f"name TEXT NOT NULL, parent TEXT, recorded_at {big} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {t['audit']} (position {big} PRIMARY KEY, finding_id TEXT, reference TEXT, "
        "unit TEXT NOT NULL, type TEXT NOT NULL, actor TEXT NOT NULL, role TEXT, "
        f"occurred_at {big} NOT NULL, recorded_at {big} NOT NULL)",
        # Keyed by position: two names that differ only in characters the view cannot store must not collide.
        f"CREATE TABLE IF NOT EXISTS {t['users']} (position {big} PRIMARY KEY, name TEXT NOT NULL, "
        "role TEXT NOT NULL, unit TEXT)",
        *standing.table_statements(t, big),
        f"CREATE TABLE IF NOT EXISTS {t['layout']} (fingerprint TEXT NOT NULL)",
        # The time zone whose weeks the counts were made in: another zone's weeks start at other moments.
        f"CREATE TABLE IF NOT EXISTS {t['zone']} (zone TEXT NOT NULL)",
    ]


def index_statements(t: dict[str, str]) -> list[str]:
    """The secondary indexes: made with the tables, or after a rebuild has loaded bare tables (much faster)."""
    return [
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}findings_unit ON {t['findings']} (unit, status)",
        # The list within a few units: each unit's findings, newest first, read from its own range.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}findings_unit_order ON {t['findings']} (unit, issued_position)",
        # The list by due date: its pages are ranges of this index, read forwards or backwards.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}findings_due ON {t['findings']} (due_date, issued_position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_occurred ON {t['facts']} (occurred_at)",
        # Covers the circular's state query: the latest facts are found and counted from the index alone.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_state ON {t['facts']} (next_occurred_at, occurred_at, "
        "recorded_at, unit, source, severity, status, due_date, term, warning, position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_next_recorded ON {t['facts']} (next_recorded_at)",
        # The circular's escalated list: the week's escalations, a few among its facts, found without the others.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}facts_escalated ON {t['facts']} (occurred_at)"
        " WHERE type = 'Escalated'",
        # The audit query's filters, each an index range read in position order (the pages' order).
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_actor ON {t['audit']} (actor, position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_unit ON {t['audit']} (unit, position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_type ON {t['audit']} (type, position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_finding ON {t['audit']} (finding_id, position)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_recorded ON {t['audit']} (recorded_at)",
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_occurred ON {t['audit']} (occurred_at)",
        # backdated_over: the few entries recorded long after they happened, found without reading the others.
        f"CREATE INDEX IF NOT EXISTS {t['prefix']}audit_backdated ON {t['audit']} ((recorded_at - occurred_at))",
    ]


# Raise when the projection fills the same tables differently; a change of the tables' or indexes'
# statements counts by itself. A projector that finds a view built otherwise rebuilds it from zero.
# 2: text the view cannot hold is stored with U+FFFD in its place; 3: audit entries; 4: terms (long-term items);
# 5: each finding's searched text in a table of its own (in each store's `bare_tables`)
PROJECTION_VERSION = 5
# Between a finding's reference, title and description in its searched text: a control character no query holds
# (the API refuses them), so a text found never spans two of them.
TEXT_SEPARATOR = "\x1f"
SHORTEST_INDEXED_TEXT = 3  # characters: the stores' text indexes are of trigrams


def layout_fingerprint() -> str:
    """What the view's layout and filling are, in a few characters: recorded with the rows by a rebuild."""
    names = {table: table for table in (*VIEW_TABLES, "layout", "zone")} | {"prefix": ""}
    text = "\n".join([*table_statements(names, "BIG"), *index_statements(names), f"projection {PROJECTION_VERSION}"])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# The columns the view's queries filter, join or group on: those the planner needs statistics of.
FILTERED_COLUMNS = {
    "findings": (
        "id",
        "unit",
        "status",
        "source",
        "severity",
        "term",
        "batch",
        "assignee",
        "due_date",
        "issued_position",
    ),
    "facts": (
        "finding_id",
        "type",
        "occurred_at",
        "recorded_at",
        "next_occurred_at",
        "next_recorded_at",
        "unit",
        "source",
        "severity",
        "status",
        "term",
    ),
    "units": ("position", "recorded_at"),
    "audit": ("position", "finding_id", "unit", "type", "actor", "occurred_at", "recorded_at"),
    "users": ("position",),
    "standing": ("boundary", "unit"),
    "groups": ("boundary",),
    "event_groups": ("week",),
    "boundaries": ("boundary",),
    "events": ("week", "unit"),
    "text": ("issued_position",),
}


@dataclass
class Batch:
    """Rows to write together with one tracking position."""

    findings: dict[str, FindingRow] = field(default_factory=dict)
    facts: dict[int, Fact] = field(default_factory=dict)  # each with its successor's times if this batch has it
    successors: list[tuple[int, int, int]] = field(default_factory=list)  # successor times of facts written before
    units: list[UnitFact] = field(default_factory=list)
    audit: list[tuple[Any, ...]] = field(default_factory=list)  # one entry per finding or unit event
    users: list[tuple[Any, ...]] = field(default_factory=list)
    texts: list[tuple[int, str]] = field(default_factory=list)  # newly issued findings' searched texts

    def issue(self, row: FindingRow) -> None:
        """Keep a newly issued finding's searched text (`searched_text`), by its issued position."""
        self.texts.append((row.issued_position, searched_text(row)))

    def __len__(self) -> int:
        return len(self.facts) + len(self.units)

    def link(self, previous_position: int, fact: Fact) -> None:
        """Tell the finding's previous fact when its successor happened and was recorded."""
        facts = self.facts
        previous = facts.get(previous_position)
        if previous is not None:
            facts[previous_position] = (*previous[:SUCCESSOR], fact[OCCURRED_AT], fact[RECORDED_AT])
        else:  # written by an earlier batch
            self.successors.append((fact[OCCURRED_AT], fact[RECORDED_AT], previous_position))


class ReadModelSQL:
    """The read model's statements over a store's cursor; subclasses say how to reach the store."""

    tables: dict[str, str]
    placeholder = "?"
    datastore: Any  # the library's datastore the view's store is reached through
    # LIKE that ignores case: SQLite's does (for ASCII letters, as its LOWER); PostgreSQL's ILIKE (for all).
    # Asking LOWER of every text first doubled the cost of a search that reads the whole table.
    like = "LIKE"
    # Whether the store reads a few units' first rows with LATERAL: PostgreSQL plans one subquery for all of
    # them, where a UNION ALL of one subquery a unit took longer to plan than to run. SQLite has no LATERAL.
    lateral = False
    # Whether the store groups rows several ways in one pass (GROUP BY GROUPING SETS): PostgreSQL does; SQLite
    # reads them once a way.
    grouping_sets = False
    monday = "date({}, '-6 days', 'weekday 1')"  # the Monday of a date's ISO week, in the store's SQL
    configured_zone = DEFAULT_ZONE  # the service's time zone (`open_view` sets it): what `reset` records
    _weeks: standing.Weeks | None = None

    def read(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def write(self) -> AbstractContextManager[Any]:
        raise NotImplementedError

    def statement(self, sql: str) -> Any:
        """The store's form of a `:name` statement (SQLite takes it as it is)."""
        return sql

    def record(self, cursor: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def tracking_table(self) -> str:
        """The tracking table's name, as SQL."""
        raise NotImplementedError

    def forget_parts(self, cursor: Any) -> None:
        """Forget the positions the parts of a load tracked (`projections.parts`)."""
        cursor.execute(
            f"DELETE FROM {self.tracking_table()} WHERE application_name LIKE {self.placeholder}", (PART_NAMES,)
        )

    def loaded_in_parts(self, position: int) -> None:
        """Every part of a load has reached `position`: record it as the view's, and forget the parts'."""
        with self.write() as cursor:
            self.forget_parts(cursor)
            self.record(cursor, Tracking(APPLICATION_NAME, position))

    def max_tracking_id(self, application_name: str) -> int | None:
        raise NotImplementedError

    def create_table(self) -> None:
        """Make the tracking table and the view's tables and indexes, those missing (the library's recorder)."""
        raise NotImplementedError

    def bare_tables(self) -> list[str]:
        """The store's CREATE statements of the view's tables, without their secondary indexes."""
        raise NotImplementedError

    def drop(self, cursor: Any) -> None:
        """Set the view's tables aside (or drop them) and forget its tracking position."""
        raise NotImplementedError

    def drop_replaced(self) -> None:
        """Drop what `drop` set aside, if anything."""

    def analyze(self) -> None:
        """Refresh the planner's statistics (and reclaim space) after a bulk load."""
        raise NotImplementedError

    def reset(self) -> None:
        """Forget every row and the tracking position, leaving bare tables for a rebuild to load.

        The tables are made anew (so a newer layout takes effect) without their secondary
        indexes: loading bare tables and indexing them once at the end is several times
        faster than keeping the indexes up to date row by row.
        """
        self.create_table()  # the tracking table, on a store that has none yet
        with self.write() as cursor:
            self.drop(cursor)
            for statement in self.bare_tables():
                cursor.execute(statement)
            cursor.execute(f"DELETE FROM {self.tables['layout']}")
            cursor.execute(f"INSERT INTO {self.tables['layout']} VALUES ({self.placeholder})", (layout_fingerprint(),))
            cursor.execute(f"DELETE FROM {self.tables['zone']}")
            cursor.execute(f"INSERT INTO {self.tables['zone']} VALUES ({self.placeholder})", (self.configured_zone,))
            # The circular's counts wait for the indexed facts: `finish_rebuild` counts them all at once.
            cursor.execute(f"INSERT INTO {self.tables['boundaries']} VALUES ({self.placeholder})", (standing.LOADING,))
        self._weeks = None

    def layout(self) -> str | None:
        """The fingerprint of the layout the view was built in (None: built before they were recorded, or never)."""
        if not self.has_table("layout"):
            return None
        rows = self.select("SELECT fingerprint FROM {layout}")
        return rows[0]["fingerprint"] if rows else None

    def has_table(self, table: str) -> bool:
        """Whether one of the view's tables exists yet."""
        raise NotImplementedError

    def is_current(self) -> bool:
        """Whether the view was built in this version's layout and the service's time zone, and its rebuild
        ended (if not, the projector rebuilds it)."""
        if self.layout() != layout_fingerprint() or self.counted_zone() != self.configured_zone:
            return False
        return not self.counts_loading()

    def counts_loading(self) -> bool:
        """Whether the circular's counts wait for a rebuild to end (see `projections.standing`)."""
        return self.select("SELECT MIN(boundary) AS first FROM {boundaries}")[0]["first"] == standing.LOADING

    def counted_zone(self) -> str | None:
        """The time zone whose weeks the circular's counts were made in (None: a view built before they were)."""
        if not self.has_table("zone"):
            return None
        rows = self.select("SELECT zone FROM {zone}")
        return rows[0]["zone"] if rows else None

    def keep_zone(self) -> None:
        """Record the service's time zone in a new, empty view (a view holding rows records it when rebuilt)."""
        if self.position() == 0 and self.counted_zone() is None:
            with self.write() as cursor:
                zone = self.configured_zone
                cursor.execute(f"INSERT INTO {self.tables['zone']} VALUES ({self.placeholder})", (zone,))
            self._weeks = None

    def weeks(self) -> standing.Weeks:
        """The weeks the counts are kept by: those of the zone the view was built in."""
        if self._weeks is None:
            self._weeks = standing.Weeks(ZoneInfo(self.counted_zone() or self.configured_zone))
        return self._weeks

    def finish_rebuild(self) -> None:
        """Index the loaded tables and refresh the planner's statistics."""
        with self.write() as cursor:
            for statement in self.index_statements():
                cursor.execute(statement)
            standing.count_all(cursor, self.tables, self.placeholder, self.weeks(), self.monday)
        self.analyze()

    def index_statements(self) -> list[str]:
        """The store's statements of the view's secondary indexes."""
        return index_statements(self.tables)

    # Writing.

    def apply(self, batch: Batch, tracking: Tracking) -> None:
        """Write a batch and its tracking position in one transaction."""
        with self.write() as cursor:
            if batch.findings:
                # In the table's order: the findings a load writes settle in another order than they were issued.
                rows = sorted(map(finding_values, batch.findings.values()), key=ISSUED_POSITION)
                self.upsert(cursor, "findings", FINDING_COLUMNS, rows, "issued_position", CHANGING_COLUMNS)
            if batch.facts:
                self.insert(cursor, "facts", FACT_COLUMNS, list(batch.facts.values()))
            if batch.texts:  # after a plain table's write: SQLite's text index reads before it writes, and a
                # transaction that has read cannot wait for another writer to finish (it is refused at once)
                self.insert_texts(cursor, batch.texts)
            if batch.successors:  # in the facts' order: each page of the table is found once, not once a row
                cursor.executemany(self._successor_sql(), sorted(batch.successors, key=itemgetter(2)))
            if batch.facts:
                standing.keep_counts(cursor, batch, self.tables, self.placeholder, self.weeks(), self.monday)
            if batch.units:
                self.insert(cursor, "units", UNIT_COLUMNS, list(map(unit_values, batch.units)))
            if batch.audit:
                self.insert(cursor, "audit", AUDIT_COLUMNS, batch.audit)
            if batch.users:
                self.insert(cursor, "users", USER_COLUMNS, batch.users)
            self.record(cursor, tracking)

    def insert_texts(self, cursor: Any, rows: list[tuple[int, str]]) -> None:
        """Add newly issued findings' searched texts (`searched_text`), by issued position."""
        raise NotImplementedError

    def text_condition(self, *, escaped: bool, like: str) -> str:
        """The condition that a finding's searched text holds the `:q` pattern, read from the store's text index
        (for a text of at least SHORTEST_INDEXED_TEXT characters); `escaped`: the pattern escapes `%` or `_`
        with a backslash (SQLite's index of trigrams then reads every text: it answers no LIKE with ESCAPE);
        `like`: the operator, `like` or, for a pattern without letters that have a case, LIKE."""
        raise NotImplementedError

    def insert(self, cursor: Any, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Add rows to one of the view's tables."""
        cursor.executemany(self._insert_sql(self.tables[table], columns), rows)

    def upsert(
        self,
        cursor: Any,
        table: str,
        columns: Sequence[str],
        rows: list[tuple[Any, ...]],
        key: str,
        changing: Sequence[str],
    ) -> None:
        """Add rows to one of the view's tables, or, where a row with the same `key` is there, set its `changing`
        columns (the others are left as they are, and so are the indexes of those alone)."""
        cursor.executemany(self._insert_sql(self.tables[table], columns) + self._on_conflict(key, changing), rows)

    def _insert_sql(self, table: str, columns: Sequence[str]) -> str:
        marks = ", ".join(self.placeholder for _ in columns)
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    @staticmethod
    def _on_conflict(key: str, changing: Sequence[str]) -> str:
        return f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in changing)

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

    def user_roles(self) -> dict[str, str]:
        """Every user's role, by name."""
        return {row["name"]: row["role"] for row in self.select("SELECT name, role FROM {users} ORDER BY position")}

    def position(self) -> int:
        """The position of the last event this view has processed (0 before any)."""
        return self.max_tracking_id(APPLICATION_NAME) or 0


class ViewLagging(Exception):
    """The view did not reach a position in time."""


class Positioned(Protocol):
    """Anything that follows the log and can say how far it has got."""

    def position(self) -> int: ...


def wait_for(view: Positioned, position: int | None, timeout: float) -> None:
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


def searched_text(row: FindingRow) -> str:
    """What a search reads of a finding: its reference, title and description (they never change, and hold
    no separator: `storable` replaced it)."""
    return TEXT_SEPARATOR.join((row.reference, row.title, row.description))


def chunks(values: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


NAMED = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")  # a `:name` parameter of a statement (not a `::` cast)


def pyformat(sql: str) -> str:
    """`:name` parameters as psycopg's `%(name)s`."""
    return NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))
