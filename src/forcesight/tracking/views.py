"""Views over computed clocks: what is due for me, my team or the force; overdue lists by
supervisor; compliance rates over time; CSV and Excel export.

Every function takes the frame ``clocks.recompute`` returns and plain arguments; none reads the
store or the wall clock.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import polars as pl

from forcesight.errors import ClockRefusedError
from forcesight.tracking.clocks import OPEN_STATUSES

Scope = Literal["me", "team", "force"]

VIEW_COLUMNS = [
    "ref",
    "kind",
    "clock",
    "label",
    "trigger",
    "status",
    "started_at",
    "due_at",
    "overdue_hours",
    "escalate_to",
    "owner_id",
    "team_id",
    "risk_level",
    "repeat_missing",
    "queue_position",
    "forecast_start",
    "age_days",
]


def in_scope(
    clocks: pl.DataFrame,
    scope: Scope = "force",
    staff_id: str | None = None,
    team_id: str | None = None,
) -> pl.DataFrame:
    """Clocks owned by one staff member (``me``), one team, or the whole force."""
    if scope == "me":
        if not staff_id:
            raise ClockRefusedError("(view)", "the 'me' view", "it needs a staff id")
        return clocks.filter(pl.col("owner_id") == staff_id)
    if scope == "team":
        if not team_id:
            raise ClockRefusedError("(view)", "the 'team' view", "it needs a team id")
        return clocks.filter(pl.col("team_id") == team_id)
    return clocks


def due(
    clocks: pl.DataFrame,
    scope: Scope = "force",
    staff_id: str | None = None,
    team_id: str | None = None,
    *,
    overdue_only: bool = False,
    kinds: list[str] | None = None,
) -> pl.DataFrame:
    """Open clocks that are due soon or overdue (or only overdue), most overdue first."""
    wanted = ["overdue"] if overdue_only else ["due_soon", "overdue"]
    frame = in_scope(clocks, scope, staff_id, team_id).filter(
        pl.col("current") & pl.col("status").is_in(wanted)
    )
    if kinds:
        frame = frame.filter(pl.col("kind").is_in(kinds))
    return frame.sort("due_at", "ref").select(VIEW_COLUMNS)


def overdue_by_owner(clocks: pl.DataFrame, kinds: list[str] | None = None) -> pl.DataFrame:
    """Overdue clocks per owner (the supervisor for investigations) and clock."""
    frame = clocks.filter(pl.col("current") & (pl.col("status") == "overdue"))
    if kinds:
        frame = frame.filter(pl.col("kind").is_in(kinds))
    return (
        frame.group_by("owner_id", "team_id", "kind", "clock")
        .agg(
            pl.len().alias("overdue"),
            pl.col("overdue_hours").max().round(1).alias("most_overdue_hours"),
            pl.col("ref").sort().head(10).str.join(", ").alias("refs"),
        )
        .sort("overdue", "most_overdue_hours", descending=[True, True])
    )


def open_counts(clocks: pl.DataFrame) -> pl.DataFrame:
    """Open clocks per clock and status (running, due_soon, overdue)."""
    return (
        clocks.filter(pl.col("current") & pl.col("status").is_in(list(OPEN_STATUSES)))
        .group_by("kind", "clock")
        .agg(
            pl.len().alias("open"),
            (pl.col("status") == "due_soon").sum().alias("due_soon"),
            (pl.col("status") == "overdue").sum().alias("overdue"),
        )
        .sort("kind", "clock")
    )


def compliance(
    clocks: pl.DataFrame,
    now: datetime,
    *,
    every: str = "1mo",
    since: datetime | None = None,
    by: tuple[str, ...] = ("kind", "clock"),
) -> pl.DataFrame:
    """Share of clocks met on time, per period of their due date.

    A clock counts once its due time has passed by ``now``: met on time, met late, or still
    open (overdue). Clocks stopped before they fell due (the person was found, the case closed)
    are left out; a clock stopped after it fell due counts as missed.
    """
    decided = clocks.filter(
        (pl.col("due_at") <= now)
        & ~((pl.col("status") == "stopped") & (pl.col("stopped_at") <= pl.col("due_at")))
    )
    if since is not None:
        decided = decided.filter(pl.col("due_at") >= since)
    return (
        decided.with_columns(pl.col("due_at").dt.truncate(every).alias("period"))
        .group_by("period", *by)
        .agg(
            pl.len().alias("due"),
            (pl.col("status") == "met").sum().alias("on_time"),
            (pl.col("status") == "met_late").sum().alias("late"),
            pl.col("status").is_in(["overdue", "stopped"]).sum().alias("missed"),
        )
        .with_columns((pl.col("on_time") / pl.col("due")).round(4).alias("rate"))
        .sort("period", *by)
    )


def forensic_queue(clocks: pl.DataFrame) -> pl.DataFrame:
    """The digital forensic queue: submissions waiting to start, in order, with forecasts."""
    return (
        clocks.filter(pl.col("queue_position").is_not_null())
        .sort("queue_position")
        .select(
            "queue_position",
            "ref",
            "devices",
            "devices_ahead",
            "started_at",
            "age_days",
            "due_at",
            "forecast_start",
            "forecast_late",
            "owner_id",
            "team_id",
        )
    )


def repeat_missing_children(clocks: pl.DataFrame) -> pl.DataFrame:
    """Missing episodes of children flagged as repeat-missing, newest first."""
    return (
        clocks.filter(pl.col("repeat_missing").fill_null(False) & pl.col("current"))
        .unique("record_id")
        .sort("record_started_at", descending=True)
        .select(
            "ref",
            "person_id",
            "record_started_at",
            "episodes_in_window",
            "risk_level",
            "status",
            "owner_id",
            "team_id",
        )
    )


def export(frame: pl.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as CSV (``.csv``) or Excel (``.xlsx``), chosen by the suffix."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        frame.write_csv(target)
    elif suffix == ".xlsx":
        frame.write_excel(target, worksheet="clocks", autofit=True)
    else:
        raise ClockRefusedError(str(target), "export", "the file must end in .csv or .xlsx")
    return target
