"""What attaching a file of evidence takes and answers."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import RAISE, Schema, ValidationError, fields
from werkzeug.datastructures import FileStorage

from service.findings.schemas import CommandResultSchema, EvidenceFileSchema
from service.schemas import DOCUMENTED_MOMENT, EARLIEST, LATEST, within_calendar


class FilePart(Upload):
    """A file part of the multipart body (a plain field of the same name is refused, not taken for a file)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ValidationError("Send the file as a file part of a multipart/form-data body.")
        return value


class EvidenceFormSchema(Schema):
    """The file, as the multipart field `file`, and when it was attached."""

    class Meta:
        unknown = RAISE

    occurred_at = fields.AwareDateTime(  # a form field cannot be null: leave it out for now
        validate=within_calendar,
        metadata={
            "description": f"When it was attached (ISO 8601 with offset); default now. Years {EARLIEST} to {LATEST}.",
            "pattern": DOCUMENTED_MOMENT,
        },
    )
    file = FilePart(
        required=True,
        metadata={
            "description": "PDF, OFD, JPEG, PNG, DOCX, XLSX or ZIP by default (told by content, not by name), "
            "up to RECTIFY_EVIDENCE_MAX_MB."
        },
    )


class EvidenceResultSchema(CommandResultSchema):
    """The finding after the file was attached, and the file."""

    file = fields.Nested(EvidenceFileSchema)
