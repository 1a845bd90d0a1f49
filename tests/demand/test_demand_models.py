"""The contract every forecaster keeps, and the backtest's promise never to look ahead."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from forcesight.demand.backtest import (
    BacktestConfig,
    forecast_at,
    known_at,
    rolling_forecasts,
)
from forcesight.demand.forecast import forecast_series
from forcesight.demand.models import FORECASTERS, Forecaster, MSTLForecaster
from forcesight.demand.periods import expected_periods
from forcesight.errors import ForecastInputError

SEASON = 4


def _seasonal(n: int = 48, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 200 + 1.5 * t + 12 * np.sin(2 * np.pi * t / SEASON) + rng.normal(0, 4, n)


def _make(name: str) -> Forecaster:
    cls = FORECASTERS[name]
    if cls is MSTLForecaster:
        return MSTLForecaster(season_length=[SEASON])
    return cls(season_length=SEASON)


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_fit_then_predict_equals_forecast(name: str) -> None:
    y = _seasonal()
    model = _make(name)
    assert model.fit(y) is model
    fitted = model.predict(8)
    direct = _make(name).forecast(y, 8)
    np.testing.assert_allclose(fitted.mean, direct.mean, rtol=1e-6)
    for level in (80, 95):
        np.testing.assert_allclose(fitted.lower[level], direct.lower[level], rtol=1e-6)
        np.testing.assert_allclose(fitted.upper[level], direct.upper[level], rtol=1e-6)


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_intervals_nest(name: str) -> None:
    result = _make(name).forecast(_seasonal(), 8)
    tol = 1e-9
    assert np.all(result.lower[95] <= result.lower[80] + tol)
    assert np.all(result.lower[80] <= result.mean + tol)
    assert np.all(result.mean <= result.upper[80] + tol)
    assert np.all(result.upper[80] <= result.upper[95] + tol)
    assert np.any(result.upper[95] > result.lower[95])


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_no_look_ahead_in_the_model(name: str) -> None:
    y = _seasonal()
    changed = y.copy()
    changed[40:] *= 5
    a = _make(name).forecast(y[:40], 4)
    b = _make(name).forecast(changed[:40], 4)
    np.testing.assert_allclose(a.mean, b.mean)


@pytest.mark.parametrize("name", sorted(FORECASTERS))
def test_parameters_untouched_and_bad_input_refused(name: str) -> None:
    model = _make(name)
    before = dict(vars(model))
    model.fit(_seasonal())
    assert {k: v for k, v in vars(model).items() if not k.endswith("_")} == before
    with pytest.raises(ForecastInputError, match="missing or infinite"):
        _make(name).fit(np.array([1.0, np.nan] * 30))
    with pytest.raises(ForecastInputError, match="at least"):
        _make(name).fit(np.ones(model.min_length() - 1))
    with pytest.raises(ForecastInputError, match="fitted before predict"):
        _make(name).predict(3)


def _batch(n_series: int = 3, n: int = 36, seed: int = 1) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    periods = expected_periods(date(2009, 3, 31), date(2030, 12, 31), "quarter")[:n]
    frames = []
    for i in range(n_series):
        y = 1000 + np.cumsum(rng.normal(5 * i, 20, n))
        frames.append(pl.DataFrame({"unique_id": f"s{i}", "ds": periods, "y": y}))
    return pl.concat(frames)


CONFIG = BacktestConfig(
    horizon=4, models=("naive", "drift", "ets"), min_train=8, calibration_origins=8, min_errors=10
)


def test_backtest_never_looks_past_its_origin() -> None:
    frame = _batch()
    origin = frame["ds"].unique().sort()[25]
    perturbed = frame.with_columns(
        pl.when(pl.col("ds") > origin).then(pl.col("y") * 3 + 500).otherwise(pl.col("y"))
    )
    origins = frame.select("unique_id").unique().with_columns(pl.lit(origin).alias("origin"))
    cv, _ = rolling_forecasts(frame, CONFIG)
    cv_perturbed, _ = rolling_forecasts(perturbed, CONFIG)
    at, chosen = forecast_at(cv, origins, CONFIG, 4)
    at_perturbed, chosen_perturbed = forecast_at(cv_perturbed, origins, CONFIG, 4)
    columns = ["unique_id", "ds", "model", "forecast", "lo_80", "hi_80", "lo_95", "hi_95"]
    assert (
        at.select(columns)
        .sort("unique_id", "ds")
        .equals(at_perturbed.select(columns).sort("unique_id", "ds"))
    )
    assert chosen.sort("unique_id").equals(chosen_perturbed.sort("unique_id"))
    # ... and it is exactly the live forecast made from the data up to the origin.
    live = forecast_series(frame.filter(pl.col("ds") <= origin), CONFIG).forecasts
    assert (
        live.select(columns)
        .sort("unique_id", "ds")
        .equals(at.select(columns).sort("unique_id", "ds"))
    )
    # The perturbation did reach the later forecasts, so the test could have failed.
    later = cv.filter(pl.col("origin") > origin)["forecast"]
    assert not later.equals(cv_perturbed.filter(pl.col("origin") > origin)["forecast"])
    assert known_at(cv, origin)["ds"].max() <= origin


def test_selection_keeps_naive_on_random_walks_and_takes_a_clear_trend() -> None:
    rng = np.random.default_rng(7)
    periods = expected_periods(date(2009, 3, 31), date(2030, 12, 31), "quarter")[:40]
    walks = pl.concat(
        [
            pl.DataFrame(
                {"unique_id": f"w{i}", "ds": periods, "y": 500 + np.cumsum(rng.normal(0, 10, 40))}
            )
            for i in range(4)
        ]
    )
    chosen = forecast_series(walks, CONFIG).selection
    assert set(chosen["selected"]) == {"naive"}
    trends = pl.concat(
        [
            pl.DataFrame(
                {
                    "unique_id": f"t{i}",
                    "ds": periods,
                    "y": 100 + 25.0 * np.arange(40) + rng.normal(0, 2, 40),
                }
            )
            for i in range(4)
        ]
    )
    chosen = forecast_series(trends, CONFIG).selection
    assert "naive" not in set(chosen["selected"])
    assert all("beat naive" in r for r in chosen["reason"])


def test_calibrated_intervals_cover_about_80_percent() -> None:
    from forcesight.demand.evaluation import evaluate

    frame = _batch(n_series=12, n=40, seed=11)
    config = BacktestConfig(
        horizon=4, models=("naive", "drift"), min_train=8, calibration_origins=8, min_errors=20
    )
    cv, _ = rolling_forecasts(frame, config)
    result = evaluate(cv, config, [4], min_history=12)["horizons"]["4"]
    assert 0.7 <= result["coverage_80"] <= 0.92
    assert result["coverage_95"] >= result["coverage_80"]


def test_log_scale_intervals_are_multiplicative_and_cover() -> None:
    """On the log scale an interval is the forecast times and divided by the same factor:
    never below zero for a count, and still calibrated."""
    from dataclasses import replace

    from forcesight.demand.evaluation import evaluate

    frame = _batch(n_series=12, n=40, seed=11)
    config = BacktestConfig(
        horizon=4, models=("naive", "drift"), min_train=8, calibration_origins=8, min_errors=20,
        error_scale="log",
    )  # fmt: skip
    cv, _ = rolling_forecasts(frame, config)
    result = evaluate(cv, config, [4], min_history=12)["horizons"]["4"]
    assert 0.7 <= result["coverage_80"] <= 0.92
    live = forecast_series(frame, config).forecasts.filter(pl.col("forecast") > 1)
    assert (live["lo_80"] > 0).all()
    ratio = (live["hi_80"] / live["forecast"]) * (live["lo_80"] / live["forecast"])
    assert ratio.to_numpy() == pytest.approx(1.0)
    relative = forecast_series(frame, replace(config, error_scale="relative")).forecasts
    assert relative.height == forecast_series(frame, config).forecasts.height
