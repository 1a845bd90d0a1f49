"""Forecast a batch of demand series: check each series, backtest the candidates, select,
calibrate, detect breaks and apply scenario adjustments.

A series that cannot be modelled normally (too short, all zeros, gaps, negative counts, a model
failing) is handled on its own with a named fallback and listed in ``problems`` with the reason;
the batch never stops for one series.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from forcesight.demand.backtest import (
    DS,
    ID,
    BacktestConfig,
    Y,
    forecast_at,
    rolling_forecasts,
)
from forcesight.demand.breaks import breaks_table
from forcesight.demand.models import NaiveForecaster
from forcesight.demand.periods import expected_periods, shift
from forcesight.demand.scenarios import Scenario, apply_scenario
from forcesight.errors import ForecastInputError

PROBLEM_SCHEMA = {ID: pl.String, "problem": pl.String, "fallback": pl.String}


@dataclass(frozen=True)
class ForecastResult:
    """Everything a forecast run produced, as tables keyed by ``unique_id``."""

    forecasts: pl.DataFrame  # unique_id, ds, step, model, forecast, lo_80, hi_80, lo_95, ...
    history: pl.DataFrame  # unique_id, ds, y as modelled (after gap filling)
    selection: pl.DataFrame  # unique_id, selected, reason
    problems: pl.DataFrame  # unique_id, problem, fallback
    breaks: pl.DataFrame  # unique_id, ds, kind, size, gain
    backtest: pl.DataFrame  # every rolling forecast (for inspection and audit)


def _check_frame(frame: pl.DataFrame) -> None:
    missing = [c for c in (ID, DS, Y) if c not in frame.columns]
    if missing:
        raise ForecastInputError(
            "series", f"missing column(s) {', '.join(missing)}; have {', '.join(frame.columns)}"
        )


def prepare_series(
    frame: pl.DataFrame, config: BacktestConfig, fill: str = "zero"
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Split a batch into series to model and series needing a fallback.

    Returns (modelled, fallback, problems). ``fill`` says what a missing period means: "zero"
    for counts from the store (no incident that day), "interpolate" for published totals.
    """
    _check_frame(frame)
    modelled: list[pl.DataFrame] = []
    fallback: list[pl.DataFrame] = []
    problems: list[dict[str, str]] = []
    needed = config.min_train + 2
    last_of_batch: date = frame[DS].max()  # type: ignore[assignment]
    for (uid,), raw in frame.sort(ID, DS).group_by(ID, maintain_order=True):
        uid = str(uid)
        part = (
            raw.filter(pl.col(Y).is_not_null() & pl.col(Y).is_finite())
            .group_by(DS)
            .agg(pl.col(Y).sum(), pl.len().alias("_n"))
            .sort(DS)
        )
        dupes = int((part["_n"] - 1).sum()) if part.height else 0
        part = part.drop("_n")
        if dupes:
            problems.append(_problem(uid, f"{dupes} duplicate period(s)", "values summed"))
        part = part.filter(pl.col(Y).is_finite())
        if part.height == 0:
            problems.append(_problem(uid, "no values", "not forecast"))
            continue
        periods = expected_periods(part[DS][0], part[DS][-1], config.freq)
        if len(periods) > part.height:
            gaps = len(periods) - part.height
            full = pl.DataFrame({DS: periods}, schema={DS: part.schema[DS]}).join(
                part, on=DS, how="left"
            )
            if fill == "interpolate":
                full = full.with_columns(pl.col(Y).interpolate())
                how = "filled by linear interpolation"
            else:
                full = full.with_columns(pl.col(Y).fill_null(0.0))
                how = "filled with 0"
            problems.append(_problem(uid, f"{gaps} missing period(s) (gaps)", how))
            part = full
        elif len(periods) < part.height:
            problems.append(_problem(uid, f"periods off the {config.freq} grid", "not forecast"))
            continue
        negative = int((part[Y] < 0).sum())
        if negative:
            part = part.with_columns(pl.col(Y).clip(lower_bound=0.0))
            problems.append(_problem(uid, f"{negative} negative value(s)", "set to 0"))
        part = part.with_columns(pl.lit(uid).alias(ID)).select(ID, DS, pl.col(Y).cast(pl.Float64))
        if float(part[Y].abs().sum()) == 0.0:
            problems.append(_problem(uid, "all zeros", "naive (forecast 0)"))
            fallback.append(part)
        elif part.height < needed:
            problems.append(
                _problem(
                    uid,
                    f"too short ({part.height} periods; backtests need {needed})",
                    "naive with its own intervals",
                )
            )
            fallback.append(part)
        else:
            if part[DS][-1] < last_of_batch:
                problems.append(
                    _problem(
                        uid,
                        f"ends {part[DS][-1]}, before the batch's last period {last_of_batch}",
                        "forecast from its own last period",
                    )
                )
            modelled.append(part)
    empty = pl.DataFrame(schema={ID: pl.String, DS: frame.schema[DS], Y: pl.Float64})
    return (
        pl.concat(modelled) if modelled else empty,
        pl.concat(fallback) if fallback else empty,
        pl.DataFrame(problems, schema=PROBLEM_SCHEMA, orient="row"),
    )


