"""Regular periods of demand series: hour, day, week, month and quarter (quarter-end dates, as
the Home Office's rolling-year figures are dated)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from typing import Literal

from forcesight.errors import ForecastInputError

Freq = Literal["hour", "day", "week", "month", "quarter"]
FREQS: tuple[str, ...] = ("hour", "day", "week", "month", "quarter")

# Seasonal periods per frequency: the first is the main season (used by seasonal naive, ETS and
# the MASE scale); MSTL uses them all. Rolling-year totals have no season left.
SEASONS: dict[str, tuple[int, ...]] = {
    "hour": (24, 168),
    "day": (7, 365),
    "week": (52,),
    "month": (12,),
    "quarter": (1,),
}


def check_freq(freq: str) -> Freq:
    if freq not in FREQS:
        raise ForecastInputError("freq", f"{freq!r} is not one of {', '.join(FREQS)}")
    return freq  # type: ignore[return-value]


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def shift(ds: date | datetime, k: int, freq: str) -> date | datetime:
    """The period ``k`` steps after ``ds``."""
    if freq == "hour":
        return ds + timedelta(hours=k)
    if freq == "day":
        return ds + timedelta(days=k)
    if freq == "week":
        return ds + timedelta(weeks=k)
    months = k * (3 if freq == "quarter" else 1)
    index = ds.year * 12 + (ds.month - 1) + months
    year, month = divmod(index, 12)
    if freq == "quarter":
        end = _month_end(year, month + 1)
        return end if not isinstance(ds, datetime) else datetime.combine(end, ds.time())
    day = min(ds.day, calendar.monthrange(year, month + 1)[1])
    return ds.replace(year=year, month=month + 1, day=day)


def expected_periods(first: date | datetime, last: date | datetime, freq: str) -> list[date]:
    """Every period from ``first`` to ``last`` inclusive."""
    out: list[date] = []
    current = first
    while current <= last:
        out.append(current)
        current = shift(current, 1, freq)
    return out
