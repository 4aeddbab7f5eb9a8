"""The circular's queries: states at a cut-off and events in a week, counted in the store.

A finding's state at cut-off T, as known at K, is the fact of its latest event
with `occurred_at < T` recorded by K. Each fact knows when its successor
happened and was recorded, so that fact is simply the one whose successor is
missing, happened at or after T, or was recorded after K: three index ranges,
with no grouping over the whole history.
"""

from __future__ import annotations

from typing import Any

from projections.view import ReadModelSQL

STATE = (
    "SELECT {columns} FROM {{facts}} WHERE next_occurred_at IS NULL AND {known}"
    " UNION ALL SELECT {columns} FROM {{facts}} WHERE next_occurred_at >= :cutoff AND {known}"
    " UNION ALL SELECT {columns} FROM {{facts}} WHERE next_occurred_at < :cutoff AND next_recorded_at > :known"
    " AND {known}"
)
COUNTED = "unit, source, severity, status, due_date"
LISTED = "finding_id, unit, source, severity, status, due_date, escalations, assignee, measures"
OVERDUE = "CASE WHEN s.status IN ('issued', 'assigned') AND s.due_date < :day THEN 1 ELSE 0 END"


class CircularQueries:
    """Queries of one circular: what is known at `known`, within `units` (None: all)."""

    def __init__(self, view: ReadModelSQL, known: int, units: frozenset[str] | None):
        self.view = view
        self.params: dict[str, Any] = {"known": known}
        self.in_units = ""
        if units is not None:
            names = {f"u{i}": code for i, code in enumerate(sorted(units))}
            self.in_units = f" AND unit IN ({', '.join(':' + name for name in names)})" if names else " AND 1 = 0"
            self.params |= names

    def _states(self, columns: str) -> str:
        return STATE.format(columns=columns, known=f"occurred_at < :cutoff AND recorded_at <= :known{self.in_units}")

    def state_groups(self, cutoff: int, day: str) -> list[dict[str, Any]]:
        """How many findings stood in each status at the cut-off, by unit, source, severity and overdue."""
        return self.view.select(
            f"SELECT s.unit, s.source, s.severity, s.status, {OVERDUE} AS overdue, COUNT(*) AS n"
            f" FROM ({self._states(COUNTED)}) s GROUP BY 1, 2, 3, 4, 5",
            self.params | {"cutoff": cutoff, "day": day},
        )

    def event_groups(self, previous_start: int, start: int, cutoff: int) -> list[dict[str, Any]]:
        """How many events of each kind happened in the week (this_week 1) and the week before (0)."""
        return self.view.select(
            "SELECT unit, source, severity, type, outcome,"
            " CASE WHEN occurred_at >= :start THEN 1 ELSE 0 END AS this_week, COUNT(*) AS n FROM {facts}"
            f" WHERE occurred_at >= :previous AND occurred_at < :cutoff AND recorded_at <= :known{self.in_units}"
            " GROUP BY 1, 2, 3, 4, 5, 6",
            self.params | {"previous": previous_start, "start": start, "cutoff": cutoff},
        )

    def state_rows(self, cutoff: int, day: str, where: str = "1 = 1", **params: Any) -> list[dict[str, Any]]:
        """Findings as they stood at the cut-off, with reference and title, that meet `where`."""
        return self.view.select(
            "SELECT s.finding_id, s.unit, s.source, s.severity, s.status, s.due_date, s.escalations, s.assignee,"
            f" s.measures, f.reference, f.title, {OVERDUE} AS overdue"
            f" FROM ({self._states(LISTED)}) s JOIN {{findings}} f ON f.id = s.finding_id WHERE {where}",
            self.params | {"cutoff": cutoff, "day": day} | params,
        )

    def overdue_rows(self, cutoff: int, day: str) -> list[dict[str, Any]]:
        return self.state_rows(cutoff, day, "s.status IN ('issued', 'assigned') AND s.due_date < :day")

    def escalated_rows(self, start: int, cutoff: int, day: str) -> list[dict[str, Any]]:
        """Findings escalated in the week, as they stood at the cut-off."""
        return self.state_rows(
            cutoff,
            day,
            "s.finding_id IN (SELECT finding_id FROM {facts} WHERE type = 'Escalated'"
            " AND occurred_at >= :start AND occurred_at < :cutoff AND recorded_at <= :known)",
            start=start,
        )

    def first_issued(self) -> int | None:
        """When the earliest finding known was issued."""
        rows = self.view.select(
            "SELECT MIN(occurred_at) AS first FROM {facts} WHERE type = 'Issued' AND recorded_at <= :known",
            {"known": self.params["known"]},
        )
        return rows[0]["first"] if rows else None
