"""ISO weeks in the service's time zone: the circular's period and cut-off."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

# Circulars are asked for weeks of years 2000 to 2999: far enough either way for any finding this service
# tracks, and every week in it has a previous week and a cut-off the calendar can hold.
FIRST_YEAR, LAST_YEAR = 2000, 2999
WEEK_PATTERN = re.compile(r"^([0-9]{4})-W([0-9]{2})$")  # ASCII digits only: `\d` would take ２０２６ too


def years_with_53_weeks() -> list[int]:
    """The years of the range whose ISO calendar has a week 53."""
    return [year for year in range(FIRST_YEAR, LAST_YEAR + 1) if date(year, 12, 28).isocalendar()[1] == 53]


def documented_week_pattern() -> str:
    """A regular expression matching exactly the weeks `Week.parse` takes (week 53 only in years that have one)."""
    by_century: dict[str, list[str]] = {}
    for year in years_with_53_weeks():
        by_century.setdefault(str(year)[:2], []).append(str(year)[2:])
    long_years = "|".join(f"{century}(?:{'|'.join(ends)})" for century, ends in by_century.items())
    millennium = FIRST_YEAR // 1000  # the range is one millennium: its years are this digit and any three
    return rf"^(?:{millennium}[0-9]{{3}}-W(?:0[1-9]|[1-4][0-9]|5[0-2])|(?:{long_years})-W53)$"


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
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise InvalidWeek(f"circulars cover the weeks of the years {FIRST_YEAR} to {LAST_YEAR}")
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
