"""Demand profiles: volumes and officer-hours by category, grade, time and place, with the
change against the same period a year earlier and distributions of time spent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from forcesight.demand import queries
from forcesight.demand.harm import add_harm
from forcesight.demand.hours import crime_hours, incident_hours, unit_times
from forcesight.demand.policy import HoursPolicy, load_hours_policy
from forcesight.errors import ForecastInputError

INCIDENT_DIMENSIONS = (
    "category",
    "grade",
    "hour_of_week",
    "weekday",
    "hour",
    "month",
    "lsoa_code",
    "la_name",
    "beat",
    "area",
)
CRIME_DIMENSIONS = (
    "offence_group",
    "offence_subgroup",
    "offence_code",
    "police_uk_category",
    "complexity",
    "hour_of_week",
    "weekday",
    "hour",
    "month",
    "lsoa_code",
    "la_name",
    "area",
)


def _calendar(column: str) -> list[pl.Expr]:
    t = pl.col(column)
    return [
        ((t.dt.weekday().cast(pl.Int32) - 1) * 24 + t.dt.hour().cast(pl.Int32)).alias(
            "hour_of_week"
        ),  # Monday 00:00 = 0
        t.dt.strftime("%a").alias("weekday"),
        t.dt.hour().cast(pl.Int32).alias("hour"),
        t.dt.strftime("%Y-%m").alias("month"),
    ]


def _with_areas(frame: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    return frame.join(areas.select("lsoa_code", "la_code", "la_name"), on="lsoa_code", how="left")


@dataclass(frozen=True)
class IncidentRecords:
    incidents: pl.DataFrame  # one row per incident, with officer_hours and calendar columns
    units: pl.DataFrame  # one row per attending unit, with travel and on-scene minutes


def incident_records(
    engine: Engine, start: datetime, end: datetime, policy: HoursPolicy | None = None
) -> IncidentRecords:
    rules = policy or load_hours_policy()
    raw = queries.incidents_between(engine, start, end)
    units = unit_times(raw, queries.deployments_between(engine, start, end))
    frame = incident_hours(raw, units, rules).with_columns(_calendar("received_at"))
    frame = _with_areas(frame, queries.lsoa_areas(engine))
    units = units.join(frame.select("incident_id", "category", "grade"), on="incident_id")
    return IncidentRecords(frame, units)


def crime_records(
    engine: Engine,
    start: datetime,
    end: datetime,
    policy: HoursPolicy | None = None,
    weights: pl.DataFrame | None = None,
) -> pl.DataFrame:
    rules = policy or load_hours_policy()
    raw = queries.crimes_between(engine, start, end)
    frame = crime_hours(raw, queries.offence_lookup(engine), rules).with_columns(
        _calendar("reported_at")
    )
    if weights is not None:
        frame = add_harm(frame, weights)
    return _with_areas(frame, queries.lsoa_areas(engine))


def summarise(records: pl.DataFrame, by: Sequence[str]) -> pl.DataFrame:
    """Volume, officer-hours (and harm when present) per group."""
    aggs = [pl.len().alias("volume"), pl.col("officer_hours").sum().alias("officer_hours")]
    if "harm" in records.columns:
        aggs += [
            pl.col("harm").sum().alias("harm"),
            pl.col("harm").is_null().sum().alias("unweighted"),
        ]
    if not by:
        return records.select(aggs)
    return records.group_by(*by).agg(aggs).sort(*by)


def _check_dimensions(source: str, by: Sequence[str]) -> None:
    known = INCIDENT_DIMENSIONS if source == "incidents" else CRIME_DIMENSIONS
    unknown = [d for d in by if d not in known]
    if unknown:
        raise ForecastInputError(
            "by", f"{', '.join(unknown)} is not a {source} dimension; use {', '.join(known)}"
        )


def _year_earlier(moment: datetime) -> datetime:
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:  # 29 February
        return moment - timedelta(days=365)


def profile(
    engine: Engine,
    source: str,
    by: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    weights: pl.DataFrame | None = None,
    policy: HoursPolicy | None = None,
) -> pl.DataFrame:
    """Volumes and officer-hours of ``source`` ("incidents" or "crimes") in [start, end) by
    ``by``, with the same period a year earlier and the change [%]."""
    if source not in ("incidents", "crimes"):
        raise ForecastInputError("source", f"{source!r} is not 'incidents' or 'crimes'")
    _check_dimensions(source, by)

    def records(a: datetime, b: datetime) -> pl.DataFrame:
        if source == "incidents":
            return incident_records(engine, a, b, policy).incidents
        return crime_records(engine, a, b, policy, weights)

    return against_last_year(
        records(start, end), records(_year_earlier(start), _year_earlier(end)), by
    )


def year_earlier_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The same window a year earlier (29 February falls back 365 days)."""
    return _year_earlier(start), _year_earlier(end)


