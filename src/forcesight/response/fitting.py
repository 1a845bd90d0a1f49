"""Fitting travel and time-on-scene distributions from an incident log.

Real logs are messy (FACTS.md: about 6% of dispatched incidents have no arrival time; some
clear times are 0). Each stage is fitted on the rows that have it; ``stage_exclusions`` says how
many rows were left out of which stage and why.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

MIN_ROWS_PER_GROUP = 20

_MINUTES = 60_000_000  # microseconds in a minute


def _minutes(later: str, earlier: str) -> pl.Expr:
    return (pl.col(later) - pl.col(earlier)).dt.total_microseconds() / _MINUTES


def with_stages(log: pl.DataFrame) -> pl.DataFrame:
    """The log with its stage durations [min]: wait (received to dispatch), travel (dispatch to
    arrival), response (received to arrival) and on_scene (arrival to clear)."""
    return log.with_columns(
        _minutes("first_dispatched_at", "received_at").alias("wait_min"),
        _minutes("first_arrived_at", "first_dispatched_at").alias("travel_min"),
        _minutes("first_arrived_at", "received_at").alias("response_min"),
        _minutes("cleared_at", "first_arrived_at").alias("on_scene_min"),
    )


EXCLUSION_RULES: tuple[tuple[str, str, pl.Expr], ...] = (
    ("response", "no first_dispatched_at", pl.col("first_dispatched_at").is_null()),
    ("response", "no first_arrived_at", pl.col("first_arrived_at").is_null()),
    ("response", "dispatched before received", pl.col("wait_min") < 0),
    ("response", "arrived before dispatched", pl.col("travel_min") < 0),
    ("on_scene", "no first_arrived_at", pl.col("first_arrived_at").is_null()),
    ("on_scene", "no cleared_at", pl.col("cleared_at").is_null()),
    ("on_scene", "cleared at or before arrival", pl.col("on_scene_min") <= 0),
)


def usable(staged: pl.DataFrame, stage: str) -> pl.Expr:
    """Rows usable for ``stage`` ('response' covers wait and travel; 'on_scene')."""
    bad = [rule.fill_null(False) for s, _, rule in EXCLUSION_RULES if s == stage]
    return ~pl.any_horizontal(bad)


def stage_exclusions(staged: pl.DataFrame) -> pl.DataFrame:
    """Rows left out of each stage, by the first reason that applies (stage, reason, rows)."""
    out: list[dict[str, object]] = []
    for stage in ("response", "on_scene"):
        remaining = staged
        for s, reason, rule in EXCLUSION_RULES:
            if s != stage:
                continue
            hit = remaining.filter(rule.fill_null(False))
            if hit.height:
                out.append({"stage": stage, "reason": reason, "rows": hit.height})
            remaining = remaining.filter(~rule.fill_null(False))
    return pl.DataFrame(out, schema={"stage": pl.Utf8, "reason": pl.Utf8, "rows": pl.Int64})


def fit_lognormal(values: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood lognormal: (median [same unit], sigma [-]) of positive values."""
    logs = np.log(values[values > 0])
    if len(logs) == 0:
        return math.nan, math.nan
    return float(np.exp(logs.mean())), float(logs.std(ddof=1)) if len(logs) > 1 else 0.0


def fit_on_scene(staged: pl.DataFrame) -> pl.DataFrame:
    """Lognormal time on scene by category (category, grade share not used): columns category,
    rows, median_min, sigma, mean_min. Categories with fewer than MIN_ROWS_PER_GROUP rows take
    the fit of all rows (marked pooled)."""
    rows = staged.filter(usable(staged, "on_scene"))
    overall = fit_lognormal(rows["on_scene_min"].to_numpy())
    out = []
    for category in sorted(staged["category"].unique().to_list()):
        values = rows.filter(pl.col("category") == category)["on_scene_min"].to_numpy()
        if len(values) >= MIN_ROWS_PER_GROUP:
            median, sigma = fit_lognormal(values)
            pooled = False
        else:
            median, sigma = overall
            pooled = True
        out.append(
            {
                "category": category,
                "rows": len(values),
                "median_min": median,
                "sigma": sigma,
                "mean_min": median * math.exp(sigma**2 / 2),
                "pooled": pooled,
            }
        )
    return pl.DataFrame(
        out,
        schema={
            "category": pl.Utf8,
            "rows": pl.Int64,
            "median_min": pl.Float64,
            "sigma": pl.Float64,
            "mean_min": pl.Float64,
            "pooled": pl.Boolean,
        },
    )


def fit_travel(staged: pl.DataFrame) -> tuple[pl.DataFrame, float]:
    """Lognormal travel (dispatch to first arrival) by incident area: columns area, rows,
    median_min; and one sigma [-] fitted on the log-deviations from each area's median.
    Areas with fewer than MIN_ROWS_PER_GROUP rows take the median of all rows."""
    rows = staged.filter(usable(staged, "response") & (pl.col("travel_min") > 0))
    overall, _ = fit_lognormal(rows["travel_min"].to_numpy())
    out = []
    deviations = []
    for area in sorted(a for a in staged["area"].unique().to_list() if a is not None):
        values = rows.filter(pl.col("area") == area)["travel_min"].to_numpy()
        median = fit_lognormal(values)[0] if len(values) >= MIN_ROWS_PER_GROUP else overall
        if len(values):
            deviations.append(np.log(values) - math.log(median))
        out.append({"area": area, "rows": len(values), "median_min": median})
    devs = np.concatenate(deviations) if deviations else np.zeros(0)
    sigma = float(np.sqrt(np.mean(devs**2))) if len(devs) > 1 else 0.0
    frame = pl.DataFrame(out, schema={"area": pl.Utf8, "rows": pl.Int64, "median_min": pl.Float64})
    return frame, sigma
