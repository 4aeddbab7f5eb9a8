"""How the domain's non-JSON values are written into stored events.

The domain's enums are `StrEnum`s. The library's JSON encoder writes any `str`
as it is, without asking the registered transcodings, so an enum would come
back as a plain string. `EnumTranscoder` marks enum members before encoding,
so they come back as members; the aggregates also coerce on apply, which keeps
events stored before this transcoder readable.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain.values import Outcome, Role, Severity, Source, Status, Term, WarningLevel

DOMAIN_ENUMS: tuple[type[StrEnum], ...] = (Source, Severity, Status, Outcome, WarningLevel, Role, Term)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def enum_transcoding(enum: type[StrEnum]) -> Transcoding:
    """A transcoding that keeps an enum member's value and gives back the member."""

    class EnumAsValue(Transcoding):
        type = enum
        name = f"rectify.{enum.__name__.lower()}"

        def encode(self, obj: StrEnum) -> str:
            return obj.value

        def decode(self, data: str) -> StrEnum:
            return enum(data)

    return EnumAsValue()


class EnumTranscoder(JSONTranscoder):
    """The library's JSON transcoder, also transcoding registered `str` subclasses (enums)."""

    def encode(self, obj: Any) -> bytes:
        return super().encode(self._mark(obj))

    def _mark(self, obj: Any) -> Any:
        if isinstance(obj, StrEnum) and type(obj) in self.types:
            return self._encode_obj(obj)
        if isinstance(obj, dict):
            return {key: self._mark(value) for key, value in obj.items()}
        if isinstance(obj, list | tuple):
            return [self._mark(value) for value in obj]
        return obj


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every non-JSON type the domain's events carry."""
    transcoder.register(DateAsISO())
    for enum in DOMAIN_ENUMS:
        transcoder.register(enum_transcoding(enum))
