"""Re-rostering through absences: fewest changes restoring minimum cover, within the rules,
with notice by midnight the day before, cancelled rest days spread fairly."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from forcesight.rostering.check import check_roster
from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.rerostering import Absence, reroster
from forcesight.rostering.roster import Roster, read_roster_csv

MONDAY = date(2026, 3, 2)
E, N, RD = "07:00-15:00", "23:00-07:00", "RD"
TUESDAY_MORNING = datetime(2026, 3, 3, 10, 0)


def roster(tmp_path: Path, rows: dict[str, tuple[list[str], int]]) -> Roster:
    dates = [(MONDAY + timedelta(days=d)).isoformat() for d in range(14)]
    lines = ["officer,function,cancelled_rest_days," + ",".join(dates)]
    lines += [f"{o},response,{history}," + ",".join(cells) for o, (cells, history) in rows.items()]
    return read_roster_csv(tmp_path / "r.csv", "\n".join(lines) + "\n")


def minimum(make_cover: Any) -> pl.DataFrame:
    return make_cover({"response": lambda h: 1 if 7 <= h % 24 < 15 else 0})


def test_a_sick_officer_is_covered_with_cancelled_rest_days_spread_evenly(
    tmp_path: Path, policy: RosteringPolicy, make_cover: Any
) -> None:
    published = roster(
        tmp_path,
        {
            "A": (([E] * 5 + [RD, RD]) * 2, 0),
            "B": (([RD] * 5 + [E, E]) * 2, 0),
            "C": ([RD] * 14, 0),
            "D": ([RD] * 14, 5),  # has had five rest days cancelled already
        },
    )
    sick = [Absence("A", date(2026, 3, 4), date(2026, 3, 5))]  # Wednesday and Thursday
    result = reroster(published, sick, minimum(make_cover), policy, TUESDAY_MORNING, seconds=10)
    changes = result.changes.sort("date")
    assert sorted(changes["officer"].to_list()) == ["B", "C"]  # one each; none for D
    assert changes["date"].to_list() == [date(2026, 3, 4), date(2026, 3, 5)]
    assert set(changes["kind"]) == {"rest day cancelled"}
    assert changes["told_by_midnight_before"].all() and changes["late_change"].all()
    assert changes["notice_hours"].to_list() == [21.0, 45.0]
    assert result.uncovered.height == 0
    counts = {o.id: o.cancelled_rest_days for o in result.roster.officers}
    assert counts == {"A": 0, "B": 1, "C": 1, "D": 5}
    assert result.stages[0].objective == 0 and result.stages[1].objective == 2
    assert (
        check_roster(result.roster, policy, published, TUESDAY_MORNING)
        .filter(pl.col("officer").is_in(["B", "C"]))
        .height
        == 0
    )


def test_the_rules_decide_who_can_cover_and_today_is_never_changed(
    tmp_path: Path, policy: RosteringPolicy, make_cover: Any
) -> None:
    published = roster(
        tmp_path,
        {
            "A": (([E] * 5 + [RD, RD]) * 2, 0),
            "B": (([RD] * 5 + [E, E]) * 2, 5),
            "C": ([RD, N] + [RD] * 12, 0),  # on nights tonight: no 11 h rest before Wednesday 07:00
            "D": ([RD] * 14, 5),
        },
    )
    sick = [Absence("A", date(2026, 3, 3), date(2026, 3, 5))]  # from today
    result = reroster(published, sick, minimum(make_cover), policy, TUESDAY_MORNING, seconds=10)
    by_day = dict(
        zip(result.changes["date"].to_list(), result.changes["officer"].to_list(), strict=True)
    )
    assert date(2026, 3, 3) not in by_day  # today: too late to tell anyone
    # not C: Wednesday has too little rest after tonight's night, and Thursday would leave
    # Wednesday a single rest day between the night and the early
    assert by_day[date(2026, 3, 4)] in {"B", "D"}
    assert by_day[date(2026, 3, 5)] in {"B", "D"}
    assert by_day[date(2026, 3, 4)] != by_day[date(2026, 3, 5)]  # spread: one each
    assert result.window == (date(2026, 3, 4), date(2026, 3, 5))
