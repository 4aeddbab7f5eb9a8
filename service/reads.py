"""What every read-model query shares: waiting for the projector, and the unit scope of the token."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app

from domain.errors import OutsideUnitScope, UnknownUnit
from domain.values import Actor, Role
from projections.circular import unit_tree
from projections.figures import lineage
from projections.view import ReadModelSQL, wait_for


def read_view(min_position: int | None) -> ReadModelSQL:
    """The read model, once it has processed `min_position` (503 if it does not in time)."""
    view: ReadModelSQL = current_app.extensions["views"]
    wait_for(view, min_position, float(current_app.config["RECTIFY_READ_WAIT"]))
    return view


def units_in_scope(view: ReadModelSQL, actor: Actor, unit: str | None) -> frozenset[str] | None:
    """The unit codes a query covers: the asked unit's subtree, within a unit token's own (None: all)."""
    tree = unit_tree(view.unit_facts())
    parents = {code: node["parent"] for code, node in tree.items()}
    if unit is not None and unit not in tree:
        raise UnknownUnit(f"unit {unit} is not registered")
    if actor.role is Role.UNIT:
        if unit is not None and actor.unit not in lineage(unit, parents):
            raise OutsideUnitScope(f"unit {unit} is outside the scope of {actor.unit}")
        unit = unit or actor.unit
    if unit is None:
        return None
    return frozenset(code for code in tree if unit in lineage(code, parents))


def local_today() -> date:
    """Today in the service's time zone."""
    return datetime.now(current_app.extensions["rectify"].timezone).date()
