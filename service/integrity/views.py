"""`GET /api/v1/audit/verify`: recompute the seal chain from the stored records and say where it breaks."""

from __future__ import annotations

from typing import Any

from service.auth import current_actor
from service.blueprint import Blueprint
from service.integrity.schemas import VerdictSchema, VerifyArgsSchema
from service.integrity.verdict import chain_verdict
from service.schemas import ErrorSchema

blp = Blueprint("integrity", __name__, description="The seal chain over the event log.")


@blp.route("/verify")
@blp.arguments(VerifyArgsSchema, location="query")
@blp.response(200, VerdictSchema)
@blp.alt_response(403, schema=ErrorSchema, description="A unit token: the chain covers every unit's records.")
@blp.alt_response(422, schema=ErrorSchema, description="A malformed position or seal, or only one of them.")
def verify_chain(args: dict[str, Any]) -> Any:
    """Recompute the seal chain from the stored records (and a printed seal if given); rehash every evidence file"""
    return chain_verdict(current_actor(), args["position"], args["seal"])
