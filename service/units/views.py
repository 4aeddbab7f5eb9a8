"""`/api/v1/units`: the organisation tree findings roll up along."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView

from service.auth import current_actor
from service.blueprint import Blueprint
from service.schemas import ErrorSchema, NoArgsSchema
from service.units.schemas import UnitSchema

blp = Blueprint("units", __name__, description="Units (责任单位) and their tree.")


@blp.route("")
class Units(MethodView):
    @blp.arguments(NoArgsSchema, location="query")
    @blp.response(200, UnitSchema(many=True))
    @blp.alt_response(422, schema=ErrorSchema, description="A query argument was given: this list takes none.")
    def get(self, _args: dict[str, Any]) -> Any:
        """Every unit, in the order they were registered"""
        return current_app.extensions["rectify"].list_units()

    @blp.arguments(UnitSchema)
    @blp.response(201, UnitSchema)
    @blp.alt_response(403, schema=ErrorSchema, description="Only inspectors and admins register units.")
    @blp.alt_response(409, schema=ErrorSchema, description="The code is taken.")
    @blp.alt_response(422, schema=ErrorSchema, description="A field is invalid or the parent is unknown.")
    def post(self, unit: dict[str, Any]) -> Any:
        """Register a unit under an existing parent (inspector, admin)"""
        return current_app.extensions["rectify"].register_unit(current_actor(), **unit)
