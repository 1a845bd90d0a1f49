"""Replications through every executor, intervals, and comparisons with common random numbers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from response_testkit import scenario_dict

from forcesight.errors import SettingError
from forcesight.response.factory import build_model
from forcesight.response.model import Model
from forcesight.response.replicate import compare, execute, run_replications
from forcesight.response.validate import load_scenario


def _model(write_scenario: Callable[..., Path], units: int = 3, days: int = 3) -> Model:
    data = scenario_dict(horizon_days=days)
    data["roster"] = {
        "constant": [{"area": "north", "units": units}, {"area": "south", "units": units}]
    }
    return build_model(load_scenario(write_scenario(data)))


def test_executors_give_identical_results(write_scenario: Callable[..., Path]) -> None:
    from distributed import Client, LocalCluster

    model = _model(write_scenario)
    serial = run_replications(model, 2, 7, executor="serial")
    processes = run_replications(model, 2, 7, executor="processes")
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        dask = run_replications(model, 2, 7, client=client)
    assert serial.seeds == processes.seeds == dask.seeds == (7, 8)
    assert_frame_equal(serial.metrics(), processes.metrics())
    assert_frame_equal(serial.metrics(), dask.metrics())
    # Different seeds are different replications.
    assert (
        serial.summaries[0].metrics["value"].to_list()
        != serial.summaries[1].metrics["value"].to_list()
    )


def test_intervals_cover_the_replication_mean(write_scenario: Callable[..., Path]) -> None:
    reps = run_replications(_model(write_scenario), 4, 1, executor="serial")
    row = reps.intervals().filter(
        (pl.col("metric") == "within_target_share") & (pl.col("grade") == "1")
    )
    assert row["n"][0] == 4
    assert row["low"][0] < row["mean"][0] < row["high"][0]
    table = reps.mean_table("by_hour")
    assert set(table.columns) == {"grade", "hour_of_week", "incidents", "within_target_share"}


def test_comparison_uses_common_random_numbers(write_scenario: Callable[..., Path]) -> None:
    a = _model(write_scenario, units=3, days=10)
    same = compare(a, a, 3, 1, executor="serial")
    diff = same.differences.filter(pl.col("metric") == "mean_wait_min")
    assert (diff["mean"].abs() < 1e-12).all()  # identical inputs: exactly zero, zero width
    more = _model(write_scenario, units=5, days=10)
    better = compare(a, more, 6, 1, executor="serial").differences
    wait = better.filter((pl.col("metric") == "mean_wait_min") & (pl.col("grade") == "all"))
    assert wait["mean"][0] < 0 and wait["high"][0] < 0  # more units: shorter waits, surely
    # Same arrivals in both arms (CRN): incident counts equal replication by replication.
    count = better.filter((pl.col("metric") == "incidents") & (pl.col("grade") == "all"))
    assert count["mean"][0] == 0


def test_unknown_executor_and_missing_scheduler_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SettingError, match="expected one of processes, serial, dask"):
        execute(abs, [1, 2], executor="threads")
    monkeypatch.setenv("FORCESIGHT_DASK_SCHEDULER", "")
    with pytest.raises(SettingError, match="dask_scheduler"):
        execute(abs, [1, 2], executor="dask")
