"""Cost of demand: officer-hours by demand stream times cost rates by rank or grade.

Streams over the period before ``now`` (``finance.yaml`` demand.period_days):
- incidents: unit-hours (dispatch to clear), by category, in the attending function (response,
  or the specialist function of the skill the incident needs, as in workforce.yaml);
- crimes: expected investigative hours by offence code (the allocation engine's offence table;
  a flat assumption when it is not installed), by offence group, in the function of the team
  holding the crime (else the policy's function for unallocated crime);
- missing-person episodes: a fixed number of officer-hours each (FACTS).

Hours are priced at the rank of the investigator holding a crime; otherwise they are spread over
the function's serving ranks by FTE. A rank with hours but no rate in the table is listed as
unpriced: its hours are counted, its cost is left empty, and totals say how many hours are
unpriced. Nothing is priced at zero.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine

from forcesight.finance import queries as finance_queries
from forcesight.finance.policy import FinancePolicy, load_finance_policy
from forcesight.finance.rates import CostRates, current_rates
from forcesight.workforce import queries as workforce_queries
from forcesight.workforce import views
from forcesight.workforce.policy import load_workforce_policy

NO_STAFF = "(no serving staff in function)"
LINE_SCHEMA = pl.Schema(
    {
        "stream": pl.String,
        "function": pl.String,
        "category": pl.String,
        "rank": pl.String,
        "hours": pl.Float64,
    }
)


@dataclass(frozen=True)
class CostOfDemand:
    start: datetime
    end: datetime
    rates: CostRates
    lines: pl.DataFrame  # stream, function, category, rank, hours, hourly_cost, cost
    crime_hours_from: str
    notes: list[str] = field(default_factory=list)

    @property
    def total_hours(self) -> float:
        return float(self.lines["hours"].sum())

    @property
    def total_cost(self) -> float:
        """Cost of the priced hours; see ``unpriced_hours`` for the rest."""
        return float(self.lines["cost"].sum())

    @property
    def unpriced_hours(self) -> float:
        return float(self.lines.filter(pl.col("cost").is_null())["hours"].sum())

    def unpriced(self) -> pl.DataFrame:
        """Ranks with hours but no rate: reported, never priced at zero."""
        return (
            self.lines.filter(pl.col("cost").is_null())
            .group_by("rank")
            .agg(
                pl.col("hours").sum().round(1),
                pl.col("function").unique().sort().str.join(", ").alias("functions"),
            )
            .sort("rank")
        )

    def by(self, *keys: str) -> pl.DataFrame:
        return (
            self.lines.group_by(*keys)
            .agg(
                pl.col("hours").sum().round(1),
                pl.when(pl.col("cost").is_not_null().any())
                .then(pl.col("cost").sum().round(0))
                .otherwise(None)
                .alias("cost"),
                pl.col("cost").is_not_null().all().alias("fully_priced"),
                pl.col("hours")
                .filter(pl.col("cost").is_null())
                .sum()
                .round(1)
                .alias("unpriced_hours"),
            )
            .sort("cost", *keys, descending=[True, *([False] * len(keys))], nulls_last=True)
        )


def rank_mix(staff: pl.DataFrame, types: list[str], on: Any) -> pl.DataFrame:
    """Each function's serving ranks and their share of its FTE (of the given staff types)."""
    serving = views.active_staff(staff, on).filter(pl.col("staff_type").is_in(types))
    return (
        serving.group_by("function", "rank")
        .agg(pl.col("fte").sum())
        .with_columns((pl.col("fte") / pl.col("fte").sum().over("function")).alias("share"))
        .select("function", "rank", "share")
    )


def _spread(lines: pl.DataFrame, mix: pl.DataFrame) -> pl.DataFrame:
    """Hours without a rank spread over the function's rank mix (or flagged: no staff)."""
    known = lines.filter(pl.col("rank").is_not_null())
    unknown = lines.filter(pl.col("rank").is_null()).drop("rank")
    spread = unknown.join(mix, on="function", how="left").with_columns(
        pl.col("rank").fill_null(NO_STAFF),
        (pl.col("hours") * pl.col("share").fill_null(1.0)).alias("hours"),
    )
    return pl.concat([known, spread.select(known.columns)])


