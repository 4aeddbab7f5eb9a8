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

from domain.values import Actor, Outcome, Role, Status, Term

# Not yet closed or withdrawn: the circular's `open`.
OPEN = frozenset({Status.ISSUED, Status.ASSIGNED, Status.RECTIFIED})
# Still waiting for the unit's fix: these can be overdue, warned, extended and escalated.
IN_PROGRESS = frozenset({Status.ISSUED, Status.ASSIGNED})
# A fix reported and waiting for the reviewer: open, but never overdue.
AWAITING_REVIEW = frozenset({Status.RECTIFIED})
# Terms whose deadline can be missed: only these are ever overdue or warned (长期坚持 items never are).
DEADLINE_TERMS = frozenset({Term.FIXED})


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
    # A file of evidence (佐证材料) attached by the unit while it works on the fix or waits for review.
    "EvidenceAttached": Step(frozenset({Status.ASSIGNED, Status.RECTIFIED}), (Role.UNIT,)),
}

# The commands a person gives on a finding, by the name the API and the console give them, and the event each records.
COMMANDS: dict[str, str] = {
    "assign": "Assigned",
    "evidence": "EvidenceAttached",
    "rectify": "Rectified",
    "review": "Reviewed",
    "extend": "DeadlineExtended",
    "escalate": "Escalated",
    "reopen": "Reopened",
    "withdraw": "Withdrawn",
}


def commands_open(actor: Actor, status: Status | str) -> tuple[str, ...]:
    """The commands this actor's role may give on a finding in `status`, in the order of `COMMANDS`.

    Only the table's rules (status and role): a command may still be refused by a rule of the finding's
    own (a reviewer reviewing their own fix, an extension that is not later).
    """
    steps = {command: STEPS[event] for command, event in COMMANDS.items()}
    return tuple(command for command, step in steps.items() if status in step.after and actor.may(*step.roles))


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


def is_overdue(status: Status | str, due_date: date | None, term: Term | str, day: date) -> bool:
    """Overdue on `day`: still waiting for the unit's fix, held to its deadline, and due before that day."""
    return status in IN_PROGRESS and term in DEADLINE_TERMS and due_date is not None and due_date < day


def is_warned(term: Term | str) -> bool:
    """Whether the warnings (预警函) follow a finding of this term (a long-term item's never do)."""
    return term in DEADLINE_TERMS


def sql_in(column: str, statuses: Iterable[Status]) -> str:
    """The SQL condition `column IN ('issued', 'assigned')` for some of the table's statuses (fixed words only)."""
    return f"{column} IN ({', '.join(sorted(repr(Status(status).value) for status in statuses))})"


def terms_sql(column: str, terms: Iterable[Term] = DEADLINE_TERMS) -> str:
    """The SQL condition `column IN ('fixed')` for some terms (by default those held to a deadline)."""
    return f"{column} IN ({', '.join(sorted(repr(Term(term).value) for term in terms))})"


def overdue_sql(status: str, due_date: str, term: str, day: str) -> str:
    """The SQL condition of `is_overdue` over columns `status`, `due_date` (ISO text, or null) and `term`, and `day`.

    A null due date compares as unknown, so it is never overdue, as in `is_overdue`.
    """
    return f"({sql_in(status, IN_PROGRESS)} AND {terms_sql(term)} AND {due_date} < {day})"
