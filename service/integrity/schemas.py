"""What a check of the seal chain takes and answers."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from service.schemas import SealSchema, position_field


class VerifyArgsSchema(Schema):
    """A printed seal to check the chain against (both or neither)."""

    class Meta:
        unknown = RAISE

    position = position_field("The position a printed seal covers (the number before the colon on a circular).")
    seal = fields.String(
        load_default=None,
        validate=[
            validate.Length(equal=64),
            validate.Regexp(r"^[0-9a-f]{64}$", error="64 lower-case hexadecimal digits."),
        ],
        metadata={"description": "The printed seal at that position (the 64 digits after the colon)."},
    )

    @validates_schema
    def both_or_neither(self, data: dict[str, Any], **_: Any) -> None:
        if (data["position"] is None) != (data["seal"] is None):
            raise ValidationError("give both position and seal, or neither", field_name="seal")


class EvidenceVerdictSchema(Schema):
    """The files of evidence: every stored file rehashed, every attached file looked up."""

    ok = fields.Boolean(required=True)
    checked = fields.Integer(metadata={"description": "Stored files read and rehashed."})
    broken = fields.List(fields.String(), metadata={"description": "Stored files whose bytes no longer hash to it."})
    missing = fields.List(fields.String(), metadata={"description": "Files attached to a finding with no bytes."})
    unreadable = fields.List(
        fields.String(),
        metadata={"description": "Files stored encrypted and not rehashed: this process has no RECTIFY_CIPHER_KEY."},
    )
    attached_unchecked = fields.Boolean(
        metadata={"description": "The events naming files could not be decrypted, so none was looked up."}
    )
    unattached = fields.List(
        fields.String(),
        metadata={
            "description": "Stored files no event names (a crash or a refusal between storing the bytes and "
            "recording the event): nobody's evidence, not a failure. Only when there are some."
        },
    )


class VerdictSchema(Schema):
    """The chain holds (ok, how many records, its head) or where it first breaks and how."""

    ok = fields.Boolean(required=True, metadata={"description": "The chain holds and every evidence file is intact."})
    checked = fields.Integer(metadata={"description": "Sealed records found intact before the answer."})
    head = fields.Nested(SealSchema, allow_none=True, metadata={"description": "The last intact seal."})
    unsealed = fields.Integer(metadata={"description": "Records stored after the last seal, not checked yet."})
    position = fields.Integer(metadata={"description": "Where the chain breaks."})
    problem = fields.String(
        validate=validate.OneOf(("edited", "missing", "inserted", "checkpoint")),
        metadata={"description": "edited, missing or inserted record there; checkpoint: not the printed seal."},
    )
    evidence = fields.Nested(EvidenceVerdictSchema)
