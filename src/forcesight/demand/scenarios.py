"""Scenario adjustments: documented multipliers on named series from a date.

A scenario file (YAML) lists adjustments such as population growth, a new reporting channel or
a policy change; each multiplies the forecasts of the series it names (exact ids or shell-style
patterns such as ``"Northamptonshire | *"``) from its date on. A malformed file is refused with
the file, line and field named (``PolicyError``, a ``MappingError``).
"""

from __future__ import annotations

import fnmatch
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from forcesight.policy.loader import parse_yaml_model


class Adjustment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    name: str = Field(min_length=1)
    kind: Literal["population_growth", "reporting_channel", "policy_change", "other"]
    series: list[str] = Field(min_length=1, description="Series ids or patterns it applies to.")
    starts: date = Field(alias="from", description="First period the multiplier applies to.")
    multiplier: float = Field(gt=0, le=100, description="Factor on forecast and intervals.")
    description: str = Field(min_length=3, description="Why, and where the figure comes from.")


class Scenario(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: str
    description: str = ""
    adjustments: list[Adjustment] = Field(min_length=1)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; errors name the file, line and field."""
    result: Scenario = parse_yaml_model(Path(path), Scenario)
    return result


def _matches(uid: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(uid, p) for p in patterns)


def apply_scenario(forecasts: pl.DataFrame, scenario: Scenario) -> pl.DataFrame:
    """Multiply forecasts and interval bounds; keep the unadjusted forecast in
    ``baseline_forecast`` and name the adjustments applied to each row in ``adjustments``."""
    ids = forecasts["unique_id"].unique().to_list()
    factor = pl.lit(1.0)
    names: list[pl.Expr] = []
    for adj in scenario.adjustments:
        hit = [u for u in ids if _matches(u, adj.series)]
        applies = pl.col("unique_id").is_in(hit) & (pl.col("ds").cast(pl.Date) >= adj.starts)
        factor = factor * pl.when(applies).then(adj.multiplier).otherwise(1.0)
        names.append(pl.when(applies).then(pl.lit(f"{adj.name} x{adj.multiplier:g}")))
    bounds = [c for c in forecasts.columns if c.startswith(("lo_", "hi_"))]
    return forecasts.with_columns(
        pl.col("forecast").alias("baseline_forecast"),
        *[(pl.col(c) * factor).alias(c) for c in ["forecast", *bounds]],
        pl.concat_str(names, separator="; ", ignore_nulls=True).alias("adjustments"),
    )


def unmatched_adjustments(forecasts: pl.DataFrame, scenario: Scenario) -> list[str]:
    """Adjustments that match no series in the batch (probably a typo in ``series``)."""
    ids = forecasts["unique_id"].unique().to_list()
    return [a.name for a in scenario.adjustments if not any(_matches(u, a.series) for u in ids)]
