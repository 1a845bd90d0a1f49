"""The roster interchange for the response simulation, and current against proposed cover."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from forcesight.rostering.compare import compare_rosters, roster_cover
from forcesight.rostering.design import Design, FunctionDesign
from forcesight.rostering.export import SHIFTS_SCHEMA, to_shifts
from forcesight.rostering.roster import instantiate, read_roster_csv
from forcesight.rostering.rules import REST
from forcesight.rostering.shifts import Shift

MONDAY = date(2026, 3, 2)


def two_week_design() -> Design:
    """Two teams of two on a two-week line: nights in week 1, earlies in week 2."""
    night, early = Shift.parse("22:00-06:00"), Shift.parse("06:00-14:00")
    line = (0, 0, 0, 0, 0, REST, REST, 1, 1, 1, 1, 1, REST, REST)
    return Design(
        name="two-week",
        start_date=MONDAY,
        published_on=date(2026, 1, 20),
        functions=(
            FunctionDesign(
                function="response",
                area="north",
                skills=("driver", "firearms"),
                cycle_weeks=2,
                team_sizes=(2,),
                spare_officers=0,
                shifts=(night, early),
                pattern=(line,),
                required=tuple([1] * 168),
            ),
        ),
    )


def test_to_shifts_has_the_interchange_shape_and_nights_end_next_day() -> None:
    shifts = to_shifts(two_week_design(), MONDAY, 2)
    assert shifts.schema == SHIFTS_SCHEMA
    assert list(shifts.columns) == ["unit_id", "function", "area", "skills", "start", "end"]
    assert shifts.height == 40  # 4 officers x 5 shifts a week x 2 weeks
    first = shifts.row(0, named=True)
    assert first["skills"] == "driver;firearms" and first["area"] == "north"
    night = shifts.filter(pl.col("start") == datetime(2026, 3, 2, 22, 0)).row(0, named=True)
    assert night["end"] == datetime(2026, 3, 3, 6, 0)
    assert (shifts["end"] > shifts["start"]).all()
    # the window: only shifts starting in it
    one_week = to_shifts(two_week_design(), MONDAY + timedelta(days=7), 1)
    assert one_week["start"].min() >= datetime(2026, 3, 9)  # type: ignore[operator]
    assert one_week["start"].max() < datetime(2026, 3, 16)  # type: ignore[operator]


def test_teams_rotate_through_the_line_one_week_apart() -> None:
    roster = instantiate(two_week_design(), MONDAY, 2)
    first_team = [o for o in roster.officers if o.team == "response 1"]
    second_team = [o for o in roster.officers if o.team == "response 2"]
    assert len(first_team) == len(second_team) == 2
    row_1 = roster.duties[roster.officers.index(first_team[0])]
    row_2 = roster.duties[roster.officers.index(second_team[0])]
    assert row_1[0] == Shift.parse("22:00-06:00") and row_2[0] == Shift.parse("06:00-14:00")
    assert row_1[7] == Shift.parse("06:00-14:00") and row_2[7] == Shift.parse("22:00-06:00")


def test_compare_reports_the_gap_by_hour_and_function(tmp_path: Path, make_cover: Any) -> None:
    design = two_week_design()
    cover = make_cover({"response": lambda h: 2 if h % 24 < 6 or h % 24 >= 22 else 1})
    current = read_roster_csv(
        tmp_path / "c.csv",
        "officer,function,"
        + ",".join((MONDAY + timedelta(days=d)).isoformat() for d in range(7))
        + "\nP1,response,"
        + ",".join(["06:00-14:00"] * 5 + ["RD", "RD"])
        + "\n",
    )
    result = compare_rosters(current, design, cover)
    row = result.summary.row(0, named=True)
    # proposed: two on nights Mon-Fri (covering Tue-Sat mornings) and two on earlies
    assert row["b_shortfall_officer_hours"] < row["a_shortfall_officer_hours"]
    tuesday_3am = result.hourly.filter(pl.col("hour_of_week") == 27).row(0, named=True)
    assert tuesday_3am["a"] == 0 and tuesday_3am["b"] == 2 and tuesday_3am["change"] == 2
    monday_3am = result.hourly.filter(pl.col("hour_of_week") == 3).row(0, named=True)
    assert monday_3am["b"] == 0  # Sunday has no night in this pattern
    cover_b = roster_cover(design)
    assert cover_b.filter(pl.col("hour_of_week") == 27)["rostered"].item() == 2
