"""One rounding: every format shows a rate through one function (percent, one decimal, half-up)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.reports.rates import percent, rate_cell
from tests.projections.conftest import shown, workbook

# closed, counted: rates that the old renderers showed differently in different formats
DISAGREED = {"BJ": (21, 46, "45.7%"), "CD": (1, 16, "6.3%"), "SH": (29, 40, "72.5%")}


def half_up(fraction: Fraction) -> str:
    """A fraction as a percentage with one decimal, rounded half-up, worked out exactly."""
    tenths = (fraction * 1000).numerator * 2 // (fraction * 1000).denominator
    return f"{Decimal((tenths + 1) // 2) / 10:.1f}%"


@given(st.integers(min_value=1, max_value=10**6).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_percent_rounds_half_up_to_one_decimal_as_exact_arithmetic_does(fraction):
    closed, counted = fraction
    assert percent(closed / counted) == half_up(Fraction(closed, counted))


@pytest.mark.parametrize(("closed", "counted", "shown_as"), DISAGREED.values())
def test_rates_that_used_to_disagree_round_half_up(closed, counted, shown_as):
    assert percent(closed / counted) == shown_as
    assert f"{Decimal(str(rate_cell(closed / counted))) * 100:.1f}%" == shown_as


def test_percent_shows_a_dash_when_there_is_no_rate():
    assert percent(None) == "—" and rate_cell(None) is None


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_page_and_document_show_the_same_tenth(circular, fmt):
    text = shown(circular, fmt)
    for _, _, shown_as in DISAGREED.values():
        assert shown_as in text, fmt
    assert "45.6%" not in text and "6.2%" not in text


def test_xlsx_writes_the_rate_rounded_by_the_same_function_as_a_percentage(circular):
    sheet = workbook(circular).worksheets[-1]
    header = next(row for row in sheet.iter_rows() if any(c.value == "整改率" for c in row))
    column = next(c.column for c in header if c.value == "整改率")
    rates = {row[1].value: row[column - 1] for row in sheet.iter_rows(min_row=header[0].row + 1)}
    for code, (_, _, shown_as) in DISAGREED.items():
        cell = rates[code]
        assert cell.value == float(Decimal(shown_as[:-1]) / 100) and cell.number_format == "0.0%"
        assert f"{Decimal(str(cell.value)) * 100:.1f}%" == shown_as
    assert rates["KM"].value is None


def test_the_change_in_points_is_the_difference_of_the_rates_as_shown(circular):
    circular["totals"]["rectification_rate"] = 0.45652  # shown 45.7%
    circular["previous"]["rectification_rate"] = 0.41249  # shown 41.2%; exactly 4.403 points apart
    assert "较上周提高4.5个百分点" in shown(circular, "docx")


def test_percent_agrees_for_rates_rounded_to_four_places_before(circular):
    assert percent(0.4565) == percent(21 / 46) == "45.7%"
    assert percent(0.0625) == "6.3%" and percent(1.0) == "100.0%" and percent(0.0) == "0.0%"
