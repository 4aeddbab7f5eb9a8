"""The User aggregate: a token holder whose role decides what it may do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper, UUIDAsHex

from domain.errors import InvalidTransition
from domain.user import User
from domain.values import Actor, Role, user_id
from service.transcodings import register_domain_transcodings

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add(name: str = "wang.clerk", role: Role = Role.UNIT, unit: str | None = "U1") -> User:
    return User(name=name, role=role, unit=unit, token_hash="sha256:abc", occurred_at=AT)


def test_a_user_acts_with_its_name_role_and_unit() -> None:
    user = add()
    assert user.id == user_id("wang.clerk")
    assert user.actor == Actor("wang.clerk", Role.UNIT, unit="U1")
    assert not user.revoked


def test_a_revoked_user_cannot_be_revoked_again() -> None:
    user = add()
    user.revoke(occurred_at=AT)
    user.collect_events()
    with pytest.raises(InvalidTransition):
        user.revoke(occurred_at=AT)
    assert user.collect_events() == []
    assert (user.revoked, user.version) == (True, 2)


def test_admin_holds_every_role_and_others_only_their_own() -> None:
    assert Actor("root", Role.ADMIN).may(Role.REVIEWER)
    assert Actor("zhao", Role.REVIEWER).may(Role.REVIEWER, Role.UNIT)
    assert not Actor("qian", Role.AUDITOR).may(Role.INSPECTOR, Role.UNIT, Role.REVIEWER, Role.SYSTEM)


def test_admin_read_back_from_the_store_is_still_an_admin() -> None:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO()):
        transcoder.register(transcoding)
    register_domain_transcodings(transcoder)
    mapper = Mapper(transcoder=transcoder)
    [added] = add("root", Role.ADMIN, None).collect_events()
    user = mapper.to_domain_event(mapper.to_stored_event(added)).mutate(None)
    assert user.role is Role.ADMIN
    assert user.actor.may(Role.REVIEWER)
