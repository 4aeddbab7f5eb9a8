"""The read-model projection: one handler per event type, rows written in batches with their position."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from domain.finding import Finding
from domain.lifecycle import OPEN
from domain.unit import Unit
from domain.user import User
from domain.values import SYSTEM_ACTOR, Status, unit_id
from projections.facts import (
    OCCURRED_AT,
    RECORDED_AT,
    FindingRow,
    UnitFact,
    audit_entry,
    fact_of,
    issued_row,
    micros,
    moved_on,
    storable,
    storable_name,
)
from projections.view import Batch, ReadModelSQL

BATCH_SIZE = 10_000  # events a batch holds while following the log
REBUILD_BATCH_SIZE = 50_000  # and while rebuilding from zero (the projector's memory grows with it)
CACHE_LIMIT = 200_000
OPEN_STATUSES = frozenset(status.value for status in OPEN)

# The library makes these classes from the aggregates' @event methods, where a type checker cannot see them.
F: Any = Finding
U: Any = Unit
P: Any = User  # people


class ReadModel(Projection[Any]):
    """Findings as they stand, the facts the circular counts, the unit tree's history, and the audit entries."""

    name = "ReadModel"

    def __init__(self, view: ReadModelSQL):
        super().__init__(view)
        self.batch = Batch()
        self.tracking: Tracking | None = None
        # By the findings' ids as integers: no text made of each event's id, and hashed and compared in C.
        self.rows: dict[int, FindingRow] = {}
        self.settled: list[int] = []  # findings closed or withdrawn since the last write
        self.units: dict[str, UnitFact] = {}
        self.roles: dict[str, str] = {}
        self.roles_loaded = False  # whether `roles` holds the users the view had before this projection started
        self.handlers: dict[type, Callable[[Any, Tracking], None]] = {}  # by event class, bound: see `handler`
        # Loading a rebuild's bare tables: a finding's row is written when it settles and when the load ends (see
        # `end_loading`), not with every batch that changes it. The view is partial until then anyway (its indexes
        # and the circular's counts come at the end), and a rebuild stopped before then starts again from zero.
        self.loading = False
        # Whether this projection writes the rows of units and users: all but the later parts of a load in
        # several processes (`projections.parts`), which follow those events only for what they tell.
        self.writes_shared = True

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        """Events of users and logs change no row, but their positions are tracked all the same."""
        self.tracking = tracking

    def handler(self, event_class: type) -> Callable[[Any, Tracking], None]:
        """The bound handler `process_event` dispatches an event of this class to, found once per class.

        A runner calls it rather than `process_event` for every event: the dispatching wrapper is made
        anew on each access of `process_event`, and looks the handler up again on each call.
        """
        handler = self.handlers.get(event_class)
        if handler is None:
            handler = self.handlers[event_class] = HANDLERS.dispatch(event_class).__get__(self)
        return handler

    # Findings.

    @process_event.register(F.Issued)
    def _issued(self, domain_event: Any, tracking: Tracking) -> None:
        row = issued_row(domain_event, tracking.notification_id)
        self.rows[domain_event.originator_id.int] = row
        if not self.loading:
            self.batch.findings[row.id] = row
        self.batch.issue(row)
        fact = self.batch.facts[tracking.notification_id] = fact_of(row, domain_event, tracking.notification_id)
        self._audit(domain_event, tracking.notification_id, row, row.unit, fact[OCCURRED_AT], fact[RECORDED_AT])
        self.tracking = tracking

    @process_event.register(F.Assigned)
    def _assigned(self, domain_event: Any, tracking: Tracking) -> None:
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.assignee = storable(domain_event.assignee)
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Rectified)
    def _rectified(self, domain_event: Any, tracking: Tracking) -> None:
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.measures = storable(domain_event.measures)
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Reviewed)
    def _reviewed(self, domain_event: Any, tracking: Tracking) -> None:
        outcome = str(domain_event.outcome)
        row, previous = self.moved(domain_event, tracking.notification_id, outcome)
        if row.status == Status.CLOSED:
            row.closed_at = micros(domain_event.occurred_at)
        else:
            row.rejections += 1
        self.keep(row, previous, domain_event, tracking, outcome)

    @process_event.register(F.DeadlineExtended)
    def _deadline_extended(self, domain_event: Any, tracking: Tracking) -> None:
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.due_date, row.extensions, row.warnings = domain_event.due_date.isoformat(), row.extensions + 1, ""
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Escalated)
    def _escalated(self, domain_event: Any, tracking: Tracking) -> None:
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.escalations += 1
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Reopened)
    def _reopened(self, domain_event: Any, tracking: Tracking) -> None:
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.reopenings, row.closed_at = row.reopenings + 1, None
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Withdrawn)
    def _withdrawn(self, domain_event: Any, tracking: Tracking) -> None:
        # The lifecycle moves the status; nothing else changes.
        row, previous = self.moved(domain_event, tracking.notification_id)
        self.keep(row, previous, domain_event, tracking)

    @process_event.register(F.Warned)
    def _warned(self, domain_event: Any, tracking: Tracking) -> None:
        level = str(domain_event.level)
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.warnings = ",".join(filter(None, [row.warnings, level]))
        self.keep(row, previous, domain_event, tracking, level=level)

    @process_event.register(F.EvidenceAttached)
    def _evidence_attached(self, domain_event: Any, tracking: Tracking) -> None:
        # The status stays; the ledger names the files.
        row, previous = self.moved(domain_event, tracking.notification_id)
        row.evidence = "\n".join(filter(None, [row.evidence, storable(domain_event.filename)]))
        self.keep(row, previous, domain_event, tracking)

    # Units.

    @process_event.register(U.Registered)
    def _unit_registered(self, domain_event: Any, tracking: Tracking) -> None:
        parent = domain_event.parent and storable_name(domain_event.parent)
        self._keep_unit(domain_event, tracking, storable_name(domain_event.code), storable(domain_event.name), parent)

    @process_event.register(U.Renamed)
    def _unit_renamed(self, domain_event: Any, tracking: Tracking) -> None:
        known = self._unit(domain_event.originator_id)
        self._keep_unit(domain_event, tracking, known.code, storable(domain_event.name), known.parent)

    @process_event.register(U.Moved)
    def _unit_moved(self, domain_event: Any, tracking: Tracking) -> None:
        known = self._unit(domain_event.originator_id)
        parent = domain_event.parent and storable_name(domain_event.parent)
        self._keep_unit(domain_event, tracking, known.code, known.name, parent)

    # Users: their roles, which the audit entries name beside the actor.

    @process_event.register(P.Added)
    def _user_added(self, domain_event: Any, tracking: Tracking) -> None:
        role = str(domain_event.role)
        self.roles[domain_event.name] = role
        if self.writes_shared:
            name, unit = storable_name(domain_event.name), domain_event.unit and storable_name(domain_event.unit)
            self.batch.users.append((tracking.notification_id, name, role, unit))
        self.tracking = tracking

    # Writing.

    @property
    def pending(self) -> int:
        """How many rows wait to be written."""
        return len(self.batch)

    def flush(self) -> None:
        """Write what waits, with the position of the last event processed, in one transaction."""
        if self.tracking is None:
            return
        if self.loading and len(self.rows) > CACHE_LIMIT:
            self.write_held()  # let go of below, so written first
        self.view.apply(self.batch, self.tracking)
        self.batch = Batch()
        self.tracking = None
        self.forget_settled()
        if len(self.rows) > CACHE_LIMIT:
            self.rows.clear()

    def end_loading(self) -> None:
        """The rebuild's load has reached the head of the log: the rows held go with the next write, and from
        here each batch writes the rows it changes."""
        self.loading = False
        self.write_held()

    def write_held(self) -> None:
        """Write the rows held with the next batch, those the load has not written yet among them."""
        self.batch.findings.update((row.id, row) for row in self.rows.values())

    def forget_settled(self) -> None:
        """Let go of the written rows of findings that are closed or withdrawn: few of them change again (a
        look-back review reopens some), and one that does is read back from the view. A rebuild then holds
        the open findings' rows rather than every finding's."""
        rows = self.rows
        for finding_id in self.settled:
            row = rows.get(finding_id)
            if row is not None and row.status not in OPEN_STATUSES:
                del rows[finding_id]
        self.settled.clear()

    def moved(self, event: Any, position: int, outcome: str | None = None) -> tuple[FindingRow, int]:
        """The finding's row moved past a later event, for the handler to change, and its previous position.

        The handler then calls `keep` with both, which keeps the event's fact and audit entry.
        """
        row = self.rows.get(event.originator_id.int) or self._row(event.originator_id.int)
        previous_position = row.last_position
        moved_on(row, event, position, outcome)
        return row, previous_position

    def keep(
        self,
        row: FindingRow,
        previous_position: int,
        event: Any,
        tracking: Tracking,
        outcome: str | None = None,
        level: str | None = None,
    ) -> None:
        """Keep the row as the handler left it, the fact the event leaves, and its audit entry."""
        position = tracking.notification_id
        batch = self.batch
        if row.status not in OPEN_STATUSES:
            self.settled.append(event.originator_id.int)
            batch.findings[row.id] = row  # written before it is let go of, loading or not
        elif not self.loading:
            batch.findings[row.id] = row
        fact = batch.facts[position] = fact_of(row, event, position, outcome, level)
        batch.link(previous_position, fact)
        role = self.roles.get(event.actor) or self._role(event.actor)
        batch.audit.append(audit_entry(event, position, row, row.unit, role, fact[OCCURRED_AT], fact[RECORDED_AT]))
        self.tracking = tracking

    def _keep_unit(self, event: Any, tracking: Tracking, code: str, name: str, parent: str | None) -> None:
        fact = UnitFact(tracking.notification_id, code, name, parent, micros(event.timestamp))
        self.units[str(event.originator_id)] = fact
        if self.writes_shared:
            self.batch.units.append(fact)
            self._audit(event, tracking.notification_id, None, code, micros(event.occurred_at), fact.recorded_at)
        self.tracking = tracking

    def _audit(
        self, event: Any, position: int, finding: FindingRow | None, unit: str, occurred: int, recorded: int
    ) -> None:
        role = self._role(event.actor)
        self.batch.audit.append(audit_entry(event, position, finding, unit, role, occurred, recorded))

    def _role(self, actor: str) -> str | None:
        """The role of the user who acted (None: no user, such as the command line at the server)."""
        role = self.roles.get(actor)
        if role is None and not self.roles_loaded:
            self.roles = self.view.user_roles() | self.roles
            self.roles_loaded = True
            role = self.roles.get(actor)
        return role if role is not None or actor != SYSTEM_ACTOR.name else SYSTEM_ACTOR.role.value

    def _row(self, finding_id: int) -> FindingRow:
        """The row of a finding not held: read back from the view."""
        id = str(UUID(int=finding_id))
        row = self.rows[finding_id] = self.view.finding_rows([id])[id]
        return row

    def _unit(self, id: Any) -> UnitFact:
        if str(id) not in self.units:
            self.units.update({str(unit_id(fact.code)): fact for fact in self.view.unit_facts()})
        return self.units[str(id)]


HANDLERS = vars(ReadModel)["process_event"].dispatcher  # the singledispatchmethod's registry, read without binding
