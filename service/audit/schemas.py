"""The audit query's arguments and answer."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from domain.values import REFERENCE_PATTERN, UNIT_CODE_PATTERN
from projections.audit import ENTRY_TYPES
from projections.listing import CURSOR_PATTERN
from projections.sealing import Mark
from service.schemas import PlainDict, code_field, moment_field, position_field, query_text

FORMATS = ("json", "csv")
MAX_BACKDATED_DAYS = 36_525  # a century: an event cannot have happened earlier than that before it was recorded


class AuditArgsSchema(Schema):
    """Query arguments of the audit entries; every filter given must hold."""

    class Meta:
        unknown = RAISE

    actor = query_text(100, "Entries by this actor (the user's name), exactly.")
    unit = code_field(UNIT_CODE_PATTERN, "Entries of this unit and the units below it.")
    type = fields.String(validate=validate.OneOf(ENTRY_TYPES), metadata={"description": "Entries of this event type."})
    finding = code_field(REFERENCE_PATTERN, "Entries of one finding, named by its id or its reference.")
    since = moment_field("Entries recorded at or after this moment (ISO 8601 with offset).")
    until = moment_field("Entries recorded at or before this moment (ISO 8601 with offset).")
    occurred_since = moment_field("Entries that happened at or after this moment (ISO 8601 with offset).")
    occurred_until = moment_field("Entries that happened at or before this moment (ISO 8601 with offset).")
    backdated_over = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=MAX_BACKDATED_DAYS),
        metadata={"description": f"Entries recorded more than this many days after they happened, 0 to "
                  f"{MAX_BACKDATED_DAYS}."},
    )  # fmt: skip
    cursor = fields.String(
        validate=[
            validate.Length(max=27),
            validate.Regexp(CURSOR_PATTERN, error="Not a cursor this service handed out."),
        ],
        metadata={"description": "From the previous page's next_cursor (opaque: only cursors handed out work)."},
    )
    limit = fields.Integer(
        load_default=50,
        validate=validate.Range(min=1, max=200),
        metadata={"description": "Entries a page holds, 1 to 200 (CSV carries every matching entry)."},
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(FORMATS),
        metadata={"description": "json (a page), or csv (every matching entry, UTF-8 with a byte order mark)."},
    )
    min_position = position_field("Wait until the read model has this position.")


class AuditEntrySchema(Schema):
    """One recorded event: who did what to which finding (none for a unit's event), and when."""

    position = fields.Integer(metadata={"description": "The event's position in the log."})
    finding_id = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    unit = fields.String(metadata={"description": "The finding's unit, or the unit a unit event is about."})
    type = fields.String(metadata={"description": "The event type, e.g. Assigned."})
    actor = fields.String()
    role = fields.String(allow_none=True, metadata={"description": "The actor's role; null for no user (the CLI)."})
    occurred_at = fields.AwareDateTime(metadata={"description": "When it happened, as the actor said."})
    recorded_at = fields.AwareDateTime(metadata={"description": "When it was recorded in the log."})
    data = PlainDict(
        allow_none=True,
        metadata={
            "description": "The event's own fields, read from the stored record (null: it is gone or unreadable)."
        },
    )
    seal = fields.String(allow_none=True, metadata={"description": "The event's seal in the chain (null: not yet)."})
    integrity = fields.String(
        allow_none=True,
        validate=validate.OneOf([mark.value for mark in Mark]),
        metadata={
            "description": "sealed: the stored record is the one sealed; edited: changed since; inserted: put in where "
            "nothing was sealed; missing: removed from the store (the entry is what the view kept of it); "
            "unsealed: not reached by the sealer yet."
        },
    )


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    next_cursor = fields.String(allow_none=True)
    position = fields.Integer(metadata={"description": "The read model's position when this page was read."})
