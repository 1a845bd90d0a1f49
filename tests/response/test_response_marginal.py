"""Extra response officers for the workforce posts planner."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from response_testkit import insert_synthetic_log
from sqlalchemy import Engine

from forcesight.response.marginal import grade1_within_target_by_extra_units


def test_more_officers_reach_more_grade1_incidents(engine: Engine, tmp_path: Path) -> None:
    insert_synthetic_log(engine, tmp_path / "truth.yaml", days=14)
    result = grade1_within_target_by_extra_units(
        engine, datetime(2026, 1, 25), [0.0, 0.5, 1.0, 2.0, 4.0]
    )
    assert not isinstance(result, str), result
    values, source = result
    assert len(values) == 5
    assert values[0] < values[2] <= values[3] <= values[4] <= 1.0
    # Half an officer lies between none and one.
    assert values[0] <= values[1] <= values[2]
    assert "replayed" in source


def test_without_a_log_the_effect_is_not_assessed(sqlite_engine: Engine) -> None:
    result = grade1_within_target_by_extra_units(sqlite_engine, datetime(2026, 1, 25), [0.0, 1.0])
    assert isinstance(result, str)
    assert result.startswith("response engine")
    assert "not assessed" in result
