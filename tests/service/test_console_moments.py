"""A moment picked in the console (a datetime-local field: no offset) is read in the service's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from service.console.arguments import LOCAL_MOMENT, with_zone

ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "Europe/Berlin", "America/St_Johns", "UTC")]
PICKED = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 12, 31, 23, 59, 59))


@given(PICKED, st.sampled_from(ZONES), st.booleans())
def test_a_picked_moment_keeps_its_wall_clock_and_takes_the_zone_s_offset_then(picked, zone, seconds):
    typed = picked.strftime("%Y-%m-%dT%H:%M:%S" if seconds else "%Y-%m-%dT%H:%M")
    zoned = datetime.fromisoformat(with_zone({"occurred_at": typed}, ("occurred_at",), zone)["occurred_at"])
    assert zoned.replace(tzinfo=None) == datetime.fromisoformat(typed)
    assert zoned.utcoffset() == datetime.fromisoformat(typed).replace(tzinfo=zone).utcoffset()


@given(st.text(max_size=30), st.sampled_from(ZONES))
def test_anything_else_is_left_as_typed_for_the_api_s_schema_to_judge(typed, zone):
    given_values = {"occurred_at": typed, "note": "2026-11-30T10:00"}
    zoned = with_zone(given_values, ("occurred_at",), zone)
    assert zoned["note"] == "2026-11-30T10:00"  # a field not named is never touched
    if not LOCAL_MOMENT.match(typed):
        assert zoned["occurred_at"] == typed


def test_a_day_the_calendar_lacks_is_left_as_typed():
    assert with_zone({"at": "2026-02-30T10:00"}, ("at",), ZONES[0]) == {"at": "2026-02-30T10:00"}
    assert with_zone({"at": "2026-11-30T24:00"}, ("at",), ZONES[0]) == {"at": "2026-11-30T24:00"}
