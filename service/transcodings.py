"""How the domain's non-JSON values are written into stored events.

The domain's enums are `StrEnum`s: JSON writes them as their string value and
the aggregates coerce them back on every apply, so they need no transcoding.
"""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import JSONTranscoder, Transcoding


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def register_domain_transcodings(transcoder: JSONTranscoder) -> None:
    """Register every non-JSON type the domain's events carry."""
    transcoder.register(DateAsISO())
