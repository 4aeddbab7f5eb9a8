"""The User aggregate: a person or system that holds a bearer token and a role."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import InvalidTransition
from domain.values import Actor, Role, user_id


class User(Aggregate):
    """A token holder; only the token's hash is ever recorded."""

    TOPIC = "rectify:User"

    class Created(Aggregate.Created):
        TOPIC = "rectify:User.Created"  # the library's default, unused: Added creates

    @staticmethod
    def create_id(name: str) -> UUID:
        return user_id(name)

    @event("Added", topic="rectify:User.Added")
    def __init__(self, name: str, role: Role, unit: str | None, token_hash: str, occurred_at: datetime) -> None:
        self.name = name
        self.role = Role(role)  # stored events give enums back as plain strings
        self.unit = unit
        self.token_hash = token_hash
        self.revoked = False

    def revoke(self, *, occurred_at: datetime) -> None:
        """Revoke the user's token for good."""
        if self.revoked:
            raise InvalidTransition(f"user {self.name} is already revoked")
        self._revoked(occurred_at=occurred_at)

    @event("Revoked", topic="rectify:User.Revoked")
    def _revoked(self, occurred_at: datetime) -> None:
        self.revoked = True

    @property
    def actor(self) -> Actor:
        """The actor this user's requests act as."""
        return Actor(name=self.name, role=self.role, unit=self.unit)
