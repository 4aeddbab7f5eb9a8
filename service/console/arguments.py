"""A page's query read as the API reads its own: the fields filled in, loaded by the API's schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError

from service.console.finding_list import listed


def filled(query: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The fields of a form that were filled in (an empty field is no argument)."""
    return {name: query[name].strip() for name in names if query.get(name, "").strip()}


def loaded(schema: Schema, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The query as the API's schema loads it, or the problems it finds, by field."""
    try:
        return schema.load(query), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return {}, {str(key): listed(value) for key, value in messages.items()}
