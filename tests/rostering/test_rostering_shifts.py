"""Shifts and cover: a night counts against the NEXT morning (pyworkforce counts it against
the same day's early hours)."""

from __future__ import annotations

import pytest

from forcesight.rostering.shifts import (
    Shift,
    ShiftFormatError,
    hour_label,
    shortfall_officer_hours,
    weekly_cover,
)


def test_a_monday_night_covers_tuesday_early_hours_not_mondays() -> None:
    night = Shift.parse("23:00-07:00")
    cover = weekly_cover([(0, night, 1)])  # starts Monday
    assert cover[23] == 1  # Monday 23:00
    assert all(cover[24 + h] == 1 for h in range(7))  # Tuesday 00:00-07:00
    assert all(cover[h] == 0 for h in range(7))  # not Monday 00:00-07:00
    assert cover[24 + 7] == 0


def test_a_sunday_night_covers_monday_morning_of_the_next_week() -> None:
    cover = weekly_cover([(6, Shift.parse("22:00-06:00"), 2)])
    assert cover[6 * 24 + 22] == 2 and cover[6 * 24 + 23] == 2
    assert [cover[h] for h in range(7)] == [2, 2, 2, 2, 2, 2, 0]


def test_part_hours_count_pro_rata() -> None:
    cover = weekly_cover([(2, Shift.parse("07:30-08:30"), 2)])
    assert cover[2 * 24 + 7] == pytest.approx(1.0)
    assert cover[2 * 24 + 8] == pytest.approx(1.0)


def test_parse_label_and_midnight() -> None:
    assert Shift.parse("0700-1700") == Shift(7 * 60, 10 * 60)
    night = Shift.parse("22:00-08:00")
    assert night.length_minutes == 600 and night.crosses_midnight()
    assert night.label == "22:00-08:00"
    assert Shift.parse("07:00-07:00").length_minutes == 24 * 60
    for bad in ("7am-5pm", "25:00-07:00", "07:61-08:00", ""):
        with pytest.raises(ShiftFormatError):
            Shift.parse(bad)


def test_night_minutes_use_night_time_2300_to_0600() -> None:
    assert Shift.parse("23:00-07:00").night_minutes() == 7 * 60
    assert Shift.parse("07:00-17:00").night_minutes() == 0
    assert Shift.parse("02:00-10:00").night_minutes() == 4 * 60
    assert Shift.parse("15:00-01:00").night_minutes() == 2 * 60


def test_shortfall_counts_only_hours_below_requirement() -> None:
    assert shortfall_officer_hours([1, 5, 3], [2, 2, 3]) == 1.0
    assert hour_label(27) == "Tue 03:00"
