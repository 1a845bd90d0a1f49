"""The demand commands end to end, and the Force Management Statement sections."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.demand.report import report_section
from forcesight.reporting.section import Step

ROLLING = (
    Path(__file__).resolve().parents[2]
    / "src"
    / "forcesight"
    / "data"
    / "home_office"
    / "recorded_crime_by_force_rolling_year.csv"
)
runner = CliRunner()


@pytest.fixture(scope="module")
def small_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three real Northamptonshire series in the Home Office rolling-year format."""
    text = ROLLING.read_text().splitlines()
    keep = [text[0]] + [
        line
        for line in text[1:]
        if ",Northamptonshire," in line
        and any(f",{g}," in line for g in ("Robbery", "Shoplifting", "Drug offences"))
    ]
    path = tmp_path_factory.mktemp("ho") / "rolling.csv"
    path.write_text("\n".join(keep) + "\n")
    return path


def test_backtest_json_has_exactly_the_published_shape(small_file: Path) -> None:
    result = runner.invoke(
        app, ["demand", "backtest", str(small_file), "--json", "--horizons", "4,8"]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["horizons"]
    assert list(payload["horizons"]) == ["4", "8"]
    for entry in payload["horizons"].values():
        assert set(entry) == {"naive", "drift", "models", "selected", "coverage_80"}
        assert set(entry["naive"]) == {"mase", "smape"}
        assert set(entry["selected"]) == {"mase", "smape"}
        assert {"naive", "drift", "ets", "theta", "arima"} <= set(entry["models"])
        assert entry["naive"] == entry["models"]["naive"]
        assert 0.0 <= entry["coverage_80"] <= 1.0
        assert entry["selected"]["mase"] > 0


def test_backtest_refuses_a_malformed_file(tmp_path: Path, small_file: Path) -> None:
    lines = small_file.read_text().splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + ",many"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["demand", "backtest", str(bad), "--json"])
    assert result.exit_code != 0
    assert "line 4" in result.output
    assert "Rolling year total" in result.output


def test_forecast_writes_tables_chart_and_applies_a_scenario(
    tmp_path: Path, small_file: Path
) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(
        'version: "1"\nadjustments:\n  - name: new online reporting\n'
        '    kind: reporting_channel\n    series: ["Northamptonshire | Shoplifting"]\n'
        "    from: 2019-06-30\n    multiplier: 1.2\n    description: pilot force's uplift\n"
    )
    out = tmp_path / "forecast.parquet"
    chart = tmp_path / "fan.svg"
    result = runner.invoke(
        app,
        [
            "demand",
            "forecast",
            "--home-office",
            str(small_file),
            "--horizon",
            "8",
            "--scenario",
            str(scenario),
            "--out",
            str(out),
            "--chart",
            str(chart),
            "--series",
            "Northamptonshire | Shoplifting",
        ],
    )
    assert result.exit_code == 0, result.output
    table = pl.read_parquet(out)
    shop = table.filter(pl.col("unique_id") == "Northamptonshire | Shoplifting").sort("ds")
    assert shop.height == 8
    adjusted = shop.filter(pl.col("adjustments") != "")
    assert adjusted["forecast"].to_list() == pytest.approx(
        [v * 1.2 for v in adjusted["baseline_forecast"]]
    )
    assert (tmp_path / "forecast.selection.parquet").exists()
    assert (tmp_path / "forecast.harmonisation.parquet").exists()
    assert chart.read_text().startswith("<svg")


def test_profile_command_writes_csv_and_heat_map(
    tmp_path: Path, load_demand_fixture: Callable[[Engine], None]
) -> None:
    from forcesight.store.engine import open_engine
    from forcesight.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    load_demand_fixture(engine)
    engine.dispose()
    out, chart = tmp_path / "profile.csv", tmp_path / "heat.png"
    result = runner.invoke(
        app,
        [
            "--db",
            url,
            "demand",
            "profile",
            "--by",
            "category",
            "--by",
            "hour_of_week",
            "--from",
            "2024-01-01",
            "--to",
            "2025-01-01",
            "--out",
            str(out),
            "--chart",
            str(chart),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["by"] == ["category", "hour_of_week"]
    table = pl.read_csv(out)
    assert int(table["volume"].sum()) == 4
    assert (tmp_path / "profile.distributions.csv").exists()
    assert chart.read_bytes()[:4] == b"\x89PNG"
    weights = tmp_path / "weights.csv"
    weights.write_text("offence_code,weight\n8N,x\n")
    bad = runner.invoke(
        app, ["--db", url, "demand", "profile", "--source", "crimes", "--weights", str(weights)]
    )
    assert bad.exit_code == 2
    assert "line 2" in bad.output and "'weight'" in bad.output


def test_report_sections(
    sqlite_engine: Engine, load_demand_fixture: Callable[[Engine], None]
) -> None:
    load_demand_fixture(sqlite_engine)
    sections = report_section(sqlite_engine, datetime(2025, 1, 1))
    assert [s.step for s in sections] == [Step.DEMAND] * 3
    now, ahead, hidden = sections
    figures = {f.label: f.value for f in now.figures}
    assert figures["incidents in the last 12 months"] == 4
    assert figures["crimes in the last 12 months"] == 4
    assert figures["officer-hours on crimes"] == 198  # 20 + 8 + 150 + 20
    assert now.charts and now.charts[0].svg.startswith("<svg")
    assert ahead.missing == ["no Home Office rolling-year recorded crime loaded"]
    assert any(t.title.startswith("Under-reported") for t in hidden.tables)
