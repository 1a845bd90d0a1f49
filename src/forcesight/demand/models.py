"""Candidate forecasters, each keeping the scikit-learn contract.

Every forecaster stores its parameters untouched in ``__init__``, validates in ``fit``, keeps what
it learned in attributes ending in ``_``, and returns ``self`` from ``fit``. ``forecast(y, h)``
takes statsforecast's memory-light path (no fitted state kept) and must equal
``fit(y).predict(h)``: the contract test in ``tests/demand`` checks it for every class here.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from statsforecast.models import (
    ARIMA,
    MSTL,
    AutoARIMA,
    AutoETS,
    AutoTheta,
    Naive,
    RandomWalkWithDrift,
    SeasonalNaive,
)

from forcesight.errors import ForecastInputError

LEVELS: tuple[int, ...] = (80, 95)
# statsforecast's AutoETS only estimates seasonal components up to this period.
MAX_ETS_SEASON = 24


@dataclass(frozen=True)
class PointForecast:
    """A forecast of ``h`` periods: the mean and, per level [%], lower and upper bounds."""

    mean: np.ndarray
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]


@contextmanager
def _quiet() -> Iterator[None]:
    """statsforecast warns about optimiser convergence on short series; the backtest, not the
    warning, decides whether a model is any good."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def _as_series(y: Any) -> np.ndarray:
    values = np.asarray(y, dtype=float)
    if values.ndim != 1:
        raise ForecastInputError("y", f"must be one-dimensional, got shape {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ForecastInputError("y", "contains missing or infinite values; fill gaps first")
    return values


def _unpack(raw: dict[str, np.ndarray], level: Sequence[int]) -> PointForecast:
    mean = np.asarray(raw["mean"], dtype=float)
    lower = {lv: np.asarray(raw.get(f"lo-{lv}", mean), dtype=float) for lv in level}
    upper = {lv: np.asarray(raw.get(f"hi-{lv}", mean), dtype=float) for lv in level}
    return PointForecast(mean=mean, lower=lower, upper=upper)


class Forecaster:
    """Base of every candidate: wraps one statsforecast model."""

    name: ClassVar[str] = "forecaster"

    def __init__(self, season_length: int = 1) -> None:
        self.season_length = season_length

    def min_length(self) -> int:
        """Fewest observations ``fit`` accepts."""
        return 2

    def _model(self) -> Any:
        """The statsforecast model this forecaster wraps; each subclass names its own."""
        raise TypeError(f"{type(self).__name__} does not name a statsforecast model")

    def _check(self, y: Any) -> np.ndarray:
        values = _as_series(y)
        if len(values) < self.min_length():
            raise ForecastInputError(
                "y",
                f"{self.name} needs at least {self.min_length()} observations, got {len(values)}",
            )
        return values

    def fit(self, y: Any) -> Self:
        values = self._check(y)
        with _quiet():
            self.model_ = self._model().fit(y=values)
        self.n_obs_ = len(values)
        return self

    def predict(self, h: int, level: Sequence[int] = LEVELS) -> PointForecast:
        if not hasattr(self, "model_"):
            raise ForecastInputError("model", f"{self.name} must be fitted before predict")
        with _quiet():
            raw = self.model_.predict(h=h, level=list(level))
        return _unpack(raw, level)

    def forecast(self, y: Any, h: int, level: Sequence[int] = LEVELS) -> PointForecast:
        values = self._check(y)
        with _quiet():
            raw = self._model().forecast(y=values, h=h, level=list(level))
        return _unpack(raw, level)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(season_length={self.season_length})"


class NaiveForecaster(Forecaster):
    """Last value carried forward."""

    name = "naive"

    def min_length(self) -> int:
        return 1

    def _model(self) -> Any:
        return Naive()


class SeasonalNaiveForecaster(Forecaster):
    """Value one season ago carried forward."""

    name = "seasonal_naive"

    def min_length(self) -> int:
        return max(self.season_length, 1) + 1

    def _model(self) -> Any:
        return SeasonalNaive(season_length=self.season_length)


class DriftForecaster(Forecaster):
    """Last value plus the average change over the history."""

    name = "drift"

    def _model(self) -> Any:
        return RandomWalkWithDrift()


class ETSForecaster(Forecaster):
    """Exponential smoothing, components chosen by AICc (seasonal only up to period 24)."""

    name = "ets"

    def _season(self) -> int:
        return self.season_length if 1 < self.season_length <= MAX_ETS_SEASON else 1

    def min_length(self) -> int:
        return max(8, 2 * self._season() + 2)

    def _model(self) -> Any:
        return AutoETS(season_length=self._season())


class ThetaForecaster(Forecaster):
    """Theta family, variant chosen by in-sample fit."""

    name = "theta"

    def min_length(self) -> int:
        return max(8, 2 * self.season_length + 2)

    def _model(self) -> Any:
        return AutoTheta(season_length=self.season_length)


class ARIMAForecaster(Forecaster):
    """ARIMA(1,1,0) with drift: momentum in the period-to-period changes.

    A full AutoARIMA search costs about 9 s on a long daily series here and 0.1-0.2 s even on
    48 quarters, too slow to refit at every backtest origin of every series; one fixed,
    well-behaved specification keeps ARIMA in the race. ``AutoARIMAForecaster`` offers a
    restricted search where a user can afford it.
    """

    name = "arima"

    def min_length(self) -> int:
        return 6

    def _model(self) -> Any:
        return ARIMA(order=(1, 1, 0), include_drift=True)


class AutoARIMAForecaster(Forecaster):
    """AutoARIMA with a capped, stepwise order search (orders <= 2, at most 8 models);
    seasonal terms only for periods up to ``MAX_ETS_SEASON`` (longer ones are MSTL's)."""

    name = "auto_arima"

    def _season(self) -> int:
        return self.season_length if 1 < self.season_length <= MAX_ETS_SEASON else 1

    def min_length(self) -> int:
        return max(12, 2 * self._season() + 2)

    def _model(self) -> Any:
        return AutoARIMA(
            season_length=self._season(),
            max_p=2,
            max_q=2,
            max_P=1,
            max_Q=1,
            max_order=3,
            stepwise=True,
            nmodels=8,
            approximation=True,
        )


class MSTLForecaster(Forecaster):
    """Several seasonalities (e.g. hour of day and hour of week) removed by MSTL, trend by ETS."""

    name = "mstl"

    def __init__(self, season_length: int | Sequence[int] = (7,)) -> None:
        self.season_length = season_length  # type: ignore[assignment]

    def _seasons(self) -> list[int]:
        raw = self.season_length
        seasons = [int(raw)] if isinstance(raw, int | np.integer) else [int(s) for s in raw]
        return [s for s in seasons if s > 1]

    def min_length(self) -> int:
        seasons = self._seasons()
        return 2 * max(seasons) + 1 if seasons else 10**9

    def _model(self) -> Any:
        return MSTL(season_length=self._seasons(), trend_forecaster=AutoETS(model="ZZN"))


FORECASTERS: dict[str, type[Forecaster]] = {
    cls.name: cls
    for cls in (
        NaiveForecaster,
        SeasonalNaiveForecaster,
        DriftForecaster,
        ETSForecaster,
        ThetaForecaster,
        ARIMAForecaster,
        MSTLForecaster,
        AutoARIMAForecaster,
    )
}
# Tried by default; auto_arima only when asked for (its search is slow).
DEFAULT_MODELS: tuple[str, ...] = (
    "naive",
    "seasonal_naive",
    "drift",
    "ets",
    "theta",
    "arima",
    "mstl",
)


def candidates(seasons: Sequence[int], names: Sequence[str] | None = None) -> list[Forecaster]:
    """The candidate forecasters for series with these seasonal periods (first = main season).

    Seasonal naive and MSTL only join when the series has a season; MSTL only with it.
    """
    main = seasons[0] if seasons else 1
    chosen = list(names) if names is not None else list(DEFAULT_MODELS)
    unknown = [n for n in chosen if n not in FORECASTERS]
    if unknown:
        raise ForecastInputError(
            "models", f"unknown model(s) {', '.join(unknown)}; known: {', '.join(FORECASTERS)}"
        )
    result: list[Forecaster] = []
    for name in chosen:
        if name == "seasonal_naive" and main <= 1:
            continue
        if name == "mstl":
            if not [s for s in seasons if s > 1]:
                continue
            result.append(MSTLForecaster(season_length=list(seasons)))
            continue
        result.append(FORECASTERS[name](season_length=main))
    return result
