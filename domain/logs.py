"""Events of the application's logs: indexes kept as events in the same store."""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

from domain.values import NAMESPACE

UNITS_LOG_ID = uuid5(NAMESPACE, "log:units")
USERS_LOG_ID = uuid5(NAMESPACE, "log:users")


class ReferenceAssigned(DomainEvent):
    """A number of a source's yearly sequence was given to a finding (its version is the number)."""

    TOPIC = "rectify:ReferenceAssigned"
    reference: str


class UnitListed(DomainEvent):
    """A unit was registered; the units log lists every unit once."""

    TOPIC = "rectify:UnitListed"
    unit_id: UUID


class UserListed(DomainEvent):
    """A user was added; the users log lists every user once."""

    TOPIC = "rectify:UserListed"
    user_id: UUID


for _logged in (ReferenceAssigned, UnitListed, UserListed):
    register_topic(_logged.TOPIC, _logged)
