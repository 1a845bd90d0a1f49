"""Scale-out: run the rolling-origin forecasts of a batch on a Dask cluster.

Series are independent, so the batch is cut into chunks and each chunk's candidates are fitted
(statsforecast models) inside a Dask task; selection and calibration then run on the gathered
table as usual. ``executor = "dask"`` with ``dask_scheduler`` set connects to an existing
cluster; without an address a LocalCluster is started for the run and closed after it.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
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
        parts = _chunks(frame, chunks or 4 * n_workers)
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
        return _merge(list(results))

    return run


def _chunks(frame: pl.DataFrame, n_chunks: int) -> list[pl.DataFrame]:
    ids = frame[ID].unique().sort().to_list()
    n = max(1, min(len(ids), n_chunks))
    return [frame.filter(pl.col(ID).is_in(ids[i::n])) for i in range(n) if ids[i::n]]


def _merge(
    results: list[tuple[pl.DataFrame, dict[str, list[str]]]],
) -> tuple[pl.DataFrame, dict[str, list[str]]]:
    failures: dict[str, list[str]] = {}
    for _, fail in results:
        failures.update(fail)
    frames = [cv for cv, _ in results if cv.height]
    return (pl.concat(frames) if frames else results[0][0]), failures


def process_runner(workers: int | None = None, min_series: int = 40) -> Runner:
    """A runner that fits chunks of series in local worker processes; batches smaller than
    ``min_series`` run in this process (starting workers costs more than they save)."""

    def run(
        frame: pl.DataFrame, config: BacktestConfig
    ) -> tuple[pl.DataFrame, dict[str, list[str]]]:
        n_workers = workers if workers is not None else int(setting("workers"))
        if frame[ID].n_unique() < min_series or n_workers < 2:
            return rolling_forecasts(frame, config)
        parts = _chunks(frame, 4 * n_workers)
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            results = list(pool.map(_chunk_forecasts, parts, [config] * len(parts)))
        return _merge(results)

    return run


def runner_from_settings() -> Runner | None:
    """The runner the ``executor`` setting names: "dask", "processes" (local worker processes,
    ``workers`` of them) or "serial" (None: in this process)."""
    executor = setting("executor")
    if executor == "dask":
        return dask_runner()
    if executor == "processes" and int(setting("workers")) > 1:
        return process_runner()
    return None
