"""The shapes of an import request (multipart) and of a job's answer."""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import FileStorage

from domain.values import Source
from service.schemas import PlainDict, text_rules


def is_file(value: Any) -> bool:
    """The form's `file` is an uploaded file, not a text field of that name."""
    if not isinstance(value, FileStorage):
        raise ValidationError("Send the ledger as a file (multipart/form-data).")
    return True


class ImportFormSchema(Schema):
    """The file and the choices sent beside it."""

    class Meta:
        unknown = RAISE

    file = fields.Raw(
        required=True,
        validate=is_file,
        metadata={
            "type": "string",
            "format": "binary",
            "minLength": 1,  # an empty file is refused (422), as the document says
            "description": "The ledger: .xlsx, or .csv (UTF-8, GB18030); not empty.",
        },
    )

    dry_run = fields.Boolean(load_default=False, metadata={"description": "Read and check every row, record nothing."})
    # No default: a form cannot send null, so the document must not offer it (absent means: none given).
    source = fields.Enum(Source, by_value=True, metadata={"description": "For rows without 问题来源."})
    batch = fields.String(
        load_default=None,
        validate=text_rules(200, required=True),
        metadata={"description": "The inspection round or audit project; default: the title."},
    )
    sheet = fields.String(
        load_default=None,
        validate=text_rules(31, required=True),
        metadata={"description": "Read only this sheet; default: every sheet with a ledger."},
    )


class ProgressSchema(Schema):
    done = fields.Integer(metadata={"description": "Rows handled so far."})
    total = fields.Integer(metadata={"description": "Rows to handle (null until the file is read)."}, allow_none=True)


class ImportJobSchema(Schema):
    id = fields.UUID(dump_only=True)
    status = fields.String(validate=validate.OneOf(["running", "finished", "failed", "interrupted"]))
    dry_run = fields.Boolean()
    file_name = fields.String()
    user = fields.String()
    submitted_at = fields.String()
    updated_at = fields.String()
    progress = fields.Nested(ProgressSchema)
    result = PlainDict(
        allow_none=True,
        metadata={"description": "Once finished: counts, created, already_imported, refused (sheet, row, column, …)."},
    )
    error = fields.String(allow_none=True, metadata={"description": "Why a failed job stopped."})
