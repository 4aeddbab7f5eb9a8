"""The one application: commands and queries in plain values, over the event store."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.application import Application, EventSourcedLog, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Notification, Transcoder

from domain.errors import (
    ConcurrentChange,
    DuplicateReference,
    FindingNotFound,
    IdempotencyKeyReused,
    OccurredInFuture,
    VersionMismatch,
)
from domain.finding import Finding
from domain.logs import ReferenceAssigned
from domain.unit import Unit
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    Role,
    Source,
    WarningLevel,
    finding_id,
    format_reference,
    reference_log_id,
    unit_id,
)
from projections.view import DEFAULT_ZONE
from service.accounts import Accounts
from service.commands import CommandOptions, CommandResult, Idempotency
from service.evidence.attaching import EvidenceFiles
from service.finding_values import finding_values, history_entry
from service.loading import CheckedRepository, load
from service.organisation import MAX_DEPTH, Organisation
from service.stores import IdempotencyRecord, RectifyRecorder
from service.transcodings import EnumTranscoder, register_domain_transcodings

Change = Callable[[Finding, datetime, datetime], None]
# Each stored record's kept seal and whether it still matches it, by position (the read side's `seal_marks`).
SealMarks = Callable[[list[Notification]], dict[int, tuple[str | None, Any]]]

# How often a command without If-Match is tried when other requests keep changing its finding first.
CHANGE_ATTEMPTS = 16


class Rectify(Organisation, Accounts, EvidenceFiles, Application[UUID]):
    """Issue findings, move them through their life, and read them back."""

    name = "Rectify"
    # Aggregates kept per process (RECTIFY_AGGREGATE_CACHE_MAXSIZE; 0 or empty: none), checked on each load.
    env = {"AGGREGATE_CACHE_MAXSIZE": "10000"}

    def __init__(self, env: dict[str, str] | None = None, clock: Callable[[], datetime] | None = None):
        super().__init__(env)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.timezone = ZoneInfo(self.env.get("RECTIFY_TIMEZONE") or DEFAULT_ZONE)

    def construct_transcoder(self) -> Transcoder:
        transcoder = EnumTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_domain_transcodings(transcoder)

    def construct_repository(self) -> Repository[UUID]:
        """The library's repository over the store, or one with a checked cache when the store can count."""
        maxsize = int(self.env.get(self.AGGREGATE_CACHE_MAXSIZE) or 0)
        if maxsize <= 0 or not hasattr(self.recorder, "select_events_after"):
            return Repository(event_store=self.events)
        return CheckedRepository(self.events, cast(Any, self.recorder), maxsize)

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Record the aggregates' new events; keep the aggregates cached at their new versions."""
        recordings = super().save(*objs, **kwargs)
        if isinstance(self.repository, CheckedRepository):
            last_states = {r.notification.originator_id: r.notification.state for r in recordings}
            for obj in objs:
                if isinstance(obj, Aggregate) and obj.id in last_states:
                    self.repository.remember(obj, last_states[obj.id])
        return recordings

    @property
    def store(self) -> RectifyRecorder:
        """The recorder, with this project's additions."""
        return cast(RectifyRecorder, self.recorder)

    # Commands on findings.

    def issue_finding(self, actor: Actor, options: CommandOptions, **fields: Any) -> CommandResult:
        """Issue a finding; a reference is assigned when the client gives none."""
        if replay := self._replay(options.idempotency):
            return replay
        Finding.check_issuer(actor)  # a role that may not issue hears so before anything about its fields
        self.require_unit(fields["unit"])
        now = self.clock()
        occurred_at = options.occurred_at or now
        reference = fields.pop("reference", None)
        if reference is not None:
            finding = self._issued(reference, actor, occurred_at, now, fields)
            if finding.id in self.repository:
                raise DuplicateReference(f"a finding with reference {reference} was issued already")
            return self._save(finding, options, duplicate=DuplicateReference(f"reference {reference} is taken"))
        return self._issue_numbered(actor, options, occurred_at, now, fields)

    def _issue_numbered(
        self, actor: Actor, options: CommandOptions, occurred_at: datetime, now: datetime, fields: dict[str, Any]
    ) -> CommandResult:
        source = Source(fields["source"])
        year = occurred_at.astimezone(self.timezone).year
        references = EventSourcedLog(self.events, reference_log_id(source, year), ReferenceAssigned)
        for _attempt in range(20):
            last = references.get_last()
            number = free_number(  # past the references clients chose, which a ledger may hold by the thousand
                (last.originator_version if last else 0) + 1,
                lambda n: finding_id(format_reference(source, year, n)) in self.repository,
            )
            reference = format_reference(source, year, number)
            finding = self._issued(reference, actor, occurred_at, now, fields)
            assigned = references.trigger_event(next_originator_version=number, reference=reference)
            try:
                return self._save(finding, options, assigned)
            except ConcurrentChange:
                continue  # another issuer took the number; take the next
        raise ConcurrentChange("could not assign a reference number; try again")

    def _issued(
        self, reference: str, actor: Actor, occurred_at: datetime, now: datetime, fields: dict[str, Any]
    ) -> Finding:
        """The new finding, its issue date taken in the service's time zone (a due date before it is refused)."""
        issued_on = occurred_at.astimezone(self.timezone).date()
        return Finding.issue(
            reference=reference, actor=actor, occurred_at=occurred_at, now=now, issued_on=issued_on, **fields
        )

    def assign(self, id: UUID, actor: Actor, options: CommandOptions, *, assignee: str, note: str) -> CommandResult:
        """Assign or reassign a finding to the person who will fix it."""
        return self._change(
            id,
            actor,
            options,
            lambda f, at, now: f.assign(assignee=assignee, note=note, actor=actor, occurred_at=at, now=now),
        )

    def rectify(
        self, id: UUID, actor: Actor, options: CommandOptions, *, measures: str, evidence: list[str]
    ) -> CommandResult:
        """Report the fix of a finding."""
        return self._change(
            id,
            actor,
            options,
            lambda f, at, now: f.rectify(measures=measures, evidence=evidence, actor=actor, occurred_at=at, now=now),
        )

    def review(self, id: UUID, actor: Actor, options: CommandOptions, *, outcome: Any, comment: str) -> CommandResult:
        """Accept (close) or reject a reported fix."""
        return self._change(
            id,
            actor,
            options,
            lambda f, at, now: f.review(outcome=outcome, comment=comment, actor=actor, occurred_at=at, now=now),
        )

    def extend(self, id: UUID, actor: Actor, options: CommandOptions, *, due_date: date, reason: str) -> CommandResult:
        """Grant a later deadline."""
        return self._change(
            id,
            actor,
            options,
            lambda f, at, now: f.extend(due_date=due_date, reason=reason, actor=actor, occurred_at=at, now=now),
        )

    def escalate(self, id: UUID, actor: Actor, options: CommandOptions, *, note: str) -> CommandResult:
        """Send a supervision notice (督办)."""
        return self._change(
            id, actor, options, lambda f, at, now: f.escalate(note=note, actor=actor, occurred_at=at, now=now)
        )

    def reopen(self, id: UUID, actor: Actor, options: CommandOptions, *, reason: str) -> CommandResult:
        """Reopen a closed finding (回头看)."""
        return self._change(
            id, actor, options, lambda f, at, now: f.reopen(reason=reason, actor=actor, occurred_at=at, now=now)
        )

    def withdraw(self, id: UUID, actor: Actor, options: CommandOptions, *, reason: str) -> CommandResult:
        """Withdraw a finding issued in error."""
        return self._change(
            id, actor, options, lambda f, at, now: f.withdraw(reason=reason, actor=actor, occurred_at=at, now=now)
        )

    def warn(self, id: UUID, level: WarningLevel) -> CommandResult:
        """Record a warning (预警函) as the system."""
        return self._change(
            id,
            SYSTEM_ACTOR,
            CommandOptions(),
            lambda f, at, now: f.warn(level=level, actor=SYSTEM_ACTOR, occurred_at=at, now=now),
        )

    # Queries on one finding.

    def get_finding(self, id: UUID, actor: Actor) -> dict[str, Any]:
        """A finding's current state."""
        finding = self._finding(id, actor)
        return self.finding_state(finding)

    def finding_as_of(
        self, id: UUID, actor: Actor, *, as_of: datetime | None = None, version: int | None = None
    ) -> dict[str, Any]:
        """A finding as the log knew it at a recorded moment, or at a version; overdue for that moment's date."""
        if as_of is not None and as_of > self.clock():
            raise OccurredInFuture("as_of is in the future", field="as_of")
        recorded = {
            n.originator_version: cast(Finding.Event, self.mapper.to_domain_event(n)).timestamp
            for n in self.store.select_positioned_events(id)
        }
        if as_of is not None:
            version = max((v for v, at in recorded.items() if at <= as_of), default=None)
        finding = load(self.repository, id, Finding, version) if version in recorded else None
        # Not known then, not yet that far, or outside a unit token's subtree: all alike "no such finding".
        if finding is None or finding.version != version or not self.in_scope(actor, finding.unit):
            raise FindingNotFound(f"no finding with id {id} at that moment or version")
        moment = as_of or recorded[finding.version]
        return finding_values(finding, moment.astimezone(self.timezone).date())

    def history(self, id: UUID, actor: Actor, seal_marks: SealMarks | None = None) -> dict[str, Any]:
        """A finding's state and every one of its events from the store, oldest first, each checked against its seal.

        A finding whose record lost an event still answers: its state as far as the record is
        intact, and the versions that are missing.
        """
        notifications = self.store.select_positioned_events(id)
        versions = [n.originator_version for n in notifications]
        missing = sorted(set(range(1, max(versions, default=0) + 1)) - set(versions))
        intact = min(missing) - 1 if missing else None  # the last version before the first gap
        if intact == 0 and notifications and actor.role is not Role.UNIT:
            state = None  # its first event is gone: no state, and no unit a unit token's scope could be checked on
        else:
            state = self.finding_state(self._finding(id, actor, intact))
        marks = seal_marks(notifications) if seal_marks else {}
        events = [
            history_entry(n, cast(Finding.Event, self.mapper.to_domain_event(n)), *marks.get(n.id, (None, None)))
            for n in notifications
        ]
        sealed = [event for event in events if event["seal"]]
        seal = {"position": sealed[-1]["position"], "seal": sealed[-1]["seal"]} if sealed else None
        return {"finding": state, "events": events, "missing_versions": missing, "seal": seal}

    def finding_state(self, finding: Finding) -> dict[str, Any]:
        """The plain values that answer for a finding, overdue worked out for today."""
        return finding_values(finding, self.clock().astimezone(self.timezone).date())

    # The machinery every command shares.

    def _change(self, id: UUID, actor: Actor, options: CommandOptions, change: Change) -> CommandResult:
        """Run a command; without If-Match a lost race is run again on the new version, its rules checked again."""
        if options.expected_version is not None:
            return self._change_once(id, actor, options, change)  # the client named its version: 412/409 are its
        for attempt in range(CHANGE_ATTEMPTS - 1):
            try:
                return self._change_once(id, actor, options, change)
            except ConcurrentChange:
                # A random pause, longer each time, so the losers do not collide again in step.
                time.sleep(random.uniform(0, min(0.1, 0.004 * 2**attempt)))
        return self._change_once(id, actor, options, change)

    def _change_once(self, id: UUID, actor: Actor, options: CommandOptions, change: Change) -> CommandResult:
        if replay := self._replay(options.idempotency):
            return replay
        finding = self._finding(id, actor)
        if options.expected_version is not None and options.expected_version != finding.version:
            raise VersionMismatch(f"finding is at version {finding.version}, not {options.expected_version}")
        now = self.clock()
        change(finding, options.occurred_at or now, now)
        return self._save(finding, options)

    def _save(
        self, finding: Finding, options: CommandOptions, *others: Any, duplicate: Exception | None = None
    ) -> CommandResult:
        record = None
        if options.idempotency is not None:
            record = IdempotencyRecord(
                key=options.idempotency.key,
                fingerprint=options.idempotency.fingerprint,
                originator_id=finding.id,
                originator_version=finding.version,
            )
        try:
            recordings = self.save(finding, *others, idempotency=record)
        except IntegrityError:
            if replay := self._replay(options.idempotency):
                return replay
            if duplicate is not None:
                raise duplicate from None
            raise ConcurrentChange("the finding was changed by another request; read it and try again") from None
        finding_position = max(r.notification.id for r in recordings if r.domain_event.originator_id == finding.id)
        return CommandResult(self.finding_state(finding), finding.version, finding_position)

    def _replay(self, idempotency: Idempotency | None) -> CommandResult | None:
        if idempotency is None:
            return None
        record = self.store.select_idempotency(idempotency.key)
        if record is None:
            return None
        if record.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReused("this Idempotency-Key was used for another request")
        finding = cast(Finding, load(self.repository, record.originator_id, Finding, record.originator_version))
        positions = self.store.select_positioned_events(record.originator_id)
        position = next(n.id for n in positions if n.originator_version == record.originator_version)
        return CommandResult(self.finding_state(finding), finding.version, position, replayed=True)

    def _finding(self, id: UUID, actor: Actor, version: int | None = None) -> Finding:
        finding = load(self.repository, id, Finding, version)
        # Outside a unit token's subtree a finding does not exist for it: ids follow sequential
        # references, so any other answer would let a unit count the others' findings.
        if finding is None or not self.in_scope(actor, finding.unit):
            raise FindingNotFound(f"no finding with id {id}")
        return finding

    def in_scope(self, actor: Actor, unit: str) -> bool:
        """Unit tokens reach only their own unit and the units below it; other roles reach every unit."""
        return actor.role is not Role.UNIT or actor.unit in self.unit_and_ancestors(unit)

    def unit_and_ancestors(self, code: str) -> list[str]:
        """The unit and every unit above it: checked in one read when the whole chain is cached, else loaded."""
        if isinstance(self.repository, CheckedRepository):
            chain: list[Unit] = []
            parent: str | None = code
            while parent is not None and len(chain) < MAX_DEPTH:
                unit = self.repository.cached(unit_id(parent))
                if not isinstance(unit, Unit):
                    break  # not cached (or not a unit): load the chain below
                chain.append(unit)
                parent = unit.parent
            else:
                if self.repository.all_current(chain):  # none of them renamed, moved or removed since
                    return [unit.code for unit in chain]
        return self.ancestry(code, include_self=True)


def free_number(number: int, taken: Callable[[int], bool]) -> int:
    """The first number from `number` on that is not taken, when those taken run on from it without a gap (and
    some free number after it otherwise), in about 2 log2(n) probes rather than one per number taken."""
    if not taken(number):
        return number
    step = 1
    while taken(number + step):
        step *= 2
    low, high = number + step // 2, number + step  # low is taken, high is free
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if taken(middle) else (low, middle)
    return high
