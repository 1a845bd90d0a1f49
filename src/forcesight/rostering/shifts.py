"""Shifts and the cover they give, hour by hour of the week.

A shift belongs to the day it starts on. A shift that crosses midnight covers the early hours of
the NEXT day: a 23:00-07:00 night that starts on Monday covers Monday 23:00-24:00 and Tuesday
00:00-07:00 (and a Sunday night covers Monday morning of the following week). Solvers that treat
each day on its own (pyworkforce's shift scheduler does) count that night against Monday's own
early hours instead; every cover figure in forcesight comes from :func:`weekly_cover` below.

Hours of the week run 0 (Monday 00:00-01:00) to 167 (Sunday 23:00-24:00).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MINUTES_PER_DAY = 1440
HOURS_PER_WEEK = 168
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SHIFT_TEXT = re.compile(r"^\s*(\d{1,2}):?(\d{2})\s*-\s*(\d{1,2}):?(\d{2})\s*$")


class ShiftFormatError(Exception):
    """Internal: a shift text that is not HH:MM-HH:MM (callers turn it into a file error)."""


@dataclass(frozen=True, order=True)
class Shift:
    """A tour of duty: start [min after midnight of its own day] and length [min]."""

    start_minute: int
    length_minutes: int

    def __post_init__(self) -> None:
        if not 0 <= self.start_minute < MINUTES_PER_DAY:
            raise ShiftFormatError(f"start {self.start_minute} min is not within a day")
        if not 0 < self.length_minutes <= MINUTES_PER_DAY:
            raise ShiftFormatError(f"length {self.length_minutes} min is not 1 min to 24 h")

    @classmethod
    def of_hours(cls, start_hour: float, length_hours: float) -> Shift:
        return cls(round(start_hour * 60), round(length_hours * 60))

    @classmethod
    def parse(cls, text: str) -> Shift:
        """``"07:00-17:00"`` or ``"2300-0700"``; an end at or before the start crosses midnight."""
        match = _SHIFT_TEXT.match(text)
        if not match:
            raise ShiftFormatError(f"{text!r} is not a shift such as 07:00-17:00")
        sh, sm, eh, em = (int(g) for g in match.groups())
        if sh > 23 or eh > 24 or sm > 59 or em > 59:
            raise ShiftFormatError(f"{text!r} has an impossible time of day")
        start, end = sh * 60 + sm, eh * 60 + em
        length = (end - start) % MINUTES_PER_DAY or MINUTES_PER_DAY
        return cls(start, length)

    @property
    def end_minute(self) -> int:
        """End [min after midnight of the start day]; above 1440 when it crosses midnight."""
        return self.start_minute + self.length_minutes

    @property
    def hours(self) -> float:
        return self.length_minutes / 60

    @property
    def label(self) -> str:
        end = self.end_minute % MINUTES_PER_DAY
        return f"{_hhmm(self.start_minute)}-{_hhmm(end)}"

    def crosses_midnight(self) -> bool:
        return self.end_minute > MINUTES_PER_DAY

    def night_minutes(self, night_start: int = 23 * 60, night_end: int = 6 * 60) -> int:
        """Minutes of this shift inside night time (by default 23:00-06:00)."""
        total = 0
        for day in (-1, 0, 1):
            lo = day * MINUTES_PER_DAY + night_start
            hi = (day + 1) * MINUTES_PER_DAY + night_end
            total += max(0, min(hi, self.end_minute) - max(lo, self.start_minute))
        return total

    def rest_before(self, later: Shift, days_apart: int) -> int:
        """Rest [min] between the end of this shift and ``later`` starting ``days_apart`` on."""
        return days_apart * MINUTES_PER_DAY + later.start_minute - self.end_minute

    def covered_minutes(self, day_of_week: int) -> list[tuple[int, int]]:
        """(hour of week, minutes on duty in that hour) for this shift starting on that day."""
        out: list[tuple[int, int]] = []
        start = day_of_week * MINUTES_PER_DAY + self.start_minute
        end = start + self.length_minutes
        minute = start
        while minute < end:
            hour_end = (minute // 60 + 1) * 60
            chunk = min(hour_end, end) - minute
            out.append(((minute // 60) % HOURS_PER_WEEK, chunk))
            minute += chunk
        return out

    def hours_of_week(self, day_of_week: int) -> list[int]:
        """Hours of the week this shift covers for the whole hour, wrapping into the next day."""
        return [h for h, minutes in self.covered_minutes(day_of_week) if minutes == 60]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def hour_label(hour_of_week: int) -> str:
    """``"Tue 03:00"`` for hour 27."""
    return f"{DAY_NAMES[hour_of_week // 24]} {hour_of_week % 24:02d}:00"


def candidate_shifts(lengths_hours: Iterable[float], start_hours: Iterable[float]) -> list[Shift]:
    """Every combination of a start time and a length, sorted by start then length."""
    return sorted({Shift.of_hours(s, n) for s in start_hours for n in lengths_hours})


def weekly_cover(
    duties: Iterable[tuple[int, Shift, float]], weeks: float = 1.0
) -> npt.NDArray[np.float64]:
    """Officers on duty in each hour of the week (168 values), averaged over ``weeks``.

    ``duties`` are (day of week the shift starts, shift, officers). A shift that crosses midnight
    counts in the next day's early hours; Sunday's night counts on Monday morning. Part hours count
    pro rata (an officer on for 30 minutes of an hour adds 0.5).
    """
    cover = np.zeros(HOURS_PER_WEEK)
    for day, shift, officers in duties:
        for hour, minutes in shift.covered_minutes(day):
            cover[hour] += officers * minutes / 60
    return cover / weeks


def shortfall_officer_hours(
    cover: Sequence[float] | npt.NDArray[np.float64],
    required: Sequence[float] | npt.NDArray[np.float64],
) -> float:
    """Officer-hours a week short of the requirement: sum over hours of max(0, required - cover)."""
    gap = np.asarray(required, dtype=float) - np.asarray(cover, dtype=float)
    return float(np.clip(gap, 0, None).sum())
