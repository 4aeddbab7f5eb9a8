"""The shapes of unit requests and answers."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from domain.values import UNIT_CODE_PATTERN
from service.findings.schemas import text


class UnitSchema(Schema):
    class Meta:
        unknown = RAISE

    code = fields.String(
        required=True,
        validate=validate.Regexp(UNIT_CODE_PATTERN, error="Letters, digits and . _ - only, up to 64."),
    )
    name = text(200)
    parent = fields.String(load_default=None, allow_none=True, metadata={"description": "Code of the parent unit."})
    version = fields.Integer(dump_only=True)
