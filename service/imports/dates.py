"""Dates as ledgers write them: date cells, Excel serials, 2026年3月31日, 2026.3.31, 3月底, 立行立改, 长期坚持."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from service.imports.reasons import Unreadable

EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 counting Excel's 29 February 1900
SERIALS = range(25569, 73051)  # 1970-01-01 to 2099-12-31: a number outside is not a date someone meant
YEARS = range(1970, 2100)
FULL = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
INNER_DATE = re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})")
COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_END = re.compile(r"^(?:(\d{4})\s*年)?\s*(\d{1,2})\s*月(?:底|末|份|前)?$")  # 3月底, 2026年3月
DAY_OF_YEAR = re.compile(r"^(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]$")  # 3月31日: that day of the issue year
IMMEDIATE = ("立行立改", "立即整改", "即知即改")
LONG_TERM = ("长期坚持", "长期整改", "持续整改", "长期", "long-term", "longterm")


class NotADate(Unreadable):
    """A cell that should hold a date and holds something else."""


@dataclass(frozen=True)
class Deadline:
    """A due date as written: a fixed day, the end of a month, 'at once', long-term, or at once and long-term.

    The relative forms need the issue date: `due_on` works the day out.
    """

    fixed: date | None = None
    month: tuple[int | None, int] | None = None  # (year or None for the issue year, month)
    day_of_year: tuple[int, int] | None = None
    immediate: bool = False
    long_term: bool = False

    def due_on(self, issued_on: date) -> date | None:
        """The due date for a finding issued on `issued_on` (None: long-term, no date)."""
        if self.fixed is not None:
            return self.fixed
        if self.month is not None:
            year, month = self.month
            year = year or issued_on.year
            return date(year, month, calendar.monthrange(year, month)[1])
        if self.day_of_year is not None:
            return checked_date(issued_on.year, *self.day_of_year)
        return issued_on if self.immediate else None


def plain_text(value: object) -> str:
    """A cell's text, full-width digits and punctuation made half-width, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(value)).strip()


def checked_date(year: int, month: int, day: int) -> date:
    """The day, or NotADate when the calendar has no such day (2026-02-30) or the year is implausible."""
    if year not in YEARS:
        raise NotADate(
            f"the year {year} is out of range ({YEARS.start}–{YEARS.stop - 1})",
            f"年份 {year} 超出范围（{YEARS.start}–{YEARS.stop - 1}）",
        )
    try:
        return date(year, month, day)
    except ValueError:
        named = f"{year}-{month:02d}-{day:02d}"
        raise NotADate(f"{named} is not a day of the calendar", f"日历上没有 {named} 这一天") from None


def from_serial(number: float) -> date:
    """An Excel serial day number (46112 is 2026-03-31)."""
    if int(number) not in SERIALS:
        raise NotADate(
            f"{number:g} is not an Excel date serial between 1970 and 2099",
            f"{number:g} 不是 1970 至 2099 年间的 Excel 日期序号",
        )
    return EXCEL_EPOCH + timedelta(days=int(number))


def read_date(value: object) -> date:
    """A fixed day from a cell: a date or datetime, an Excel serial, or text such as 2026年3月31日."""
    if isinstance(value, datetime):
        return checked_date(value.year, value.month, value.day)
    if isinstance(value, date):
        return checked_date(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value)
    text = plain_text(value)
    if match := FULL.match(text) or COMPACT.match(text):
        return checked_date(*(int(part) for part in match.groups()))
    if re.fullmatch(r"\d{5}(?:\.0+)?", text):
        return from_serial(float(text))
    raise NotADate(f"{text!r} is not a date", f"“{text}”不是日期")


def read_deadline(value: object) -> Deadline:
    """A due date in any form ledgers use (see docs/import.md)."""
    if isinstance(value, str):
        text = re.sub(r"\s+", "", plain_text(value)).lower()
        immediate = any(word in text for word in IMMEDIATE)
        long_term = any(word in text for word in LONG_TERM)
        if immediate or long_term:
            # 长期坚持（首期 2026-12-31）, as the service's own ledger writes a long-term item's first stage
            stage = INNER_DATE.search(text) if long_term else None
            fixed = checked_date(*(int(part) for part in stage.groups())) if stage else None
            return Deadline(fixed=fixed, immediate=immediate, long_term=long_term)
        if match := MONTH_END.match(text):
            year, month = (int(match[1]) if match[1] else None), int(match[2])
            if month not in range(1, 13) or (year is not None and year not in YEARS):
                raise NotADate(f"{text!r} names no month", f"“{text}”不是一个月份")
            return Deadline(month=(year, month))
        if match := DAY_OF_YEAR.match(text):
            month, day = int(match[1]), int(match[2])
            checked_date(2024, month, day)  # a leap year: 2月29日 is a day in some years
            return Deadline(day_of_year=(month, day))
    return Deadline(fixed=read_date(value))
