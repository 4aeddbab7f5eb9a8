"""The circular's queries: states at a cut-off and events in a week, counted in the store.

A finding's state at cut-off T, as known at K, is the fact of its latest event
with `occurred_at < T` recorded by K. Each fact knows when its successor
happened and was recorded, so that fact is simply the one whose successor is
missing, happened at or after T, or was recorded after K: three index ranges,
with no grouping over the whole history.
"""

from __future__ import annotations

from typing import Any

from domain.lifecycle import IN_PROGRESS, OPEN, overdue_sql, sql_in, terms_sql
from domain.values import Status, Term
from projections.standing import STATE_KEY, changes_sql
from projections.view import ReadModelSQL, chunks

# `+occurred_at` keeps SQLite's planner off the index of occurred_at in the second and third
# ranges: their own index ranges are narrow, while occurred_at < cut-off holds for most facts.
STATE = (
    "SELECT {columns} FROM {{facts}} WHERE next_occurred_at IS NULL AND occurred_at < :cutoff AND {known}"
    " UNION ALL SELECT {columns} FROM {{facts}} WHERE next_occurred_at >= :cutoff AND +occurred_at < :cutoff"
    " AND {known}"
    " UNION ALL SELECT {columns} FROM {{facts}} WHERE next_recorded_at > :known AND next_occurred_at < :cutoff"
    " AND +occurred_at < :cutoff AND {known}"
)
# The facts standing at the week's start, at its cut-off, or at both, in one pass: four disjoint index ranges,
# each saying at which of the two moments its facts stand (`at_start`, `at_cutoff`). Only the third range, the
# facts whose successor happened within the week, reads the table (for next_recorded_at): a week's worth.
STANDING = (
    "SELECT {columns}, CASE WHEN occurred_at < :start THEN 1 ELSE 0 END AS at_start, 1 AS at_cutoff"
    " FROM {{facts}} WHERE next_occurred_at IS NULL AND occurred_at < :cutoff AND {known}"
    " UNION ALL SELECT {columns}, CASE WHEN occurred_at < :start THEN 1 ELSE 0 END, 1"
    " FROM {{facts}} WHERE next_occurred_at >= :cutoff AND +occurred_at < :cutoff AND {known}"
    " UNION ALL SELECT {columns}, CASE WHEN occurred_at < :start THEN 1 ELSE 0 END,"
    " CASE WHEN next_recorded_at > :known THEN 1 ELSE 0 END"
    " FROM {{facts}} WHERE next_occurred_at >= :start AND next_occurred_at < :cutoff AND +occurred_at < :cutoff"
    " AND {known}"
    " UNION ALL SELECT {columns}, 1, 1 FROM {{facts}} WHERE next_recorded_at > :known"
    " AND next_occurred_at < :start AND +occurred_at < :cutoff AND {known}"
)
COUNTED = "unit, source, severity, status, due_date, term, warning"  # all in the covering index
INDEXED = f"position, {COUNTED}"
# What the lists show of a state beyond the covering index's columns.
DETAILS = "x.position, x.finding_id, x.escalations, x.assignee, x.measures, x.evidence"
WHOLE_FACT = (
    "s.finding_id, s.unit, s.source, s.severity, s.status, s.due_date, s.term, s.escalations, s.assignee, s.measures, "
    "s.evidence"
)
OVERDUE = f"CASE WHEN {overdue_sql('s.status', 's.due_date', 's.term', ':day')} THEN 1 ELSE 0 END"
# The warning in force: only while the fix is awaited (a closed finding keeps its last level in the facts).
# Null otherwise, which also keeps the groups of settled findings from splitting by their old warnings.
WARNING = f"CASE WHEN {sql_in('s.status', IN_PROGRESS)} THEN s.warning END"
LISTED = f"s.position, s.unit, s.source, s.severity, s.status, s.due_date, s.term, {WARNING} AS warning"
# Which findings a ledger lists: `open` ones and the long-term items closed in stages (阶段性销号), which go on; or all.
STAGED = f"({terms_sql('s.term', {Term.LONG})} AND {sql_in('s.status', {Status.CLOSED})})"
LEDGER_SCOPES = {"open": f"({sql_in('s.status', OPEN)} OR {STAGED})", "all": "1 = 1"}


