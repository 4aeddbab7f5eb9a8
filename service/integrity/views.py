"""`GET /api/v1/audit/verify`: recompute the seal chain from the stored records and say where it breaks."""

from __future__ import annotations

from typing import Any

from flask import current_app

from domain.errors import RoleNotPermitted
from domain.values import Role
from projections.sealer import verify
from service.auth import current_actor
from service.blueprint import Blueprint
from service.evidence.integrity import check_evidence
from service.integrity.schemas import VerdictSchema, VerifyArgsSchema
from service.schemas import ErrorSchema

blp = Blueprint("integrity", __name__, description="The seal chain over the event log.")


@blp.route("/verify")
@blp.arguments(VerifyArgsSchema, location="query")
@blp.response(200, VerdictSchema)
@blp.alt_response(403, schema=ErrorSchema, description="A unit token: the chain covers every unit's records.")
@blp.alt_response(422, schema=ErrorSchema, description="A malformed position or seal, or only one of them.")
def verify_chain(args: dict[str, Any]) -> Any:
    """Recompute the seal chain from the stored records (and a printed seal if given); rehash every evidence file"""
    if current_actor().role is Role.UNIT:
        raise RoleNotPermitted("the seal chain covers every unit's records: ask an auditor")
    checkpoints = {args["position"]: args["seal"]} if args["position"] is not None else None
    store = current_app.extensions["read_side"].seals
    application = current_app.extensions["rectify"]
    answer = verify(application.recorder, store, checkpoints=checkpoints).answer()
    evidence = check_evidence(application.evidence_store, application.recorder, application.mapper)
    return answer | {"ok": answer["ok"] and evidence.ok, "evidence": evidence.answer()}
