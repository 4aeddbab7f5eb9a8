"""The life of a finding as data: its statuses, which of them count as open, and where each event leads.

The aggregate checks its commands against this table; the read model, the
finding list, the warnings and the weekly circular read it, and build their SQL
conditions from it. Adding a status or an event is one edit here, plus the
event's handlers (a test fails while one is missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.values import Outcome, Role, Status

# Not yet closed or withdrawn: the circular's `open`.
OPEN = frozenset({Status.ISSUED, Status.ASSIGNED, Status.RECTIFIED})
# Still waiting for the unit's fix: these can be overdue, warned, extended and escalated.
IN_PROGRESS = frozenset({Status.ISSUED, Status.ASSIGNED})
# A fix reported and waiting for the reviewer: open, but never overdue.
AWAITING_REVIEW = frozenset({Status.RECTIFIED})


@dataclass(frozen=True)
class Step:
    """One event of a finding's life: the statuses it may follow, who may take it, and the status it leads to."""

    after: frozenset[Status]
    roles: tuple[Role, ...]
    leads_to: Status | None = None  # None: the status stays what it was
    outcomes: Mapping[Outcome, Status] = field(default_factory=dict)  # where it leads by outcome, if it has one


STEPS: dict[str, Step] = {
    "Issued": Step(frozenset(), (Role.INSPECTOR,), Status.ISSUED),
    "Assigned": Step(IN_PROGRESS, (Role.UNIT, Role.INSPECTOR), Status.ASSIGNED),
    "Rectified": Step(frozenset({Status.ASSIGNED}), (Role.UNIT,), Status.RECTIFIED),
    "Reviewed": Step(
        AWAITING_REVIEW,
        (Role.REVIEWER,),
        outcomes={Outcome.ACCEPTED: Status.CLOSED, Outcome.REJECTED: Status.ASSIGNED},
    ),
    "DeadlineExtended": Step(IN_PROGRESS, (Role.INSPECTOR,)),
    "Escalated": Step(IN_PROGRESS, (Role.INSPECTOR,)),
    "Reopened": Step(frozenset({Status.CLOSED}), (Role.INSPECTOR,), Status.ASSIGNED),
    "Withdrawn": Step(OPEN, (Role.INSPECTOR,), Status.WITHDRAWN),
    "Warned": Step(IN_PROGRESS, (Role.SYSTEM,)),
}


def status_after(event: str, status: Status | str | None, outcome: Outcome | str | None = None) -> Status:
    """The status a finding is in after `event`, from `status` (None before it was issued)."""
    step = STEPS[event]
    if step.outcomes:
        if outcome is None:
            raise ValueError(f"{event} needs an outcome")
        return step.outcomes[Outcome(outcome)]
    if step.leads_to is not None:
        return step.leads_to
    if status is None:
        raise ValueError(f"{event} cannot be a finding's first event")
    return Status(status)


def is_open(status: Status | str) -> bool:
    """Not yet closed or withdrawn."""
    return status in OPEN


def is_overdue(status: Status | str, due_date: date, day: date) -> bool:
    """Overdue on `day`: still waiting for the unit's fix, and due before that day."""
    return status in IN_PROGRESS and due_date < day


def sql_in(column: str, statuses: Iterable[Status]) -> str:
    """The SQL condition `column IN ('issued', 'assigned')` for some of the table's statuses (fixed words only)."""
    return f"{column} IN ({', '.join(sorted(repr(Status(status).value) for status in statuses))})"


def overdue_sql(status: str, due_date: str, day: str) -> str:
    """The SQL condition of `is_overdue` over columns `status` and `due_date` (ISO text) and the parameter `day`."""
    return f"({sql_in(status, IN_PROGRESS)} AND {due_date} < {day})"
