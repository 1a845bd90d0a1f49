"""The Erlang table and required cover for rostering."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from response_testkit import EXAMPLES, scenario_dict

from forcesight.response.erlang import erlang_c_wait_exceeds
from forcesight.response.factory import build_model
from forcesight.response.staffing import erlang_table, hourly_demand_from_model, required_cover
from forcesight.response.validate import load_scenario


def test_required_cover_has_the_interchange_columns(write_scenario: Callable[..., Path]) -> None:
    cover = required_cover(load_scenario(write_scenario(scenario_dict())))
    assert cover.schema == {"function": pl.Utf8, "hour_of_week": pl.Int64, "required": pl.Int64}
    assert cover["hour_of_week"].to_list() == list(range(168))
    assert (cover["function"] == "response").all()
    assert cover["required"].min() > 0


def test_more_demand_needs_more_officers(write_scenario: Callable[..., Path]) -> None:
    base = scenario_dict()
    busier = scenario_dict()
    busier["demand"] = dict(busier["demand"], multiplier=2.0)
    low = required_cover(load_scenario(write_scenario(base)))
    high = required_cover(load_scenario(write_scenario(busier)))
    assert (high["required"] >= low["required"]).all()
    assert high["required"].sum() > low["required"].sum()


def test_mmc_table_is_erlang_c_and_meets_the_target_with_the_fewest_units() -> None:
    model = build_model(load_scenario(EXAMPLES / "mmc.yaml"))
    demand = hourly_demand_from_model(model)
    table = erlang_table(demand, method="erlang_c", unit_availability=1.0)
    row = table.row(0, named=True)
    assert row["offered_load"] == pytest.approx(8.0)
    units = row["units"]
    rate, mean = 384 / 1440, 30.0
    # The fewest units with P(wait <= 15) >= 0.9: one fewer must fail.
    assert 1 - erlang_c_wait_exceeds(units, rate, mean, 15.0) >= 0.9
    assert 1 - erlang_c_wait_exceeds(units - 1, rate, mean, 15.0) < 0.9
    assert row["within_target_share_1"] == pytest.approx(
        1 - erlang_c_wait_exceeds(units, rate, mean, 15.0)
    )
    assert row["officers"] == units  # availability 1, one officer per unit
    given = erlang_table(demand, method="erlang_c", units_on_duty={h: 10 for h in range(168)})
    assert given["units"].to_list() == [10] * 168
    assert given["within_target_share_1"][0] == pytest.approx(0.8495, abs=1e-3)


def test_a_target_travel_alone_misses_is_reported_unattainable(
    write_scenario: Callable[..., Path],
) -> None:
    data = scenario_dict(
        travel={"same_area_median_min": 14, "other_area_median_min": 20, "sigma": 0.5}
    )
    demand = hourly_demand_from_model(build_model(load_scenario(write_scenario(data))))
    table = erlang_table(demand)
    # Median travel 14 min against a 15 min urban target: no staffing reaches 90%.
    assert (table["unattainable_grades"] == "1").all()
    assert table["units"].max() < 100


def test_priority_needs_no_more_units_than_pooled_fcfs(write_scenario: Callable[..., Path]) -> None:
    demand = hourly_demand_from_model(build_model(load_scenario(write_scenario(scenario_dict()))))
    priority = erlang_table(demand, method="priority")
    pooled = erlang_table(demand, method="erlang_c")
    assert (priority["units"] <= pooled["units"]).all()
    # Callers who give up (patience 60 min) shorten the queue for the rest: never more units.
    impatient = erlang_table(demand, method="erlang_a", mean_patience_min=60.0)
    assert (impatient["units"] <= pooled["units"]).all()
    six = {h: 6.0 for h in range(168)}
    fcfs_at_six = erlang_table(demand, method="erlang_c", units_on_duty=six)
    impatient_at_six = erlang_table(
        demand, method="erlang_a", units_on_duty=six, mean_patience_min=60.0
    )
    assert (impatient_at_six["within_target_share_2"] > fcfs_at_six["within_target_share_2"]).all()
