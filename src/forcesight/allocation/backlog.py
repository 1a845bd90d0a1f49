"""The backlog view: unallocated crime and its age, time to allocation, rule breaches,
caseloads and hand-offs, over time and by team. Pure functions over frames, plus
``backlog(engine, at)`` that reads the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from forcesight.allocation import queries
from forcesight.allocation.policy import AllocationPolicy, load_allocation_policy
from forcesight.allocation.service import investigator_workload

AGE_BANDS = (
    (0, 1, "under 1 day"),
    (1, 7, "1-7 days"),
    (7, 28, "7-28 days"),
    (28, 90, "28-90 days"),
    (90, None, "90 days or more"),
)


@dataclass(frozen=True)
class Backlog:
    at: datetime
    unallocated: int
    age_distribution: pl.DataFrame  # band, crimes
    unallocated_by_area: pl.DataFrame  # area, crimes, median_age_days
    time_to_allocation_p50_days: float | None
    time_to_allocation_p90_days: float | None
    time_to_allocation_by_week: pl.DataFrame  # week, allocations, p50_days, p90_days
    time_to_allocation_by_team: pl.DataFrame  # team_id, allocations, p50_days, p90_days
    breaches_by_kind: pl.DataFrame  # kind, allocations, breaking_rules
    flagged: pl.DataFrame  # allocations that broke a rule, with reason
    caseload: pl.DataFrame  # per investigator
    handoffs_per_crime_mean: float | None
    handoffs_by_team: pl.DataFrame  # team_id, crimes, handoffs, per_crime
    handoffs_by_week: pl.DataFrame  # week, crimes, handoffs, per_crime


def age_distribution(waiting: pl.DataFrame, at: datetime) -> pl.DataFrame:
    """Unallocated crimes by age band (age = ``at`` - recorded_at)."""
    ages = waiting.select(
        ((pl.lit(at) - pl.col("recorded_at")).dt.total_seconds() / 86400.0).alias("age")
    ).get_column("age")
    rows = []
    for low, high, label in AGE_BANDS:
        mask = ages >= low if high is None else (ages >= low) & (ages < high)
        rows.append({"band": label, "crimes": int(mask.sum())})
    return pl.DataFrame(rows, schema={"band": pl.Utf8, "crimes": pl.Int64})


def first_allocations(history: pl.DataFrame) -> pl.DataFrame:
    """Each crime's first allocation to an investigator, with days from recording to it."""
    return (
        history.filter(pl.col("staff_id").is_not_null())
        .sort("allocated_at")
        .group_by("crime_id", maintain_order=True)
        .first()
        .with_columns(
            ((pl.col("allocated_at") - pl.col("recorded_at")).dt.total_seconds() / 86400.0).alias(
                "days_to_allocation"
            ),
            pl.col("allocated_at").dt.truncate("1w").dt.date().alias("week"),
        )
    )


def _percentiles(frame: pl.DataFrame, by: str) -> pl.DataFrame:
    return (
        frame.group_by(by)
        .agg(
            pl.len().alias("allocations"),
            pl.col("days_to_allocation").quantile(0.5, "linear").alias("p50_days"),
            pl.col("days_to_allocation").quantile(0.9, "linear").alias("p90_days"),
        )
        .sort(by, nulls_last=True)
    )


def handoffs(history: pl.DataFrame) -> pl.DataFrame:
    """Per crime: hand-offs = changes of team between consecutive allocations to someone,
    plus explicit hand-over records."""
    assigned = history.filter(pl.col("staff_id").is_not_null()).sort("crime_id", "allocated_at")
    changes = assigned.with_columns(
        (
            (pl.col("team_id") != pl.col("team_id").shift(1).over("crime_id")).fill_null(False)
            | (pl.col("kind") == "handover")
        ).alias("handoff")
    )
    return changes.group_by("crime_id").agg(
        pl.col("handoff").sum().alias("handoffs"),
        pl.col("team_id").last().alias("team_id"),
        pl.col("allocated_at").first().dt.truncate("1w").dt.date().alias("week"),
    )


