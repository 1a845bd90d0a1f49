"""Speed benchmark: fit and forecast 1,000 weekly series of three years each.

The whole forecasting pipeline runs: series checks, rolling-origin backtests of the candidates
(2 origins 13 weeks apart, plus the live fit), selection, calibrated intervals and break
detection, 13 weeks ahead. Target (issue 4): <= 60 s on the project machine.

Scale-out: with ``--dask`` the candidates are fitted in Dask tasks on a LocalCluster (or on the
cluster named by the ``dask_scheduler`` setting); the same switch is ``executor = "dask"`` for
``forcesight demand forecast``.

    .venv/bin/python bench/demand_speed.py [--series 1000] [--dask] [--workers 2]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, timedelta

import numpy as np
import polars as pl

from forcesight.demand.backtest import BacktestConfig
from forcesight.demand.forecast import forecast_series


def weekly_series(n_series: int, weeks: int = 156, seed: int = 42) -> pl.DataFrame:
    """Counts with a level, a trend and an annual cycle, Poisson noise (seeded)."""
    rng = np.random.default_rng(seed)
    start = date(2021, 1, 4)
    ds = [start + timedelta(weeks=k) for k in range(weeks)]
    t = np.arange(weeks)
    frames = []
    for i in range(n_series):
        level = rng.uniform(5, 200)
        mean = level * (
            1
            + rng.uniform(-0.002, 0.004) * t
            + rng.uniform(0, 0.25) * np.sin(2 * np.pi * (t + rng.uniform(0, 52)) / 52)
        )
        frames.append(
            pl.DataFrame(
                {
                    "unique_id": f"series_{i:04d}",
                    "ds": ds,
                    "y": rng.poisson(np.clip(mean, 0.1, None)).astype(float),
                }
            )
        )
    return pl.concat(frames)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=1000)
    parser.add_argument("--dask", action="store_true", help="Dask LocalCluster")
    parser.add_argument("--serial", action="store_true", help="one process, no pool")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--models", default="naive,seasonal_naive,drift,ets,arima")
    args = parser.parse_args()

    frame = weekly_series(args.series)
    config = BacktestConfig(
        horizon=13,
        freq="week",
        seasons=(52,),
        models=tuple(args.models.split(",")),
        min_train=104,
        step=13,
        max_origins=2,
        min_windows=2,
        min_errors=30,
    )
    from forcesight.demand.scale import dask_runner, process_runner

    runner = None
    mode = "in this process"
    if args.dask:
        runner = dask_runner(scheduler="", workers=args.workers)
        mode = f"Dask LocalCluster, {args.workers} workers"
    elif not args.serial:
        runner = process_runner(args.workers)
        mode = f"{args.workers} local worker processes"
    started = time.perf_counter()
    cpu = time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = forecast_series(frame, config, fill="zero", runner=runner)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    fits = result.backtest.select("unique_id", "origin", "model").unique().height
    weeks = frame["ds"].n_unique()
    print(f"{args.series} weekly series x {weeks} weeks, models {args.models}, {mode}")
    print(
        f"  {fits:,} model fits, {result.forecasts.height:,} forecast rows, "
        f"{result.problems.height} problems, {result.breaks.height} breaks"
    )
    print(
        f"  wall {seconds:.1f} s ({args.series / seconds:.1f} series/s); CPU: this process "
        f"{cpu_seconds:.1f} s, local worker processes {child_cpu:.1f} s"
    )
    shares = result.selection.group_by("selected").len().sort("selected")
    print("  selected: " + ", ".join(f"{m} {n}" for m, n in shares.iter_rows()))
    print(f"  target <= 60 s: {'PASS' if seconds <= 60 else 'FAIL'} (machine shared; see docs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
