"""A page's query read as the API reads its own: the fields filled in, loaded by the API's schema."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any

from marshmallow import Schema, ValidationError

from service.console.finding_list import listed


def filled(query: Mapping[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """The fields of a form that were filled in (an empty field is no argument)."""
    return {name: query[name].strip() for name in names if query.get(name, "").strip()}


# What a browser's datetime-local field sends: a date and a time of day, without an offset.
LOCAL_MOMENT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?$")


def with_zone(values: Mapping[str, Any], names: tuple[str, ...], zone: tzinfo) -> dict[str, Any]:
    """The values, each of `names` picked in a datetime-local field (no offset) read as a moment in `zone`, as the
    API takes it. Anything else is left as typed (a moment with its offset, or text the API's schema refuses with
    its own message: a day that is not in the calendar, say)."""
    zoned = dict(values)
    for name in names:
        value = values.get(name)
        if isinstance(value, str) and LOCAL_MOMENT.match(value):
            try:
                zoned[name] = datetime.fromisoformat(value).replace(tzinfo=zone).isoformat()
            except ValueError:  # 2026-02-30T10:00: no such moment
                pass
    return zoned


def loaded(schema: Schema, query: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The query as the API's schema loads it, or the problems it finds, by field."""
    try:
        return schema.load(query), {}
    except ValidationError as error:
        messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
        return {}, {str(key): listed(value) for key, value in messages.items()}
