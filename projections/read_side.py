"""The read side's one entrance: every query over the read model, for HTTP, the command line and the projector.

It answers from the view and the application's clock it is given; it never
changes anything (sending warnings, a command, is the service's job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from domain.errors import OccurredInFuture, UnknownUnit
from domain.lifecycle import IN_PROGRESS, is_overdue, sql_in, terms_sql
from domain.values import Actor, Role, Severity, Source, Status, Term, WarningLevel
from domain.warnings import WarningThresholds, warning_level
from projections.audit import AuditFilter, AuditPage, StoredLog, audit_entries, audit_rows
from projections.circular import CircularSettings, weekly_circular
from projections.circular_units import unit_tree
from projections.facts import micros, moment
from projections.figures import lineage
from projections.listing import FindingFilter, Sort, count_each, count_findings, list_findings
from projections.seal_store import SealStore
from projections.sealer import marks
from projections.sealing import Mark
from projections.view import ReadModelSQL, ViewLagging, wait_for
from projections.weeks import Week


@dataclass(frozen=True)
class FindingPage:
    """One page of the finding list, the cursor of the next, and the view's position it was read at."""

    items: list[dict[str, Any]]
    next_cursor: str | None
    position: int


@dataclass(frozen=True)
class DueWarning:
    """A warning (预警函) due today for a finding's current deadline and not yet recorded."""

    finding_id: str
    reference: str
    unit: str
    level: WarningLevel
    due_date: str