def against_last_year(
    records: pl.DataFrame, last_year: pl.DataFrame, by: Sequence[str]
) -> pl.DataFrame:
    """``summarise`` of this period's records beside the same period a year earlier, with the
    change [%] of each measure (null where last year had none)."""
    now = summarise(records, by)
    before = summarise(last_year, by)
    measures = [c for c in now.columns if c not in by and c != "unweighted"]
    before = before.select(*by, *[pl.col(m).alias(f"{m}_last_year") for m in measures])
    joined = (
        now.join(before, on=list(by), how="full", coalesce=True)
        if by
        else pl.concat([now, before], how="horizontal")
    )
    changes = [
        pl.when(pl.col(f"{m}_last_year") > 0)
        .then(((pl.col(m).fill_null(0) / pl.col(f"{m}_last_year")) - 1) * 100)
        .alias(f"{m}_change_pct")
        for m in measures
    ]
    filled = [pl.col(m).fill_null(0) for m in measures]
    filled += [pl.col(f"{m}_last_year").fill_null(0) for m in measures]
    out = joined.with_columns(*filled).with_columns(changes)
    return out.sort(*by) if by else out


PERCENTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def time_distributions(units: pl.DataFrame, by: str = "category") -> pl.DataFrame:
    """Per ``by`` and measure (travel, on scene): count, mean and percentiles [min]."""
    parts = []
    for measure in ("travel_min", "on_scene_min"):
        values = pl.col(measure)
        aggs = [values.count().alias("n"), values.mean().alias("mean")]
        aggs += [values.quantile(p, "linear").alias(f"p{int(p * 100)}") for p in PERCENTILES]
        parts.append(
            units.filter(values.is_not_null())
            .group_by(by)
            .agg(aggs)
            .with_columns(pl.lit(measure.removesuffix("_min")).alias("measure"))
        )
    return pl.concat(parts).select(by, "measure", pl.exclude(by, "measure")).sort(by, "measure")


def histogram(
    units: pl.DataFrame,
    measure: str,
    by: str = "category",
    bin_minutes: float = 10.0,
    max_minutes: float = 240.0,
) -> pl.DataFrame:
    """Counts of ``measure`` [min] in bins of ``bin_minutes`` per ``by``; the last bin holds
    everything from ``max_minutes`` up."""
    values = pl.col(measure).clip(upper_bound=max_minutes)
    return (
        units.filter(pl.col(measure).is_not_null())
        .with_columns(((values // bin_minutes) * bin_minutes).alias("bin_start_min"))
        .group_by(by, "bin_start_min")
        .agg(pl.len().alias("count"))
        .sort(by, "bin_start_min")
    )


def time_quality(units: pl.DataFrame) -> pl.DataFrame:
    """How many unit records had each time problem (they are left out of the hours)."""
    return (
        units.filter(pl.col("time_issue").is_not_null())
        .group_by("time_issue")
        .agg(pl.len().alias("units"))
        .sort("time_issue")
    )
