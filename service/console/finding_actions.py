"""A finding's action forms as the API's commands: the fields read with the API's schema, and why one was refused.

A form carries the API body's fields under their names, the version of the finding the page showed (`version`)
and its CSRF token; a refusal keeps what was typed, to show it again beside the rule's message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from domain.errors import RectifyError
from service.commands import CommandOptions
from service.console.arguments import with_zone
from service.errors import status_of

# What a form carries besides the API body's fields.
FORM_ONLY = ("csrf_token", "version")
# As the API's If-Match takes a version: at most 18 digits.
VERSION = re.compile(r"^[0-9]{1,18}$")
VERSION_MESSAGE = "Not the version of a page; reload the page."
# A fix's evidence comes from ticked files (their sha256) and a box of other items, one a line: all named `evidence`.
LISTS = ("evidence",)


@dataclass(frozen=True)
class Refusal:
    """A form the service refused: its command, the HTTP status and code of the refusal, the rule's words,
    the fields' problems, and what was typed."""

    command: str
    status: int
    code: str
    message: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    typed: dict[str, Any] = field(default_factory=dict)


def typed_in(form: MultiDict[str, str]) -> dict[str, Any]:
    """What a form carried, as typed, but its CSRF token: a list for a list field (one item a line), else text."""
    typed: dict[str, Any] = {}
    for name in form:
        if name == "csrf_token":
            continue
        if name in LISTS:
            typed[name] = [line.strip() for value in form.getlist(name) for line in value.splitlines() if line.strip()]
        else:
            typed[name] = form.get(name, "")
    return typed


def command_input(
    schema: Schema, typed: dict[str, Any], zone: tzinfo, files: MultiDict[str, Any] | None = None
) -> tuple[CommandOptions, dict[str, Any]]:
    """The options (the version shown, occurred_at) and the fields of the API's body, checked by the API's schema.

    A field left empty is a field not given, as a client of the API would leave it out; a file input left
    empty sends a part without a name, which is no file either. When it happened (`occurred_at`), picked
    without an offset, is a moment in the service's time zone, `zone`.
    """
    problems: dict[str, list[str]] = {}
    version = str(typed.get("version", ""))
    if not VERSION.match(version):
        problems["version"] = [VERSION_MESSAGE]
    body = {name: value for name, value in typed.items() if name not in FORM_ONLY and value not in ("", [])}
    body = with_zone(body, ("occurred_at",), zone)
    body |= {name: upload for name, upload in (files or MultiDict()).items() if upload.filename}
    try:
        fields = schema.load(body)
    except ValidationError as error:
        problems |= {str(name): flat(messages) for name, messages in messages_of(error).items()}
    if problems:
        raise ValidationError(problems)
    return CommandOptions(occurred_at=fields.pop("occurred_at", None), expected_version=int(version)), fields


def messages_of(error: ValidationError) -> dict[str, Any]:
    """A validation error's messages by field (one not about a field under `_schema`)."""
    return error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}


def flat(messages: Any) -> list[str]:
    """A field's messages as sentences (a list's are nested by item)."""
    if isinstance(messages, dict):
        return [sentence for nested in messages.values() for sentence in flat(nested)]
    if isinstance(messages, list):
        return [sentence for nested in messages for sentence in flat(nested)]
    return [str(messages)]


def invalid_fields(command: str, error: ValidationError, typed: dict[str, Any]) -> Refusal:
    """A form whose fields the API's schema refused (422)."""
    fields = {name: flat(messages) for name, messages in messages_of(error).items()}
    return Refusal(command, 422, "invalid_fields", "invalid fields: " + ", ".join(sorted(fields)), fields, typed)


def rule_broken(command: str, error: RectifyError, typed: dict[str, Any]) -> Refusal:
    """A form the finding's rules refused: a broken rule (409), a stale version (412), a role that may not (403)."""
    fields = {error.field: [str(error)]} if error.field else {}
    return Refusal(command, status_of(error), error.code, str(error), fields, typed)
