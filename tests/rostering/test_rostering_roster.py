"""Roster grid files: round trip, Excel, and a damaged file refused with every line and field;
``check`` lists each breach with the officer, dates and rule."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from forcesight.errors import RosterFileError
from forcesight.rostering.check import check_roster
from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.roster import (
    read_roster_csv,
    write_roster_csv,
    write_roster_excel,
)
from forcesight.rostering.shifts import Shift

MONDAY = date(2026, 3, 2)


def grid(rows: dict[str, list[str]], days: int = 7, extra: str = "") -> str:
    dates = [(MONDAY + timedelta(days=d)).isoformat() for d in range(days)]
    lines = [
        "# name: test roster",
        "# published_on: 2026-01-20",
        "officer,function,team,area,skills," + ",".join(dates),
    ]
    for officer, cells in rows.items():
        lines.append(f"{officer},response,A,north,driver;firearms," + ",".join(cells))
    return "\n".join(lines) + "\n" + extra


def test_round_trip_keeps_every_cell(tmp_path: Path) -> None:
    text = grid({"P1": ["07:00-17:00", "RD", "", "SICK", "23:00-07:00", "RD", "RD"]})
    roster = read_roster_csv(tmp_path / "r.csv", text)
    assert roster.start_date == MONDAY and roster.days == 7
    assert roster.published_on == date(2026, 1, 20)
    assert roster.officers[0].skills == ("driver", "firearms")
    assert roster.duties[0][0] == Shift.parse("07:00-17:00")
    assert roster.duties[0][1] is None and roster.duties[0][2] is None
    assert roster.duties[0][3] == "SICK"
    again = read_roster_csv(tmp_path / "r2.csv", write_roster_csv(roster))
    assert again.duties == roster.duties and again.officers == roster.officers


def test_excel_grid_is_officer_by_day(tmp_path: Path) -> None:
    roster = read_roster_csv(tmp_path / "r.csv", grid({"P1": ["07:00-17:00"] + ["RD"] * 6}))
    write_roster_excel(roster, tmp_path / "r.xlsx")
    sheet = pl.read_excel(tmp_path / "r.xlsx")
    assert sheet["officer"].to_list() == ["P1"]
    assert sheet["2026-03-02"].to_list() == ["07:00-17:00"]


def test_a_damaged_roster_is_refused_with_every_line_and_field(tmp_path: Path) -> None:
    text = grid(
        {"P1": ["07:00-17:00", "7am-5pm", "RD", "RD", "RD", "RD", "RD"], "P1 ": ["RD"] * 7},
        extra="P3,response,A,north,,RD,RD\n",
    )
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(RosterFileError) as caught:
        read_roster_csv(path)
    problems = dict(caught.value.problems)
    assert "'7am-5pm' is not a shift" in problems["line 4, 2026-03-03"]
    assert "repeats line 4" in problems["line 5, officer"]
    assert "has 7 fields" in problems["line 6"]
    assert str(path) in str(caught.value)


def test_a_bad_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RosterFileError) as caught:
        read_roster_csv(tmp_path / "h.csv", "officer,2026-03-02\nP1,RD\n")
    assert "missing column(s) function" in str(caught.value)
    with pytest.raises(RosterFileError) as caught:
        read_roster_csv(tmp_path / "h.csv", "officer,function,2026-03-02,2026-03-04\nP1,x,RD,RD\n")
    assert "consecutive" in str(caught.value)


def test_check_lists_each_breach_with_officer_dates_and_rule(
    tmp_path: Path, policy: RosteringPolicy
) -> None:
    text = grid(
        {
            "GOOD": ["07:00-15:00"] * 5 + ["RD", "RD"],
            "NIGHT": [
                "23:00-07:00",
                "06:00-14:00",
                "RD",
                "RD",
                "07:00-15:00",
                "07:00-15:00",
                "07:00-15:00",
            ],
            "NOREST": ["07:00-15:00"] * 2 + ["RD"] + ["07:00-15:00"] * 4,
        }
    )
    breaches = check_roster(read_roster_csv(tmp_path / "c.csv", text), policy)
    assert "GOOD" not in breaches["officer"].to_list()
    rest = breaches.filter((pl.col("officer") == "NIGHT") & (pl.col("rule") == "daily_rest"))
    assert rest.height == 1
    assert rest.row(0, named=True)["from"] == MONDAY
    assert rest.row(0, named=True)["to"] == MONDAY + timedelta(days=1)
    norest = breaches.filter(pl.col("officer") == "NOREST")["rule"].to_list()
    assert "weekly_rest_days" in norest and "rest_days_in_pairs" in norest


def test_check_against_a_published_roster_flags_changes_without_notice(
    tmp_path: Path, policy: RosteringPolicy
) -> None:
    published = read_roster_csv(tmp_path / "p.csv", grid({"P1": ["07:00-15:00"] * 5 + ["RD"] * 2}))
    changed = read_roster_csv(
        tmp_path / "n.csv",
        grid(
            {
                "P1": [
                    "07:00-15:00",
                    "09:00-17:00",
                    "09:00-17:00",
                    "07:00-15:00",
                    "07:00-15:00",
                    "RD",
                    "RD",
                ]
            }
        ),
    )
    now = datetime(2026, 3, 3, 9, 0)  # Tuesday morning: Tuesday is too late, Wednesday is not
    breaches = check_roster(changed, policy, published, now)
    late = breaches.filter(pl.col("rule") == "change_notice")
    assert late["from"].to_list() == [date(2026, 3, 3)]
