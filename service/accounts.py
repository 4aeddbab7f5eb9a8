"""Users and their bearer tokens: made once, kept only as a hash."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from eventsourcing.application import EventSourcedLog
from eventsourcing.persistence import IntegrityError

from domain.errors import ConcurrentChange, DuplicateUser, NotAuthenticated, UserNotFound
from domain.logs import USERS_LOG_ID, UserListed
from domain.user import User
from domain.values import Actor, Role, user_id
from service.loading import load

if TYPE_CHECKING:
    from eventsourcing.application import Application

    _Base = Application[UUID]
else:
    _Base = object

TOKEN_PATTERN = re.compile(r"^rfy_([0-9a-f]{32})_[A-Za-z0-9_\-]{20,}$")


def token_hash(token: str) -> str:
    """The only form in which a token is ever kept."""
    return hashlib.sha256(token.encode()).hexdigest()


class Accounts(_Base):
    """Users of the application, listed in a log kept in the same store."""

    clock: Any

    require_unit: Any  # from Organisation

    @property
    def users_log(self) -> EventSourcedLog[UserListed]:
        return EventSourcedLog(self.events, USERS_LOG_ID, UserListed)

    def add_user(self, name: str, role: Role, unit: str | None = None) -> str:
        """Add a user and return the token, which is shown this once and never again."""
        if role is Role.UNIT and unit is None:
            raise ValueError("a unit user needs --unit")
        if unit is not None:
            self.require_unit(unit)
        if user_id(name) in self.repository:
            raise DuplicateUser(f"user {name} exists already")
        token = f"rfy_{user_id(name).hex}_{secrets.token_urlsafe(32)}"
        for _attempt in range(20):
            # A failed save has taken the user's pending event: make the user anew each time.
            user = User(name=name, role=role, unit=unit, token_hash=token_hash(token), occurred_at=self.clock())
            try:
                self.save(user, self.users_log.trigger_event(user_id=user.id))
                return token
            except IntegrityError:
                if user.id in self.repository:
                    raise DuplicateUser(f"user {name} exists already") from None
        raise ConcurrentChange("could not list the user; try again")

    def list_users(self) -> list[dict[str, Any]]:
        """Every user, in the order they were added, without tokens."""
        users = [cast(User, self.repository.get(listed.user_id)) for listed in self.users_log.get()]
        return [{"name": u.name, "role": u.role, "unit": u.unit, "revoked": u.revoked} for u in users]

    def revoke_user(self, name: str) -> None:
        """Revoke a user's token for good."""
        user = load(self.repository, user_id(name), User)
        if user is None:
            raise UserNotFound(f"no user named {name}")
        user.revoke(occurred_at=self.clock())
        self.save(user)

    def authenticate(self, token: str) -> Actor:
        """The actor a bearer token stands for."""
        match = TOKEN_PATTERN.match(token)
        if match is None:
            raise NotAuthenticated("the bearer token is malformed")
        user = load(self.repository, UUID(match.group(1)), User)
        if user is None or not hmac.compare_digest(user.token_hash, token_hash(token)):
            raise NotAuthenticated("the bearer token is not valid")
        if user.revoked:
            raise NotAuthenticated("the bearer token was revoked")
        return user.actor

    def session_actor(self, name: str, hashed_token: str) -> Actor:
        """The actor a console session stands for, while the token it was signed in with is still the user's."""
        user = load(self.repository, user_id(name), User)
        if user is None or not hmac.compare_digest(user.token_hash, hashed_token):
            raise NotAuthenticated("the session's user is unknown")
        if user.revoked:
            raise NotAuthenticated("the session's token was revoked")
        return user.actor
