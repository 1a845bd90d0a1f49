"""Working days against the England and Wales bank-holiday calendar."""

from __future__ import annotations

from datetime import datetime

import pytest

from forcesight.tracking.calendar import WorkingCalendar, add_scalar
from forcesight.tracking.rules import Duration


@pytest.fixture(scope="module")
def calendar() -> WorkingCalendar:
    return WorkingCalendar("GB", "ENG")


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday before the August bank holiday (Mon 29 Aug 2022): 1 working day ends Tuesday.
        (datetime(2022, 8, 26, 16, 30), 1, datetime(2022, 8, 30, 23, 59, 59)),
        (datetime(2022, 8, 26, 16, 30), 5, datetime(2022, 9, 5, 23, 59, 59)),
        # Saturday: the first working day after is Monday.
        (datetime(2023, 3, 4, 10, 0), 1, datetime(2023, 3, 6, 23, 59, 59)),
        # Christmas 2022: 26 and 27 Dec are bank holidays (Christmas Day fell on a Sunday).
        (datetime(2022, 12, 23, 9, 0), 1, datetime(2022, 12, 28, 23, 59, 59)),
        # Good Friday and Easter Monday 2024 (29 Mar, 1 Apr).
        (datetime(2024, 3, 28, 12, 0), 1, datetime(2024, 4, 2, 23, 59, 59)),
        # The Queen's state funeral, Mon 19 Sep 2022, was a one-off bank holiday.
        (datetime(2022, 9, 16, 9, 0), 1, datetime(2022, 9, 20, 23, 59, 59)),
        # An ordinary Wednesday.
        (datetime(2023, 6, 7, 9, 0), 1, datetime(2023, 6, 8, 23, 59, 59)),
    ],
)
def test_working_days_skip_weekends_and_bank_holidays(
    calendar: WorkingCalendar, start: datetime, days: int, due: datetime
) -> None:
    assert calendar.add_working_days(start, days) == due
    assert add_scalar(start, Duration(amount=days, unit="working_days"), calendar) == due


def test_bank_holidays_are_not_working_days(calendar: WorkingCalendar) -> None:
    assert not calendar.is_working_day(datetime(2022, 8, 29).date())
    assert not calendar.is_working_day(datetime(2022, 6, 3).date())  # Platinum Jubilee
    assert calendar.is_working_day(datetime(2022, 8, 30).date())


def test_calendar_hours_ignore_holidays(calendar: WorkingCalendar) -> None:
    start = datetime(2022, 8, 26, 23, 0)
    assert add_scalar(start, Duration(amount=2, unit="hours"), calendar) == datetime(
        2022, 8, 27, 1, 0
    )


def test_months_clamp_to_the_end_of_short_months(calendar: WorkingCalendar) -> None:
    start = datetime(2022, 11, 30, 15, 0)
    assert add_scalar(start, Duration(amount=3, unit="months"), calendar) == datetime(
        2023, 2, 28, 15, 0
    )
