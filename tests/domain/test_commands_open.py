"""The commands open to a person on a finding: read from the lifecycle's table, and what the aggregate accepts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.errors import InvalidTransition, RoleNotPermitted
from domain.finding import Finding
from domain.lifecycle import COMMANDS, STEPS, commands_open
from domain.values import Actor, Outcome, Role, Status
from tests.domain.test_finding import ACTORS, NOW, finding_in, later

NONE: tuple[str, ...] = ()
INSPECTING = ("assign", "extend", "escalate", "withdraw")
# DESIGN.md's transition table, written out by status and role (an administrator holds every role).
EXPECTED: dict[Status, dict[Role, tuple[str, ...]]] = {
    Status.ISSUED: {
        Role.UNIT: ("assign",),
        Role.INSPECTOR: INSPECTING,
        Role.ADMIN: INSPECTING,
    },
    Status.ASSIGNED: {
        Role.UNIT: ("assign", "evidence", "rectify"),
        Role.INSPECTOR: INSPECTING,
        Role.ADMIN: ("assign", "evidence", "rectify", "extend", "escalate", "withdraw"),
    },
    Status.RECTIFIED: {
        Role.UNIT: ("evidence",),
        Role.REVIEWER: ("review",),
        Role.INSPECTOR: ("withdraw",),
        Role.ADMIN: ("evidence", "review", "withdraw"),
    },
    Status.CLOSED: {Role.INSPECTOR: ("reopen",), Role.ADMIN: ("reopen",)},
    Status.WITHDRAWN: {},
}
SHA256 = "ab" * 32

# Each command given to the aggregate with fields its own rules accept, so only the table's rules can refuse it.
GIVE: dict[str, Callable[[Finding, Actor], None]] = {
    "assign": lambda f, a: f.assign(assignee="王芳", note="", actor=a, occurred_at=later(f), now=NOW),
    "evidence": lambda f, a: f.attach_evidence(
        sha256=SHA256, filename="a.pdf", media_type="application/pdf", size=3, actor=a, occurred_at=later(f), now=NOW
    ),
    "rectify": lambda f, a: f.rectify(measures="退回", evidence=[], actor=a, occurred_at=later(f), now=NOW),
    "review": lambda f, a: f.review(outcome=Outcome.ACCEPTED, comment="", actor=a, occurred_at=later(f), now=NOW),
    "extend": lambda f, a: f.extend(
        due_date=f.due_date + timedelta(days=30), reason="延期", actor=a, occurred_at=later(f), now=NOW
    ),
    "escalate": lambda f, a: f.escalate(note="督办", actor=a, occurred_at=later(f), now=NOW),
    "reopen": lambda f, a: f.reopen(reason="回头看", actor=a, occurred_at=later(f), now=NOW),
    "withdraw": lambda f, a: f.withdraw(reason="误发", actor=a, occurred_at=later(f), now=NOW),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("status", list(Status))
def test_the_commands_open_are_those_of_the_design_for_every_status_and_role(status, role):
    assert commands_open(ACTORS[role], status) == EXPECTED[status].get(role, NONE)
    assert commands_open(ACTORS[role], status.value) == EXPECTED[status].get(role, NONE)  # as a view stores it


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("status", list(Status))
def test_a_command_is_open_exactly_when_the_aggregate_takes_it(status, role):
    open_now = commands_open(ACTORS[role], status)
    for command, give in GIVE.items():
        finding = finding_in(status)
        try:
            give(finding, ACTORS[role])
        except (InvalidTransition, RoleNotPermitted):
            assert command not in open_now, (status, role, command)
        else:
            assert command in open_now and finding.pending_events, (status, role, command)


def test_every_command_names_an_event_of_the_table_and_a_person_gives_it():
    assert set(GIVE) == set(COMMANDS)
    for event in COMMANDS.values():
        assert set(STEPS[event].roles) - {Role.SYSTEM}, event
    assert "Issued" not in COMMANDS.values() and "Warned" not in COMMANDS.values()  # not given on a finding's page
