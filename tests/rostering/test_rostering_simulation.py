"""Current roster against proposed in the response simulation: officers become the units the
simulation uses (response only, area, skills, nights into the next morning), more night cover
where night demand is high reaches more emergencies, and `roster compare --simulate --json`
gives exactly what the response simulation gives when run directly on to_shifts(B)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from rostering_scenarios import CURRENT, DAY, NIGHT, PROPOSED, SCENARIO, response_design
from sqlalchemy import Engine
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.errors import RosterSimulationError
from forcesight.reporting.section import Step
from forcesight.response.factory import build_model
from forcesight.response.service import simulate_scenario
from forcesight.response.validate import load_scenario
from forcesight.rostering import queries, service
from forcesight.rostering.design import Design
from forcesight.rostering.export import to_shifts
from forcesight.rostering.roster import instantiate, read_roster_csv, write_roster_csv
from forcesight.rostering.simulation import (
    RosterSimulation,
    comparison_record,
    layout_window,
    roster_units,
    scenario_source,
    simulate_rosters,
)
from forcesight.store.engine import open_engine

runner = CliRunner()


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenario") / "nights.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def simulated(scenario_path: Path) -> RosterSimulation:
    return simulate_rosters(CURRENT, PROPOSED, scenario_path, executor="serial")


def test_the_layout_starts_the_monday_before_the_eve_of_the_run() -> None:
    # A Monday start needs the Sunday night before: the week from Monday 29 December.
    assert layout_window(datetime(2026, 1, 5), datetime(2026, 1, 12, 12)) == (date(2025, 12, 29), 3)
    assert layout_window(datetime(2026, 1, 7, 6), datetime(2026, 1, 8)) == (date(2026, 1, 5), 1)


def test_officers_become_response_units_with_area_skills_and_nights(scenario_path: Path) -> None:
    both = Design(
        "mixed",
        PROPOSED.start_date,
        PROPOSED.published_on,
        (
            response_design("r", (NIGHT,), skills=("firearms_afo", "driver")).functions[0],
            replace(response_design("n", (DAY,)).functions[0], function="neighbourhood"),
        ),
    )
    inp = load_scenario(scenario_path)
    units = roster_units(both, inp)
    shifts = units.shifts
    assert set(shifts["function"]) == {"response"} and units.officers == 3
    assert set(shifts["area"]) == {"town"}
    # the register's alias maps to the simulation's skill; a skill it does not model is listed
    assert set(shifts["skills"]) == {"firearms"} and units.skills_not_simulated == ("driver",)
    # the Sunday night before the run is on duty at its start and ends Monday 07:00
    eve = shifts.filter(shifts["start"] == datetime(2026, 1, 4, 21))
    assert eve.height == 3 and set(eve["end"]) == {datetime(2026, 1, 5, 7)}
    model = build_model(load_scenario(scenario_path, roster=shifts))
    on_at_start = (model.shift_start <= 0) & (model.shift_end > 0)
    assert on_at_start.sum() == 3 and set(model.shift_end[on_at_start]) == {7 * 60.0}


def test_a_roster_the_scenario_cannot_use_is_refused_naming_why(scenario_path: Path) -> None:
    inp = load_scenario(scenario_path)
    with pytest.raises(RosterSimulationError, match=r"'force', which is not one of the scen"):
        roster_units(response_design("elsewhere", (DAY,), area="force"), inp)
    with pytest.raises(RosterSimulationError, match=r"no 'investigation' shifts.*rostered: resp"):
        roster_units(response_design("n", (DAY,)), inp, function="investigation")
    ten_days = instantiate(CURRENT, date(2026, 3, 2), 2)
    ten_days = replace(ten_days, days=10, duties=tuple(row[:10] for row in ten_days.duties))
    with pytest.raises(RosterSimulationError, match="only a roster of whole weeks"):
        roster_units(ten_days, inp)


def test_more_night_cover_where_night_demand_is_high_reaches_more_emergencies(
    simulated: RosterSimulation,
) -> None:
    shares = simulated.shares()
    grade1 = shares.filter((shares["metric"] == "within_target_share") & (shares["grade"] == "1"))
    row = grade1.row(0, named=True)
    assert row["n"] == 4
    assert row["a_high"] < row["b_low"]  # the intervals do not overlap
    assert row["difference_low"] > 0  # and the paired difference is above zero
    vulnerable = shares.filter(shares["metric"] == "vulnerable_within_target_share")
    assert vulnerable.filter(vulnerable["grade"] == "1")["difference_low"][0] > 0
    assert set(shares["grade"]) == {"1", "2"}
    assert simulated.headline_grade == "1"


def test_compare_json_equals_the_simulation_run_directly_on_to_shifts_b(
    scenario_path: Path, tmp_path: Path
) -> None:
    first, weeks = layout_window(datetime(2026, 1, 5), datetime(2026, 1, 12, 12))
    # A: one week of dated roster in March, repeated onto January; B: dated over the run
    write_roster_csv(instantiate(CURRENT, date(2026, 3, 2), 1), tmp_path / "a.csv")
    write_roster_csv(instantiate(PROPOSED, first, weeks), tmp_path / "b.csv")
    db = f"sqlite:///{tmp_path / 'fs.db'}"
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    result = runner.invoke(
        app,
        ["--db", db, "roster", "compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
         "--simulate", str(scenario_path), "--replications", "3", "--seed", "7",
         "--executor", "serial", "--json", "--save", "fms"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    sim = json.loads(result.stdout)["simulation"]
    engine = open_engine(db)
    stored = queries.load_named(engine, queries.KIND_COMPARISON, "fms")
    engine.dispose()
    assert stored["simulation"] == sim and stored["proposed"] == str(tmp_path / "b.csv")
    assert sim["replications"] == 3 and sim["seeds"] == [7, 8, 9]
    direct = simulate_scenario(
        scenario_path, roster=to_shifts(PROPOSED, first, weeks), replications=3, seed=7,
        executor="serial",
    ).to_dict()["grades"]  # fmt: skip
    compared = 0
    for row in sim["shares"]:
        assert row["b"] == direct[row["grade"]][row["metric"]]
        compared += 1
    assert compared == 3  # grades 1 and 2, and grade 1's vulnerable victims
    a_direct = simulate_scenario(
        scenario_path, roster=to_shifts(CURRENT, first, weeks), replications=3, seed=7,
        executor="serial",
    ).to_dict()["grades"]  # fmt: skip
    assert sim["shares"][0]["a"] == a_direct["1"]["within_target_share"]


def test_compare_needs_cover_or_a_scenario(tmp_path: Path) -> None:
    result = runner.invoke(app, ["roster", "compare", "a.csv", "b.csv"])
    assert result.exit_code == 2 and "--simulate" in result.output


def test_the_statement_reports_the_stored_comparison(
    engine: Engine, simulated: RosterSimulation
) -> None:
    now = datetime(2026, 2, 1, 9)
    empty = service.comparison_section(engine, now)
    assert empty.step == Step.PLANS and "--simulate SCENARIO --save NAME" in empty.missing[0]
    queries.save_named(engine, queries.KIND_PATTERN, "proposed", PROPOSED.to_dict(), now)
    payload = {"simulation": simulated.to_dict()}
    record = comparison_record("roster:current", "pattern:proposed", "nights.yaml", payload, now)
    queries.save_named(engine, queries.KIND_COMPARISON, "fms", record, now)
    sections = service.report_section(engine, now)
    section = sections[-1]
    assert section.missing == [] and section.step == Step.PLANS
    headline = simulated.shares().row(0, named=True)
    assert [f.value for f in section.figures] == pytest.approx(
        [headline["a_mean"], headline["b_mean"], headline["difference"]]
    )
    assert "the run tells them apart" in section.summary
    assert "roster:current is no longer stored" in section.summary
    assert section.tables[0].frame.height == 3


def test_the_example_roster_against_itself_differs_by_exactly_nothing() -> None:
    """Common random numbers: the same roster as A and B gives the same incidents, the same
    dispatches, and a difference of exactly zero in every replication."""
    examples = Path(__file__).resolve().parents[2] / "examples"
    current = read_roster_csv(examples / "rostering_current.csv")
    path, text = scenario_source(str(examples / "response_county_north.yaml"), 3, open_engine)
    result = simulate_rosters(current, current, path, text=text, replications=2,
                              executor="serial").to_dict()  # fmt: skip
    assert result["horizon_days"] == 3 and result["a"]["units"] == 50
    assert result["a"]["skills_not_simulated"] == ["driver"]
    for row in result["shares"]:
        assert row["a"] == row["b"]
        assert row["difference"] == {"mean": 0.0, "low": 0.0, "high": 0.0}


def test_a_roster_without_the_skills_demand_needs_is_named(scenario_path: Path) -> None:
    # the scenario's own unit is armed, so the scenario alone is sound; neither roster is
    text = SCENARIO.replace(
        "vulnerable_share: 0.3}", "vulnerable_share: 0.3, skill_shares: {firearms: 0.1}}"
    ).replace("units: 1}", "units: 1, skills: [firearms]}")
    with pytest.raises(RosterSimulationError, match=r"roster A \(current\) in scenario") as err:
        simulate_rosters(CURRENT, PROPOSED, scenario_path, text=text, executor="serial")
    assert "need 'firearms' but no unit in the roster" in str(err.value)
