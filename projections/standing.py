"""Counts the projector keeps for the weekly circular, so a circular costs the same at any size of the log.

Counting, at a week's cut-off, the findings standing in each state reads every
finding's latest fact: a second at 200,000 findings. Instead, each fact adds one
to its state's count in the week it happened, and takes one from its
predecessor's state in the same week (`state_changes`), and the sums of those
changes before each week boundary are kept (`standing`, one set of counts a
week). The findings standing at a boundary are then one boundary's rows, plus
the changes of the weeks after the last boundary kept. A change happening before
boundaries already kept (a back-dated event) is added to each of them.

A state is counted by unit, source, severity, status, term, the warning in force
(while the fix is awaited) and, for the findings that can be overdue, the Monday
of the week their deadline falls in: boundaries are Mondays, so whether a finding
is overdue at one is whether that Monday comes after its deadline's.

The events of each kind are counted by the week they happened in
(`event_counts`). Weeks are Monday 00:00 in the view's time zone, in
microseconds since the epoch, as every moment in the view.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from domain.lifecycle import DEADLINE_TERMS, IN_PROGRESS
from projections.facts import FACT_FIELDS, Fact, micros, moment

if TYPE_CHECKING:
    from projections.view import Batch

STATE_KEY = ("unit", "source", "severity", "status", "term", "warning", "due_week")
EVENT_KEY = ("unit", "source", "severity", "type", "outcome", "term")
NEVER_DUE = "~"  # the due week of a finding that cannot be overdue: after every ISO date, so never before a day
NO_WARNING = ""  # and of one under no warning (key columns are never null: they make the primary key)
IN_PROGRESS_VALUES = frozenset(status.value for status in IN_PROGRESS)
DEADLINE_VALUES = frozenset(term.value for term in DEADLINE_TERMS)
_STATE_COLUMNS = tuple(FACT_FIELDS.index(name) for name in ("unit", "source", "severity", "status", "term"))
_DUE, _WARNING = FACT_FIELDS.index("due_date"), FACT_FIELDS.index("warning")
_TYPE, _OUTCOME = FACT_FIELDS.index("type"), FACT_FIELDS.index("outcome")
_OCCURRED = FACT_FIELDS.index("occurred_at")
QUARTER_HOUR = 900_000_000  # microseconds: every time zone's offset is a multiple of it


def table_statements(t: dict[str, str], big: str) -> list[str]:
    """The tables of the counts (their keys are their primary keys: they are upserted, also while rebuilding)."""
    state = "unit TEXT NOT NULL, source TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, "
    state += "term TEXT NOT NULL, warning TEXT NOT NULL, due_week TEXT NOT NULL, n INTEGER NOT NULL"
    key = ", ".join(STATE_KEY)
    return [
        f"CREATE TABLE IF NOT EXISTS {t['changes']} (week {big} NOT NULL, {state}, PRIMARY KEY (week, {key}))",
        f"CREATE TABLE IF NOT EXISTS {t['standing']} (boundary {big} NOT NULL, {state}, PRIMARY KEY (boundary, {key}))",
        f"CREATE TABLE IF NOT EXISTS {t['boundaries']} (boundary {big} PRIMARY KEY)",
        f"CREATE TABLE IF NOT EXISTS {t['events']} (week {big} NOT NULL, unit TEXT NOT NULL, source TEXT NOT NULL, "
        "severity TEXT NOT NULL, type TEXT NOT NULL, outcome TEXT NOT NULL, term TEXT NOT NULL, n INTEGER NOT NULL, "
        f"PRIMARY KEY (week, {', '.join(EVENT_KEY)}))",
    ]


def state_key(fact: Fact) -> tuple[str, ...]:
    """The state a fact left its finding in, as the counts key it."""
    unit, source, severity, status, term = (fact[i] for i in _STATE_COLUMNS)
    return key_of(unit, source, severity, status, term, fact[_WARNING], fact[_DUE])


def key_of(
    unit: str, source: str, severity: str, status: str, term: str, warning: str | None, due: str | None
) -> tuple[str, ...]:
    """A state's key: the warning only while the fix is awaited, the due week only if it can be overdue."""
    in_progress = status in IN_PROGRESS_VALUES
    due_week = NEVER_DUE
    if in_progress and term in DEADLINE_VALUES and due:
        day = date.fromisoformat(due)
        due_week = (day - timedelta(days=day.weekday())).isoformat()
    warning = (warning or NO_WARNING) if in_progress else NO_WARNING
    return (unit, source, severity, status, term, warning, due_week)


def event_key(fact: Fact) -> tuple[str, ...]:
    unit, source, severity, _, term = (fact[i] for i in _STATE_COLUMNS)
    return (unit, source, severity, fact[_TYPE], fact[_OUTCOME] or "", term)


class Weeks:
    """The start of the week a moment falls in, in one time zone (looked up once a quarter of an hour)."""

    def __init__(self, zone: tzinfo):
        self.zone = zone
        self.known: dict[int, int] = {}

    def start(self, micros_: int) -> int:
        quarter = micros_ // QUARTER_HOUR
        week = self.known.get(quarter)
        if week is None:
            local = moment(micros_).astimezone(self.zone)
            monday = datetime.combine(local.date() - timedelta(days=local.weekday()), datetime.min.time(), self.zone)
            week = self.known[quarter] = micros(monday)
        return week

    def after(self, week: int) -> int:
        """The start of the next week."""
        local = moment(week).astimezone(self.zone)
        return micros(datetime.combine(local.date() + timedelta(days=7), datetime.min.time(), self.zone))


