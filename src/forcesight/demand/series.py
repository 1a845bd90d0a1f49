"""Demand series from the store: counts (or officer-hours) per category per period, as the
long table every forecaster takes (``unique_id``, ``ds``, ``y``)."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
from sqlalchemy import Engine

from forcesight.demand.periods import check_freq, expected_periods
from forcesight.demand.profiles import crime_records, incident_records
from forcesight.errors import ForecastInputError

TRUNCATE = {"hour": "1h", "day": "1d", "week": "1w", "month": "1mo"}


def bucket(
    records: pl.DataFrame, time_column: str, by: str | None, freq: str, measure: str = "volume"
) -> pl.DataFrame:
    """Long series of ``records`` per ``by`` value per period, periods without records as 0.

    Weeks start on Monday; ``ds`` is a date (a datetime for hours).
    """
    check_freq(freq)
    if freq == "quarter":
        raise ForecastInputError("freq", "store series are by hour, day, week or month")
    period = pl.col(time_column).dt.truncate(TRUNCATE[freq])
    if freq != "hour":
        period = period.dt.date()
    value = pl.len() if measure == "volume" else pl.col(measure).sum()
    key = pl.col(by).fill_null("(none)") if by else pl.lit("all")
    counts = (
        records.with_columns(period.alias("ds"), key.cast(pl.String).alias("unique_id"))
        .group_by("unique_id", "ds")
        .agg(value.cast(pl.Float64).alias("y"))
    )
    if counts.height == 0:
        return counts
    first: date = counts["ds"].min()  # type: ignore[assignment]
    last: date = counts["ds"].max()  # type: ignore[assignment]
    grid = pl.DataFrame(
        {"ds": expected_periods(first, last, freq)},
        schema={"ds": counts.schema["ds"]},
    )
    ids = counts.select("unique_id").unique()
    return (
        ids.join(grid, how="cross")
        .join(counts, on=["unique_id", "ds"], how="left")
        .with_columns(pl.col("y").fill_null(0.0))
        .sort("unique_id", "ds")
    )


def store_series(
    engine: Engine,
    source: str,
    start: datetime,
    end: datetime,
    by: str | None = "category",
    freq: str = "week",
    measure: str = "volume",
) -> pl.DataFrame:
    """Incidents or crimes in [start, end) per ``by`` per period."""
    if source == "incidents":
        records = incident_records(engine, start, end).incidents
        column = "received_at"
    elif source == "crimes":
        records = crime_records(engine, start, end)
        column = "reported_at"
    else:
        raise ForecastInputError("source", f"{source!r} is not 'incidents' or 'crimes'")
    if by is not None and by not in records.columns:
        raise ForecastInputError("by", f"{source} have no column {by!r}")
    series = bucket(records, column, by, freq, measure)
    if freq in ("week", "month") and series.height:
        # A partial first or last period would look like a collapse in demand: drop it.
        first = _period_start(start, freq)
        series = series.filter(pl.col("ds") >= first)
        last: date | None = series["ds"].max()  # type: ignore[assignment]
        if last is not None and _period_end_excl(last, freq) > end.date():
            series = series.filter(pl.col("ds") < last)
    return series


def _period_start(moment: datetime, freq: str) -> date:
    day = moment.date()
    if freq == "week":
        offset = day.weekday()
        aligned = date.fromordinal(day.toordinal() - offset)
        return (
            aligned
            if offset == 0 and moment.time() == datetime.min.time()
            else (date.fromordinal(aligned.toordinal() + 7))
        )
    if day.day == 1 and moment.time() == datetime.min.time():
        return day
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _period_end_excl(start: date, freq: str) -> date:
    if freq == "week":
        return date.fromordinal(start.toordinal() + 7)
    return date(start.year + (start.month == 12), start.month % 12 + 1, 1)