class ReadSide:
    """Queries over the read model, answered as of the application's clock in its time zone."""

    def __init__(
        self,
        view: ReadModelSQL,
        *,
        seals: SealStore | None = None,
        log: StoredLog | None = None,
        zone: tzinfo,
        clock: Callable[[], datetime],
        circular_settings: CircularSettings | None = None,
        read_wait: float = 3.0,
    ):
        self.view = view
        self.seals = seals
        self.log = log
        self.zone = zone
        self.clock = clock
        self.circular_settings = circular_settings or CircularSettings()
        self.read_wait = read_wait

    def now(self) -> datetime:
        """The application's clock, in the service's time zone."""
        return self.clock().astimezone(self.zone)

    def today(self) -> date:
        """Today's date in the service's time zone."""
        return self.now().date()

    def position(self) -> int:
        """The position of the last event the read model has processed."""
        return self.view.position()

    def caught_up(self, position: int | None) -> ReadSide:
        """This read side, once the view has processed `position` (ViewLagging if it does not in time)."""
        wait_for(self.view, position, self.read_wait)
        return self

    def units(self) -> list[dict[str, Any]]:
        """Every unit as the read model knows it (code, name, parent), in the order they were registered."""
        return [{"code": code, **node} for code, node in unit_tree(self.view.unit_facts()).items()]

    def units_in_scope(self, actor: Actor, unit: str | None) -> frozenset[str] | None:
        """The unit codes a query covers: the asked unit's subtree, within a unit token's own (None: all)."""
        tree = unit_tree(self.view.unit_facts())
        parents = {code: node["parent"] for code, node in tree.items()}
        # A unit outside a unit token's subtree is, for that token, not registered: the same answer
        # as for a code nobody registered, so a unit cannot learn the others' codes by asking.
        outside = actor.role is Role.UNIT and unit in tree and actor.unit not in lineage(unit, parents)
        if unit is not None and (unit not in tree or outside):
            raise UnknownUnit(f"unit {unit} is not registered")
        if actor.role is Role.UNIT:
            unit = unit or actor.unit
        if unit is None:
            return None
        return frozenset(code for code in tree if unit in lineage(code, parents))

    def findings(
        self, actor: Actor, *, unit: str | None, cursor: str | None, limit: int, sort: str = "newest", **where: Any
    ) -> FindingPage:
        """A page of the finding list within the actor's scope, in an order (`Sort`), overdue as of today."""
        today = self.today()
        units = self.units_in_scope(actor, unit)
        found = FindingFilter(units=units, **where)
        rows, next_cursor = list_findings(self.view, found, today, cursor, limit, Sort(sort))
        return FindingPage([finding_summary(row, today) for row in rows], next_cursor, self.position())

    def count_findings(self, actor: Actor, *, unit: str | None = None, **where: Any) -> int:
        """How many findings within the actor's scope a filter selects, overdue as of today."""
        units = self.units_in_scope(actor, unit)
        return count_findings(self.view, FindingFilter(units=units, **where), self.today())

    def count_each(self, actor: Actor, filters: dict[str, dict[str, Any]]) -> dict[str, int]:
        """How many findings within the actor's scope each filter selects, in one pass (see `count_each`)."""
        wanted = {key: FindingFilter(**where) for key, where in filters.items()}
        return count_each(self.view, self.units_in_scope(actor, None), wanted, self.today())

    def audit(self, actor: Actor, /, *, unit: str | None, cursor: str | None, limit: int, **where: Any) -> AuditPage:
        """A page of audit entries within the actor's scope (a unit token sees its subtree's), in log order."""
        units = self.units_in_scope(actor, unit)
        rows, next_cursor = audit_rows(self.view, AuditFilter(units=units, **where), cursor, limit)
        if rows and self.seals is not None:  # the page's seals, once the sealer has them (it is rarely behind)
            try:
                wait_for(self.seals, rows[-1]["position"], self.read_wait)
            except ViewLagging:
                pass  # those it has not reached are marked unsealed
        return AuditPage(audit_entries(rows, self.zone, self.log, self.seals), next_cursor, self.position())

    def week(self, label: str | None) -> Week:
        """The week `2026-W47`, or by default the last week that has ended (Monday's circular covers it)."""
        if label:
            return Week.parse(label, self.zone)
        return Week.containing(self.now() - timedelta(days=7), self.zone)

    def circular(
        self,
        actor: Actor,
        *,
        week: str | None = None,
        unit: str | None = None,
        as_known_at: datetime | None = None,
        ledger: str | None = None,
    ) -> dict[str, Any]:
        """The weekly circular of a week within the actor's scope, counted from what was recorded by `as_known_at`.

        `ledger`: None, or the findings `open` at the cut-off, or `all` of them, one row each.
        """
        now = self.now()
        known_at = as_known_at or now
        if known_at > now:
            raise OccurredInFuture("as_known_at is in the future", field="as_known_at")
        the_week = self.week(week)
        units = self.units_in_scope(actor, unit)
        scope = unit or (actor.unit if units is not None else None)
        circular = weekly_circular(self.view, the_week, known_at, scope, self.circular_settings, ledger=ledger)
        return circular | {"seal": self.seal_covering(self.position_known_at(known_at))}

    def position_known_at(self, known_at: datetime) -> int:
        """The position of the last event of a finding or unit the view knows recorded by a moment (0: none)."""
        at = {"k": micros(known_at)}
        found = [
            self.view.select(f"SELECT MAX(position) AS p FROM {{{table}}} WHERE recorded_at <= :k", at)[0]["p"] or 0
            for table in ("facts", "units")
        ]
        return max(found)

    def seal_covering(self, position: int) -> dict[str, Any] | None:
        """The seal of the log up to a position, once the sealer has reached it (ViewLagging if not in time).

        An answer built from the log up to `position` carries it: printed, it is a checkpoint of the log.
        """
        if self.seals is None or position == 0:
            return None
        wait_for(self.seals, position, self.read_wait)
        seal = self.seals.last(up_to=position)
        return {"position": seal.position, "seal": seal.seal} if seal else None

    def seal_marks(self, records: list[Any]) -> dict[int, tuple[str | None, Mark]]:
        """Each stored record's kept seal, and whether it still matches it, by position."""
        if self.seals is None:
            return {record.id: (None, Mark.UNSEALED) for record in records}
        # No waiting: those the sealer has not reached yet are marked so.
        return marks([record.id for record in records], records, self.seals)

    def due_warnings(self, thresholds: WarningThresholds) -> list[DueWarning]:
        """Every warning due today and not yet recorded for the finding's current deadline, oldest finding first."""
        today = self.today()
        horizon = (today + timedelta(days=thresholds.green_days)).isoformat()
        candidates = self.view.select(
            "SELECT id, reference, unit, due_date, warnings FROM {findings}"
            f" WHERE {sql_in('status', IN_PROGRESS)} AND {terms_sql('term')} AND due_date <= :horizon"
            " ORDER BY issued_position",
            {"horizon": horizon},
        )
        due = []
        for row in candidates:
            level = warning_level(date.fromisoformat(row["due_date"]), today, thresholds)
            if level is not None and level.value not in row["warnings"].split(","):
                due.append(DueWarning(row["id"], row["reference"], row["unit"], level, row["due_date"]))
        return due


def finding_summary(row: dict[str, Any], today: date) -> dict[str, Any]:
    """A list row in the domain's types, with overdue worked out for `today`."""
    due_date = date.fromisoformat(row["due_date"]) if row["due_date"] is not None else None
    return row | {
        "source": Source(row["source"]),
        "severity": Severity(row["severity"]),
        "status": Status(row["status"]),
        "term": Term(row["term"]),
        "due_date": due_date,
        "issued_at": moment(row["issued_at"]),
        "closed_at": moment(row["closed_at"]) if row["closed_at"] is not None else None,
        "overdue": is_overdue(row["status"], due_date, row["term"], today),
    }
