"""The Unit aggregate: one node of the organisation tree that findings roll up along."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import CycleInTree, RoleNotPermitted
from domain.values import Actor, Role, unit_id


class Unit(Aggregate):
    """A responsible unit, with its code, name and parent in the tree."""

    TOPIC = "rectify:Unit"

    class Created(Aggregate.Created):
        TOPIC = "rectify:Unit.Created"  # the library's default, unused: Registered creates

    @staticmethod
    def create_id(code: str) -> UUID:
        return unit_id(code)

    @classmethod
    def register(cls, *, code: str, name: str, parent: str | None, actor: Actor, occurred_at: datetime) -> Unit:
        """Register a unit; the caller has checked that the parent exists."""
        _require_admin_or_inspector(actor, "register units")
        return cls(code=code, name=name, parent=parent, actor=actor.name, occurred_at=occurred_at)

    @event("Registered", topic="rectify:Unit.Registered")
    def __init__(self, code: str, name: str, parent: str | None, actor: str, occurred_at: datetime) -> None:
        self.code = code
        self.name = name
        self.parent = parent

    def rename(self, *, name: str, actor: Actor, occurred_at: datetime) -> None:
        """Give the unit a new name."""
        _require_admin_or_inspector(actor, "rename units")
        self._renamed(name=name, actor=actor.name, occurred_at=occurred_at)

    def move(self, *, parent: str | None, parent_ancestry: Sequence[str], actor: Actor, occurred_at: datetime) -> None:
        """Move the unit under another parent; `parent_ancestry` is the new parent and its ancestors."""
        _require_admin_or_inspector(actor, "move units")
        if parent is not None and self.code in (parent, *parent_ancestry):
            raise CycleInTree(f"moving {self.code} under {parent} would make a cycle")
        self._moved(parent=parent, actor=actor.name, occurred_at=occurred_at)

    @event("Renamed", topic="rectify:Unit.Renamed")
    def _renamed(self, name: str, actor: str, occurred_at: datetime) -> None:
        self.name = name

    @event("Moved", topic="rectify:Unit.Moved")
    def _moved(self, parent: str | None, actor: str, occurred_at: datetime) -> None:
        self.parent = parent


def _require_admin_or_inspector(actor: Actor, action: str) -> None:
    if not actor.may(Role.INSPECTOR):
        raise RoleNotPermitted(f"role {actor.role} may not {action}")
