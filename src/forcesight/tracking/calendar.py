"""Working days and durations, vectorised over Polars columns.

A working day excludes Saturdays, Sundays and bank holidays (England and Wales by default, from
the ``holidays`` library). "Within N working days" of a start ends at 23:59:59 on the N-th
working day strictly after the start's date: a crime reported on the Friday before a bank-holiday
Monday has 1 working day until the end of Tuesday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
import numpy as np
import polars as pl

from forcesight.tracking.rules import Duration

END_OF_DAY = timedelta(hours=23, minutes=59, seconds=59)
FIRST_YEAR = 1990
LAST_YEAR = 2075


@lru_cache(maxsize=8)
def bank_holidays(country: str = "GB", subdivision: str = "ENG") -> np.ndarray:
    """Bank holidays from FIRST_YEAR to LAST_YEAR as a sorted ``datetime64[D]`` array."""
    days = holidays.country_holidays(
        country, subdiv=subdivision, years=range(FIRST_YEAR, LAST_YEAR + 1)
    )
    return np.array(sorted(days.keys()), dtype="datetime64[D]")


class WorkingCalendar:
    """Working-day arithmetic for one bank-holiday calendar."""

    def __init__(self, country: str = "GB", subdivision: str = "ENG") -> None:
        self.country = country
        self.subdivision = subdivision
        self.holidays = bank_holidays(country, subdivision)
        self._busdays = np.busdaycalendar(holidays=self.holidays)

    def is_working_day(self, day: date) -> bool:
        return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=self._busdays))

    def nth_working_day_after(self, days: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day strictly after each day (``datetime64[D]`` in and out)."""
        n = np.asarray(n, dtype=np.int64)
        safe = np.maximum(n, 1)
        result = np.busday_offset(days + 1, safe - 1, roll="forward", busdaycal=self._busdays)
        # Zero working days means "by the end of the start day".
        return np.where(n <= 0, days, result)

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End (23:59:59) of the n-th working day after ``start``: the scalar form."""
        day = self.nth_working_day_after(
            np.array([np.datetime64(start.date(), "D")]), np.array([n])
        )[0]
        return datetime.combine(day.astype(date), time()) + END_OF_DAY


def add_duration(
    frame: pl.DataFrame, start: str, amount: str, unit: str, calendar: WorkingCalendar, out: str
) -> pl.DataFrame:
    """Add column ``out`` = ``start`` + (``amount`` ``unit``), row by row, vectorised.

    ``unit`` is a column of hours | days | working_days | months; null amounts give null.
    """
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Datetime("us")).alias(out))
    working = frame.select(
        pl.col(start).dt.date().alias("_d"),
        pl.when(pl.col(unit) == "working_days")
        .then(pl.col(amount))
        .otherwise(0)
        .fill_null(0)
        .cast(pl.Int64)
        .alias("_n"),
    )
    days = working["_d"].to_numpy().astype("datetime64[D]")
    valid = ~np.isnat(days)
    filled = np.where(valid, days, np.datetime64("2000-01-01", "D"))
    nth = calendar.nth_working_day_after(filled, working["_n"].to_numpy())
    end_of_nth = pl.Series("_wd", nth.astype("datetime64[us]")).cast(pl.Datetime("us"))
    whole_months = pl.col(amount).fill_null(0).cast(pl.Int64).cast(pl.String) + "mo"
    frame = frame.with_columns(end_of_nth + END_OF_DAY)
    expr = (
        pl.when(pl.col(amount).is_null() | pl.col(start).is_null())
        .then(pl.lit(None, dtype=pl.Datetime("us")))
        .when(pl.col(unit) == "hours")
        .then(pl.col(start) + pl.duration(seconds=(pl.col(amount) * 3600).round(0)))
        .when(pl.col(unit) == "days")
        .then(pl.col(start) + pl.duration(seconds=(pl.col(amount) * 86400).round(0)))
        .when(pl.col(unit) == "months")
        .then(pl.col(start).dt.offset_by(whole_months))
        .when(pl.col(unit) == "working_days")
        .then(pl.col("_wd"))
        .otherwise(pl.lit(None, dtype=pl.Datetime("us")))
    )
    return frame.with_columns(expr.cast(pl.Datetime("us")).alias(out)).drop("_wd")


def add_fixed(
    frame: pl.DataFrame, start: str, duration: Duration, calendar: WorkingCalendar, out: str
) -> pl.DataFrame:
    """Add column ``out`` = ``start`` + one fixed ``duration`` for every row."""
    frame = frame.with_columns(
        pl.lit(duration.amount).alias("_amount"), pl.lit(duration.unit).alias("_unit")
    )
    return add_duration(frame, start, "_amount", "_unit", calendar, out).drop("_amount", "_unit")


def add_scalar(start: datetime, duration: Duration, calendar: WorkingCalendar) -> datetime:
    """``start`` + ``duration`` for one value, by the same rules as the vectorised form."""
    frame = add_fixed(
        pl.DataFrame({"s": [start]}, schema={"s": pl.Datetime("us")}), "s", duration, calendar, "d"
    )
    value = frame["d"][0]
    assert isinstance(value, datetime)
    return value
