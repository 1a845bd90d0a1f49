"""Calibration on a synthetic log inserted into the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from response_testkit import (
    TRUE_SCENE_MEDIAN,
    TRUE_SCENE_SIGMA,
    TRUE_TRAVEL_MEDIAN,
    TRUE_TRAVEL_SIGMA,
    insert_synthetic_log,
)
from sqlalchemy import Engine

from forcesight.errors import ScenarioError
from forcesight.response.calibrate import calibrate
from forcesight.response.staffing import hourly_demand_from_log, required_cover


def test_calibration_recovers_the_log_and_counts_rows_left_out(
    engine: Engine, tmp_path: Path
) -> None:
    made = insert_synthetic_log(engine, tmp_path / "truth.yaml", days=42)
    result = calibrate(engine, replications=2, executor="serial")
    assert result.incidents == made["incidents"]
    left = {(r["stage"], r["reason"]): r["rows"] for r in result.exclusions.to_dicts()}
    assert left[("response", "no first_arrived_at")] == made["no_arrival"]
    assert left[("on_scene", "no first_arrived_at")] == made["no_arrival"]
    assert left[("on_scene", "cleared at or before arrival")] == made["zero_scene"]
    assert result.rows_used == made["incidents"] - made["no_arrival"]
    # Fits near the truth the log was made from.
    scene = {r["category"]: r for r in result.on_scene.to_dicts()}
    for grade, median in TRUE_SCENE_MEDIAN.items():
        assert scene[f"grade {grade}"]["median_min"] == pytest.approx(median, rel=0.08)
        assert scene[f"grade {grade}"]["sigma"] == pytest.approx(TRUE_SCENE_SIGMA, rel=0.08)
    # The synthetic force travels alike from either area, so the fit is the truth.
    assert result.travel["median_min"].to_list() == pytest.approx(
        [TRUE_TRAVEL_MEDIAN] * 2, rel=0.08
    )
    assert result.travel_sigma == pytest.approx(TRUE_TRAVEL_SIGMA, rel=0.1)
    assert result.roster_source == "inferred from deployments"
    assert result.units == 6
    # Replaying the log's arrivals gives the observed response percentiles back.
    # (The tail of a queue varies from run to run: the 90th percentile gets more room.)
    for row in result.comparison.filter(pl.col("grade").is_in(["1", "2"])).to_dicts():
        tolerance = 0.2 if row["percentile"] == 90 else 0.12
        assert row["simulated_min"] == pytest.approx(row["observed_min"], rel=tolerance), row
    as_json = result.to_dict()
    assert {"rows_left_out", "response_percentiles", "on_scene_fits"} <= set(as_json)


def test_required_cover_from_the_store(engine: Engine, tmp_path: Path) -> None:
    insert_synthetic_log(engine, tmp_path / "truth.yaml", days=14)
    demand = hourly_demand_from_log(engine)
    assert demand.filter(pl.col("grade") == "1")["arrivals_per_hour"].mean() == pytest.approx(
        30 / 24, rel=0.15
    )
    cover = required_cover(engine)
    assert cover.height == 168 and cover["required"].min() >= 1


def test_calibration_without_a_log_is_refused(engine: Engine) -> None:
    with pytest.raises(ScenarioError, match="no incidents to calibrate on"):
        calibrate(engine, replications=1, executor="serial")
