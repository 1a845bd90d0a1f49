"""Officer-hours: incidents from their logged times, crimes from the investigative-hours table.

Incident time per unit is travel (arrived - dispatched) plus time on scene (cleared - arrived),
from the ``deployments`` rows; an incident with no deployment rows falls back to its own
first-unit times. A negative interval (e.g. arrived before dispatched) is not counted and is
marked in ``time_issue``; a missing arrival leaves travel and on-scene unknown but still counts
cleared - dispatched as committed time.
"""

from __future__ import annotations

import polars as pl

from forcesight.demand.policy import HoursPolicy

MINUTES = 60_000_000  # microseconds per minute


def _minutes(end: str, start: str) -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_microseconds() / MINUTES


def unit_times(incidents: pl.DataFrame, deployments: pl.DataFrame) -> pl.DataFrame:
    """One row per unit attending: travel_min, on_scene_min, committed_min [min] and where
    the times came from ("deployment" or "first_unit")."""
    logged = deployments.select(
        "incident_id",
        "unit_ref",
        "dispatched_at",
        "arrived_at",
        "cleared_at",
        pl.lit("deployment").alias("times_from"),
    )
    without = incidents.join(logged.select("incident_id").unique(), on="incident_id", how="anti")
    fallback = without.filter(pl.col("first_dispatched_at").is_not_null()).select(
        "incident_id",
        pl.lit("first unit").alias("unit_ref"),
        pl.col("first_dispatched_at").alias("dispatched_at"),
        pl.col("first_arrived_at").alias("arrived_at"),
        "cleared_at",
        pl.lit("first_unit").alias("times_from"),
    )
    units = pl.concat([logged, fallback], how="vertical_relaxed")
    travel = _minutes("arrived_at", "dispatched_at")
    on_scene = _minutes("cleared_at", "arrived_at")
    committed = _minutes("cleared_at", "dispatched_at")
    issue = (
        pl.when(travel < 0)
        .then(pl.lit("arrived before dispatched"))
        .when(on_scene < 0)
        .then(pl.lit("cleared before arrived"))
        .when(pl.col("arrived_at").is_null() & pl.col("cleared_at").is_not_null())
        .then(pl.lit("no arrival time"))
        .when(pl.col("cleared_at").is_null())
        .then(pl.lit("no clear time"))
    )
    return units.with_columns(
        pl.when(travel >= 0).then(travel).alias("travel_min"),
        pl.when((on_scene >= 0) & (travel >= 0)).then(on_scene).alias("on_scene_min"),
        pl.when((committed >= 0) & ~((travel < 0) | (on_scene < 0)).fill_null(False))
        .then(committed)
        .alias("committed_min"),
        issue.alias("time_issue"),
    )


def incident_hours(
    incidents: pl.DataFrame, units: pl.DataFrame, policy: HoursPolicy
) -> pl.DataFrame:
    """Incidents with ``units``, ``unit_hours`` and ``officer_hours`` [h] added."""
    per_incident = units.group_by("incident_id").agg(
        pl.len().alias("units"),
        (pl.col("committed_min").sum() / 60).alias("unit_hours"),
        pl.col("committed_min").is_null().sum().alias("units_without_time"),
    )
    crew = policy.officers_per_unit.value
    return incidents.join(per_incident, on="incident_id", how="left").with_columns(
        pl.col("units").fill_null(0),
        pl.col("unit_hours").fill_null(0.0),
        (pl.col("unit_hours").fill_null(0.0) * crew).alias("officer_hours"),
        pl.col("units_without_time").fill_null(0),
    )


def crime_hours(crimes: pl.DataFrame, lookup: pl.DataFrame, policy: HoursPolicy) -> pl.DataFrame:
    """Crimes with offence group and subgroup, ``complexity`` and ``officer_hours`` [h] from the
    investigative-hours table (most specific rule first: code, subgroup, group, default)."""
    flags = [f for f in policy.complexity.complex_if_any if f in crimes.columns]
    is_complex = (
        pl.any_horizontal([pl.col(f).fill_null(False) for f in flags]) if flags else (pl.lit(False))
    )
    frame = crimes.join(lookup, on="offence_code", how="left").with_columns(
        pl.when(is_complex)
        .then(pl.lit("complex"))
        .otherwise(pl.lit("standard"))
        .alias("complexity")
    )
    hours = pl.lit(None, dtype=pl.Float64)
    rule_names = pl.lit(None, dtype=pl.String)
    # Build from least to most specific so the most specific rule wins.
    ordered = sorted(
        policy.investigative_hours,
        key=lambda r: 0 if r.offence_group else (1 if r.offence_subgroup else 2),
    )
    for rule in ordered:
        if rule.offence_code is not None:
            hit = pl.col("offence_code") == rule.offence_code
            label = f"code {rule.offence_code}"
        elif rule.offence_subgroup is not None:
            hit = pl.col("offence_subgroup") == rule.offence_subgroup
            label = rule.offence_subgroup
        else:
            hit = pl.col("offence_group") == rule.offence_group
            label = str(rule.offence_group)
        value = (
            pl.when(pl.col("complexity") == "complex").then(rule.complex).otherwise(rule.standard)
        )
        hours = pl.when(hit.fill_null(False)).then(value).otherwise(hours)
        rule_names = pl.when(hit.fill_null(False)).then(pl.lit(label)).otherwise(rule_names)
    default = (
        pl.when(pl.col("complexity") == "complex")
        .then(policy.default.complex)
        .otherwise(policy.default.standard)
    )
    return frame.with_columns(
        pl.coalesce(hours, default).alias("officer_hours"),
        rule_names.fill_null("default").alias("hours_rule"),
    )
