"""Replications with independent seeds, confidence intervals, and paired scenario comparisons.

Replications run through an executor chosen by the ``executor`` setting: ``processes`` (local
worker processes, ``workers`` of them), ``serial``, or ``dask`` (the scheduler at
``dask_scheduler``, or a ``distributed.Client`` passed in). Replication k of a run uses seed
``seed + k``; comparing two scenarios with the same seeds gives common random numbers, so the
difference is measured replication by replication (a paired interval).
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from forcesight.errors import SettingError
from forcesight.response.engine import simulate
from forcesight.response.model import Model, sample_incidents
from forcesight.response.results import Summary, summarise
from forcesight.settings import setting

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("processes", "serial", "dask")


def run_one(model: Model, seed: int) -> Summary:
    """One replication: sample, simulate, summarise."""
    return summarise(model, simulate(model, sample_incidents(model, seed)))


def _run_job(job: tuple[Model, int]) -> Summary:
    return run_one(*job)


def execute(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    executor: str | None = None,
    client: Any = None,
    on_done: Callable[[], None] | None = None,
) -> list[R]:
    """``[fn(x) for x in items]`` on the configured executor, results in input order."""
    kind = "dask" if client is not None else (executor or str(setting("executor")))
    if kind not in EXECUTORS:
        raise SettingError("executor", f"is {kind!r}; expected one of {', '.join(EXECUTORS)}")
    results: list[Any] = [None] * len(items)
    if kind == "serial" or (len(items) <= 1 and kind == "processes"):
        for i, item in enumerate(items):
            results[i] = fn(item)
            if on_done:
                on_done()
        return results
    if kind == "processes":
        workers = max(1, min(int(setting("workers")), len(items)))
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_done:
                    on_done()
        return results
    from distributed import Client
    from distributed import as_completed as dask_completed

    own = client is None
    if own:
        address = str(setting("dask_scheduler"))
        if not address:
            raise SettingError(
                "dask_scheduler", "is empty but executor is 'dask': set the scheduler address"
            )
        client = Client(address)  # type: ignore[no-untyped-call]
    try:
        futures = client.map(fn, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in dask_completed(futures):  # type: ignore[no-untyped-call]
            results[index[future.key]] = future.result()
            if on_done:
                on_done()
    finally:
        if own:
            client.close()
    return results


@dataclass(frozen=True)
class Replications:
    """The summaries of n replications of one model, seeds ``seeds``."""

    name: str
    seeds: tuple[int, ...]
    summaries: tuple[Summary, ...]

    def metrics(self) -> pl.DataFrame:
        """metric, grade, replication, value: every replication's figures."""
        return pl.concat(
            [
                s.metrics.with_columns(pl.lit(k).alias("replication"))
                for k, s in enumerate(self.summaries)
            ]
        )

    def intervals(self, level: float = 0.95) -> pl.DataFrame:
        """Mean of each metric over replications with a t-interval: metric, grade, n, mean,
        low, high."""
        return interval_frame(self.metrics(), ["metric", "grade"], level)

    def value(self, metric: str, grade: str = "all") -> float:
        row = self.intervals().filter((pl.col("metric") == metric) & (pl.col("grade") == grade))
        return float(row["mean"][0]) if row.height else math.nan

    def mean_table(self, name: str) -> pl.DataFrame:
        """The mean over replications of one of the Summary's tables (by its key columns)."""
        frames = [getattr(s, name) for s in self.summaries]
        first = frames[0]
        keys = [c for c, t in first.schema.items() if t == pl.Utf8 or c == "hour_of_week"]
        values = [c for c in first.columns if c not in keys]
        mean: pl.DataFrame = (
            pl.concat(frames, how="vertical_relaxed")
            .group_by(keys)
            .agg([pl.col(v).mean() for v in values])
            .sort(keys)
        )
        return mean


def interval_frame(long: pl.DataFrame, keys: list[str], level: float) -> pl.DataFrame:
    """Mean and t-interval of ``value`` by ``keys``."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    grouped = (
        long.filter(pl.col("value").is_not_nan())
        .group_by(keys, maintain_order=True)
        .agg(
            pl.len().alias("n"),
            pl.col("value").mean().alias("mean"),
            pl.col("value").std(ddof=1).alias("sd"),
        )
    )
    quantiles = [
        float(stats.t.ppf(0.5 + level / 2, n - 1)) if n > 1 else math.nan
        for n in grouped["n"].to_list()
    ]
    half = pl.Series("q", quantiles) * grouped["sd"].fill_null(math.nan) / grouped["n"].sqrt()
    return grouped.with_columns(
        (pl.col("mean") - half).alias("low"), (pl.col("mean") + half).alias("high")
    ).drop("sd")


def run_replications(
    model: Model,
    replications: int,
    seed: int = 1,
    *,
    executor: str | None = None,
    client: Any = None,
    on_done: Callable[[], None] | None = None,
) -> Replications:
    """Run ``replications`` independent replications (seeds seed, seed+1, ...)."""
    seeds = tuple(seed + k for k in range(replications))
    summaries = execute(
        _run_job,
        [(model, s) for s in seeds],
        executor=executor,
        client=client,
        on_done=on_done,
    )
    return Replications(model.name, seeds, tuple(summaries))


@dataclass(frozen=True)
class Comparison:
    a: Replications
    b: Replications
    differences: pl.DataFrame  # metric, grade, a_mean, b_mean, n, mean (b - a), low, high


def compare(
    model_a: Model,
    model_b: Model,
    replications: int,
    seed: int = 1,
    *,
    executor: str | None = None,
    client: Any = None,
    on_done: Callable[[], None] | None = None,
    level: float = 0.95,
) -> Comparison:
    """Run both models on the same seeds (common random numbers) and give B - A per metric
    with a paired t-interval."""
    seeds = [seed + k for k in range(replications)]
    jobs = [(model_a, s) for s in seeds] + [(model_b, s) for s in seeds]
    summaries = execute(_run_job, jobs, executor=executor, client=client, on_done=on_done)
    a = Replications(model_a.name, tuple(seeds), tuple(summaries[:replications]))
    b = Replications(model_b.name, tuple(seeds), tuple(summaries[replications:]))
    paired = a.metrics().join(
        b.metrics(), on=["metric", "grade", "replication"], suffix="_b", how="inner"
    )
    diffs = interval_frame(
        paired.with_columns((pl.col("value_b") - pl.col("value")).alias("value")),
        ["metric", "grade"],
        level,
    )
    means = paired.group_by("metric", "grade", maintain_order=True).agg(
        pl.col("value").mean().alias("a_mean"), pl.col("value_b").mean().alias("b_mean")
    )
    return Comparison(a, b, means.join(diffs, on=["metric", "grade"], how="left"))
