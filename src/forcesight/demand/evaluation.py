"""Out-of-sample accuracy of rolling-origin backtests: MASE, sMAPE and interval coverage.

For each horizon ``h`` and each (series, origin) with ``h`` known outcomes after the origin, every
candidate's and the selected forecast's errors over steps 1..h are scored; the means over all
(series, origin) pairs are reported in the shape ``forcesight demand backtest --json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from forcesight.demand.backtest import DS, ID, BacktestConfig, forecast_at

_SMAPE = (
    pl.when((pl.col("actual").abs() + pl.col("forecast").abs()) > 0)
    .then(
        200
        * (pl.col("actual") - pl.col("forecast")).abs()
        / (pl.col("actual").abs() + pl.col("forecast").abs())
    )
    .otherwise(0.0)
)
_ABS_SCALED = (pl.col("actual") - pl.col("forecast")).abs() / pl.col("scale")


def evaluation_origins(cv: pl.DataFrame, horizon: int, min_history: int) -> pl.DataFrame:
    """(series, origin) pairs with ``horizon`` known outcomes and ``min_history`` periods
    of history, so the selection at that origin has backtests of its own."""
    firsts = cv.group_by(ID).agg(pl.col("origin").min().alias("first_origin"))
    complete = (
        cv.filter(pl.col("actual").is_not_null() & (pl.col("step") <= horizon))
        .group_by(ID, "origin", "model")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") == horizon)
        .group_by(ID, "origin")
        .agg(pl.col("model").n_unique().alias("models"))
    )
    n_models = cv.group_by(ID).agg(pl.col("model").n_unique().alias("all_models"))
    ranked = (
        cv.select(ID, "origin")
        .unique()
        .sort(ID, "origin")
        .with_columns(pl.col("origin").rank("ordinal").over(ID).alias("position"))
    )
    return (
        complete.join(n_models, on=ID)
        .filter(pl.col("models") == pl.col("all_models"))
        .join(ranked, on=[ID, "origin"])
        .join(firsts, on=ID)
        .filter(pl.col("position") > min_history)
        .select(ID, "origin")
        .sort(ID, "origin")
    )


def _scores(rows: pl.DataFrame, keys: Sequence[str]) -> pl.DataFrame:
    return rows.group_by(*keys).agg(_ABS_SCALED.mean().alias("mase"), _SMAPE.mean().alias("smape"))


def _mean(scores: pl.DataFrame) -> dict[str, float]:
    means = scores.select(pl.col("mase").mean(), pl.col("smape").mean()).row(0)
    return {"mase": round(float(means[0] or 0.0), 4), "smape": round(float(means[1] or 0.0), 4)}


def evaluate(
    cv: pl.DataFrame,
    config: BacktestConfig,
    horizons: Sequence[int],
    min_history: int,
    on_horizon: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Per horizon: naive and drift baselines, every candidate, the selected forecast and the
    80% coverage of its calibrated intervals."""
    result: dict[str, Any] = {}
    for h in horizons:
        pairs = evaluation_origins(cv, h, min_history)
        if pairs.height == 0:
            result[str(h)] = {"error": f"no series has {h} periods after {min_history} of history"}
            continue
        rows = cv.filter(pl.col("step") <= h).join(pairs, on=[ID, "origin"], how="semi")
        per_model = _scores(rows, [ID, "origin", "model"])
        models = {
            name: _mean(per_model.filter(pl.col("model") == name))
            for name in sorted(per_model["model"].unique().to_list())
        }
        selected_rows, selections = forecast_at(cv, pairs, config, h)
        selected = _scores(selected_rows, [ID, "origin"])
        inside = (pl.col("actual") >= pl.col("lo_80")) & (pl.col("actual") <= pl.col("hi_80"))
        coverage = float(selected_rows.select(inside.mean()).item())
        entry: dict[str, Any] = {
            "naive": models.get("naive"),
            "drift": models.get("drift"),
            "models": models,
            "selected": _mean(selected),
            "coverage_80": round(coverage, 4),
            "forecasts": pairs.height,
            "series": pairs[ID].n_unique(),
            "selected_share": {
                str(k): round(v, 4)
                for k, v in selections.group_by("selected")
                .agg(pl.len())
                .with_columns(pl.col("len") / pl.col("len").sum())
                .sort("selected")
                .iter_rows()
            },
        }
        if "lo_95" in selected_rows.columns:
            inside95 = (pl.col("actual") >= pl.col("lo_95")) & (pl.col("actual") <= pl.col("hi_95"))
            entry["coverage_95"] = round(float(selected_rows.select(inside95.mean()).item()), 4)
        result[str(h)] = entry
        if on_horizon is not None:
            on_horizon(h)
    return {"horizons": result}


__all__ = ["DS", "evaluate", "evaluation_origins"]