def _crime_hours(rows: pl.DataFrame, policy: FinancePolicy) -> tuple[pl.DataFrame, str]:
    try:
        module = importlib.import_module("forcesight.allocation.policy")
        allocation = module.load_allocation_policy()
    except ImportError:
        return (
            rows.with_columns(
                pl.lit("crime").alias("category"),
                (pl.col("crimes") * policy.demand.fallback_hours_per_crime).alias("hours"),
            ),
            "finance.yaml fallback_hours_per_crime (allocation engine not installed)",
        )
    codes = rows["offence_code"].unique().to_list()
    reqs = {code: allocation.requirement(code) for code in codes}
    table = pl.DataFrame(
        {
            "offence_code": codes,
            "category": [reqs[c].offence_group or "offence code not in table" for c in codes],
            "hours_each": [float(reqs[c].expected_hours) for c in codes],
        },
        schema={"offence_code": pl.String, "category": pl.String, "hours_each": pl.Float64},
    )
    out = rows.join(table, on="offence_code", how="left").with_columns(
        (pl.col("crimes") * pl.col("hours_each")).alias("hours")
    )
    return out, "allocation engine's expected hours (allocation_offences.yaml)"


def cost_of_demand(
    engine: Engine, now: datetime, policy: FinancePolicy | None = None
) -> CostOfDemand:
    """Hours and cost of each demand stream over the period before ``now``."""
    policy = policy or load_finance_policy()
    rules = policy.demand
    start = now - timedelta(days=rules.period_days)
    workforce_policy = load_workforce_policy()
    canonical = workforce_policy.canonical()
    skill_functions = workforce_policy.gaps.skill_functions

    incidents = workforce_queries.incident_hours(engine, start, now).select(
        pl.lit("incidents").alias("stream"),
        pl.col("skill_required")
        .replace_strict(canonical, default=pl.col("skill_required"))
        .replace_strict(skill_functions, default=rules.incident_function)
        .fill_null(rules.incident_function)
        .alias("function"),
        pl.col("category"),
        pl.lit(None, dtype=pl.String).alias("rank"),
        pl.col("unit_hours").alias("hours"),
    )
    crime_rows = workforce_queries.crime_demand(engine, start, now).with_columns(
        pl.col("function").fill_null(rules.unallocated_crime_function)
    )
    crime_rows, crime_source = _crime_hours(crime_rows, policy)
    crimes = crime_rows.select(
        pl.lit("crimes").alias("stream"), "function", "category", "rank", "hours"
    )
    episodes = finance_queries.missing_episodes(engine, start, now)
    missing = pl.DataFrame(
        [("missing persons", rules.missing_person_function, "missing-person episodes", None,
          episodes * rules.missing_person_hours)] if episodes else [],
        schema=LINE_SCHEMA, orient="row",
    )  # fmt: skip
    staff = workforce_queries.load_staff(engine)
    attend = rank_mix(staff, rules.attending_staff_types, now.date())
    investigate = rank_mix(staff, rules.investigating_staff_types, now.date())
    lines = pl.concat(
        [
            _spread(incidents.cast(LINE_SCHEMA), attend),
            _spread(crimes.cast(LINE_SCHEMA), investigate),
            _spread(missing, investigate),
        ]
    )
    rates = current_rates(engine, policy)
    lines = (
        lines.group_by("stream", "function", "category", "rank")
        .agg(pl.col("hours").sum())
        .join(rates.rates.select("rank", "hourly_cost"), on="rank", how="left")
        .with_columns((pl.col("hours") * pl.col("hourly_cost")).alias("cost"))
        .sort("stream", "function", "category", "rank")
    )
    notes = []
    if rates.assumption:
        notes.append(
            f"cost rates are the demo defaults in {rates.origin}, every one an assumption: "
            "load the force's own table with `forcesight finance rates load FILE.csv`"
        )
    return CostOfDemand(start, now, rates, lines, crime_source, notes)
