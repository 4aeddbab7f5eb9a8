"""The Unit aggregate: registering, renaming and moving nodes of the organisation tree."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from domain.errors import CycleInTree, RoleNotPermitted
from domain.unit import Unit
from domain.values import SYSTEM_ACTOR, Actor, Role, unit_id

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
INSPECTOR = Actor("li.inspector", Role.INSPECTOR)
ADMIN = Actor("root", Role.ADMIN)
OTHERS = [
    Actor("wang.clerk", Role.UNIT, unit="U1"),
    Actor("zhao.reviewer", Role.REVIEWER),
    Actor("qian.auditor", Role.AUDITOR),
    SYSTEM_ACTOR,
]


def register(code: str = "U1", parent: str | None = "HQ", actor: Actor = INSPECTOR) -> Unit:
    unit = Unit.register(code=code, name="第一分公司", parent=parent, actor=actor, occurred_at=AT)
    unit.collect_events()
    return unit


def observable(unit: Unit) -> dict:
    return {k: copy.deepcopy(v) for k, v in vars(unit).items() if k != "_pending_events"}


@pytest.mark.parametrize("actor", [INSPECTOR, ADMIN], ids=lambda a: a.role)
def test_inspector_or_admin_registers_a_unit(actor: Actor) -> None:
    unit = Unit.register(code="U1", name="第一分公司", parent="HQ", actor=actor, occurred_at=AT)
    [registered] = unit.collect_events()
    assert type(registered).__name__ == "Registered"
    assert (registered.actor, registered.occurred_at) == (actor.name, AT)
    assert (unit.code, unit.name, unit.parent, unit.version) == ("U1", "第一分公司", "HQ", 1)


def test_same_code_gives_same_id() -> None:
    assert register("U1").id == register("U1").id == unit_id("U1")
    assert register("U1").id != register("U2").id


def test_a_unit_may_be_a_root() -> None:
    assert register("HQ", parent=None).parent is None


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.role)
def test_only_inspectors_and_admins_register_units(actor: Actor) -> None:
    with pytest.raises(RoleNotPermitted):
        register(actor=actor)


def test_renaming_changes_the_name() -> None:
    unit = register()
    unit.rename(name="第一分公司（新）", actor=INSPECTOR, occurred_at=AT)
    [renamed] = unit.collect_events()
    assert type(renamed).__name__ == "Renamed"
    assert (unit.name, unit.version) == ("第一分公司（新）", 2)


def test_moving_changes_the_parent() -> None:
    unit = register(parent="HQ")
    unit.move(parent="EAST", parent_ancestry=["HQ"], actor=ADMIN, occurred_at=AT)
    unit.move(parent=None, parent_ancestry=[], actor=INSPECTOR, occurred_at=AT)
    assert [type(e).__name__ for e in unit.collect_events()] == ["Moved", "Moved"]
    assert (unit.parent, unit.version) == (None, 3)


@pytest.mark.parametrize(
    ("parent", "ancestry"),
    [("U1", ["HQ"]), ("U1-A", ["U1", "HQ"]), ("U1-A-X", ["U1-A", "U1", "HQ"])],
    ids=["under-itself", "under-a-child", "under-a-grandchild"],
)
def test_moving_under_itself_or_a_descendant_raises_cycle_in_tree(parent: str, ancestry: list[str]) -> None:
    unit = register("U1")
    before = observable(unit)
    with pytest.raises(CycleInTree):
        unit.move(parent=parent, parent_ancestry=ancestry, actor=INSPECTOR, occurred_at=AT)
    assert unit.collect_events() == []
    assert observable(unit) == before


@pytest.mark.parametrize("actor", OTHERS, ids=lambda a: a.role)
def test_only_inspectors_and_admins_rename_or_move_units(actor: Actor) -> None:
    unit = register()
    before = observable(unit)
    with pytest.raises(RoleNotPermitted):
        unit.rename(name="x", actor=actor, occurred_at=AT)
    with pytest.raises(RoleNotPermitted):
        unit.move(parent="EAST", parent_ancestry=["HQ"], actor=actor, occurred_at=AT)
    assert unit.collect_events() == []
    assert observable(unit) == before
