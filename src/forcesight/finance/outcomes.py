"""Outcome-based budgeting: spend on each function's demand against the outcomes it buys
(attendance in time, crimes allocated in time, victims updated in time), over the cost period.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from forcesight.finance import metrics
from forcesight.finance.costs import CostOfDemand
from forcesight.finance.policy import FinancePolicy

SCHEMA = pl.Schema(
    {"function": pl.String, "outcome": pl.String, "achieved": pl.Int64, "of": pl.Int64}
)


def outcome_counts(
    engine: Engine, start: datetime, end: datetime, policy: FinancePolicy
) -> tuple[pl.DataFrame, list[str]]:
    """Each outcome by function in [start, end), and notes on what could not be counted."""
    notes: list[str] = []
    attendance, no_arrival = metrics.grade1_attendance(engine, start, end, policy)
    parts = []
    if attendance.of:
        parts.append(
            pl.DataFrame(
                [(policy.demand.incident_function, "grade 1 attended in time", attendance.achieved,
                  attendance.of)], schema=SCHEMA, orient="row",
            )
        )  # fmt: skip
    else:
        notes.append("no grade 1 incidents with an arrival time: attendance in time not assessed")
    if no_arrival:
        notes.append(f"{no_arrival} grade 1 incidents have no arrival time and are left out")
    allocated = metrics.crimes_allocated_in_time(engine, start, end, policy)
    if allocated.height:
        parts.append(
            allocated.select(
                "function", pl.lit("crimes allocated in time").alias("outcome"), "achieved", "of"
            ).cast(SCHEMA)
        )
    else:
        notes.append("no crimes recorded in the period: allocation in time not assessed")
    victims = metrics.victims_updated_in_time(engine, start, end)
    if victims.height:
        parts.append(
            victims.select(
                "function", pl.lit("victims updated in time").alias("outcome"), "achieved", "of"
            ).cast(SCHEMA)
        )
    else:
        notes.append("no victims' code clocks loaded: victims updated in time not assessed")
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=SCHEMA)
    return frame, notes


def budgeting_view(
    engine: Engine, costs: CostOfDemand, policy: FinancePolicy
) -> tuple[pl.DataFrame, list[str]]:
    """Per function: spend (priced cost of its demand), each outcome's rate, and the spend per
    outcome achieved. A function with unpriced hours says so (``fully_priced`` false)."""
    outcomes, notes = outcome_counts(engine, costs.start, costs.end, policy)
    spend = costs.by("function").select("function", "hours", "cost", "fully_priced")
    return (
        spend.join(outcomes, on="function", how="full", coalesce=True)
        .with_columns(
            pl.when(pl.col("of") > 0)
            .then(pl.col("achieved") / pl.col("of"))
            .round(4)
            .alias("rate"),
            pl.when(pl.col("achieved") > 0)
            .then(pl.col("cost") / pl.col("achieved"))
            .round(0)
            .alias("spend_per_outcome_achieved"),
        )
        .sort("function", "outcome", nulls_last=True)
    ), notes
