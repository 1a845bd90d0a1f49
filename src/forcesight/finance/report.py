"""Finance's sections of the Force Management Statement: the cost of demand (step 1), spend
against outcomes (step 2) and the benefits register (step 3)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from forcesight.finance import benefits, costs, outcomes
from forcesight.finance.policy import FinancePolicy, load_finance_policy
from forcesight.reporting import charts
from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table

AREA = "Finance"


def cost_section(result: costs.CostOfDemand) -> ReportSection:
    section = ReportSection(
        area=AREA,
        title="Cost of demand",
        step=Step.DEMAND,
        method=(costs.__doc__ or "").strip() + f" Crime hours from: {result.crime_hours_from}.",
    )
    if result.lines.height == 0:
        section.missing.append(
            "no incidents, crimes or missing-person episodes in the period: cost of demand not "
            "assessed"
        )
        return section
    unpriced = result.unpriced()
    for row in unpriced.iter_rows(named=True):
        if row["rank"] == costs.NO_STAFF:
            why = f"{row['hours']:,.1f} hours of demand in {row['functions']} have no serving staff"
        else:
            why = (
                f"the cost table ({result.rates.name}) has no rate for {row['rank']!r} "
                f"({row['hours']:,.1f} hours in {row['functions']})"
            )
        section.missing.append(why + ": counted, not priced")
    section.figures = [
        Figure("Officer-hours of demand", round(result.total_hours, 1), "hours",
               f"{result.start:%Y-%m-%d} to {result.end:%Y-%m-%d}: incident unit-hours + "
               "expected crime hours + missing-person hours"),
        Figure("Cost of priced hours", round(result.total_cost), "GBP",
               "sum of hours x hourly cost by rank"),
        Figure("Unpriced hours", round(result.unpriced_hours, 1), "hours",
               "hours at ranks with no rate in the cost table"),
    ]  # fmt: skip
    section.summary = (
        f"Demand over the year took {result.total_hours:,.0f} officer-hours costing "
        f"£{result.total_cost:,.0f}"
        + (f" ({result.unpriced_hours:,.0f} hours unpriced)" if result.unpriced_hours else "")
        + (" at assumed demo rates." if result.rates.assumption else ".")
    )
    by_function = result.by("function", "stream")
    section.tables = [
        Table("Cost of demand by function and stream", by_function),
        Table("Cost of demand by category", result.by("stream", "category")),
        Table("Cost of demand by rank", result.by("rank")),
        Table("Cost rates used", result.rates.rates,
              "; ".join(result.notes) or f"rate set {result.rates.name}"),
    ]  # fmt: skip
    if unpriced.height:
        section.tables.append(Table("Ranks with no cost rate (unpriced)", unpriced))
    priced = by_function.filter(pl.col("cost").is_not_null())
    if priced.height:
        section.charts.append(
            Chart("Cost of demand by function (GBP)",
                  charts.bars(priced, "function", "cost", color="stream", x_title="Function",
                              y_title="Cost (GBP)"))
        )  # fmt: skip
    return section


def outcomes_section(
    engine: Engine, result: costs.CostOfDemand, policy: FinancePolicy
) -> ReportSection:
    view, notes = outcomes.budgeting_view(engine, result, policy)
    section = ReportSection(
        area=AREA,
        title="Spend against outcomes",
        step=Step.CAPACITY,
        method=(outcomes.__doc__ or "").strip() + " " + policy.outcomes.source.strip(),
        missing=notes,
    )
    if view.height == 0:
        return section
    section.tables = [Table("Spend and outcomes by function", view)]
    for row in view.filter(pl.col("of").is_not_null()).iter_rows(named=True):
        section.figures.append(
            Figure(f"{row['outcome']} ({row['function']})", row["rate"], "share",
                   f"{row['achieved']} of {row['of']}")
        )  # fmt: skip
    return section


def benefits_section(engine: Engine, now: datetime) -> ReportSection:
    view = benefits.register_view(engine, now)
    section = ReportSection(
        area=AREA,
        title="Benefits register",
        step=Step.PLANS,
        method=(benefits.__doc__ or "").strip(),
    )
    if view.height == 0:
        section.missing.append(
            "no investments in the benefits register: add them with `forcesight finance "
            "benefits add`"
        )
        return section
    counts = view.group_by("status").len().sort("status")
    section.figures = [
        Figure(f"Investments {row['status']}", row["len"], "investments", "benefits register")
        for row in counts.iter_rows(named=True)
    ]
    section.summary = ", ".join(f"{r['len']} {r['status']}" for r in counts.iter_rows(named=True))
    section.tables = [Table("Benefits register", view)]
    return section


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """Finance's sections of the Force Management Statement."""
    policy = load_finance_policy()
    result = costs.cost_of_demand(engine, now, policy)
    return [
        cost_section(result),
        outcomes_section(engine, result, policy),
        benefits_section(engine, now),
    ]
