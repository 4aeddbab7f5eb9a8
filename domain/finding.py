"""The Finding aggregate: one problem found by an inspection or an audit, and its fix."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    DeadlineNotLater,
    DueDateBeforeIssue,
    DueDateRequired,
    EvidenceNotAttached,
    InvalidTransition,
    RoleNotPermitted,
    SeparationOfDuties,
    WarningAlreadyRecorded,
)
from domain.lifecycle import STEPS, is_overdue, is_warned, status_after
from domain.values import (
    Actor,
    Outcome,
    Role,
    Severity,
    Source,
    Status,
    Term,
    WarningLevel,
    check_occurred_at,
    finding_id,
)


class Finding(Aggregate):
    """A finding from issue to closing (销号), as recorded by its events."""

    TOPIC = "rectify:Finding"

    class Created(Aggregate.Created):
        TOPIC = "rectify:Finding.Created"  # the library's default, unused: Issued creates

    @staticmethod
    def create_id(reference: str) -> UUID:
        return finding_id(reference)

    @classmethod
    def issue(  # noqa: PLR0913
        cls,
        *,
        reference: str,
        source: Source,
        batch: str,
        title: str,
        description: str,
        category: str,
        severity: Severity,
        unit: str,
        due_date: date | None,
        actor: Actor,
        occurred_at: datetime,
        now: datetime,
        issued_on: date | None = None,
        term: Term = Term.FIXED,
    ) -> Finding:
        """Issue a new finding to a unit (inspectors); `issued_on` is the issue date where the office is.

        A long-term item (长期坚持) may have no due date, or a first stage's; any other needs one.
        """
        cls.check_issuer(actor)
        check_occurred_at(occurred_at, now, None)
        issued_on = issued_on or occurred_at.date()
        if due_date is None and term is not Term.LONG:
            raise DueDateRequired("due_date is required unless the finding is a long-term item (term long)")
        if due_date is not None and due_date < issued_on:
            raise DueDateBeforeIssue(f"due_date {due_date} is before the issue date {issued_on}")
        return cls(
            reference=reference,
            source=source,
            batch=batch,
            title=title,
            description=description,
            category=category,
            severity=severity,
            unit=unit,
            due_date=due_date,
            actor=actor.name,
            occurred_at=occurred_at,
            term=Term(term),
        )

    @staticmethod
    def check_issuer(actor: Actor) -> None:
        """Only inspectors (and admins) issue findings."""
        require_role(actor, "issue", *STEPS["Issued"].roles)

    @event("Issued", topic="rectify:Finding.Issued")
    def __init__(  # noqa: PLR0913
        self,
        reference: str,
        source: Source,
        batch: str,
        title: str,
        description: str,
        category: str,
        severity: Severity,
        unit: str,
        due_date: date | None,
        actor: str,
        occurred_at: datetime,
        term: Term = Term.FIXED,  # Issued events stored before long-term items have no term: they were fixed
    ) -> None:
        self.reference = reference
        # Stored events give enums back as plain strings: coerce on every apply.
        self.source = Source(source)
        self.batch = batch
        self.title = title
        self.description = description
        self.category = category
        self.severity = Severity(severity)
        self.unit = unit
        self.due_date = due_date
        self.term = Term(term)
        self.status = status_after("Issued", None)
        self.issued_at = occurred_at
        self.last_occurred_at = occurred_at
        self.closed_at: datetime | None = None
        self.assignee: str | None = None
        self.measures: str | None = None
        self.evidence: list[str] = []
        self.rectified_by: str | None = None
        self.rejections = 0
        self.reopenings = 0
        self.escalations = 0
        self.extensions = 0
        self.warnings: list[WarningLevel] = []

    # Commands: each checks its rules, then triggers one event.

    def assign(self, *, assignee: str, note: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Assign or reassign the finding to the person who will fix it."""
        self._check(actor, "assign", "Assigned", occurred_at, now)
        self._assigned(assignee=assignee, note=note, actor=actor.name, occurred_at=occurred_at)

    def rectify(
        self, *, measures: str, evidence: list[str], actor: Actor, occurred_at: datetime, now: datetime
    ) -> None:
        """Report the fix: what was done and the evidence for it (a sha256 names a file attached before)."""
        self._check(actor, "rectify", "Rectified", occurred_at, now)
        unattached = [item for item in evidence if EVIDENCE_SHA256.match(item) and item not in self.evidence_files]
        if unattached:
            raise EvidenceNotAttached(f"no file with sha256 {unattached[0]} is attached to this finding")
        self._rectified(measures=measures, evidence=list(evidence), actor=actor.name, occurred_at=occurred_at)

    def review(self, *, outcome: Outcome, comment: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Accept the fix and close the finding (销号), or send it back."""
        self._check(actor, "review", "Reviewed", occurred_at, now)
        if actor.name == self.rectified_by:
            raise SeparationOfDuties(f"{actor.name} reported this fix and cannot review it")
        self._reviewed(outcome=outcome, comment=comment, actor=actor.name, occurred_at=occurred_at)

    def extend(self, *, due_date: date, reason: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Grant a later deadline."""
        self._check(actor, "extend", "DeadlineExtended", occurred_at, now)
        if self.due_date is None:
            raise InvalidTransition("cannot extend a long-term item that has no deadline")
        if due_date <= self.due_date:
            raise DeadlineNotLater(f"due_date {due_date} is not later than {self.due_date}")
        self._deadline_extended(due_date=due_date, reason=reason, actor=actor.name, occurred_at=occurred_at)

    def escalate(self, *, note: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Send a supervision notice (督办) to the unit."""
        self._check(actor, "escalate", "Escalated", occurred_at, now)
        self._escalated(note=note, actor=actor.name, occurred_at=occurred_at)

    def reopen(self, *, reason: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Reopen a closed finding whose problem came back (回头看)."""
        self._check(actor, "reopen", "Reopened", occurred_at, now)
        self._reopened(reason=reason, actor=actor.name, occurred_at=occurred_at)

    def withdraw(self, *, reason: str, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Withdraw a finding issued in error."""
        self._check(actor, "withdraw", "Withdrawn", occurred_at, now)
        self._withdrawn(reason=reason, actor=actor.name, occurred_at=occurred_at)

    def warn(self, *, level: WarningLevel, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """Record a warning (预警函), once per level for the current deadline."""
        self._check(actor, "warn", "Warned", occurred_at, now)
        if not is_warned(self.term):
            raise InvalidTransition("a long-term item is never warned: it has no deadline to miss")
        if level in self.warnings:
            raise WarningAlreadyRecorded(f"{level} warning already recorded for due date {self.due_date}")
        self._warned(level=level, actor=actor.name, occurred_at=occurred_at)

    def attach_evidence(  # noqa: PLR0913
        self,
        *,
        sha256: str,
        filename: str,
        media_type: str,
        size: int,
        actor: Actor,
        occurred_at: datetime,
        now: datetime,
    ) -> None:
        """Attach a file of evidence (佐证材料) whose bytes are stored; the same file again records nothing."""
        self.check_evidence_allowed(actor, occurred_at, now)
        if sha256 in self.evidence_files:
            return
        self._evidence_attached(
            sha256=sha256,
            filename=filename,
            media_type=media_type,
            size=size,
            actor=actor.name,
            occurred_at=occurred_at,
        )

    def check_evidence_allowed(self, actor: Actor, occurred_at: datetime, now: datetime) -> None:
        """The actor may attach evidence to the finding now (checked before any byte is stored, and again after)."""
        self._check(actor, "attach evidence to", "EvidenceAttached", occurred_at, now)

    @property
    def evidence_files(self) -> Mapping[str, Mapping[str, Any]]:
        """The files of evidence attached, by sha256: filename, media type and size."""
        return vars(self).get("_evidence_files", {})

    def is_overdue_on(self, day: date) -> bool:
        """Overdue is derived: still open and the (extended) deadline has passed."""
        return is_overdue(self.status, self.due_date, self.term, day)

    def _check(self, actor: Actor, action: str, event: str, occurred_at: datetime, now: datetime) -> None:
        """The actor's role may take `event`, the finding's status may lead to it, and the time is right."""
        step = STEPS[event]
        require_role(actor, action, *step.roles)
        if self.status not in step.after:
            raise InvalidTransition(f"cannot {action} a finding that is {self.status}")
        check_occurred_at(occurred_at, now, self.last_occurred_at)

    # Events: state changes only; these bodies run again on every replay.

    @event("Assigned", topic="rectify:Finding.Assigned")
    def _assigned(self, assignee: str, note: str, actor: str, occurred_at: datetime) -> None:
        self.assignee = assignee
        self.status = status_after("Assigned", self.status)
        self.last_occurred_at = occurred_at

    @event("Rectified", topic="rectify:Finding.Rectified")
    def _rectified(self, measures: str, evidence: list[str], actor: str, occurred_at: datetime) -> None:
        self.measures = measures
        self.evidence = list(evidence)
        self.rectified_by = actor
        self.status = status_after("Rectified", self.status)
        self.last_occurred_at = occurred_at

    @event("Reviewed", topic="rectify:Finding.Reviewed")
    def _reviewed(self, outcome: Outcome, comment: str, actor: str, occurred_at: datetime) -> None:
        self.status = status_after("Reviewed", self.status, outcome)
        if self.status is Status.CLOSED:
            self.closed_at = occurred_at
        else:
            self.rejections += 1
        self.last_occurred_at = occurred_at

    @event("DeadlineExtended", topic="rectify:Finding.DeadlineExtended")
    def _deadline_extended(self, due_date: date, reason: str, actor: str, occurred_at: datetime) -> None:
        self.due_date = due_date
        self.extensions += 1
        self.warnings = []
        self.last_occurred_at = occurred_at

    @event("Escalated", topic="rectify:Finding.Escalated")
    def _escalated(self, note: str, actor: str, occurred_at: datetime) -> None:
        self.escalations += 1
        self.last_occurred_at = occurred_at

    @event("Reopened", topic="rectify:Finding.Reopened")
    def _reopened(self, reason: str, actor: str, occurred_at: datetime) -> None:
        self.status = status_after("Reopened", self.status)
        self.reopenings += 1
        self.closed_at = None
        self.rectified_by = None
        self.last_occurred_at = occurred_at

    @event("Withdrawn", topic="rectify:Finding.Withdrawn")
    def _withdrawn(self, reason: str, actor: str, occurred_at: datetime) -> None:
        self.status = status_after("Withdrawn", self.status)
        self.last_occurred_at = occurred_at

    @event("EvidenceAttached", topic="rectify:Finding.EvidenceAttached")
    def _evidence_attached(  # noqa: PLR0913
        self, sha256: str, filename: str, media_type: str, size: int, actor: str, occurred_at: datetime
    ) -> None:
        file = {"filename": filename, "media_type": media_type, "size": size}
        self._evidence_files = {**self.evidence_files, sha256: file}
        self.last_occurred_at = occurred_at

    @event("Warned", topic="rectify:Finding.Warned")
    def _warned(self, level: WarningLevel, actor: str, occurred_at: datetime) -> None:
        self.warnings = [*self.warnings, WarningLevel(level)]
        self.last_occurred_at = occurred_at


# How an item of Rectified.evidence names an attached file rather than being free text.
EVIDENCE_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def require_role(actor: Actor, action: str, *roles: Role) -> None:
    """Refuse an actor none of whose roles may take this action."""
    if not actor.may(*roles):
        allowed = ", ".join(role.value for role in roles)
        raise RoleNotPermitted(f"role {actor.role} may not {action} (allowed: {allowed})")
