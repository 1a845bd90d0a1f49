"""Scenario files: the examples load; a scenario that cannot run is refused with every
problem listed; rosters in the interchange form; overload runs and reports, never hangs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from response_testkit import EXAMPLES, scenario_dict

from forcesight.errors import ScenarioError
from forcesight.response.factory import build_model
from forcesight.response.replicate import run_one
from forcesight.response.roster import (
    ROSTER_SCHEMA,
    on_duty_by_hour_of_week,
    pattern_roster,
    read_roster_csv,
)
from forcesight.response.scenario import PatternSpec, ShiftSpec
from forcesight.response.validate import load_scenario


@pytest.mark.parametrize("name", ["mmc.yaml", "response_county.yaml"])
def test_shipped_examples_load(name: str) -> None:
    inp = load_scenario(EXAMPLES / name)
    model = build_model(inp)
    assert len(model.unit_ids) > 0
    assert model.horizon_min > 0


def test_a_broken_scenario_lists_every_problem(write_scenario: Callable[..., Path]) -> None:
    data = scenario_dict()
    data["demand"]["grades"] = [
        {"grade": "9", "incidents_per_day": 5},  # unknown grade
        {"grade": "1", "incidents_per_day": -3},  # negative rate
        {"grade": "2", "skill_shares": {"dog": 0.1}},  # missing rate; nobody holds "dog"
    ]
    data["policies"] = {"stack_limit": {"7": 3}}  # unknown grade again
    path = write_scenario(data)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    fields = " ".join(f for f, _ in error.problems)
    whys = " ".join(w for _, w in error.problems)
    assert error.path == str(path)
    assert "demand.grades.0.grade" in fields and "'9' is not in grades.yaml" in whys
    assert "demand.grades.1.incidents_per_day" in fields and "greater than or equal to 0" in whys
    assert "demand.grades.2.incidents_per_day" in fields and "Field required" in whys
    assert "policies.stack_limit.7" in fields
    assert "need 'dog' but no unit in the roster" in whys
    # Each problem names its line in the file.
    assert all("(line " in f for f, _ in error.problems)
    assert len(error.problems) == 5
    assert str(error).count("\n  - ") == 5


def test_a_roster_file_with_backward_shifts_is_refused_with_lines(
    tmp_path: Path, write_scenario: Callable[..., Path]
) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "unit_id,function,area,skills,start,end\n"
        "A1,response,north,,2026-01-05T07:00:00,2026-01-05T17:00:00\n"
        "A2,response,north,firearms,2026-01-05T17:00:00,2026-01-05T07:00:00\n"
        "A1,response,north,,2026-01-05T16:00:00,2026-01-05T20:00:00\n"
        "A3,response,nowhere,,not a time,2026-01-05T20:00:00\n",
        encoding="utf-8",
    )
    data = scenario_dict(roster={"csv": "roster.csv"})
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write_scenario(data))
    text = str(caught.value)
    assert (
        "roster.csv, line 3.end" in text
        and "ends (2026-01-05 07:00:00) at or before it starts" in text
    )
    assert "roster.csv, line 4.start" in text and "before the previous one ends" in text
    assert "roster.csv, line 5.start" in text and "'not a time' is not a datetime" in text
    assert "'nowhere' is not one of the scenario's areas" not in text  # row was unreadable


def test_roster_interchange_frame_replaces_the_files_roster(
    write_scenario: Callable[..., Path],
) -> None:
    roster = pl.DataFrame(
        {
            "unit_id": ["R1", "R2", "R2"],
            "function": ["response"] * 3,
            "area": ["north", "south", "south"],
            "skills": ["firearms;dog", "", ""],
            "start": [datetime(2026, 1, 5), datetime(2026, 1, 5), datetime(2026, 1, 8)],
            "end": [datetime(2026, 1, 13), datetime(2026, 1, 7), datetime(2026, 1, 13)],
        },
        schema=ROSTER_SCHEMA,
    )
    inp = load_scenario(write_scenario(scenario_dict()), roster=roster)
    model = build_model(inp)
    assert model.unit_ids == ("R1", "R2")
    assert model.unit_skills[0] == 0b11  # firearms and dog
    assert len(model.shift_start) == 3
    backwards = roster.with_columns(pl.col("end").shift(1).fill_null(datetime(2026, 1, 1)))
    with pytest.raises(ScenarioError, match=r"ends .* at or before it starts"):
        load_scenario(write_scenario(scenario_dict()), roster=backwards)


def test_pattern_roster_rotates_teams_through_the_cycle() -> None:
    pattern = PatternSpec(
        area="north",
        teams=5,
        units_per_team=2,
        cycle=["D", "D", "L", "L", "N", "N", "R", "R", "R", "R"],
        shifts={
            "D": ShiftSpec(start="07:00", hours=10),
            "L": ShiftSpec(start="14:00", hours=10),
            "N": ShiftSpec(start="22:00", hours=10),
        },
        skills={"firearms": 1},
    )
    roster = pattern_roster([pattern], datetime(2026, 1, 5), datetime(2026, 1, 19))
    cover = on_duty_by_hour_of_week(roster)
    # Each day one team (2 units) works each shift; overlaps give 4 at 07:00-08:00 (night and
    # day), 14:00-17:00 (day and late) and 22:00-24:00 (late and night).
    by_hour = dict(zip(cover["hour_of_week"].to_list(), cover["units"].to_list(), strict=True))
    assert by_hour[24 + 10] == 2  # Tuesday 10:00: the day team only
    assert by_hour[24 + 15] == 4  # Tuesday 15:00: day and late
    assert by_hour[24 + 3] == 2  # Tuesday 03:00: the night team
    assert roster.filter(pl.col("skills") == "firearms")["unit_id"].n_unique() == 5


def test_demand_above_capacity_runs_and_reports_an_unstable_queue(
    write_scenario: Callable[..., Path],
) -> None:
    data = scenario_dict(horizon_days=14, drain_hours=6)
    data["demand"]["grades"] = [
        {"grade": "1", "incidents_per_day": 200, "on_scene": {"median_min": 60}},
        {"grade": "3", "incidents_per_day": 200, "on_scene": {"median_min": 60}},
    ]
    data["roster"] = {"constant": [{"area": "north", "units": 4}]}
    model = build_model(load_scenario(write_scenario(data)))
    summary = run_one(model, 1)
    values = {
        (m, g): v for m, g, v in summary.metrics.select("metric", "grade", "value").iter_rows()
    }
    assert values[("unstable", "all")] == 1.0
    assert values[("queue_growth_per_day", "all")] > 50
    assert values[("stacked_at_end", "all")] > 1000
    assert values[("unmet", "3")] > 1000  # the low grade is not reached
    assert not summary.unmet.is_empty()
    assert set(summary.unmet["outcome"].to_list()) == {"not_reached"}


def test_read_roster_csv_reports_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("unit_id,start\nA,2026-01-05T07:00:00\n", encoding="utf-8")
    frame, problems = read_roster_csv(path)
    assert frame.is_empty()
    assert "missing column(s) function, area, skills, end" in problems[0][1]


def test_skill_aliases_from_the_skills_register_are_understood(
    write_scenario: Callable[..., Path],
) -> None:
    data = scenario_dict()
    data["demand"]["grades"][0]["skill_shares"] = {"firearms": 0.1}
    data["roster"] = {
        "constant": [
            {"area": "north", "units": 2, "skills": ["firearms_afo"]},
            {"area": "south", "units": 2},
        ]
    }
    model = build_model(load_scenario(write_scenario(data)))
    firearms = model.skill_names.index("firearms")
    assert [bool(m >> firearms & 1) for m in model.unit_skills] == [True, True, False, False]
    data["roster"]["constant"][0]["skills"] = ["dog_handler"]
    with pytest.raises(ScenarioError, match="need 'firearms' but no unit"):
        load_scenario(write_scenario(data))
