"""Counts the projector keeps for the weekly circular, so a circular costs the same at any size of the log.

Counting, at a week's cut-off, the findings standing in each state reads every
finding's latest fact: a second and a half of CPU at 200,000 findings. Instead,
the findings standing at each week boundary (Monday 00:00 in the view's time
zone) are counted once, when the log first reaches the week after it
(`standing_counts`), and so are the events of each week that has ended
(`event_counts`). The findings standing at a boundary are one boundary's rows;
at a boundary after the last one kept (the end of the current week), the last
one's rows plus the changes of the facts since: each fact adds one to the state
it left its finding in, from the moment it happened, and takes one from its
predecessor's (whose fact knows when its successor happened, `next_occurred_at`).
A new boundary is counted the same way, from the one before it and the week's
facts, so nothing is counted per event: an event costs the counts nothing,
unless it is back-dated before the last boundary, when its change is added to
every boundary after it, and the event to its week.

A state is counted by unit, source, severity, status, term, the warning in force
(while the fix is awaited) and, for the findings that can be overdue, the Monday
of the week their deadline falls in: boundaries are Mondays, so whether a finding
is overdue at one is whether that Monday comes after its deadline's.

A whole-system circular reads a boundary grouped as it shows it: by unit, and by source and severity, each
by status, term, warning and whether overdue that Monday (`standing_groups`, a seventh of a boundary's rows,
which grouping took most of a circular's time at 200,000 findings), and each ended week's events grouped the
same two ways (`event_groups`). The groups of a boundary or a week are made when it is counted, and again
when a back-dated event changes it.

While a rebuild loads bare tables, nothing is counted (`LOADING` stands among
the boundaries); `count_all` then counts every boundary from the indexed facts.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from domain.lifecycle import IN_PROGRESS, overdue_sql, sql_in, terms_sql
from projections.facts import FACT_FIELDS, SUCCESSOR, micros, moment

if TYPE_CHECKING:
    from projections.view import Batch

STATE_KEY = ("unit", "source", "severity", "status", "term", "warning", "due_week")
EVENT_KEY = ("unit", "source", "severity", "type", "outcome", "term")
# A boundary's groups: by unit (source and severity empty), and by source and severity (unit empty).
GROUP_KEY = ("unit", "source", "severity", "status", "term", "warning", "overdue")
GROUPS_COLUMNS = ", ".join(f"{k} {'INTEGER' if k == 'overdue' else 'TEXT'} NOT NULL" for k in GROUP_KEY)
NEVER_DUE = "~"  # the due week of a finding that cannot be overdue: after every ISO date, so never before a day
_OCCURRED, _POSITION = FACT_FIELDS.index("occurred_at"), FACT_FIELDS.index("position")
QUARTER_HOUR = 900_000_000  # microseconds: every time zone's offset is a multiple of it


def table_statements(t: dict[str, str], big: str) -> list[str]:
    """The tables of the counts, keyed by their primary keys (a back-dated event's change is added to a row)."""
    state = "unit TEXT NOT NULL, source TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, "
    state += "term TEXT NOT NULL, warning TEXT NOT NULL, due_week TEXT NOT NULL, n INTEGER NOT NULL"
    key = ", ".join(STATE_KEY)
    return [
        f"CREATE TABLE IF NOT EXISTS {t['standing']} (boundary {big} NOT NULL, {state}, PRIMARY KEY (boundary, {key}))",
        f"CREATE TABLE IF NOT EXISTS {t['boundaries']} (boundary {big} PRIMARY KEY)",
        f"CREATE TABLE IF NOT EXISTS {t['groups']} (boundary {big} NOT NULL, {GROUPS_COLUMNS}, n INTEGER NOT NULL, "
        f"PRIMARY KEY (boundary, {', '.join(GROUP_KEY)}))",
        f"CREATE TABLE IF NOT EXISTS {t['event_groups']} (week {big} NOT NULL, unit TEXT NOT NULL, "
        "source TEXT NOT NULL, severity TEXT NOT NULL, type TEXT NOT NULL, outcome TEXT NOT NULL, term TEXT NOT NULL, "
        f"n INTEGER NOT NULL, PRIMARY KEY (week, {', '.join(EVENT_KEY)}))",
        f"CREATE TABLE IF NOT EXISTS {t['events']} (week {big} NOT NULL, unit TEXT NOT NULL, source TEXT NOT NULL, "
        "severity TEXT NOT NULL, type TEXT NOT NULL, outcome TEXT NOT NULL, term TEXT NOT NULL, n INTEGER NOT NULL, "
        f"PRIMARY KEY (week, {', '.join(EVENT_KEY)}))",
    ]


def state_key_sql(monday: str) -> str:
    """A fact's state as the counts key it, as columns named as STATE_KEY: the warning only while the fix is
    awaited, the due week only if it can be overdue (`monday`: the store's Monday of a date, `{}`)."""
    in_progress = sql_in("status", IN_PROGRESS)
    return (
        f"unit, source, severity, status, term, CASE WHEN {in_progress} THEN COALESCE(warning, '') ELSE '' END"
        f" AS warning, CASE WHEN {in_progress} AND {terms_sql('term')} AND due_date IS NOT NULL"
        f" THEN {monday.format('due_date')} ELSE '{NEVER_DUE}' END AS due_week"
    )


def changes_sql(facts: str, monday: str, since: str, until: str, where: str = "") -> str:
    """The state changes of the facts that happened in [since, until): one added to a fact's state when it
    happened, one taken from it when its successor did; `where` narrows both (to some units, say)."""
    key = state_key_sql(monday)
    return (
        f"SELECT {key}, 1 AS n FROM {facts} WHERE occurred_at >= {since} AND occurred_at < {until}{where}"
        f" UNION ALL SELECT {key}, -1 AS n FROM {facts}"
        f" WHERE next_occurred_at >= {since} AND next_occurred_at < {until}{where}"
    )


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

    def day(self, boundary: int) -> str:
        """The date a boundary starts, in the zone (ISO): the day whose overdue findings it counts."""
        return moment(boundary).astimezone(self.zone).date().isoformat()

    def after(self, week: int) -> int:
        """The start of the next week."""
        local = moment(week).astimezone(self.zone)
        return micros(datetime.combine(local.date() + timedelta(days=7), datetime.min.time(), self.zone))


LOADING = -(2**62)  # among the boundaries while a rebuild loads bare tables: nothing is counted until `count_all`


def keep_counts(cursor: Any, batch: Batch, t: dict[str, str], mark: str, weeks: Weeks, monday: str) -> None:
    """Keep the counts up to date with a batch of facts, in the batch's transaction (see the module's doc)."""
    boundaries = kept_boundaries(cursor, t)
    if boundaries[:1] == [LOADING]:
        return
    happened = [fact[_OCCURRED] for fact in batch.facts.values()]
    if boundaries:
        back_dated(cursor, batch, t, mark, boundaries, weeks, monday)
        last = boundaries[-1]
    else:  # a new view's first facts: its first boundary is the start of their first week, with nothing before it
        last = weeks.start(min(happened))
        cursor.execute(f"INSERT INTO {t['boundaries']} (boundary) VALUES ({mark})", (last,))
    count_boundaries(cursor, t, mark, monday, weeks, last, weeks.start(max(happened)))


def count_all(cursor: Any, t: dict[str, str], mark: str, weeks: Weeks, monday: str) -> None:
    """Count every boundary afresh from the facts (once a rebuild has loaded and indexed them)."""
    for table in ("boundaries", "standing", "groups", "events", "event_groups"):
        cursor.execute(f"DELETE FROM {t[table]}")
    cursor.execute(f"SELECT MIN(occurred_at) AS first, MAX(occurred_at) AS latest FROM {t['facts']}")
    row = cursor.fetchone()
    if row["first"] is not None:
        first = weeks.start(row["first"])
        cursor.execute(f"INSERT INTO {t['boundaries']} (boundary) VALUES ({mark})", (first,))
        count_boundaries(cursor, t, mark, monday, weeks, first, weeks.start(row["latest"]))


def kept_boundaries(cursor: Any, t: dict[str, str]) -> list[int]:
    cursor.execute(f"SELECT boundary FROM {t['boundaries']} ORDER BY boundary")
    return [row["boundary"] for row in cursor.fetchall()]


def count_boundaries(
    cursor: Any, t: dict[str, str], mark: str, monday: str, weeks: Weeks, last: int, latest: int
) -> None:
    """Count each boundary after `last` up to `latest`: the one before it plus the changes of the week between,
    and that week's events."""
    key, events = ", ".join(STATE_KEY), ", ".join(EVENT_KEY)
    changes = changes_sql(t["facts"], monday, mark, mark)
    boundary = weeks.after(last)
    while boundary <= latest:
        cursor.execute(
            f"INSERT INTO {t['standing']} (boundary, {key}, n) SELECT {mark}, {key}, SUM(n) FROM ("
            f"SELECT {key}, n FROM {t['standing']} WHERE boundary = {mark} UNION ALL {changes}) x"
            f" GROUP BY {key} HAVING SUM(n) <> 0",
            (boundary, last, last, boundary, last, boundary),
        )
        cursor.execute(
            f"INSERT INTO {t['events']} (week, {events}, n) SELECT {mark}, unit, source, severity, type,"
            f" COALESCE(outcome, ''), term, COUNT(*) FROM {t['facts']} WHERE occurred_at >= {mark}"
            f" AND occurred_at < {mark} GROUP BY unit, source, severity, type, COALESCE(outcome, ''), term",
            (last, last, boundary),
        )
        cursor.execute(f"INSERT INTO {t['boundaries']} (boundary) VALUES ({mark})", (boundary,))
        group(cursor, t, mark, boundary, weeks.day(boundary))
        group_events(cursor, t, mark, last)
        last, boundary = boundary, weeks.after(boundary)


def back_dated(
    cursor: Any, batch: Batch, t: dict[str, str], mark: str, boundaries: list[int], weeks: Weeks, monday: str
) -> None:
    """Add the changes of the batch's events that happened before the last boundary to every boundary after
    them, and the events to their weeks (counted when the weeks ended)."""
    last = boundaries[-1]
    added = [(fact[_OCCURRED], fact[_POSITION]) for fact in batch.facts.values() if fact[_OCCURRED] < last]
    # Facts of the batch whose successor came in the batch too, and facts written before it whose successor came.
    left = [
        (fact[SUCCESSOR], fact[_POSITION])
        for fact in batch.facts.values()
        if fact[SUCCESSOR] is not None and fact[SUCCESSOR] < last
    ]
    left += [(occurred, previous) for occurred, _, previous in batch.successors if occurred < last]
    if not added and not left:
        return
    keys = fact_keys(cursor, t, mark, monday, [position for _, position in added + left])
    states: Counter[tuple[Any, ...]] = Counter()
    events: Counter[tuple[Any, ...]] = Counter()
    for changes, n in ((added, 1), (left, -1)):
        for occurred, position in changes:
            for boundary in boundaries:
                if boundary > occurred:
                    states[(boundary, *keys[position][0])] += n
    for occurred, position in added:
        events[(weeks.start(occurred), *keys[position][1])] += 1
    add_to(cursor, t["standing"], ("boundary", *STATE_KEY), mark, counted(states))
    add_to(cursor, t["events"], ("week", *EVENT_KEY), mark, counted(events))
    for boundary in sorted({key[0] for key in states}):
        group(cursor, t, mark, boundary, weeks.day(boundary))
    for week in sorted({key[0] for key in events}):
        group_events(cursor, t, mark, week)


def group(cursor: Any, t: dict[str, str], mark: str, boundary: int, day: str) -> None:
    """(Re)make a boundary's groups from its counts, overdue as of `day`, the date it starts."""
    cursor.execute(f"DELETE FROM {t['groups']} WHERE boundary = {mark}", (boundary,))
    overdue = f"CASE WHEN {overdue_sql('status', 'due_week', 'term', mark)} THEN 1 ELSE 0 END"
    for keys in ("unit, '', ''", "'', source, severity"):
        cursor.execute(
            f"INSERT INTO {t['groups']} (boundary, {', '.join(GROUP_KEY)}, n)"
            f" SELECT {mark}, {keys}, status, term, warning, {overdue}, SUM(n) FROM {t['standing']}"
            f" WHERE boundary = {mark} GROUP BY 2, 3, 4, 5, 6, 7, 8 HAVING SUM(n) <> 0",
            (boundary, day, boundary),
        )


def group_events(cursor: Any, t: dict[str, str], mark: str, week: int) -> None:
    """(Re)make an ended week's event groups from its counts."""
    cursor.execute(f"DELETE FROM {t['event_groups']} WHERE week = {mark}", (week,))
    for keys in ("unit, '', ''", "'', source, severity"):
        cursor.execute(
            f"INSERT INTO {t['event_groups']} (week, {', '.join(EVENT_KEY)}, n)"
            f" SELECT {mark}, {keys}, type, outcome, term, SUM(n) FROM {t['events']}"
            f" WHERE week = {mark} GROUP BY 2, 3, 4, 5, 6, 7 HAVING SUM(n) <> 0",
            (week, week),
        )


def counted(changes: Counter[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The changes as rows, the count last, leaving out those that cancelled out."""
    return [(*key, n) for key, n in changes.items() if n]


def fact_keys(
    cursor: Any, t: dict[str, str], mark: str, monday: str, positions: list[int]
) -> dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """The state and event keys of written facts, by position (worked out by the same SQL that counts weeks)."""
    keys: dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]] = {}
    for start in range(0, len(positions), 500):
        chunk = positions[start : start + 500]
        cursor.execute(
            f"SELECT position, {state_key_sql(monday)}, type, COALESCE(outcome, '') AS outcome FROM {t['facts']}"
            f" WHERE position IN ({', '.join(mark for _ in chunk)})",
            chunk,
        )
        for row in cursor.fetchall():
            keys[row["position"]] = (tuple(row[k] for k in STATE_KEY), tuple(row[k] for k in EVENT_KEY))
    return keys


def add_to(cursor: Any, table: str, columns: tuple[str, ...], mark: str, rows: list[tuple[Any, ...]]) -> None:
    """Add counts to those kept under the same key (`columns`, then `n`)."""
    if rows:
        marks = ", ".join(mark for _ in range(len(columns) + 1))
        cursor.executemany(
            f"INSERT INTO {table} AS kept ({', '.join(columns)}, n) VALUES ({marks})"
            f" ON CONFLICT ({', '.join(columns)}) DO UPDATE SET n = kept.n + excluded.n",
            rows,
        )
