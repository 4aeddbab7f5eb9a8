"""`/api/v1/circulars/weekly`: the weekly progress circular (每周讲评通报) in every format."""

from __future__ import annotations

from typing import Any

from flask import Response

from projections.circular import DEFAULT_LEDGER
from projections.reports import FORMATS, render
from service.auth import current_actor
from service.blueprint import Blueprint
from service.circulars.schemas import CircularArgsSchema, CircularSchema
from service.reads import read_side
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
    circular = read_side(args["min_position"]).circular(
        current_actor(),
        week=args.get("week"),
        unit=args.get("unit"),
        as_known_at=args["as_known_at"],
        ledger=args["ledger"] or DEFAULT_LEDGER[args["format"]],
    )
    if args["format"] == "json":
        return circular
    body, content_type, filename = render(circular, args["format"], args["lang"])
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
