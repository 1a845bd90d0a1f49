"""`forcesight roster ...` end to end on a small specification."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from forcesight.cli import app
from forcesight.rostering.spec import load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

runner = CliRunner()
SPEC = """\
name: tiny
cover: cover.csv
published_on: 2026-01-05
functions:
  - name: neighbourhood
    headcount: 10
    teams: 5
    cycle_weeks: 5
    shift_lengths_hours: [8, 10]
    start_hours: [8]
    area: south
solver:
  time_limit_seconds: 5
  workers: 1
  explain_seconds: 0
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    lines = ["function,hour_of_week,required"]
    lines += [f"neighbourhood,{h},{4 if 8 <= h % 24 < 18 else 0}" for h in range(168)]
    (tmp_path / "cover.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "spec.yaml").write_text(SPEC)
    db = f"sqlite:///{tmp_path / 'fs.db'}"
    assert runner.invoke(app, ["--db", db, "init"]).exit_code == 0
    return tmp_path


def invoke(workspace: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", f"sqlite:///{workspace / 'fs.db'}", *args])
    return result.exit_code, result.stdout


def test_design_prints_json_with_bound_and_gap_and_stores_the_pattern(workspace: Path) -> None:
    code, out = invoke(
        workspace,
        "roster",
        "design",
        str(workspace / "spec.yaml"),
        "--json",
        "--save",
        "tiny",
        "--csv",
        str(workspace / "grid.csv"),
        "--xlsx",
        str(workspace / "grid.xlsx"),
    )
    assert code == 0, out
    payload = json.loads(out)
    nb = payload["functions"][0]
    assert nb["shortfall_officer_hours"] == 0
    assert {"objective", "bound", "gap", "status"} <= set(nb["stages"][0])
    assert payload["start_date"] == "2026-02-09"
    assert (workspace / "grid.csv").exists() and (workspace / "grid.xlsx").exists()
    code, out = invoke(workspace, "roster", "list")
    assert code == 0 and json.loads(out)["shift_pattern"][0]["name"] == "tiny"
    code, out = invoke(workspace, "roster", "check", "pattern:tiny", "--json")
    assert code == 0 and json.loads(out)["count"] == 0
    code, out = invoke(
        workspace,
        "roster",
        "compare",
        "pattern:tiny",
        str(workspace / "grid.csv"),
        "--cover",
        str(workspace / "cover.csv"),
        "--json",
    )
    assert code == 0
    summary = json.loads(out)["summary"][0]
    assert summary["a_shortfall_officer_hours"] == summary["b_shortfall_officer_hours"] == 0
    shifts = workspace / "w.shifts.csv"
    code, _ = invoke(
        workspace,
        "roster",
        "export",
        "pattern:tiny",
        "--start",
        "2026-02-09",
        "--weeks",
        "1",
        "--out",
        str(shifts),
    )
    assert code == 0
    assert pl.read_csv(shifts).columns == ["unit_id", "function", "area", "skills", "start", "end"]


def test_check_refuses_a_malformed_roster_with_line_and_field(workspace: Path) -> None:
    bad = workspace / "bad.csv"
    bad.write_text("officer,function,2026-03-02,2026-03-03\nP1,response,07:00-17:00,later\n")
    result = runner.invoke(
        app, ["--db", f"sqlite:///{workspace / 'fs.db'}", "roster", "check", str(bad)]
    )
    assert result.exit_code == 2
    assert "line 2, 2026-03-03" in result.stderr and "'later'" in result.stderr


def test_check_lists_breaches_and_exits_3(workspace: Path) -> None:
    dates = [(date(2026, 3, 2) + timedelta(days=d)).isoformat() for d in range(7)]
    path = workspace / "tired.csv"
    path.write_text(
        "officer,function," + ",".join(dates) + "\n"
        "P7,response,23:00-07:00,07:00-15:00,RD,RD,RD,RD,RD\n"
    )
    code, out = invoke(workspace, "roster", "check", str(path), "--json")
    assert code == 3
    breach = json.loads(out)["breaches"][0]
    assert breach["officer"] == "P7" and breach["rule"] == "daily_rest"
    assert breach["from"] == "2026-03-02" and breach["to"] == "2026-03-03"


def test_reroster_proposes_changes_with_notice(workspace: Path) -> None:
    dates = [(date(2026, 3, 2) + timedelta(days=d)).isoformat() for d in range(7)]
    roster = workspace / "r.csv"
    roster.write_text(
        "officer,function," + ",".join(dates) + "\n"
        "A,neighbourhood," + ",".join(["08:00-18:00"] * 5 + ["RD"] * 2) + "\n"
        "B,neighbourhood," + ",".join(["RD"] * 5 + ["08:00-18:00"] * 2) + "\n"
    )
    absences = workspace / "abs.csv"
    absences.write_text("officer,first,last,kind\nA,2026-03-04,2026-03-04,sick\n")
    code, out = invoke(
        workspace,
        "roster",
        "reroster",
        str(roster),
        "--absences",
        str(absences),
        "--minimum",
        str(workspace / "cover.csv"),
        "--now",
        "2026-03-03T12:00:00",
        "--time-limit",
        "5",
        "--json",
    )
    assert code == 0, out
    change = json.loads(out)["changes"][0]
    assert change["officer"] == "B" and change["kind"] == "rest day cancelled"
    assert change["notice_hours"] == 20.0 and change["told_by_midnight_before"] is True


def test_the_shipped_example_spec_is_valid() -> None:
    spec, cover = load_spec(EXAMPLES / "rostering_spec.yaml")
    assert cover is not None and set(cover["function"]) == {f.name for f in spec.functions}
    assert cover.height == 3 * 168
