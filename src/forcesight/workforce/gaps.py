"""Gap analysis: demand-hours needing each skill against productive hours available with it.

Demand (over the ``gaps.weeks`` weeks before ``now``):
- crimes reported in the window, each needing the PIP level, specialist skills and expected
  investigative hours the allocation engine's offence table gives it (raised by its flags),
  counted to the function of the team that holds it (else ``unallocated_crime_function``).
  When the allocation module is not installed, the fallback in ``workforce.yaml`` is used
  (skills from the crime's flags, assumed hours per crime) and the output says so;
- incidents received in the window, their unit-hours (dispatch to clear) counted to
  ``incident_function``, or to a specialist function when the incident needs a skill.

Supply: each serving person's productive hours in the window (contracted hours, less the days
on an unavailable spell, restricted days at a reduced share, times the productive share),
counted to every skill they hold on ``now`` in their function. A person who holds several
skills is counted under each, so a skill's supply is an upper bound on the hours it could get.
The row ``(all demand)`` compares a function's total demand with its total productive hours.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from forcesight.workforce import queries, views
from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy

ALL_DEMAND = "(all demand)"
DEMAND_SCHEMA = pl.Schema(
    {
        "function": pl.String,
        "skill": pl.String,
        "stream": pl.String,
        "items": pl.Int64,
        "demand_hours": pl.Float64,
    }
)


@dataclass(frozen=True)
class GapAnalysis:
    start: datetime
    end: datetime
    demand: pl.DataFrame  # function, skill, stream, items, demand_hours
    supply: pl.DataFrame  # function, skill, holders, productive_hours
    gaps: pl.DataFrame  # function, skill, demand_hours, holders, productive_hours, balance, status
    crime_hours_from: str  # "allocation policy" or "workforce.yaml fallback"
    notes: list[str]


def _crime_requirements(
    rows: pl.DataFrame, policy: WorkforcePolicy
) -> tuple[pl.DataFrame, str, list[str]]:
    """Per grouped crime row: the skills it needs (list) and its expected hours."""
    notes: list[str] = []
    try:
        alloc = importlib.import_module("forcesight.allocation.policy")
        triage = importlib.import_module("forcesight.allocation.triage")
        assessor = triage.ComplexityAssessor(alloc.load_allocation_policy()).fit()
    except ImportError:
        assessor = None
    canonical = policy.canonical()
    needs: list[list[str]] = []
    hours: list[float] = []
    if assessor is not None:
        source = "allocation policy (allocation_offences.yaml)"
        for row in rows.iter_rows(named=True):
            assessed = assessor.assess_row(row)
            skills = [canonical.get(s, s) for s in assessed["skills"]]
            if assessed["pip_level"] >= 1:
                skills.append(f"PIP{assessed['pip_level']}")
            needs.append(sorted(set(skills)))
            hours.append(float(assessed["expected_hours"]))
    else:
        source = "workforce.yaml fallback (allocation module not installed)"
        notes.append(
            "allocation module not installed: crime skills come from the crime's flags and hours "
            "are the fallback assumptions in workforce.yaml; PIP demand is not assessed"
        )
        fallback = policy.fallback_crime_demand
        for row in rows.iter_rows(named=True):
            flags = [f for f in fallback.flag_skills if row.get(f)]
            needs.append(sorted({s for f in flags for s in fallback.flag_skills[f]}))
            flag_hours = [fallback.flag_hours.get(f, fallback.hours_per_crime) for f in flags]
            hours.append(max(flag_hours, default=fallback.hours_per_crime))
    out = rows.with_columns(
        pl.Series("skills", needs, dtype=pl.List(pl.String)),
        pl.Series("hours_each", hours, dtype=pl.Float64),
    )
    return out, source, notes


def demand_by_skill(
    engine: Engine, start: datetime, end: datetime, policy: WorkforcePolicy
) -> tuple[pl.DataFrame, str, list[str]]:
    rules = policy.gaps
    crimes = queries.crime_demand(engine, start, end).with_columns(
        pl.col("function").fill_null(rules.unallocated_crime_function)
    )
    crimes, source, notes = _crime_requirements(crimes, policy)
    crime_rows = crimes.with_columns(
        (pl.col("hours_each") * pl.col("crimes")).alias("demand_hours")
    )
    crime_total = crime_rows.group_by("function").agg(
        pl.lit(ALL_DEMAND).alias("skill"),
        pl.lit("crimes").alias("stream"),
        pl.col("crimes").sum().alias("items"),
        pl.col("demand_hours").sum(),
    )
    crime_skill = (
        crime_rows.explode("skills")
        .filter(pl.col("skills").is_not_null())
        .group_by("function", "skills")
        .agg(
            pl.lit("crimes").alias("stream"),
            pl.col("crimes").sum().alias("items"),
            pl.col("demand_hours").sum(),
        )
        .rename({"skills": "skill"})
    )
    canonical = policy.canonical()
    incidents = queries.incident_hours(engine, start, end).with_columns(
        pl.col("skill_required").replace_strict(canonical, default=pl.col("skill_required"))
    )
    incidents = incidents.with_columns(
        pl.col("skill_required")
        .replace_strict(rules.skill_functions, default=rules.incident_function)
        .fill_null(rules.incident_function)
        .alias("function")
    )
    incident_total = incidents.group_by("function").agg(
        pl.lit(ALL_DEMAND).alias("skill"),
        pl.lit("incidents").alias("stream"),
        pl.col("incidents").sum().alias("items"),
        pl.col("unit_hours").sum().alias("demand_hours"),
    )
    incident_skill = (
        incidents.filter(pl.col("skill_required").is_not_null())
        .group_by("function", "skill_required")
        .agg(
            pl.lit("incidents").alias("stream"),
            pl.col("incidents").sum().alias("items"),
            pl.col("unit_hours").sum().alias("demand_hours"),
        )
        .rename({"skill_required": "skill"})
    )
    parts = [crime_total, crime_skill, incident_total, incident_skill]
    demand = pl.concat([p.select(list(DEMAND_SCHEMA)).cast(DEMAND_SCHEMA) for p in parts])
    return demand.sort("function", "skill", "stream"), source, notes


def productive_hours(
    staff: pl.DataFrame, spells: pl.DataFrame, policy: WorkforcePolicy, start: date, end: date
) -> pl.DataFrame:
    """Each person's productive hours in [start, end) (days as whole dates)."""
    rules = policy.availability
    last = end - timedelta(days=1)
    far = date(9999, 12, 31)
    people = staff.select(
        "id",
        "hours_per_week",
        pl.max_horizontal(pl.col("joined_on").fill_null(start), pl.lit(start)).alias("from"),
        pl.min_horizontal(
            (pl.col("left_on") - pl.duration(days=1)).fill_null(far), pl.lit(last)
        ).alias("to"),
    ).with_columns(
        pl.max_horizontal((pl.col("to") - pl.col("from")).dt.total_days() + 1, pl.lit(0)).alias(
            "serving_days"
        )
    )
    spell_days = (
        spells.filter(pl.col("kind").is_in(rules.unavailable_kinds + rules.restricted_kinds))
        .join(people.select("id", "from", "to"), left_on="staff_id", right_on="id", how="inner")
        .with_columns(
            pl.max_horizontal("starts_on", "from").alias("a"),
            pl.min_horizontal(pl.col("ends_on").fill_null(far), "to").alias("b"),
            pl.col("kind").is_in(rules.unavailable_kinds).alias("away"),
        )
        .filter(pl.col("a") <= pl.col("b"))
        .with_columns(pl.date_ranges("a", "b").alias("day"))
        .explode("day")
        # a day away beats a restricted day; each day counts once
        .sort("away", descending=True)
        .unique(["staff_id", "day"], keep="first")
        .group_by("staff_id")
        .agg(
            pl.col("away").sum().alias("days_away"),
            (~pl.col("away")).sum().alias("days_restricted"),
        )
    )
    return (
        people.join(spell_days, left_on="id", right_on="staff_id", how="left")
        .with_columns(pl.col("days_away", "days_restricted").fill_null(0))
        .with_columns(
            (
                pl.col("serving_days")
                - pl.col("days_away")
                - pl.col("days_restricted") * (1 - rules.restricted_productive_share)
            ).alias("effective_days")
        )
        .with_columns(
            (
                pl.col("effective_days") * pl.col("hours_per_week") / 7.0 * rules.productive_share
            ).alias("productive_hours")
        )
        .select("id", "serving_days", "days_away", "days_restricted", "productive_hours")
    )


