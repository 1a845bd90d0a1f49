"""The Force Management Statement section and the charts the web pages will show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from response_testkit import insert_synthetic_log, scenario_dict
from sqlalchemy import Engine

from forcesight.reporting.section import Step
from forcesight.response.report import report_section
from forcesight.response.service import (
    attendance_by_grade_and_hour,
    attendance_chart_svg,
    simulate_scenario,
    utilisation_by_hour,
    utilisation_heatmap_svg,
)


def test_report_section_without_a_log_says_what_is_missing(sqlite_engine: Engine) -> None:
    sections = report_section(sqlite_engine, datetime(2026, 6, 1))
    assert [s.step for s in sections] == [Step.CAPACITY, Step.UNMET]
    assert all(s.missing and not s.figures for s in sections)


def test_report_section_from_the_log(engine: Engine, tmp_path: Path) -> None:
    made = insert_synthetic_log(engine, tmp_path / "truth.yaml", days=14)
    capacity, unmet = report_section(engine, datetime(2026, 3, 1))
    figures = {f.label: f.value for f in capacity.figures}
    assert figures["incidents"] == made["incidents"]
    assert 0 < figures["grade 1 within target"] <= 1
    assert capacity.charts and capacity.charts[0].svg.lstrip().startswith("<svg")
    attendance = capacity.tables[0].frame
    assert attendance.filter(attendance["grade"] == "1")["never_attended"][0] > 0
    assert "no arrival recorded" in unmet.summary


def test_service_charts_render_svg(write_scenario: Callable[..., Path]) -> None:
    sim = simulate_scenario(
        write_scenario(scenario_dict(horizon_days=3)), replications=2, executor="serial"
    )
    heat = utilisation_heatmap_svg(utilisation_by_hour(sim.replications))
    line = attendance_chart_svg(attendance_by_grade_and_hour(sim.replications), "1")
    assert heat.lstrip().startswith("<svg") and "Utilisation" in heat
    assert line.lstrip().startswith("<svg")
    assert sim.to_dict()["replications"] == 2
