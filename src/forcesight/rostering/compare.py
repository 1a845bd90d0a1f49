"""Current pattern against proposed: cover and its gap by hour of the week and function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from forcesight.rostering.design import Design
from forcesight.rostering.roster import Roster
from forcesight.rostering.shifts import HOURS_PER_WEEK, Shift, hour_label, weekly_cover
from forcesight.rostering.spec import cover_matrix


def roster_cover(roster: Roster | Design) -> pl.DataFrame:
    """Average officers on duty per hour of the week and function (function, hour_of_week,
    rostered). A dated roster is averaged over its weeks as if it repeats (its last night counts
    on its first morning); absences count as not on duty."""
    if isinstance(roster, Design):
        return roster.cover_frame().select("function", "hour_of_week", "rostered")
    weeks = roster.days / 7
    frames = []
    for function in roster.functions():
        duties = [
            ((roster.start_date.weekday() + day) % 7, cell, 1.0)
            for officer, row in zip(roster.officers, roster.duties, strict=True)
            if officer.function == function
            for day, cell in enumerate(row)
            if isinstance(cell, Shift)
        ]
        frames.append(
            pl.DataFrame(
                {
                    "function": [function] * HOURS_PER_WEEK,
                    "hour_of_week": list(range(HOURS_PER_WEEK)),
                    "rostered": weekly_cover(duties, weeks),
                }
            )
        )
    return (
        pl.concat(frames)
        if frames
        else pl.DataFrame(
            schema={"function": pl.String, "hour_of_week": pl.Int64, "rostered": pl.Float64}
        )
    )


@dataclass(frozen=True)
class Comparison:
    """Cover of A and B against the requirement, by function and hour of the week."""

    hourly: pl.DataFrame  # function, hour_of_week, hour, required, a, b, a_short, b_short, change
    summary: pl.DataFrame  # function, a/b shortfall and over-cover [officer-h/week], hours short

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary.to_dicts(),
            "hours_changed": self.hourly.filter(pl.col("change") != 0).to_dicts(),
        }


def compare_rosters(a: Roster | Design, b: Roster | Design, cover: pl.DataFrame) -> Comparison:
    """Compare two rosters (or designs) against required cover (function, hour_of_week,
    required) for every function either of them rosters."""
    cover_a, cover_b = roster_cover(a), roster_cover(b)
    functions = sorted(set(cover_a["function"]) | set(cover_b["function"]))
    required = cover_matrix(cover, functions)
    hourly = []
    summary = []
    for function in functions:
        need = np.asarray(required[function], dtype=float)
        values = []
        for frame in (cover_a, cover_b):
            part = frame.filter(pl.col("function") == function).sort("hour_of_week")
            values.append(part["rostered"].to_numpy() if part.height else np.zeros(HOURS_PER_WEEK))
        short = [np.clip(need - v, 0, None) for v in values]
        over = [np.clip(v - need, 0, None) for v in values]
        hourly.append(
            pl.DataFrame(
                {
                    "function": [function] * HOURS_PER_WEEK,
                    "hour_of_week": list(range(HOURS_PER_WEEK)),
                    "hour": [hour_label(h) for h in range(HOURS_PER_WEEK)],
                    "required": need,
                    "a": values[0],
                    "b": values[1],
                    "a_short": short[0],
                    "b_short": short[1],
                    "change": values[1] - values[0],
                }
            )
        )
        summary.append(
            {
                "function": function,
                "a_shortfall_officer_hours": float(short[0].sum()),
                "b_shortfall_officer_hours": float(short[1].sum()),
                "a_over_officer_hours": float(over[0].sum()),
                "b_over_officer_hours": float(over[1].sum()),
                "a_hours_short": int((short[0] > 1e-9).sum()),
                "b_hours_short": int((short[1] > 1e-9).sum()),
            }
        )
    return Comparison(pl.concat(hourly), pl.DataFrame(summary))
