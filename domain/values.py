"""Value types shared by the aggregates: enums, the acting person, identities."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID, uuid5

from domain.errors import OccurredBeforePrevious, OccurredInFuture

# Fixed namespace: identities derived from it must never change.
NAMESPACE = UUID("6f1c3a52-1d6b-5c7e-9a0b-2f7e4c1d8a90")


class Source(StrEnum):
    INSPECTION = "inspection"
    AUDIT = "audit"

    @property
    def prefix(self) -> str:
        """The letters that open an assigned reference (巡察 XC, 审计 SJ)."""
        return {Source.INSPECTION: "XC", Source.AUDIT: "SJ"}[self]


class Severity(StrEnum):
    GENERAL = "general"
    SERIOUS = "serious"
    MAJOR = "major"


class Status(StrEnum):
    ISSUED = "issued"
    ASSIGNED = "assigned"
    RECTIFIED = "rectified"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Term(StrEnum):
    """How long a finding's fix takes: by a deadline, or kept up for good (长期坚持)."""

    FIXED = "fixed"
    LONG = "long"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class WarningLevel(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Role(StrEnum):
    INSPECTOR = "inspector"
    UNIT = "unit"
    REVIEWER = "reviewer"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """Who acts: the name recorded in events, the role, and for unit tokens the unit."""

    name: str
    role: Role
    unit: str | None = None

    def may(self, *roles: Role) -> bool:
        """Whether this actor holds one of the roles (admin holds them all)."""
        return self.role in roles or self.role is Role.ADMIN


SYSTEM_ACTOR = Actor(name="system", role=Role.SYSTEM)

REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,63}$")
UNIT_CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")


def finding_id(reference: str) -> UUID:
    """The identity of the finding with this reference (same reference, same id)."""
    return uuid5(NAMESPACE, f"finding:{reference}")


def unit_id(code: str) -> UUID:
    """The identity of the unit with this code."""
    return uuid5(NAMESPACE, f"unit:{code}")


def user_id(name: str) -> UUID:
    """The identity of the user with this name."""
    return uuid5(NAMESPACE, f"user:{name}")


def reference_log_id(source: Source, year: int) -> UUID:
    """The identity of the log of references assigned for a source in a year."""
    return uuid5(NAMESPACE, f"references:{source.value}:{year}")


def format_reference(source: Source, year: int, number: int) -> str:
    """`XC-2026-0042` style reference for an assigned number."""
    return f"{source.prefix}-{year}-{number:04d}"


def check_occurred_at(occurred_at: datetime, now: datetime, previous: datetime | None) -> None:
    """An event happens neither in the future nor before the previous one."""
    if occurred_at > now:
        raise OccurredInFuture(f"occurred_at {occurred_at.isoformat()} is in the future")
    if previous is not None and occurred_at < previous:
        raise OccurredBeforePrevious(
            f"occurred_at {occurred_at.isoformat()} is before the previous event ({previous.isoformat()})"
        )
