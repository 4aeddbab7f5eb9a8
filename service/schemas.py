"""Shapes shared by every resource: the error answer and plain JSON values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from marshmallow import RAISE, Schema, ValidationError, fields, validate


class ErrorSchema(Schema):
    code = fields.String(metadata={"description": "A stable, machine-readable name of the problem."})
    message = fields.String(metadata={"description": "What went wrong, for a person."})
    errors = fields.Dict(metadata={"description": "Field name to the list of its problems."})


class NoArgsSchema(Schema):
    """No query arguments: any is refused with 422 naming it, as a misspelt filter of the list is."""

    class Meta:
        unknown = RAISE


EARLIEST, LATEST = 1970, 9000

# The input rule for text: no C0 control character but tab, line feed and carriage return (CRLF is how
# pasted multi-line text arrives), the same three XML 1.0 allows, so every report format can carry the
# text; NUL could not even be stored in a PostgreSQL text column. Lone surrogates never get this far
# (the JSON parser refuses them). Python's `re` and the OpenAPI document's regular expressions read
# these classes alike, so the documented pattern is the check itself.
CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f"
NO_CONTROLS = rf"^[^{CONTROLS}]*$"
# White space, then something else, then anything: the three parts never overlap, so a long text is
# matched or refused in one pass (no backtracking over every way to split it).
NOT_BLANK_WITHOUT_CONTROLS = rf"^[^\S{CONTROLS}]*[^\s{CONTROLS}][^{CONTROLS}]*$"
CONTROLS_MESSAGE = "Must not contain NUL or other control characters (tab, line feed and carriage return are allowed)."


def text_rules(max_length: int, *, required: bool) -> list[validate.Validator]:
    """The validators of a free-text field: its length, no control characters and, if required, not blank."""
    if required:
        content = validate.Regexp(
            NOT_BLANK_WITHOUT_CONTROLS, error="Must not be blank, nor contain NUL or other control characters."
        )
    else:
        content = validate.Regexp(NO_CONTROLS, error=CONTROLS_MESSAGE)
    return [validate.Length(min=1 if required else 0, max=max_length), content]


def query_text(max_length: int, description: str, **kwargs: Any) -> fields.String:
    """A free-text query parameter: 1 to `max_length` characters, no control characters."""
    return fields.String(
        validate=[validate.Length(min=1, max=max_length), validate.Regexp(NO_CONTROLS, error=CONTROLS_MESSAGE)],
        metadata={"description": description},
        **kwargs,
    )


def code_field(pattern: re.Pattern[str], description: str, **kwargs: Any) -> fields.String:
    """A code (a unit's, a reference) in its documented pattern, which allows no control character."""
    return fields.String(
        validate=[
            validate.Length(min=1, max=64),
            validate.Regexp(pattern, error="Letters, digits and . _ - (and / in references) only, up to 64."),
        ],
        metadata={"description": description},
        **kwargs,
    )


POSITION_MAX = 2**63 - 1  # positions are 64-bit integers in both stores


def position_field(description: str) -> fields.Integer:
    """An optional log position: 0 to 2^63 - 1."""
    return fields.Integer(
        load_default=None, validate=validate.Range(min=0, max=POSITION_MAX), metadata={"description": description}
    )


def within_calendar(moment: datetime) -> None:
    """Moments far outside any inspection's life cannot even be converted between time zones."""
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not EARLIEST <= year <= LATEST:
        raise ValidationError(f"Must fall between the years {EARLIEST} and {LATEST}.")


# The years the document promises (those inside EARLIEST and LATEST whatever the UTC offset), as a pattern.
DOCUMENTED_MOMENT = r"^(?:197[1-9]|19[89][0-9]|[2-8][0-9]{3})-"


def moment_field(description: str) -> fields.AwareDateTime:
    """An optional ISO 8601 moment with a UTC offset."""
    return fields.AwareDateTime(
        load_default=None,
        validate=within_calendar,
        metadata={"description": f"{description} Years {EARLIEST} to {LATEST}.", "pattern": DOCUMENTED_MOMENT},
    )


def plain(value: Any) -> Any:
    """A value with dates, enums and ids spelt as JSON strings, all the way down."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


class PlainDict(fields.Dict):
    """A dict dumped with `plain` values."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return plain(value)


class SealSchema(Schema):
    """The seal of the log up to a position: an answer carrying it can be checked against the log later."""

    position = fields.Integer(metadata={"description": "The last position of the log the answer covers."})
    seal = fields.String(metadata={"description": "The chain's sha256 seal at that position, in hex."})