def supply_by_skill(staff: pl.DataFrame, held: pl.DataFrame, hours: pl.DataFrame) -> pl.DataFrame:
    per_person = hours.select(pl.col("id").alias("staff_id"), "productive_hours")
    by_skill = (
        held.join(per_person, on="staff_id", how="inner")
        .group_by("function", "skill")
        .agg(
            pl.col("staff_id").n_unique().alias("holders"),
            pl.col("productive_hours").sum(),
        )
    )
    totals = (
        staff.select(pl.col("id").alias("staff_id"), "function")
        .join(per_person, on="staff_id", how="inner")
        .filter(pl.col("productive_hours") > 0)
        .group_by("function")
        .agg(
            pl.lit(ALL_DEMAND).alias("skill"),
            pl.col("staff_id").n_unique().alias("holders"),
            pl.col("productive_hours").sum(),
        )
    )
    schema = pl.Schema({"function": pl.String, "skill": pl.String, "holders": pl.Int64,
              "productive_hours": pl.Float64})  # fmt: skip
    return pl.concat([by_skill.cast(schema), totals.select(list(schema)).cast(schema)])


def gap_table(demand: pl.DataFrame, supply: pl.DataFrame) -> pl.DataFrame:
    """Surplus (+) or deficit (-) of productive hours over demand hours, by function and skill,
    for every skill with demand (a skill nobody needs is not a gap)."""
    needed = demand.group_by("function", "skill").agg(pl.col("demand_hours").sum())
    return (
        needed.join(supply, on=["function", "skill"], how="left")
        .with_columns(pl.col("holders").fill_null(0), pl.col("productive_hours").fill_null(0.0))
        .with_columns(
            (pl.col("productive_hours") - pl.col("demand_hours")).alias("balance_hours"),
        )
        .with_columns(
            pl.when(pl.col("balance_hours") < 0)
            .then(pl.lit("deficit"))
            .otherwise(pl.lit("surplus"))
            .alias("status"),
            pl.when(pl.col("productive_hours") > 0)
            .then(pl.col("demand_hours") / pl.col("productive_hours"))
            .otherwise(None)
            .round(3)
            .alias("demand_per_productive_hour"),
        )
        .with_columns(pl.col("demand_hours", "productive_hours", "balance_hours").round(1))
        .sort("balance_hours", "function", "skill")
    )


def analyse_gaps(
    engine: Engine, now: datetime, policy: WorkforcePolicy | None = None
) -> GapAnalysis:
    """Demand against productive hours by function and skill over the weeks before ``now``."""
    policy = policy or load_workforce_policy()
    end = now
    start = now - timedelta(weeks=policy.gaps.weeks)
    demand, source, notes = demand_by_skill(engine, start, end, policy)
    staff = queries.load_staff(engine)
    skills = queries.load_skills(engine)
    held = views.holdings(staff, skills, policy, now.date())
    spells = queries.load_spells(engine, start.date(), end.date())
    hours = productive_hours(staff, spells, policy, start.date(), end.date())
    supply = supply_by_skill(staff, held, hours)
    return GapAnalysis(start, end, demand, supply, gap_table(demand, supply), source, notes)
