"""The shapes of unit requests and answers."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields

from domain.values import UNIT_CODE_PATTERN
from service.findings.schemas import text
from service.schemas import code_field


class UnitSchema(Schema):
    class Meta:
        unknown = RAISE

    code = code_field(UNIT_CODE_PATTERN, "The unit's code: letters, digits and . _ - only, up to 64.", required=True)
    name = text(200)
    parent = code_field(UNIT_CODE_PATTERN, "Code of the parent unit.", load_default=None, allow_none=True)
    version = fields.Integer(dump_only=True)
