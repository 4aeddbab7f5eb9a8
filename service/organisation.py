"""The organisation tree: registering units and walking up and down it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import EventSourcedLog
from eventsourcing.persistence import IntegrityError

from domain.errors import ConcurrentChange, DuplicateUnit, UnitNotFound, UnknownUnit
from domain.logs import UNITS_LOG_ID, UnitListed
from domain.unit import Unit
from domain.values import Actor, unit_id
from service.loading import load

if TYPE_CHECKING:
    from eventsourcing.application import Application

    _Base = Application[UUID]
else:
    _Base = object

MAX_DEPTH = 64


class Organisation(_Base):
    """Units of the application, listed in a log kept in the same store."""

    clock: Any

    @property
    def units_log(self) -> EventSourcedLog[UnitListed]:
        return EventSourcedLog(self.events, UNITS_LOG_ID, UnitListed)

    def register_unit(
        self, actor: Actor, *, code: str, name: str, parent: str | None = None, occurred_at: datetime | None = None
    ) -> dict[str, Any]:
        """Register a unit under an existing parent (or at the top)."""
        Unit.register(code=code, name=name, parent=parent, actor=actor, occurred_at=self.clock())  # the role, first
        if parent is not None:
            self.require_unit(parent, field="parent")
        if unit_id(code) in self.repository:
            raise DuplicateUnit(f"unit {code} is registered already")
        for _attempt in range(20):
            # A failed save has taken the unit's pending event: make the unit anew each time.
            unit = Unit.register(
                code=code, name=name, parent=parent, actor=actor, occurred_at=occurred_at or self.clock()
            )
            try:
                self.save(unit, self.units_log.trigger_event(unit_id=unit.id))
                return unit_state(unit)
            except IntegrityError:
                if unit.id in self.repository:
                    raise DuplicateUnit(f"unit {code} is registered already") from None
        raise ConcurrentChange("could not list the unit; try again")

    def rename_unit(self, actor: Actor, code: str, name: str) -> dict[str, Any]:
        """Give a unit a new name."""
        unit = self.get_unit(code)
        unit.rename(name=name, actor=actor, occurred_at=self.clock())
        self.save(unit)
        return unit_state(unit)

    def move_unit(self, actor: Actor, code: str, parent: str | None) -> dict[str, Any]:
        """Move a unit under another parent; a move that would make a cycle is refused."""
        unit = self.get_unit(code)
        ancestry = self.ancestry(parent, include_self=True) if parent is not None else []
        unit.move(parent=parent, parent_ancestry=ancestry, actor=actor, occurred_at=self.clock())
        self.save(unit)
        return unit_state(unit)

    def list_units(self) -> list[dict[str, Any]]:
        """Every unit, in the order they were registered."""
        units = [cast(Unit, self.repository.get(listed.unit_id)) for listed in self.units_log.get()]
        return [unit_state(unit) for unit in units]

    def get_unit(self, code: str) -> Unit:
        """The unit with this code."""
        unit = load(self.repository, unit_id(code), Unit)
        if unit is None:
            raise UnitNotFound(f"no unit with code {code}")
        return unit

    def require_unit(self, code: str, *, field: str = "unit") -> Unit:
        """The unit a request names in `field`, or a field error when there is none."""
        try:
            return self.get_unit(code)
        except UnitNotFound:
            raise UnknownUnit(f"unit {code} is not registered", field=field) from None

    def ancestry(self, code: str, *, include_self: bool = False) -> list[str]:
        """The unit's parent, grandparent and so on up to the top."""
        chain = [code] if include_self else []
        unit = self.get_unit(code)
        while unit.parent is not None and len(chain) < MAX_DEPTH:
            chain.append(unit.parent)
            unit = self.get_unit(unit.parent)
        return chain


def unit_state(unit: Unit) -> dict[str, Any]:
    """The plain values that answer for a unit."""
    return {"code": unit.code, "name": unit.name, "parent": unit.parent, "version": unit.version}
