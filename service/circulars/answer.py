"""The circular a query asks for, and the circular as a file: for the API and the console alike."""

from __future__ import annotations

from typing import Any

from flask import Response, json

from domain.values import Actor
from projections.circular import DEFAULT_LEDGER
from projections.reports import file_name, render
from service.circulars.schemas import CircularSchema
from service.reads import read_side


def circular_asked(actor: Actor, args: dict[str, Any]) -> dict[str, Any]:
    """The circular of the query's week and scope, as known at its moment, with the ledger its format carries."""
    return read_side(args["min_position"]).circular(
        actor,
        week=args.get("week"),
        unit=args.get("unit"),
        as_known_at=args["as_known_at"],
        ledger=args["ledger"] or DEFAULT_LEDGER[args["format"]],
    )


def circular_file(circular: dict[str, Any], fmt: str, lang: str) -> Response:
    """The circular as a file to save, named for its week (and unit): JSON as the API answers it, or rendered."""
    if fmt == "json":
        body = json.dumps(CircularSchema().dump(circular), ensure_ascii=False).encode("utf-8")
        content_type, filename = "application/json", file_name(circular, "circular", "json")
    else:
        body, content_type, filename = render(circular, fmt, lang)
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
