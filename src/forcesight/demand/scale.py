"""Scale-out: run the rolling-origin forecasts of a batch on a Dask cluster.

Series are independent, so the batch is cut into chunks and each chunk's candidates are fitted
(statsforecast models) inside a Dask task; selection and calibration then run on the gathered
table as usual. ``executor = "dask"`` with ``dask_scheduler`` set connects to an existing
cluster; without an address a LocalCluster is started for the run and closed after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from forcesight.demand.backtest import ID, BacktestConfig, rolling_forecasts
from forcesight.settings import setting

Runner = Callable[[pl.DataFrame, BacktestConfig], tuple[pl.DataFrame, dict[str, list[str]]]]


def _chunk_forecasts(
    frame: pl.DataFrame, config: BacktestConfig
) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    return rolling_forecasts(frame, config)


def dask_runner(
    scheduler: str | None = None, workers: int | None = None, chunks: int | None = None
) -> Runner:
    """A runner for ``forecast_series(runner=...)`` that fans series out over Dask."""

    def run(
        frame: pl.DataFrame, config: BacktestConfig
    ) -> tuple[pl.DataFrame, dict[str, list[str]]]:
        import distributed

        dist: Any = distributed  # distributed ships without type hints

        address = scheduler if scheduler is not None else str(setting("dask_scheduler"))
        n_workers = workers if workers is not None else int(setting("workers"))
        ids = frame[ID].unique().sort().to_list()
        n_chunks = max(1, min(len(ids), chunks or 4 * n_workers))
        groups = [ids[i::n_chunks] for i in range(n_chunks)]
        parts = [frame.filter(pl.col(ID).is_in(g)) for g in groups if g]
        cluster = None
        if address:
            client = dist.Client(address)
        else:
            cluster = dist.LocalCluster(
                n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = dist.Client(cluster)
        try:
            futures = client.map(_chunk_forecasts, parts, [config] * len(parts), pure=False)
            results = client.gather(futures)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        failures: dict[str, list[str]] = {}
        for _, fail in results:
            failures.update(fail)
        frames = [cv for cv, _ in results if cv.height]
        return (pl.concat(frames) if frames else results[0][0]), failures

    return run


def runner_from_settings() -> Runner | None:
    """The Dask runner when the ``executor`` setting is "dask", else None (in-process)."""
    return dask_runner() if setting("executor") == "dask" else None