EARLIEST = -(2**62)  # before any moment the view holds, in microseconds


class CircularQueries:
    """Queries of one circular: what is known at `known`, within `units` (None: all)."""

    def __init__(self, view: ReadModelSQL, known: int, units: frozenset[str] | None):
        self.view = view
        self.params: dict[str, Any] = {"known": known}
        self.unit_names: list[str] | None = None
        if units is not None:
            names = {f"u{i}": code for i, code in enumerate(sorted(units))}
            self.unit_names = [f":{name}" for name in names]
            self.params |= names
        self.in_units = self.within("unit")

    def within(self, column: str) -> str:
        """The condition that keeps rows of the circular's units (nothing when all count)."""
        if self.unit_names is None:
            return ""
        return f" AND {column} IN ({', '.join(self.unit_names)})" if self.unit_names else " AND 1 = 0"

    def _states(self, columns: str) -> str:
        return STATE.format(columns=columns, known=f"recorded_at <= :known{self.in_units}")

    def week_state_groups(
        self, start: int, cutoff: int, start_day: str, day: str
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """How many findings of each term stood in each status, overdue or not, under which warning, by unit,
        source and severity: at the week's start (overdue as of `start_day`) and at its cut-off (as of `day`).

        One pass over the facts standing at either moment: four groupings (two moments, by unit and by
        kind) read every finding's latest facts four times. `tally` groups the rows by any of the keys.
        """
        overdue_then = OVERDUE.replace(":day", ":start_day")
        rows = self.view.select(
            f"SELECT unit, source, severity, status, term, at_start, at_cutoff, {overdue_then} AS overdue_then,"
            f" {OVERDUE} AS overdue, {WARNING} AS warning, COUNT(*) AS n"
            f" FROM ({STANDING.format(columns=COUNTED, known=f'recorded_at <= :known{self.in_units}')}) s"
            f" GROUP BY {positions(10)}",
            self.params | {"start": start, "cutoff": cutoff, "start_day": start_day, "day": day},
        )
        at_start, at_cutoff = [], []
        for row in rows:
            then, now = row.pop("at_start"), row.pop("at_cutoff")
            overdue_then = row.pop("overdue_then")
            if now:
                at_cutoff.append(row)
            if then:
                at_start.append(row | {"overdue": overdue_then})
        return at_start, at_cutoff

    def counts_hold(self, zone: str) -> bool:
        """Whether the counts the projector keeps answer this circular: kept (not waiting for a rebuild to end),
        in its time zone's weeks, and nothing recorded after the moment it is known at (they count every event
        the view holds)."""
        if self.view.counted_zone() != zone or self.view.counts_loading():
            return False
        latest = self.view.select("SELECT MAX(recorded_at) AS latest FROM {audit}")[0]["latest"]
        return latest is None or latest <= self.params["known"]

    def counted_state_groups(self, boundary: int, day: str) -> list[dict[str, Any]]:
        """What `week_state_groups` counts at one week boundary, from the kept counts (see `counts_hold`): the
        latest boundary kept up to this one, plus the changes of the facts that happened since.

        Grouped by unit, and by source and severity, not by the three together (a tenth of the rows, which
        is most of the cost at 200,000 findings).
        """
        kept = self.view.select("SELECT MAX(boundary) AS kept FROM {boundaries} WHERE boundary <= :b", {"b": boundary})
        since = EARLIEST if kept[0]["kept"] is None else kept[0]["kept"]
        if since == boundary and self.unit_names is None:  # a boundary kept, for the whole system: its groups
            return self.view.select(
                "SELECT NULLIF(unit, '') AS unit, NULLIF(source, '') AS source, NULLIF(severity, '') AS severity,"
                " status, term, NULLIF(warning, '') AS warning, overdue, n FROM {groups} WHERE boundary = :b",
                {"b": boundary},
            )
        key = ", ".join(STATE_KEY)
        changes = changes_sql("{facts}", self.view.monday, ":since", ":boundary", self.in_units)
        counts = f"SELECT {key}, n FROM {{standing}} WHERE boundary = :since{self.in_units} UNION ALL {changes}"
        overdue = f"CASE WHEN {overdue_sql('status', 'due_week', 'term', ':day')} THEN 1 ELSE 0 END AS overdue"
        state = ["status", "term", "NULLIF(warning, '') AS warning", overdue]
        return self.by_dimension(counts, state, self.params | {"since": since, "boundary": boundary, "day": day})

    def counted_event_groups(self, previous_start: int, start: int, cutoff: int) -> list[dict[str, Any]]:
        """What `event_groups` counts, from the kept counts (see `counts_hold`), by unit, and by source and
        severity (see `counted_state_groups`): the weeks that ended before the last boundary were counted, the
        events since are counted here."""
        last = self.view.select("SELECT MAX(boundary) AS last FROM {boundaries}")[0]["last"]
        since = max(previous_start, EARLIEST if last is None else last)
        if last is not None and cutoff <= last and self.unit_names is None:  # both weeks counted, for all: groups
            return self.view.select(
                "SELECT NULLIF(unit, '') AS unit, NULLIF(source, '') AS source, NULLIF(severity, '') AS severity,"
                " type, NULLIF(outcome, '') AS outcome, term, CASE WHEN week >= :start THEN 1 ELSE 0 END AS this_week,"
                " n FROM {event_groups} WHERE week >= :previous AND week < :cutoff",
                {"previous": previous_start, "start": start, "cutoff": cutoff},
            )
        counts = (
            "SELECT unit, source, severity, type, outcome, term, week AS at, n FROM {events}"
            f" WHERE week >= :previous AND week < :cutoff{self.in_units}"
            " UNION ALL SELECT unit, source, severity, type, COALESCE(outcome, ''), term, occurred_at, 1 FROM {facts}"
            f" WHERE occurred_at >= :since AND occurred_at < :cutoff{self.in_units}"
        )
        this_week = "CASE WHEN at >= :start THEN 1 ELSE 0 END AS this_week"
        event = ["type", "NULLIF(outcome, '') AS outcome", "term", this_week]
        weeks = {"previous": previous_start, "start": start, "cutoff": cutoff, "since": since}
        return self.by_dimension(counts, event, self.params | weeks)

    def by_dimension(self, counts: str, columns: list[str], params: dict[str, Any]) -> list[dict[str, Any]]:
        """The sums of the `counts` rows by `columns` and by unit, then by source and severity: each row has
        either a unit or a source and a severity (the other keys are None)."""
        if self.view.grouping_sets:  # one pass over the rows, grouped both ways at once
            named = [column.rsplit(" AS ", 1)[-1] for column in columns]
            inner = f"SELECT unit, source, severity, {', '.join(columns)}, n FROM ({counts}) c"
            sets = ", ".join(f"({keys}, {', '.join(named)})" for keys in ("unit", "source, severity"))
            return self.view.select(
                f"SELECT unit, source, severity, {', '.join(named)}, SUM(n) AS n FROM ({inner}) x"
                f" GROUP BY GROUPING SETS ({sets}) HAVING SUM(n) <> 0",
                params,
            )
        parts = [
            f"SELECT {keys}, {', '.join(columns)}, SUM(n) AS n FROM counts"
            f" GROUP BY {positions(3 + len(columns))} HAVING SUM(n) <> 0"
            for keys in ("unit, NULL AS source, NULL AS severity", "NULL AS unit, source, severity")
        ]
        return self.view.select(f"WITH counts AS ({counts}) " + " UNION ALL ".join(parts), params)

    def event_groups(self, previous_start: int, start: int, cutoff: int, keys: tuple[str, ...]) -> list[dict[str, Any]]:
        """How many events of each kind (and term) happened in the week (this_week 1) and the week before (0)."""
        return self.view.select(
            f"SELECT {', '.join(keys)}, type, outcome, term,"
            " CASE WHEN occurred_at >= :start THEN 1 ELSE 0 END AS this_week, COUNT(*) AS n FROM {facts}"
            f" WHERE occurred_at >= :previous AND occurred_at < :cutoff AND recorded_at <= :known{self.in_units}"
            f" GROUP BY {positions(len(keys) + 4)}",
            self.params | {"previous": previous_start, "start": start, "cutoff": cutoff},
        )

    def state_rows(self, cutoff: int, day: str, where: str = "1 = 1") -> list[dict[str, Any]]:
        """Findings as they stood at the cut-off, with reference and title, that meet `where`.

        Two steps: the states are found and filtered in the covering index, then only
        those that meet `where` are looked up by position (a single join leaves
        PostgreSQL guessing how few meet it, and it then reads every fact).
        """
        states = self.view.select(
            f"SELECT {LISTED}, {OVERDUE} AS overdue FROM ({self._states(INDEXED)}) s WHERE {where}",
            self.params | {"cutoff": cutoff, "day": day},
        )
        details: dict[int, dict[str, Any]] = {}
        for chunk in chunks([state["position"] for state in states], 500):
            names = {f"p{i}": position for i, position in enumerate(chunk)}
            rows = self.view.select(
                f"SELECT {DETAILS}, f.reference, f.title FROM {{facts}} x JOIN {{findings}} f ON f.id = x.finding_id"
                f" WHERE x.position IN ({', '.join(':' + name for name in names)})",
                names,
            )
            details.update((row.pop("position"), row) for row in rows)
        return [state | details[state["position"]] for state in states]

    def overdue_rows(self, cutoff: int, day: str) -> list[dict[str, Any]]:
        return self.state_rows(cutoff, day, overdue_sql("s.status", "s.due_date", "s.term", ":day"))

    def ledger_rows(self, cutoff: int, day: str, scope: str) -> list[dict[str, Any]]:
        """The ledger's findings as they stood at the cut-off: `open` ones or `all`."""
        return self.state_rows(cutoff, day, LEDGER_SCOPES[scope])

    def escalated_rows(self, start: int, cutoff: int, day: str) -> list[dict[str, Any]]:
        """Findings escalated in the week, as they stood at the cut-off.

        Such a finding's state at the cut-off is a fact of the week itself (a finding's
        events never go back in time, and its escalation happened in the week), so
        only the week's facts are searched.
        """
        return self.view.select(
            f"SELECT {WHOLE_FACT}, f.reference, f.title, {OVERDUE} AS overdue"
            " FROM {facts} s JOIN {findings} f ON f.id = s.finding_id"
            " WHERE s.occurred_at >= :start AND s.occurred_at < :cutoff AND s.recorded_at <= :known"
            f"{self.within('s.unit')}"
            " AND (s.next_occurred_at IS NULL OR s.next_occurred_at >= :cutoff OR s.next_recorded_at > :known)"
            " AND s.finding_id IN (SELECT finding_id FROM {facts} WHERE type = 'Escalated'"
            " AND occurred_at >= :start AND occurred_at < :cutoff AND recorded_at <= :known)",
            self.params | {"start": start, "cutoff": cutoff, "day": day},
        )

    def first_issued(self) -> int | None:
        """When the earliest finding known was issued."""
        rows = self.view.select(
            "SELECT MIN(occurred_at) AS first FROM {facts} WHERE type = 'Issued' AND recorded_at <= :known",
            {"known": self.params["known"]},
        )
        return rows[0]["first"] if rows else None


def positions(count: int) -> str:
    """GROUP BY the first `count` columns of the select list."""
    return ", ".join(str(number) for number in range(1, count + 1))
