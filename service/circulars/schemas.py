"""The weekly circular's query and answer."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from domain.values import UNIT_CODE_PATTERN
from projections.circular import LEDGER_SCOPES
from projections.weeks import FIRST_YEAR, LAST_YEAR, documented_week_pattern
from service.schemas import SealSchema, code_field, moment_field, position_field

FORMATS = ("json", "html", "csv", "xlsx", "docx")


class CircularArgsSchema(Schema):
    class Meta:
        unknown = RAISE

    week = fields.String(
        validate=[
            validate.Length(max=8),
            validate.Regexp(documented_week_pattern(), error=f"An ISO week of {FIRST_YEAR} to {LAST_YEAR}."),
        ],
        metadata={
            "description": f"ISO week, e.g. 2026-W47, of the years {FIRST_YEAR} to {LAST_YEAR} (week 53 only in years"
            " that have one); default: the last finished week."
        },
    )
    unit = code_field(UNIT_CODE_PATTERN, "Only this unit and the units below it.")
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS))
    lang = fields.String(load_default="zh", validate=validate.OneOf(("zh", "en")))
    as_known_at = moment_field("Count only events recorded up to this moment (default: now).")
    min_position = position_field("Wait until the read model has this position.")
    ledger = fields.String(
        load_default=None,
        validate=validate.OneOf(sorted(LEDGER_SCOPES)),
        metadata={
            "description": "The ledger (one row a finding): `open` findings at the cut-off, or `all`. Default: none in"
            " JSON and HTML, `open` in the DOCX's attachment, `all` in CSV and XLSX."
        },
    )


class CircularSchema(Schema):
    """The circular as the contract shapes it (see the design's weekly circular section)."""

    class Meta:
        unknown = RAISE

    week = fields.String()
    issue_number = fields.Integer()
    start = fields.String()
    end = fields.String()
    as_of = fields.String()
    cutoff = fields.String()
    as_known_at = fields.String()
    scope = fields.Dict()
    totals = fields.Dict()
    previous = fields.Dict()
    units = fields.List(fields.Dict())
    by_source = fields.Dict()
    by_severity = fields.Dict()
    overdue = fields.List(fields.Dict())
    escalated = fields.List(fields.Dict())
    ledger = fields.List(fields.Dict())
    ledger_scope = fields.String()
    honour_roll = fields.List(fields.String())
    watch_list = fields.List(fields.String())
    document_number = fields.String()
    settings = fields.Dict()
    seal = fields.Nested(SealSchema, allow_none=True)
