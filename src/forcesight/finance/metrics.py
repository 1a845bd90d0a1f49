"""Named metrics: each a query of the store as at a time, used by the outcome-based budgeting
view and measured for the benefits register. A metric returns None when the store has no data
for it (never a zero that means "unknown")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from forcesight.errors import UnknownMetricError
from forcesight.finance import queries
from forcesight.finance.policy import FinancePolicy, load_finance_policy
from forcesight.policy.grades import load_grades
from forcesight.workforce import queries as workforce_queries

PERIOD_DAYS = 90  # metrics look at the 90 days before the time they are measured at


@dataclass(frozen=True)
class Outcome:
    """An outcome count: ``achieved`` of ``of`` (None rate when ``of`` is 0)."""

    achieved: int
    of: int

    @property
    def rate(self) -> float | None:
        return round(self.achieved / self.of, 4) if self.of else None


def grade1_attendance(
    engine: Engine, start: datetime, end: datetime, policy: FinancePolicy
) -> tuple[Outcome, int]:
    """Grade 1 incidents received in [start, end) reached within the urban target, of those
    with an arrival recorded; and how many had no arrival recorded (left out)."""
    grades = load_grades().by_code()
    frame = queries.grade_attendance(engine, policy.outcomes.grade1_codes, start, end)
    targets = {code: grades[code].target_minutes_urban for code in policy.outcomes.grade1_codes}
    arrived = frame.filter(pl.col("first_arrived_at").is_not_null())
    minutes = (pl.col("first_arrived_at") - pl.col("received_at")).dt.total_seconds() / 60.0
    target = pl.col("grade").replace_strict(targets, return_dtype=pl.Float64)
    in_time = arrived.filter(minutes <= target).height
    return Outcome(in_time, arrived.height), frame.height - arrived.height


def crimes_allocated_in_time(
    engine: Engine, start: datetime, end: datetime, policy: FinancePolicy
) -> pl.DataFrame:
    """Per function of the team holding the crime: crimes recorded in [start, end - target]
    that were allocated, or are still waiting, and how many were allocated within the target.
    Screened-out and closed crimes never allocated are left out."""
    target = timedelta(days=policy.outcomes.allocation_target_days)
    frame = queries.crime_allocation_times(engine, start, end - target)
    decided = frame.filter(
        pl.col("allocated_at").is_not_null() | (pl.col("status") == "unallocated")
    )
    return (
        decided.with_columns(
            pl.col("function").fill_null(policy.demand.unallocated_crime_function),
            ((pl.col("allocated_at") - pl.col("recorded_at")) <= target)
            .fill_null(False)
            .alias("in_time"),
        )
        .group_by("function")
        .agg(pl.col("in_time").sum().alias("achieved"), pl.len().alias("of"))
        .cast({"achieved": pl.Int64, "of": pl.Int64})
        .sort("function")
    )


def victims_updated_in_time(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Per function of the owning team: victims' code clocks due in [start, end) and met on
    time (the tracking engine's compliance), or an empty frame when tracking has no records."""
    from forcesight.tracking import service, views

    clocks = service.evaluate(engine, end, kinds=["victim_care"], open_only=False)
    schema = pl.Schema({"function": pl.String, "achieved": pl.Int64, "of": pl.Int64})
    if clocks.height == 0:
        return pl.DataFrame(schema=schema)
    rates = views.compliance(clocks, end, every="1mo", since=start, by=("team_id",))
    functions = queries.team_functions(engine)
    return (
        rates.with_columns(
            pl.col("team_id").replace_strict(functions, default="(no team)").alias("function")
        )
        .group_by("function")
        .agg(pl.col("on_time").sum().alias("achieved"), pl.col("due").sum().alias("of"))
        .cast(schema)
        .sort("function")
    )


# --- the named metrics for the benefits register ---------------------------------------------


@dataclass(frozen=True)
class Metric:
    name: str
    description: str
    unit: str
    better: Literal["higher", "lower"]
    measure: Callable[[Engine, datetime], float | None]


def _grade1(engine: Engine, at: datetime) -> float | None:
    outcome, _ = grade1_attendance(
        engine, at - timedelta(days=PERIOD_DAYS), at, load_finance_policy()
    )
    return outcome.rate


def _allocated(engine: Engine, at: datetime) -> float | None:
    frame = crimes_allocated_in_time(
        engine, at - timedelta(days=PERIOD_DAYS), at, load_finance_policy()
    )
    return Outcome(int(frame["achieved"].sum()), int(frame["of"].sum())).rate


def _victims(engine: Engine, at: datetime) -> float | None:
    frame = victims_updated_in_time(engine, at - timedelta(days=PERIOD_DAYS), at)
    return (
        Outcome(int(frame["achieved"].sum()), int(frame["of"].sum())).rate if frame.height else None
    )


def _unallocated(engine: Engine, at: datetime) -> float | None:
    ages = workforce_queries.unallocated_ages(engine, at)
    return float(ages.height)


def _median_age(engine: Engine, at: datetime) -> float | None:
    ages = workforce_queries.unallocated_ages(engine, at)
    if ages.height == 0:
        return None
    return round(float(ages.select(pl.col("age_days").median()).item()), 2)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("grade1_attended_in_time", "Share of grade 1 incidents reached within the urban "
               f"target, {PERIOD_DAYS} days before", "share", "higher", _grade1),
        Metric("crimes_allocated_in_time", "Share of crimes allocated within the target days, "
               f"recorded in the {PERIOD_DAYS} days before", "share", "higher", _allocated),
        Metric("victims_updated_in_time", "Share of victims' code clocks met on time, due in "
               f"the {PERIOD_DAYS} days before", "share", "higher", _victims),
        Metric("unallocated_crimes", "Crimes waiting for an investigator", "crimes", "lower",
               _unallocated),
        Metric("median_age_unallocated_days", "Median age of unallocated crime", "days", "lower",
               _median_age),
    )
}  # fmt: skip


def metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownMetricError(name, sorted(METRICS)) from None
