"""One rounding for every format: a rectification rate as a percentage with one decimal, half-up.

The JSON keeps the exact rate. Each renderer shows it through `percent`, and the
spreadsheet stores `rate_cell`, the same tenth as a fraction, so that a page, a
document and a workbook never disagree by a tenth.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

TENTH = Decimal("0.1")


def rounded(rate: float | None) -> Decimal | None:
    """A rate in percent, rounded half-up to a tenth: 21/46 is 45.7, 1/16 is 6.3.

    `repr` gives the shortest decimal that reads back as the same float, so a rate
    that is exactly on a half (0.0625) rounds up instead of falling on the binary
    float's side of it.
    """
    if rate is None:
        return None
    return (Decimal(repr(rate)) * 100).quantize(TENTH, rounding=ROUND_HALF_UP)


def percent(rate: float | None) -> str:
    """A rate as people read it, 45.7%, or a dash when there is none."""
    shown = rounded(rate)
    return "—" if shown is None else f"{shown}%"


def rate_cell(rate: float | None) -> float | None:
    """The rate a spreadsheet stores, the shown tenth as a fraction (0.457), to be formatted 0.0%."""
    shown = rounded(rate)
    return None if shown is None else float(shown / 100)


def points(now: float | None, before: float | None) -> Decimal | None:
    """How many percentage points a rate moved, as the two shown rates differ (so the reader's sum agrees)."""
    shown_now, shown_before = rounded(now), rounded(before)
    return None if shown_now is None or shown_before is None else shown_now - shown_before


def threshold(rate: float) -> str:
    """A configured threshold as a percentage without needless decimals: 0.9 is 90%."""
    return f"{Decimal(repr(rate)) * 100:f}".rstrip("0").rstrip(".") + "%"


def trend(now: Decimal | int | None, before: Decimal | int | None) -> str:
    """▲, ▼ or – for a figure against last week's."""
    if now is None or before is None or now == before:
        return "–"
    return "▲" if now > before else "▼"


def rate_trend(now: float | None, before: float | None) -> str:
    """▲, ▼ or – for a rate against last week's, as the two shown rates compare."""
    return trend(rounded(now), rounded(before))
