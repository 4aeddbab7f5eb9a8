"""`/api/v1/circulars/weekly`: the weekly progress circular (每周讲评通报) in every format."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Response, current_app

from domain.errors import OccurredInFuture
from projections.circular import CircularSettings, weekly_circular
from projections.reports import FORMATS, render
from projections.weeks import Week
from service.auth import current_actor
from service.blueprint import Blueprint
from service.circulars.schemas import CircularArgsSchema, CircularSchema
from service.reads import read_view, units_in_scope
from service.schemas import ErrorSchema

blp = Blueprint("circulars", __name__, description="The weekly progress circular (每周讲评通报).")


def circular_settings(config: dict[str, Any]) -> CircularSettings:
    """The office's settings of the circular, defaults where it has none."""
    defaults = CircularSettings()
    return CircularSettings(
        honor_rate=float(config["RECTIFY_HONOR_RATE"]),
        shame_rate=float(config["RECTIFY_SHAME_RATE"]),
        issuing_office=config["RECTIFY_ISSUING_OFFICE"] or defaults.issuing_office,
        closing=config["RECTIFY_CIRCULAR_CLOSING"] or defaults.closing,
    )


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
    view = read_view(args["min_position"])
    zone = current_app.extensions["rectify"].timezone
    now = datetime.now(zone)
    known_at = args["as_known_at"] or now
    if known_at > now:
        raise OccurredInFuture("as_known_at is in the future", field="as_known_at")
    week = Week.parse(args["week"], zone) if args.get("week") else Week.containing(now - timedelta(days=7), zone)
    units = units_in_scope(view, current_actor(), args.get("unit"))
    scope = args.get("unit") or (current_actor().unit if units is not None else None)
    with_ledger = args["format"] in ("csv", "xlsx", "docx") or args["ledger"]
    circular = weekly_circular(
        view, week, known_at, scope, circular_settings(current_app.config), with_ledger=with_ledger
    )
    if args["format"] == "json":
        return circular
    body, content_type, filename = render(circular, args["format"], args["lang"])
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