def _problem(uid: str, problem: str, fallback: str) -> dict[str, str]:
    return {ID: uid, "problem": problem, "fallback": fallback}


def _naive_fallback(frame: pl.DataFrame, config: BacktestConfig) -> pl.DataFrame:
    rows: list[dict[str, object]] = []
    for (uid,), part in frame.group_by(ID, maintain_order=True):
        y = part[Y].to_numpy().astype(float)
        last: date = part[DS][-1]
        if len(y) >= 2 and np.any(y != y[0]):
            result = NaiveForecaster().forecast(y, config.horizon, config.levels)
            lower, upper, mean = result.lower, result.upper, result.mean
        else:
            mean = np.full(config.horizon, y[-1])
            lower = upper = {lv: mean for lv in config.levels}
        for k in range(config.horizon):
            row: dict[str, object] = {
                ID: uid,
                DS: shift(last, k + 1, config.freq),
                "step": k + 1,
                "model": "naive",
                "forecast": max(float(mean[k]), 0.0) if config.nonnegative else float(mean[k]),
                "interval": "model",
            }
            for lv in config.levels:
                lo = float(lower[lv][k])
                row[f"lo_{lv}"] = max(lo, 0.0) if config.nonnegative else lo
                row[f"hi_{lv}"] = float(upper[lv][k])
            rows.append(row)
    return pl.DataFrame(rows, orient="row") if rows else pl.DataFrame()


ProgressHook = Callable[[str], None]


def forecast_series(
    frame: pl.DataFrame,
    config: BacktestConfig,
    *,
    fill: str = "zero",
    scenario: Scenario | None = None,
    on_series: ProgressHook | None = None,
    runner: Callable[[pl.DataFrame, BacktestConfig], tuple[pl.DataFrame, dict[str, list[str]]]]
    | None = None,
) -> ForecastResult:
    """Forecast every series in a long frame ``config.horizon`` periods ahead.

    ``runner`` computes the rolling forecasts (default: in this process; ``scale.dask_runner``
    fans the series out over a Dask cluster).
    """
    modelled, fallback, problems = prepare_series(frame, config, fill)
    parts: list[pl.DataFrame] = []
    selections: list[pl.DataFrame] = []
    cv = pl.DataFrame()
    if modelled.height:
        if runner is None:
            cv, failures = rolling_forecasts(modelled, config, on_series)
        else:
            cv, failures = runner(modelled, config)
        extra = [
            _problem(uid, message, "model skipped for this series")
            for uid, messages in failures.items()
            for message in messages
        ]
        if extra:
            problems = pl.concat([problems, pl.DataFrame(extra, schema=PROBLEM_SCHEMA)])
        origins = modelled.group_by(ID).agg(pl.col(DS).max().alias("origin"))
        live, chosen = forecast_at(cv, origins, config, config.horizon)
        parts.append(
            live.select(
                ID,
                DS,
                "step",
                "model",
                "forecast",
                *[f"{s}_{lv}" for lv in config.levels for s in ("lo", "hi")],
                "interval",
            )
        )
        selections.append(chosen.select(ID, "selected", "reason"))
    if fallback.height:
        fb = _naive_fallback(fallback, config)
        parts.append(fb.select(parts[0].columns) if parts else fb)
        reasons = problems.filter(pl.col(ID).is_in(fallback[ID].unique().implode()))
        selections.append(
            reasons.group_by(ID)
            .agg(pl.col("problem").first())
            .select(
                ID,
                pl.lit("naive").alias("selected"),
                pl.format("fallback: {}", pl.col("problem")).alias("reason"),
            )
        )
    forecasts = pl.concat(parts, how="vertical_relaxed").sort(ID, DS) if parts else pl.DataFrame()
    if scenario is not None and forecasts.height:
        forecasts = apply_scenario(forecasts, scenario)
    history = pl.concat([modelled, fallback]).sort(ID, DS)
    return ForecastResult(
        forecasts=forecasts,
        history=history,
        selection=pl.concat(selections).sort(ID) if selections else pl.DataFrame(),
        problems=problems.sort(ID),
        breaks=breaks_table(history),
        backtest=cv,
    )
