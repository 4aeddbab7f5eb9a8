"""ISO weeks in the service's time zone: the circular's period and cut-off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


class InvalidWeek(ValueError):
    """Not an ISO week like 2026-W47."""


@dataclass(frozen=True)
class Week:
    """One ISO week: Monday 00:00 to the next Monday 00:00, local time."""

    year: int
    number: int
    zone: tzinfo

    @classmethod
    def parse(cls, text: str, zone: tzinfo) -> Week:
        """The week `2026-W47`."""
        match = WEEK_PATTERN.match(text)
        if match is None:
            raise InvalidWeek(f"{text!r} is not an ISO week like 2026-W47")
        year, number = int(match.group(1)), int(match.group(2))
        try:
            date.fromisocalendar(year, number, 1)
        except ValueError:
            raise InvalidWeek(f"{year} has no week {number}") from None
        return cls(year, number, zone)

    @classmethod
    def containing(cls, moment: datetime, zone: tzinfo) -> Week:
        """The week a moment falls in, in this zone."""
        year, number, _ = moment.astimezone(zone).isocalendar()
        return cls(year, number, zone)

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00, local time."""
        return datetime.combine(self.monday, time(), self.zone)

    @property
    def cutoff(self) -> datetime:
        """The end of the week, the next Monday 00:00 local time: states are taken here."""
        return datetime.combine(self.monday + timedelta(days=7), time(), self.zone)

    def previous(self) -> Week:
        return Week.containing(self.start - timedelta(days=1), self.zone)

    def weeks_since(self, earlier: Week) -> int:
        """Whole weeks from an earlier week to this one."""
        return (self.monday - earlier.monday).days // 7
