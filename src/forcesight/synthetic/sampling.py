"""Vectorised sampling helpers shared by the demo generators.

Times are int64 seconds since the Unix epoch (naive local time, as the store keeps them); dates
are int64 days since the epoch. Nothing here loops over rows in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from forcesight.synthetic.params import LogNormal

# numpy's element types are loose across arithmetic; the aliases name what an array holds
Ints = npt.NDArray[Any]  # int64 (times in seconds, days, indices)
Floats = npt.NDArray[Any]  # float64
Bools = npt.NDArray[Any]  # bool

MINUTE = 60
HOUR = 3600
DAY = 86_400
EPOCH = datetime(1970, 1, 1)


def seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def lognormal(rng: np.random.Generator, shape: LogNormal, size: int) -> Floats:
    """Right-skewed durations with the given (median, sigma of the log)."""
    median, sigma = shape
    return rng.lognormal(np.log(median), sigma, size)


def choose(rng: np.random.Generator, probabilities: npt.ArrayLike) -> Ints:
    """One index per row from a row-wise table of probabilities (n x k), by inverse CDF."""
    table = np.asarray(probabilities, dtype=np.float64)
    cumulative: Floats = np.cumsum(table, axis=1)
    cumulative = cumulative / cumulative[:, -1:]
    draws: Floats = rng.random((table.shape[0], 1))
    index: Ints = np.minimum((draws > cumulative).sum(axis=1), table.shape[1] - 1)
    return index.astype(np.int64)


def choose_from(rng: np.random.Generator, weights: Sequence[float], size: int) -> Ints:
    w = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(w), size=size, p=w / w.sum()).astype(np.int64)


def times_by_intensity(rng: np.random.Generator, start: int, intensity: Floats, count: int) -> Ints:
    """``count`` sorted times in the hours from ``start``, hour h drawn with weight
    ``intensity[h]`` and uniform within the hour."""
    per_hour = rng.multinomial(count, intensity / intensity.sum())
    hours = np.repeat(np.arange(len(intensity), dtype=np.int64), per_hour)
    within = rng.integers(0, HOUR, size=count)
    return np.sort(start + hours * HOUR + within)


def assign_people(rng: np.random.Generator, is_repeat: Bools, pool_key: Ints) -> Ints:
    """Person index per event (events in time order): a repeat event reuses the person of an
    earlier event of the same pool (chosen uniformly among earlier events, so frequent people
    are chosen more often); any other event, or the first of its pool, is a new person."""
    n = len(is_repeat)
    parent = np.arange(n, dtype=np.int64)
    order = np.lexsort((np.arange(n), pool_key))
    keys = pool_key[order]
    first = np.r_[True, keys[1:] != keys[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    rank = np.arange(n) - group_start  # events of the same pool before this one
    repeat_sorted = is_repeat[order] & (rank > 0)
    pick = group_start + np.floor(rng.random(n) * np.maximum(rank, 1)).astype(np.int64)
    parent_sorted = np.where(repeat_sorted, order[pick], order)
    parent[order] = parent_sorted
    while True:  # pointer jumping until every event points at the first event of its person
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            break
        parent = jumped
    _, person = np.unique(parent, return_inverse=True)
    return person.astype(np.int64)


def business_days_after(start_days: Ints, count: int, holidays: Sequence[date]) -> Ints:
    """The ``count``-th working day strictly after each start day (weekends and bank holidays
    off), as the tracking engine counts the victims' code days: from a Saturday, 5 working
    days end on the Friday."""
    start = start_days.astype("datetime64[D]")
    hol = np.array(holidays, dtype="datetime64[D]")
    due = np.busday_offset(start, count, roll="backward", holidays=hol)
    return due.astype(np.int64)


def as_datetime(secs: Ints, valid: Bools | None = None) -> pl.Series:
    series = pl.Series(secs, dtype=pl.Int64)
    out = pl.from_epoch(series, time_unit="s")
    if valid is not None:
        out = pl.select(pl.when(pl.Series(valid)).then(out)).to_series()
    return out


def as_date(day_numbers: Ints, valid: Bools | None = None) -> pl.Series:
    out = pl.Series(day_numbers.astype(np.int32), dtype=pl.Int32).cast(pl.Date)
    if valid is not None:
        out = pl.select(pl.when(pl.Series(valid)).then(out)).to_series()
    return out


def prefixed(prefix: str, numbers: Ints, width: int) -> pl.Series:
    """Reference strings such as ``DS00042`` from numbers."""
    digits = pl.Series("n", numbers).cast(pl.String).str.zfill(width)
    return pl.select(pl.lit(prefix) + digits).to_series().alias("ref")


def where(mask: Bools, values: Any) -> pl.Series:
    """``values`` where ``mask`` holds, null elsewhere."""
    return pl.select(pl.when(pl.Series(mask)).then(pl.Series(values))).to_series()
