"""The `forcesight response` commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from response_testkit import EXAMPLES, insert_synthetic_log, scenario_dict
from sqlalchemy import Engine
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.response.catalogue import list_scenarios
from forcesight.store.engine import open_engine

runner = CliRunner()


def test_simulate_mmc_prints_the_erlang_c_answer_beside_the_simulated_one() -> None:
    result = runner.invoke(
        app, ["response", "simulate", str(EXAMPLES / "mmc.yaml"), "--json", "-n", "2",
              "--executor", "serial"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["erlang_c_mean_wait"] == pytest.approx(6.1377, abs=1e-3)
    assert payload["mean_wait"] == pytest.approx(payload["erlang_c_mean_wait"], rel=0.15)
    assert payload["mean_wait_unit"] == "min"
    assert payload["grades"]["1"]["within_target_share"]["low"] is not None


def test_simulate_refuses_a_bad_scenario_listing_every_problem(
    write_scenario: Callable[..., Path],
) -> None:
    data = scenario_dict()
    data["demand"]["grades"][0]["grade"] = "X"
    data["demand"]["grades"][1]["incidents_per_day"] = -1
    result = runner.invoke(app, ["response", "simulate", str(write_scenario(data)), "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "2 problem(s)" in result.output
    assert "'X' is not in grades.yaml" in result.output
    assert "incidents_per_day" in result.output


def test_compare_prints_paired_differences(write_scenario: Callable[..., Path]) -> None:
    a = scenario_dict(horizon_days=4)
    b = scenario_dict(horizon_days=4)
    b["roster"] = {"constant": [{"area": "north", "units": 5}, {"area": "south", "units": 5}]}
    result = runner.invoke(
        app, ["response", "compare", str(write_scenario(a)), str(write_scenario(b)), "--json",
              "-n", "3", "--executor", "serial"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["common_random_numbers"] is True
    rows = {(r["metric"], r["grade"]): r for r in payload["differences"]}
    assert rows[("utilisation", "all")]["difference"] < 0  # more units, each less busy
    assert rows[("incidents", "all")]["difference"] == 0


def test_staffing_from_a_scenario_and_an_unknown_method() -> None:
    result = runner.invoke(
        app, ["response", "staffing", "--scenario", str(EXAMPLES / "mmc.yaml"), "--json"]
    )
    assert result.exit_code == 0, result.output
    hours = json.loads(result.stdout)["hours"]
    assert len(hours) == 168 and hours[0]["units"] == 11
    bad = runner.invoke(app, ["response", "staffing", "--method", "guess"])
    assert bad.exit_code == 2


def test_calibrate_and_staffing_from_the_store(engine: Engine, tmp_path: Path) -> None:
    made = insert_synthetic_log(engine, tmp_path / "truth.yaml", days=14)
    url = engine.url.render_as_string(hide_password=False)
    result = runner.invoke(app, ["--db", url, "response", "calibrate", "--json", "-n", "1"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["incidents"] == made["incidents"]
    left = {(r["stage"], r["reason"]): r["rows"] for r in payload["rows_left_out"]}
    assert left[("response", "no first_arrived_at")] == made["no_arrival"]
    assert {r["percentile"] for r in payload["response_percentiles"]} == {50, 80, 90}
    staffing = runner.invoke(app, ["--db", url, "response", "staffing", "--json"])
    assert staffing.exit_code == 0, staffing.output
    assert len(json.loads(staffing.stdout)["hours"]) == 168


def test_schema_documents_every_field_with_a_unit() -> None:
    result = runner.invoke(app, ["response", "schema"])
    assert result.exit_code == 0
    assert "`demand.grades[].incidents_per_day`" in result.stdout
    assert "[1/day]" in result.stdout


def test_docs_scenario_reference_is_the_generated_one() -> None:
    from response_testkit import ROOT

    from forcesight.response.docs import scenario_schema_markdown

    assert scenario_schema_markdown() in (ROOT / "docs" / "response.md").read_text(encoding="utf-8")


def test_save_stores_a_scenario_the_roster_compare_can_name(
    store_url: str, write_scenario: Callable[..., Path]
) -> None:
    path = write_scenario(scenario_dict(name="trial"))
    result = runner.invoke(app, ["--db", store_url, "response", "save", str(path), "--name",
                                 "trial", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"ref": "stored:trial", "name": "trial"}
    bad = write_scenario(scenario_dict(name="bad", horizon_days=-1))
    refused = runner.invoke(app, ["--db", store_url, "response", "save", str(bad), "--name", "x"])
    assert refused.exit_code == 2 and "horizon_days" in refused.output
    assert f"{bad.name} cannot run" in refused.output  # the user's file, named
    engine = open_engine(store_url)
    try:
        assert [s.ref for s in list_scenarios(engine) if s.origin == "stored"] == ["stored:trial"]
    finally:
        engine.dispose()
