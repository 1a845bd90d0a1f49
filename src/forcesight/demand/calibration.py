"""Calibrated prediction intervals from backtest errors (see ``backtest.py``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from forcesight.demand.backtest import BacktestConfig


def _quantile_names(levels: Sequence[int]) -> list[tuple[int, float, float]]:
    return [(lv, (1 - lv / 100) / 2, 1 - (1 - lv / 100) / 2) for lv in levels]


# Counts below this are treated as this when errors are taken on the log scale.
LOG_FLOOR = 0.5


def _denominator(config: BacktestConfig) -> pl.Expr:
    if config.error_scale == "relative":
        return pl.max_horizontal(pl.col("forecast").abs(), pl.lit(1.0))
    return pl.col("scale")


def _error(config: BacktestConfig) -> pl.Expr:
    """An error in the configured scale: the log of actual over forecast (``log``: a ratio, so
    intervals are multiplicative and never reach zero for a count), or actual minus forecast
    over the forecast level (``relative``) or the series' MASE scale (``mase``)."""
    if config.error_scale == "log":
        floor = pl.lit(LOG_FLOOR)
        return (
            pl.max_horizontal(pl.col("actual"), floor)
            / pl.max_horizontal(pl.col("forecast"), floor)
        ).log()
    return (pl.col("actual") - pl.col("forecast")) / _denominator(config)


def error_quantiles(known: pl.DataFrame, config: BacktestConfig, horizon: int) -> pl.DataFrame:
    """Interval half-widths per (model, step) from backtest errors known at an origin.

    The errors of the most recent ``calibration_origins`` origins at steps up to
    ``calibration_steps`` are pooled across the batch, divided by step**growth, and their
    quantiles give the width at every step as quantile * step**growth. Recent short-step errors
    are used because the errors of long steps known at an origin are years old, and recording
    practice changes faster than that (the Home Office series turned around 2014).
    """
    errors = known.filter(pl.col("step") <= config.calibration_steps).with_columns(
        _error(config).alias("e")
    )
    if config.calibration_origins is not None:
        errors = errors.filter(
            pl.col("origin").rank("dense", descending=True).over("model", "step")
            <= config.calibration_origins
        )
    exponents = _growth(errors, config)
    errors = errors.join(exponents, on="model")
    normalised = pl.col("e") / pl.col("step").cast(pl.Float64).pow(pl.col("growth"))
    aggs: list[pl.Expr] = [pl.len().alias("n_errors"), pl.col("growth").first()]
    for level, lo, hi in _quantile_names(config.levels):
        if config.symmetric:
            width = normalised.abs().quantile(level / 100, "linear")
            aggs.extend([(-width).alias(f"q_lo_{level}"), width.alias(f"q_hi_{level}")])
        else:
            aggs.append(normalised.quantile(lo, "linear").alias(f"q_lo_{level}"))
            aggs.append(normalised.quantile(hi, "linear").alias(f"q_hi_{level}"))
    pooled = errors.group_by("model").agg(aggs).filter(pl.col("n_errors") >= config.min_errors)
    steps = pl.DataFrame({"step": list(range(1, horizon + 1))}, schema={"step": pl.Int32})
    growth = pl.col("step").cast(pl.Float64).pow(pl.col("growth"))
    return (
        pooled.join(steps, how="cross")
        .with_columns(pl.col(c) * growth for c in pooled.columns if c.startswith("q_"))
        .sort("model", "step")
    )


def _growth(errors: pl.DataFrame, config: BacktestConfig) -> pl.DataFrame:
    """Per model, how the typical absolute error grows with the step: the slope of
    log(median |error|) on log(step), kept within [0, 1] (flat noise to a trend that drifts)."""
    models = errors.select("model").unique()
    if config.growth is not None:
        return models.with_columns(pl.lit(float(config.growth)).alias("growth"))
    typical = (
        errors.group_by("model", "step")
        .agg(pl.col("e").abs().median().alias("m"))
        .filter(pl.col("m") > 0)
        .with_columns(
            pl.col("step").cast(pl.Float64).log().alias("x"), pl.col("m").log().alias("z")
        )
    )
    slopes = typical.group_by("model").agg(
        (
            ((pl.col("x") - pl.col("x").mean()) * (pl.col("z") - pl.col("z").mean())).sum()
            / ((pl.col("x") - pl.col("x").mean()) ** 2).sum()
        ).alias("growth")
    )
    return models.join(slopes, on="model", how="left").with_columns(
        pl.col("growth").fill_nan(0.0).fill_null(0.0).clip(0.0, 1.0)
    )


def calibrate(live: pl.DataFrame, quantiles: pl.DataFrame, config: BacktestConfig) -> pl.DataFrame:
    """Intervals for forecasts ``live`` from the pooled backtest errors (``error_quantiles``);
    a model without enough errors keeps its own intervals (``interval`` = "model")."""
    if "cal_model" not in live.columns:
        live = live.with_columns(pl.col("model").alias("cal_model"))
    joined = live.join(
        quantiles.rename({"model": "cal_model"}), on=["cal_model", "step"], how="left"
    )
    method = (
        pl.when(pl.col("n_errors").is_not_null())
        .then(pl.lit("empirical"))
        .otherwise(pl.lit("model"))
    )
    exprs: list[pl.Expr] = []
    for level, _, _ in _quantile_names(config.levels):
        for side in ("lo", "hi"):
            if config.error_scale == "log":
                emp = (
                    pl.max_horizontal(pl.col("forecast"), pl.lit(LOG_FLOOR))
                    * pl.col(f"q_{side}_{level}").exp()
                )
            else:
                emp = pl.col("forecast") + pl.col(f"q_{side}_{level}") * _denominator(config)
            bound = pl.when(method == "model").then(pl.col(f"model_{side}_{level}")).otherwise(emp)
            if config.nonnegative and side == "lo":
                bound = pl.max_horizontal(bound, pl.lit(0.0))
            exprs.append(bound.alias(f"{side}_{level}"))
    forecast = pl.col("forecast")
    if config.nonnegative:
        forecast = pl.max_horizontal(forecast, pl.lit(0.0))
    return joined.with_columns(*exprs, forecast.alias("forecast"), method.alias("interval")).select(
        live.columns
        + [f"{side}_{lv}" for lv in config.levels for side in ("lo", "hi")]
        + ["interval"]
    )
