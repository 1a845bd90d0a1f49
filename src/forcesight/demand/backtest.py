"""Rolling-origin backtests, model selection and calibrated prediction intervals.

One table of rolling forecasts drives everything: every candidate is refitted at every origin on
the data up to that origin only, and forecasts ``horizon`` steps. Selection and calibration at an
origin ``t`` read only rows whose target period is at or before ``t`` (``known_at``), so nothing
after the origin can leak in. The production forecast is the same machinery at the last origin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import polars as pl

from forcesight.demand.calibration import calibrate, error_quantiles
from forcesight.demand.models import LEVELS, Forecaster, candidates
from forcesight.demand.periods import shift

ID, DS, Y = "unique_id", "ds", "y"


@dataclass(frozen=True)
class BacktestConfig:
    """How candidates are backtested, selected and calibrated."""

    horizon: int
    freq: str = "quarter"
    seasons: tuple[int, ...] = (1,)
    models: tuple[str, ...] | None = None  # None: every candidate that fits the seasons
    baseline: str = "naive"
    min_train: int = 8  # observations before the first origin
    step: int = 1  # periods between origins
    max_origins: int | None = None  # keep only the most recent origins (speed)
    levels: tuple[int, ...] = LEVELS
    selection_margin: float = 0.05  # a model must beat the baseline by this share to be chosen
    min_windows: int = 3  # distinct origins a model needs before it can be chosen
    min_errors: int = 30  # pooled errors per (model, step) for empirical intervals
    selection_origins: int | None = None  # score models on the most recent origins only
    hold: bool = True  # a candidate may win the first steps only; its path is then held flat
    selection_score: str = "mean"  # "mean" scaled error, or "relmae" (geometric mean ratio)
    selection_scope: str = "pooled"  # "pooled": one choice for the batch; "series": per series
    calibration_origins: int | None = 4  # errors from the most recent origins only
    calibration_steps: int = 4  # errors at steps up to this one set the interval widths
    growth: float | None = None  # width grows as step**growth; None: estimated from errors
    # errors relative to the forecast level, "log" (log of actual / forecast: multiplicative
    # intervals), or "mase" scale
    error_scale: str = "relative"
    symmetric: bool = True  # quantiles of |error| (robust to a sign flip in the trend)
    nonnegative: bool = True

    def forecasters(self) -> list[Forecaster]:
        return candidates(self.seasons, self.models)


def rolling_year_config(horizon: int = 16, **overrides: object) -> BacktestConfig:
    """Settings for Home Office rolling-year totals (quarterly, no season left).

    Errors are taken on the log scale (actual / forecast), so an interval is the forecast
    times and divided by one factor: a count's interval never reaches zero, as the relative
    scale's did four years ahead (80% interval 0 to 2.1 x the forecast). How the width grows
    with the step is estimated per model from the recent errors. On the 13 forces' series this
    covered 80.1%, 80.5%, 80.2% and 79.9% of outcomes at 4, 8, 12 and 16 quarters (80%
    intervals; the relative scale with linear growth: 80.5%, 81.3%, 81.0%, 80.1%).
    """
    base: dict[str, object] = {
        "horizon": horizon,
        "freq": "quarter",
        "seasons": (1,),
        "models": ("naive", "drift", "ets", "theta", "arima"),
        "min_train": 8,
        "calibration_origins": 8,
        "error_scale": "log",
        "growth": None,
    }
    base.update(overrides)
    return BacktestConfig(**base)  # type: ignore[arg-type]


def mase_scale(y: np.ndarray, season: int) -> float:
    """In-sample mean absolute seasonal-naive error: the MASE denominator (1 if undefined)."""
    m = season if season > 1 and len(y) > season else 1
    if len(y) <= m:
        return 1.0
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return scale if scale > 0 else 1.0


def origins_for(n: int, config: BacktestConfig) -> list[int]:
    """Training lengths used as origins, always ending with ``n`` (the live forecast)."""
    lengths = list(range(n, config.min_train - 1, -config.step))
    if config.max_origins is not None:
        lengths = lengths[: config.max_origins + 1]
    return sorted(lengths)


@dataclass
class SeriesRun:
    """Rolling forecasts of one series plus any models that failed on it."""

    rows: list[dict[str, object]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def rolling_series(
    uid: str,
    ds: Sequence[date],
    y: np.ndarray,
    config: BacktestConfig,
    forecasters: Sequence[Forecaster] | None = None,
) -> SeriesRun:
    """Forecasts of every candidate from every origin of one series."""
    run = SeriesRun()
    models = list(forecasters) if forecasters is not None else config.forecasters()
    n = len(y)
    failed: set[str] = set()
    for n_train in origins_for(n, config):
        train = y[:n_train]
        scale = mase_scale(train, config.seasons[0])
        origin = ds[n_train - 1]
        for model in models:
            if model.name in failed or n_train < model.min_length():
                continue
            try:
                result = model.forecast(train, config.horizon, config.levels)
            except Exception as error:  # one model failing must not stop the series
                failed.add(model.name)
                run.failures.append(f"{model.name} failed at {origin}: {error}")
                continue
            for k in range(config.horizon):
                target = n_train + k
                row: dict[str, object] = {
                    ID: uid,
                    "model": model.name,
                    "origin": origin,
                    "step": k + 1,
                    DS: ds[target] if target < n else shift(origin, k + 1, config.freq),
                    "forecast": float(result.mean[k]),
                    "actual": float(y[target]) if target < n else None,
                    "scale": scale,
                }
                for level in config.levels:
                    row[f"model_lo_{level}"] = float(result.lower[level][k])
                    row[f"model_hi_{level}"] = float(result.upper[level][k])
                run.rows.append(row)
    return run


def rolling_forecasts(
    frame: pl.DataFrame,
    config: BacktestConfig,
    on_series: Callable[[str], None] | None = None,
) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    """Rolling forecasts of every series in a long frame (``unique_id``, ``ds``, ``y``)."""
    rows: list[dict[str, object]] = []
    failures: dict[str, list[str]] = {}
    forecasters = config.forecasters()
    for (uid,), part in frame.sort(ID, DS).group_by(ID, maintain_order=True):
        run = rolling_series(
            str(uid), part[DS].to_list(), part[Y].to_numpy().astype(float), config, forecasters
        )
        rows.extend(run.rows)
        if run.failures:
            failures[str(uid)] = run.failures
        if on_series is not None:
            on_series(str(uid))
    return _rows_frame(rows, config), failures


def _rows_frame(rows: list[dict[str, object]], config: BacktestConfig) -> pl.DataFrame:
    schema: dict[str, pl.DataType | type[pl.DataType]] = {
        ID: pl.String,
        "model": pl.String,
        "origin": pl.Date,
        "step": pl.Int32,
        DS: pl.Date,
        "forecast": pl.Float64,
        "actual": pl.Float64,
        "scale": pl.Float64,
    }
    for level in config.levels:
        schema[f"model_lo_{level}"] = pl.Float64
        schema[f"model_hi_{level}"] = pl.Float64
    if rows and isinstance(rows[0]["origin"], datetime):
        schema["origin"] = pl.Datetime("us")
        schema[DS] = pl.Datetime("us")
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def known_at(cv: pl.DataFrame, origin: date) -> pl.DataFrame:
    """Backtest rows whose outcome was known at ``origin``: target at or before it."""
    return cv.filter((pl.col(DS) <= origin) & pl.col("actual").is_not_null())


def select_models(known: pl.DataFrame, config: BacktestConfig, horizon: int) -> pl.DataFrame:
    """Per series, the selected model and why: the baseline unless a candidate beat it.

    A candidate is chosen only if, on the same (origin, step) pairs up to ``horizon``, its mean
    scaled error is below the baseline's by ``selection_margin`` over at least ``min_windows``
    origins. Plain naive beat clever models on the Home Office series, so the rule is strict.
    """
    scored = known.filter(pl.col("step") <= horizon)
    if config.selection_origins is not None:
        scored = scored.filter(
            pl.col("origin").rank("dense", descending=True).over("model", "step")
            <= config.selection_origins
        )
    scored = scored.with_columns(
        (pl.col("actual") - pl.col("forecast")).abs().truediv(pl.col("scale")).alias("err")
    )
    base = scored.filter(pl.col("model") == config.baseline).select(
        ID, "origin", "step", pl.col("err").alias("base_err")
    )
    paired = scored.join(base, on=[ID, "origin", "step"], how="inner")
    if config.selection_scope == "pooled":
        paired = paired.with_columns(pl.lit("(pooled)").alias("_scope"))
    else:
        paired = paired.with_columns(pl.col(ID).alias("_scope"))
    if config.selection_score == "relmae":
        # Geometric mean over series of each series' MAE ratio to the baseline (AvgRelMAE):
        # one erratic series cannot carry the choice for the whole batch.
        per_series = (
            paired.group_by("_scope", ID, "model")
            .agg(
                pl.col("err").mean().alias("m"),
                pl.col("base_err").mean().alias("b"),
                pl.col("origin").n_unique().alias("windows"),
            )
            .filter((pl.col("m") > 0) & (pl.col("b") > 0))
        )
        scores = (
            per_series.group_by("_scope", "model")
            .agg(
                (pl.col("m") / pl.col("b")).log().mean().exp().alias("ratio"),
                pl.col("windows").max(),
            )
            .rename({"_scope": ID})
        )
    else:
        scores = (
            paired.group_by("_scope", "model")
            .agg(
                pl.col("err").mean().alias("score"),
                pl.col("base_err").mean().alias("base_score"),
                pl.col("origin").n_unique().alias("windows"),
            )
            .rename({"_scope": ID})
        )
        scores = scores.with_columns(
            pl.when(pl.col("base_score") > 0)
            .then(pl.col("score") / pl.col("base_score"))
            .otherwise(pl.when(pl.col("score") > 0).then(np.inf).otherwise(1.0))
            .alias("ratio")
        )
    eligible = scores.filter(
        (pl.col("model") != config.baseline)
        & (pl.col("windows") >= config.min_windows)
        & (pl.col("ratio") < 1 - config.selection_margin)
    )
    best = eligible.sort(ID, "ratio", "model").group_by(ID, maintain_order=True).first()
    best = best.select(
        ID,
        pl.col("model").alias("selected"),
        pl.format(
            "beat {} by {}% over {} backtest origins",
            pl.lit(config.baseline),
            ((1 - pl.col("ratio")) * 100).round(1),
            pl.col("windows"),
        ).alias("reason"),
    )
    best = best.with_columns(pl.lit(None, dtype=pl.Int32).alias("hold_after"))
    if config.hold and best.height == 0:
        best = _leading_steps(paired, config, horizon)
    ids = known.select(ID).unique()
    if config.selection_scope == "pooled":
        ids = ids.with_columns(pl.lit("(pooled)").alias("_scope"))
        best = best.rename({ID: "_scope"})
        joined = ids.join(best, on="_scope", how="left").drop("_scope")
    else:
        joined = ids.join(best, on=ID, how="left")
    return joined.with_columns(
        pl.col("selected").fill_null(config.baseline),
        pl.col("reason").fill_null(
            f"no candidate beat {config.baseline} by {config.selection_margin:.0%} in the backtests"
        ),
    ).sort(ID)


def _leading_steps(paired: pl.DataFrame, config: BacktestConfig, horizon: int) -> pl.DataFrame:
    """The candidate that beats the baseline by the margin at the most leading steps (1..k).

    Momentum models win the first quarters of a rolling-year series and lose at turning points
    further out; such a model is used for steps 1..k and its step-k value held after that.
    """
    per_step = (
        paired.group_by("_scope", "model", "step")
        .agg(
            pl.col("err").mean().alias("score"),
            pl.col("base_err").mean().alias("base_score"),
            pl.col("origin").n_unique().alias("windows"),
        )
        .filter(pl.col("model") != config.baseline)
        .with_columns((pl.col("score") / pl.col("base_score")).alias("ratio"))
        .with_columns(
            (
                (pl.col("ratio") < 1 - config.selection_margin)
                & (pl.col("windows") >= config.min_windows)
            ).alias("ok")
        )
        .sort("_scope", "model", "step")
        .with_columns(pl.col("ok").cast(pl.Int32).cum_min().over("_scope", "model").alias("lead"))
    )
    lead = (
        per_step.filter(pl.col("lead") == 1)
        .group_by("_scope", "model")
        .agg(pl.col("step").max().alias("steps"), pl.col("ratio").mean(), pl.col("windows").min())
        .sort("_scope", "steps", "ratio", descending=[False, True, False])
        .group_by("_scope", maintain_order=True)
        .first()
    )
    return lead.select(
        pl.col("_scope").alias(ID),
        pl.col("model").alias("selected"),
        pl.format(
            "beat {} by {}% at steps 1-{} over {} backtest origins; held flat after step {}",
            pl.lit(config.baseline),
            ((1 - pl.col("ratio")) * 100).round(1),
            pl.col("steps"),
            pl.col("windows"),
            pl.col("steps"),
        ).alias("reason"),
        pl.when(pl.col("steps") < horizon)
        .then(pl.col("steps"))
        .otherwise(None)
        .cast(pl.Int32)
        .alias("hold_after"),
    )


def _hold(picked: pl.DataFrame, chosen: pl.DataFrame, config: BacktestConfig) -> pl.DataFrame:
    """Hold each path flat after its ``hold_after`` step; held steps take the baseline's error
    distribution (a flat path's) for their intervals."""
    joined = picked.join(chosen.select(ID, "hold_after"), on=ID, how="left")
    held = pl.col("hold_after").is_not_null() & (pl.col("step") > pl.col("hold_after"))
    at_hold = pl.col("forecast").filter(pl.col("step") == pl.col("hold_after")).first().over(ID)
    return joined.with_columns(
        pl.when(held).then(at_hold).otherwise(pl.col("forecast")).alias("forecast"),
        pl.when(held).then(pl.lit(config.baseline)).otherwise(pl.col("model")).alias("cal_model"),
    ).drop("hold_after")


def forecast_at(
    cv: pl.DataFrame, origins: pl.DataFrame, config: BacktestConfig, horizon: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The selected, calibrated forecast of each series made at its origin.

    ``origins`` has one row per series (``unique_id``, ``origin``). Everything used is in ``cv``
    rows known at that origin, plus the forecasts made at it: nothing later.
    """
    selections: list[pl.DataFrame] = []
    outputs: list[pl.DataFrame] = []
    for (origin,), group in origins.group_by("origin", maintain_order=True):
        known = known_at(cv, origin)
        ids = group[ID]
        chosen = select_models(known.filter(pl.col(ID).is_in(ids.implode())), config, horizon)
        missing = ids.filter(~ids.is_in(chosen[ID].implode()))
        if len(missing):
            chosen = pl.concat(
                [
                    chosen,
                    pl.DataFrame(
                        {
                            ID: missing,
                            "selected": [config.baseline] * len(missing),
                            "reason": ["no backtest yet: baseline"] * len(missing),
                            "hold_after": [None] * len(missing),
                        },
                        schema_overrides={"hold_after": pl.Int32},
                    ),
                ]
            )
        quantiles = error_quantiles(known, config, horizon)
        live = cv.filter(
            (pl.col("origin") == origin)
            & pl.col(ID).is_in(ids.implode())
            & (pl.col("step") <= horizon)
        )
        picked = live.join(
            chosen.select(ID, pl.col("selected").alias("model")), on=[ID, "model"], how="semi"
        )
        # A selected model that failed at this origin gives way to the baseline.
        absent = chosen.filter(~pl.col(ID).is_in(picked[ID].unique().implode()))
        if absent.height:
            fallback = live.filter(
                pl.col(ID).is_in(absent[ID].implode()) & (pl.col("model") == config.baseline)
            )
            picked = pl.concat([picked, fallback])
            chosen = chosen.with_columns(
                pl.when(pl.col(ID).is_in(absent[ID].implode()))
                .then(pl.lit(config.baseline))
                .otherwise(pl.col("selected"))
                .alias("selected"),
                pl.when(pl.col(ID).is_in(absent[ID].implode()))
                .then(None)
                .otherwise(pl.col("hold_after"))
                .alias("hold_after"),
            )
        picked = _hold(picked, chosen, config)
        outputs.append(calibrate(picked, quantiles, config).drop("cal_model"))
        selections.append(chosen.with_columns(pl.lit(origin).alias("origin")))
    return pl.concat(outputs, how="vertical_relaxed"), pl.concat(selections, how="vertical_relaxed")
