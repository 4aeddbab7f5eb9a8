"""How the domain's non-JSON values are written into stored events.

The domain's enums are `StrEnum`s. The library's JSON encoder writes any `str`
as it is, without asking the registered transcodings, so an enum would come
back as a plain string. `EnumTranscoder` marks enum members before encoding,
so they come back as members; the aggregates also coerce on apply, which keeps
events stored before this transcoder readable.

Decoding parses with orjson, in C, and then applies the transcodings in one
walk over the parsed state, instead of the library's Python hook called for
every JSON object. The result is the library's, value for value; a state
orjson reads otherwise (an integer past 64 bits, which it makes a float) or
refuses (NaN, a lone surrogate's escape) is decoded by the library instead.
What is written is unchanged.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, cast

import orjson
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

    members = enum._value2member_map_

    class EnumAsValue(Transcoding):
        type = enum
        name = f"rectify.{enum.__name__.lower()}"

        def encode(self, obj: StrEnum) -> str:
            return obj.value

        def decode(self, data: str) -> StrEnum:
            try:
                return cast(StrEnum, members[data])  # looked up without the enum's call, which every stored state makes
            except (KeyError, TypeError):
                return enum(data)  # fails as it always did

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

    def decode(self, data: bytes) -> Any:
        try:
            return self._transcoded(orjson.loads(data))
        except Exception:  # refused, a float, an unknown transcoding: the library's decoder says what it makes of it
            return super().decode(data)

    def _transcoded(self, obj: Any) -> Any:
        """A parsed value with every `{"_type_": …, "_data_": …}` object made the value it stands for, innermost
        first, as the library's object hook makes them. Raises InexactNumber at any float (see `decode`).

        An event's state is one object whose values are mostly plain or such pairs: those are transcoded here
        without a call of their own.
        """
        if type(obj) is not dict:
            return self._nested(obj)
        names = self.names
        for key, value in obj.items():  # replacing a value leaves the dict's keys as they are
            if type(value) is dict and len(value) == 2 and "_type_" in value and "_data_" in value:
                data = value["_data_"]
                obj[key] = names[value["_type_"]].decode(data if type(data) not in NESTED else self._nested(data))
            elif type(value) in NESTED:
                obj[key] = self._nested(value)
        return self._decode_obj(obj) if len(obj) == 2 else obj

    def _nested(self, obj: Any) -> Any:
        if type(obj) is dict:
            return self._transcoded(obj)
        if type(obj) is list:
            return [self._nested(value) if type(value) in NESTED else value for value in obj]
        if type(obj) is float:
            raise InexactNumber
        return obj


# What the decoder looks into: floats too, to find those orjson made of integers past 64 bits.
NESTED = frozenset((dict, list, float))


class InexactNumber(Exception):
    """orjson parsed a number as a float, which the library's decoder may parse otherwise: it decodes instead."""


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every non-JSON type the domain's events carry."""
    transcoder.register(DateAsISO())
    for enum in DOMAIN_ENUMS:
        transcoder.register(enum_transcoding(enum))
