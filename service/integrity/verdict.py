"""The check of the seal chain (and of every evidence file), for the API and the console alike."""

from __future__ import annotations

from typing import Any

from flask import current_app

from domain.errors import RoleNotPermitted
from domain.values import Actor, Role
from projections.sealer import verify
from service.evidence.integrity import check_evidence


def may_verify(actor: Actor) -> bool:
    """Whether the actor may check the chain: not a unit, for the chain covers every unit's records."""
    return actor.role is not Role.UNIT


def check_may_verify(actor: Actor) -> None:
    """RoleNotPermitted for an actor that may not check the chain."""
    if not may_verify(actor):
        raise RoleNotPermitted("the seal chain covers every unit's records: ask an auditor")


def chain_verdict(actor: Actor, position: int | None = None, seal: str | None = None) -> dict[str, Any]:
    """The chain recomputed from the stored records, against a printed seal at `position` if given."""
    check_may_verify(actor)
    checkpoints = {position: seal} if position is not None and seal is not None else None
    store = current_app.extensions["read_side"].seals
    application = current_app.extensions["rectify"]
    answer = verify(application.recorder, store, checkpoints=checkpoints).answer()
    evidence = check_evidence(application.evidence_store, application.recorder, application.mapper)
    return answer | {"ok": answer["ok"] and evidence.ok, "evidence": evidence.answer()}