class Changes:
    """What one batch of facts changes in the counts."""

    def __init__(self, weeks: Weeks):
        self.weeks = weeks
        self.states: Counter[tuple[Any, ...]] = Counter()
        self.events: Counter[tuple[Any, ...]] = Counter()
        self.latest = 0  # the latest moment any of the facts happened

    def add(self, fact: Fact) -> None:
        """A fact: its state counts from the week it happened, and the event in that week."""
        occurred = fact[_OCCURRED]
        week = self.weeks.start(occurred)
        self.states[(week, *state_key(fact))] += 1
        self.events[(week, *event_key(fact))] += 1
        self.latest = max(self.latest, occurred)

    def succeeded(self, predecessor: tuple[str, ...], occurred: int) -> None:
        """A finding left the state `predecessor` (a `state_key`) when its next event happened."""
        self.states[(self.weeks.start(occurred), *predecessor)] -= 1


def counted(changes: Counter[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The changes as rows, the count last, leaving out those that cancelled out."""
    return [(*key, n) for key, n in changes.items() if n]


def write_counts(cursor: Any, batch: Batch, t: dict[str, str], mark: str, weeks: Weeks) -> None:
    """Add what a batch of facts changes to the counts, in the batch's transaction (see the module's doc)."""
    changes = Changes(weeks)
    for fact in batch.facts.values():
        changes.add(fact)
    for previous, (occurred, _) in batch.followed.items():
        changes.succeeded(state_key(batch.facts[previous]), occurred)
    earlier = predecessor_keys(cursor, t, mark, [previous for _, _, previous in batch.successors])
    for occurred, _, previous in batch.successors:
        changes.succeeded(earlier[previous], occurred)
    states = counted(changes.states)
    upsert(cursor, t["changes"], ("week", *STATE_KEY), mark, states)
    upsert(cursor, t["events"], ("week", *EVENT_KEY), mark, counted(changes.events))
    cursor.execute(f"SELECT boundary FROM {t['boundaries']} ORDER BY boundary")
    boundaries = [row["boundary"] for row in cursor.fetchall()]
    # A change before boundaries already kept (a back-dated event) counts at each of them.
    later = [(boundary, *row[1:]) for row in states for boundary in boundaries if boundary > row[0]]
    upsert(cursor, t["standing"], ("boundary", *STATE_KEY), mark, later)
    if changes.states:
        keep_boundaries(cursor, t, mark, weeks, boundaries[-1] if boundaries else None, changes)


def keep_boundaries(
    cursor: Any, t: dict[str, str], mark: str, weeks: Weeks, last: int | None, changes: Changes
) -> None:
    """Keep the counts at each week boundary after `last` up to the start of the latest week anything happened in.

    Each is the one before it plus the changes between them; the first is the changes before it.
    """
    key = ", ".join(STATE_KEY)
    boundary = weeks.after(last) if last is not None else min(change[0] for change in changes.states)
    while boundary <= weeks.start(changes.latest):
        params: tuple[int, ...]
        if last is None:
            source, params = f"SELECT {key}, n FROM {t['changes']} WHERE week < {mark}", (boundary, boundary)
        else:
            source = (
                f"SELECT {key}, n FROM {t['standing']} WHERE boundary = {mark}"
                f" UNION ALL SELECT {key}, n FROM {t['changes']} WHERE week >= {mark} AND week < {mark}"
            )
            params = (boundary, last, last, boundary)
        cursor.execute(
            f"INSERT INTO {t['standing']} (boundary, {key}, n) SELECT {mark}, {key}, SUM(n) FROM ({source}) x"
            f" GROUP BY {key} HAVING SUM(n) <> 0",
            params,
        )
        cursor.execute(f"INSERT INTO {t['boundaries']} (boundary) VALUES ({mark})", (boundary,))
        last, boundary = boundary, weeks.after(boundary)


def predecessor_keys(cursor: Any, t: dict[str, str], mark: str, positions: list[int]) -> dict[int, tuple[str, ...]]:
    """The state keys of facts an earlier batch wrote, by position."""
    keys: dict[int, tuple[str, ...]] = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        cursor.execute(
            f"SELECT position, unit, source, severity, status, term, warning, due_date FROM {t['facts']}"
            f" WHERE position IN ({', '.join(mark for _ in chunk)})",
            chunk,
        )
        for row in cursor.fetchall():
            keys[row["position"]] = key_of(
                row["unit"], row["source"], row["severity"], row["status"], row["term"], row["warning"], row["due_date"]
            )
    return keys


def upsert(cursor: Any, table: str, columns: tuple[str, ...], mark: str, rows: list[tuple[Any, ...]]) -> None:
    """Add counts to those kept under the same key (`columns`, then `n`)."""
    if rows:
        marks = ", ".join(mark for _ in range(len(columns) + 1))
        cursor.executemany(
            f"INSERT INTO {table} AS kept ({', '.join(columns)}, n) VALUES ({marks})"
            f" ON CONFLICT ({', '.join(columns)}) DO UPDATE SET n = kept.n + excluded.n",
            rows,
        )
