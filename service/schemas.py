"""Shapes shared by every resource: the error answer and plain JSON values."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from marshmallow import Schema, fields


class ErrorSchema(Schema):
    code = fields.String(metadata={"description": "A stable, machine-readable name of the problem."})
    message = fields.String(metadata={"description": "What went wrong, for a person."})
    errors = fields.Dict(metadata={"description": "Field name to the list of its problems."})


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
