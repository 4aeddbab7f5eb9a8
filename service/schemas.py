"""Shapes shared by every resource: the error answer and plain JSON values."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from marshmallow import Schema, ValidationError, fields


class ErrorSchema(Schema):
    code = fields.String(metadata={"description": "A stable, machine-readable name of the problem."})
    message = fields.String(metadata={"description": "What went wrong, for a person."})
    errors = fields.Dict(metadata={"description": "Field name to the list of its problems."})


EARLIEST, LATEST = 1970, 9000


def within_calendar(moment: datetime) -> None:
    """Moments far outside any inspection's life cannot even be converted between time zones."""
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not EARLIEST <= year <= LATEST:
        raise ValidationError(f"Must fall between the years {EARLIEST} and {LATEST}.")


def moment_field(description: str) -> fields.AwareDateTime:
    """An optional ISO 8601 moment with a UTC offset."""
    return fields.AwareDateTime(load_default=None, validate=within_calendar, metadata={"description": description})


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
