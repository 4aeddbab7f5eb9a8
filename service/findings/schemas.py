"""The shapes of finding requests and answers, checked at the edge."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from domain.values import REFERENCE_PATTERN, UNIT_CODE_PATTERN, Outcome, Severity, Source, Status, Term, WarningLevel
from projections.listing import LIST_CURSOR_PATTERN, Sort
from projections.sealing import Mark
from service.schemas import (
    POSITION_MAX,
    PlainDict,
    SealSchema,
    code_field,
    moment_field,
    position_field,
    query_text,
    text_rules,
)


def text(max_length: int, *, required: bool = True, **kwargs: Any) -> fields.String:
    """A free-text field: up to `max_length` characters, no control characters; if required, not blank."""
    validators = text_rules(max_length, required=required)
    if required:
        return fields.String(required=True, validate=validators, **kwargs)
    return fields.String(load_default="", validate=validators, **kwargs)


class CommandSchema(Schema):
    """What every command body may carry."""

    class Meta:
        unknown = RAISE

    occurred_at = moment_field("When it happened (ISO 8601 with offset); default now.")


class IssueSchema(CommandSchema):
    reference = fields.String(
        load_default=None,
        validate=validate.Regexp(REFERENCE_PATTERN, error="Letters, digits and . _ / - only, up to 64."),
        metadata={"description": "Given by the client, or assigned as XC-2026-0001 / SJ-2026-0001."},
    )
    source = fields.Enum(Source, by_value=True, required=True)
    batch = text(200)
    title = text(300)
    description = text(5000, required=False)
    category = text(100, required=False)
    severity = fields.Enum(Severity, by_value=True, required=True)
    unit = code_field(UNIT_CODE_PATTERN, "The code of the unit responsible for the fix.", required=True)
    term = fields.Enum(
        Term,
        by_value=True,
        load_default=Term.FIXED,
        metadata={"description": "fixed: due by due_date; long: a long-term item (长期坚持), never overdue."},
    )
    due_date = fields.Date(
        load_default=None,
        metadata={"description": "Required for term fixed; a long-term item may give a first stage's, or none."},
    )

    @validates_schema(skip_on_field_errors=False)  # named beside the other missing fields, as if required
    def fixed_term_has_a_due_date(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("due_date") is None and data.get("term", Term.FIXED) is not Term.LONG:
            raise ValidationError("Required unless term is long (a long-term item).", field_name="due_date")

    @validates("category")
    def category_is_listed(self, value: str, **_: Any) -> None:
        listed = [c.strip() for c in current_app.config["RECTIFY_CATEGORIES"].split(",") if c.strip()]
        if listed and value not in listed:
            raise ValidationError(f"Must be one of: {', '.join(listed)}.")


class AssignSchema(CommandSchema):
    assignee = text(100)
    note = text(2000, required=False)


class RectifySchema(CommandSchema):
    measures = text(10000)
    evidence = fields.List(text(2000), load_default=list, validate=validate.Length(max=100))


class ReviewSchema(CommandSchema):
    outcome = fields.Enum(Outcome, by_value=True, required=True)
    comment = text(5000, required=False)

    @validates_schema
    def rejection_says_why(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("outcome") is Outcome.REJECTED and not data.get("comment", "").strip():
            raise ValidationError("A rejection must say why.", field_name="comment")


class ExtendSchema(CommandSchema):
    due_date = fields.Date(required=True)
    reason = text(2000)


class EscalateSchema(CommandSchema):
    note = text(2000)


class ReasonSchema(CommandSchema):
    reason = text(2000)


class EvidenceFileSchema(Schema):
    """A file attached to a finding, as its EvidenceAttached event names it."""

    sha256 = fields.String(metadata={"description": "The sha256 of the bytes, in hex: the file's name in the store."})
    filename = fields.String()
    media_type = fields.String()
    size = fields.Integer(metadata={"description": "Bytes."})


class FindingSchema(Schema):
    """A finding as it stands."""

    id = fields.UUID(dump_only=True)
    reference = fields.String()
    source = fields.Enum(Source, by_value=True)
    batch = fields.String()
    title = fields.String()
    description = fields.String()
    category = fields.String()
    severity = fields.Enum(Severity, by_value=True)
    unit = fields.String()
    due_date = fields.Date(allow_none=True, metadata={"description": "None: a long-term item without a deadline."})
    term = fields.Enum(Term, by_value=True, metadata={"description": "fixed, or long: a long-term item (长期坚持)."})
    status = fields.Enum(Status, by_value=True)
    overdue = fields.Boolean(metadata={"description": "Open and past its (extended) due date, as of today."})
    assignee = fields.String(allow_none=True)
    measures = fields.String(allow_none=True)
    evidence = fields.List(fields.String())
    files = fields.List(
        fields.Nested(EvidenceFileSchema),
        metadata={"description": "Files of evidence attached (佐证材料), oldest first."},
    )
    rectified_by = fields.String(allow_none=True)
    issued_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)
    rejections = fields.Integer()
    reopenings = fields.Integer()
    escalations = fields.Integer()
    extensions = fields.Integer()
    warnings = fields.List(fields.Enum(WarningLevel, by_value=True))
    version = fields.Integer()


class FindingArgsSchema(Schema):
    """Query arguments of one finding: as the log knew it at a recorded moment, or at a version."""

    class Meta:
        unknown = RAISE

    as_of = moment_field("The finding as known at this recorded moment (ISO 8601 with offset, not in the future).")
    version = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=POSITION_MAX),
        metadata={"description": "The finding at this version, 1 to 2^63 - 1 (404 beyond its last)."},
    )

    @validates_schema
    def one_of_as_of_and_version(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("as_of") is not None and data.get("version") is not None:
            raise ValidationError("Give as_of or version, not both.", field_name="version")


class CommandResultSchema(FindingSchema):
    """A finding after a command, with the position of its last recorded event."""

    position = fields.Integer(metadata={"description": "Pass as min_position to read your own write."})


class EventSchema(Schema):
    type = fields.String()
    actor = fields.String(allow_none=True)
    occurred_at = fields.AwareDateTime(allow_none=True)
    recorded_at = fields.AwareDateTime()
    version = fields.Integer()
    position = fields.Integer()
    data = PlainDict()
    seal = fields.String(allow_none=True, metadata={"description": "The event's seal in the chain (none: not yet)."})
    integrity = fields.String(
        validate=validate.OneOf([mark.value for mark in Mark]),
        metadata={
            "description": "sealed: the stored event is the one sealed; edited: changed since; inserted: put in "
            "where nothing was sealed; unsealed: not reached by the sealer yet."
        },
    )


class HistorySchema(Schema):
    finding = fields.Nested(
        FindingSchema, allow_none=True, metadata={"description": "As it stands (as far as its record is intact)."}
    )
    events = fields.List(fields.Nested(EventSchema))
    missing_versions = fields.List(
        fields.Integer(), metadata={"description": "Versions of the finding no longer in the store (removed)."}
    )
    seal = fields.Nested(SealSchema, allow_none=True, metadata={"description": "The seal of its last event."})


class ListArgsSchema(Schema):
    """Query arguments of the finding list."""

    class Meta:
        unknown = RAISE

    unit = code_field(UNIT_CODE_PATTERN, "A unit code; its whole subtree is listed.")
    status = fields.Enum(Status, by_value=True)
    source = fields.Enum(Source, by_value=True)
    severity = fields.Enum(Severity, by_value=True)
    term = fields.Enum(Term, by_value=True, metadata={"description": "fixed, or long: the long-term items."})
    batch = query_text(200, "The batch (inspection round or audit project), exactly.")
    assignee = query_text(100, "The person the finding is assigned to, exactly.")
    overdue = fields.Boolean(metadata={"description": "Open and past the (extended) due date, as of today."})
    q = query_text(200, "Text in reference, title or description.")
    warned = fields.Boolean(
        metadata={
            "description": "Awaiting the unit's fix and warned (预警函) at least once since its due date was set."
        }
    )
    escalated = fields.Boolean(metadata={"description": "In progress and escalated (督办) at least once."})
    rejected = fields.Boolean(metadata={"description": "Sent back by a reviewer at least once."})
    sort = fields.Enum(
        Sort,
        by_value=True,
        load_default=Sort.NEWEST,
        metadata={
            "description": "newest: the most recently issued first (the default); due_date: the soonest deadline "
            "first; -due_date: the latest first. By due date, findings without one (long-term items) come last, "
            "and findings due the same day in the order they were issued (reversed for -due_date)."
        },
    )
    cursor = fields.String(
        validate=[
            validate.Length(max=42),
            validate.Regexp(LIST_CURSOR_PATTERN, error="Not a cursor this service handed out."),
        ],
        metadata={
            "description": "From the previous page's next_cursor, with the same sort (opaque: only cursors handed "
            "out work, each in the order it was handed out for; another sort's is a 422)."
        },
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    min_position = position_field("Wait until the read model has this position.")


class FindingSummarySchema(FindingSchema):
    """A finding as the list shows it (from the read model)."""

    class Meta:
        exclude = ("description", "measures", "evidence", "rectified_by", "warnings")

    position = fields.Integer(attribute="last_position")


class FindingPageSchema(Schema):
    items = fields.List(fields.Nested(FindingSummarySchema))
    next_cursor = fields.String(allow_none=True)
    position = fields.Integer(metadata={"description": "The read model's position when this page was read."})