def breaches_by_kind(history: pl.DataFrame) -> pl.DataFrame:
    return (
        history.filter(pl.col("kind") != "screen_out")
        .with_columns((pl.col("breaches").list.len() > 0).alias("breaking"))
        .group_by("kind")
        .agg(pl.len().alias("allocations"), pl.col("breaking").sum().alias("breaking_rules"))
        .sort("kind")
    )


def backlog(
    engine: Engine,
    at: datetime,
    weeks: int = 12,
    policy: AllocationPolicy | None = None,
) -> Backlog:
    """The backlog as at ``at``; the series cover the last ``weeks`` weeks."""
    policy = policy if policy is not None else load_allocation_policy()
    with engine.connect() as conn:
        waiting = queries.load_crimes(conn, ["unallocated"], recorded_before=at)
        history = queries.load_allocation_history(conn, at)
    since = at - timedelta(weeks=weeks)
    ages = waiting.with_columns(
        ((pl.lit(at) - pl.col("recorded_at")).dt.total_seconds() / 86400.0).alias("age_days")
    )
    by_area = (
        ages.group_by("area")
        .agg(pl.len().alias("crimes"), pl.col("age_days").median().alias("median_age_days"))
        .sort("crimes", descending=True)
    )
    first = first_allocations(history)
    recent = first.filter(pl.col("allocated_at") >= since)
    p50 = recent.get_column("days_to_allocation").quantile(0.5, "linear") if recent.height else None
    p90 = recent.get_column("days_to_allocation").quantile(0.9, "linear") if recent.height else None
    moves = handoffs(history)
    recent_moves = moves.filter(pl.col("week") >= since.date())
    per_crime = (
        pl.col("handoffs").sum().alias("handoffs"),
        pl.len().alias("crimes"),
        pl.col("handoffs").mean().alias("per_crime"),
    )
    flagged = history.filter(pl.col("breaches").list.len() > 0).select(
        "crime_ref",
        "staff_id",
        "team_id",
        "allocated_at",
        "allocated_by",
        "kind",
        "reason",
        "breaches",
    )
    return Backlog(
        at=at,
        unallocated=waiting.height,
        age_distribution=age_distribution(waiting, at),
        unallocated_by_area=by_area,
        time_to_allocation_p50_days=float(p50) if p50 is not None else None,
        time_to_allocation_p90_days=float(p90) if p90 is not None else None,
        time_to_allocation_by_week=_percentiles(recent, "week"),
        time_to_allocation_by_team=_percentiles(recent, "team_id"),
        breaches_by_kind=breaches_by_kind(history),
        flagged=flagged,
        caseload=investigator_workload(engine, at, policy),
        handoffs_per_crime_mean=(
            float(moves.get_column("handoffs").mean()) if moves.height else None  # type: ignore[arg-type]
        ),
        handoffs_by_team=moves.group_by("team_id").agg(*per_crime).sort("team_id"),
        handoffs_by_week=recent_moves.group_by("week").agg(*per_crime).sort("week"),
    )


def backlog_json(view: Backlog) -> dict[str, object]:
    """The backlog as one JSON-ready object."""

    def rows(frame: pl.DataFrame) -> list[dict[str, object]]:
        return frame.to_dicts()

    return {
        "at": view.at.isoformat(),
        "unallocated": view.unallocated,
        "age_distribution": rows(view.age_distribution),
        "unallocated_by_area": rows(view.unallocated_by_area),
        "time_to_allocation": {
            "p50_days": view.time_to_allocation_p50_days,
            "p90_days": view.time_to_allocation_p90_days,
            "by_week": rows(view.time_to_allocation_by_week),
            "by_team": rows(view.time_to_allocation_by_team),
        },
        "rule_breaches": {
            "by_kind": rows(view.breaches_by_kind),
            "flagged": rows(view.flagged),
        },
        "caseload": rows(view.caseload),
        "handoffs": {
            "per_crime_mean": view.handoffs_per_crime_mean,
            "by_team": rows(view.handoffs_by_team),
            "by_week": rows(view.handoffs_by_week),
        },
    }
