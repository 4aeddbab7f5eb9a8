"""`/api/v1/audit`: every finding and unit event across findings, who did it and when (read model)."""

from __future__ import annotations

from typing import Any

from service.audit.export import audit_download
from service.audit.schemas import AuditArgsSchema, AuditPageSchema
from service.auth import current_actor
from service.blueprint import Blueprint
from service.reads import read_side
from service.schemas import ErrorSchema

blp = Blueprint("audit", __name__, description="Audit entries: who did what, to which finding, and when.")

CONTENT = {
    "application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}},
    "text/csv": {"schema": {"type": "string", "format": "binary"}},
}


@blp.route("")
@blp.doc(responses={"200": {"description": "A page of entries (JSON), or every entry (CSV).", "content": CONTENT}})
@blp.arguments(AuditArgsSchema, location="query")
@blp.response(200, AuditPageSchema)
@blp.alt_response(401, schema=ErrorSchema, description="No valid bearer token.")
@blp.alt_response(422, schema=ErrorSchema, description="An invalid argument, or a unit not registered (or not yours).")
@blp.alt_response(503, schema=ErrorSchema, description="The read model did not reach min_position in time.")
def audit(args: dict[str, Any]) -> Any:
    """Audit entries across findings, in log order, filtered (a unit token sees its subtree's)"""
    side = read_side(args.pop("min_position"))
    actor, form = current_actor(), args.pop("format")
    unit, cursor, limit = args.pop("unit", None), args.pop("cursor", None), args.pop("limit")
    if form == "json":
        return side.audit(actor, unit=unit, cursor=cursor, limit=limit, **args)
    return audit_download(side, actor, unit, cursor, **args)
