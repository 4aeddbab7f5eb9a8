"""The read-model projection: events in, rows out, written in batches with their position."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.finding import Finding
from domain.unit import Unit
from domain.values import unit_id
from projections.facts import Fact, FindingRow, UnitFact, change_row, fact_of, issued_row, micros
from projections.view import Batch, ReadModelSQL

BATCH_SIZE = 10_000  # events a batch holds while following the log
REBUILD_BATCH_SIZE = 100_000  # and while rebuilding from zero
CACHE_LIMIT = 200_000


class ReadModel(Projection[Any]):
    """Findings as they stand, the facts the circular counts, and the unit tree's history."""

    name = "ReadModel"

    def __init__(self, view: ReadModelSQL):
        super().__init__(view)
        self.batch = Batch()
        self.tracking: Tracking | None = None
        self.rows: dict[str, FindingRow] = {}
        self.units: dict[str, UnitFact] = {}

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Events of users and logs change no row, but their positions are tracked all the same."""
        self.tracking = tracking

    @process_event.register(Finding.Issued)  # type: ignore[attr-defined]  # made by the library at class creation
    def _issued(self, domain_event: Any, tracking: Tracking) -> None:
        row = issued_row(domain_event, tracking.notification_id)
        self._keep(row, domain_event, tracking, {})

    @process_event.register
    def _changed(self, domain_event: Finding.Event, tracking: Tracking) -> None:
        row = self._row(str(domain_event.originator_id))
        previous_position = row.last_position
        extra = change_row(row, domain_event, tracking.notification_id)
        fact = self._keep(row, domain_event, tracking, extra)
        self.batch.link(previous_position, fact)

    @process_event.register
    def _unit_changed(self, domain_event: Unit.Event, tracking: Tracking) -> None:
        data = vars(domain_event)
        known = self._unit(domain_event.originator_id) if "code" not in data else None
        fact = UnitFact(
            position=tracking.notification_id,
            code=data["code"] if known is None else known.code,
            name=data.get("name", known.name if known else ""),
            parent=data["parent"] if "parent" in data else known.parent if known else None,
            recorded_at=micros(domain_event.timestamp),
        )
        self.units[str(domain_event.originator_id)] = fact
        self.batch.units.append(fact)
        self.tracking = tracking

    @property
    def pending(self) -> int:
        """How many rows wait to be written."""
        return len(self.batch)

    def flush(self) -> None:
        """Write what waits, with the position of the last event processed, in one transaction."""
        if self.tracking is None:
            return
        self.view.apply(self.batch, self.tracking)
        self.batch = Batch()
        self.tracking = None
        if len(self.rows) > CACHE_LIMIT:
            self.rows.clear()

    def _keep(self, row: FindingRow, event: Any, tracking: Tracking, extra: dict[str, str | None]) -> Fact:
        self.rows[row.id] = row
        self.batch.findings[row.id] = row
        fact = fact_of(row, event, tracking.notification_id, extra)
        self.batch.facts[tracking.notification_id] = fact
        self.tracking = tracking
        return fact

    def _row(self, finding_id: str) -> FindingRow:
        if finding_id not in self.rows:
            self.rows.update(self.view.finding_rows([finding_id]))
        return self.rows[finding_id]

    def _unit(self, id: Any) -> UnitFact:
        if str(id) not in self.units:
            self.units.update({str(unit_id(fact.code)): fact for fact in self.view.unit_facts()})
        return self.units[str(id)]
