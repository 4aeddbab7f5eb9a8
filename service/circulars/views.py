"""`/api/v1/circulars/weekly`: the weekly progress circular (每周讲评通报) in every format."""

from __future__ import annotations

from typing import Any

from projections.reports import FORMATS
from service.auth import current_actor
from service.blueprint import Blueprint
from service.circulars.answer import circular_asked, circular_file
from service.circulars.schemas import CircularArgsSchema, CircularSchema
from service.schemas import ErrorSchema

blp = Blueprint("circulars", __name__, description="The weekly progress circular (每周讲评通报).")


# flask-smorest documents the JSON answer; the other formats are added beside it.
CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/Circular"}}} | {
    FORMATS[name][1].split(";")[0]: {"schema": {"type": "string", "format": "binary"}} for name in FORMATS
}


@blp.route("/weekly")
@blp.doc(responses={"200": {"description": "The circular, in the asked format.", "content": CONTENT}})
@blp.arguments(CircularArgsSchema, location="query")
@blp.response(200, CircularSchema)
@blp.alt_response(422, schema=ErrorSchema, description="An invalid week, unit, format or moment.")
@blp.alt_response(503, schema=ErrorSchema, description="The read model did not reach min_position in time.")
def weekly(args: dict[str, Any]) -> Any:
    """The weekly circular of a week, as known at a moment"""
    circular = circular_asked(current_actor(), args)
    if args["format"] == "json":
        return circular
    return circular_file(circular, args["format"], args["lang"])
