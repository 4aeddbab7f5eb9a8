"""What a command carries besides its own fields, and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Idempotency:
    """The client's key for a command, and a fingerprint of the request it came with."""

    key: str
    fingerprint: str


@dataclass(frozen=True)
class CommandOptions:
    """What every command may carry besides its own fields."""

    occurred_at: datetime | None = None
    expected_version: int | None = None
    idempotency: Idempotency | None = None


@dataclass(frozen=True)
class CommandResult:
    """A finding's state after a command, its version and the position of its last event."""

    finding: dict[str, Any]
    version: int
    position: int
    replayed: bool = False
