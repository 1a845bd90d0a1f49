"""The workforce's sections of the Force Management Statement: capability (step 2), skills
gaps against demand (step 4) and where new posts should go (step 3)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine

from forcesight.reporting import charts
from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table
from forcesight.workforce import gaps as gap_analysis
from forcesight.workforce import posts as posts_plan
from forcesight.workforce import queries, views
from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy

AREA = "Workforce"


def capability_section(engine: Engine, now: datetime, policy: WorkforcePolicy) -> ReportSection:
    today = now.date()
    section = ReportSection(
        area=AREA,
        title="Skills, accreditations, tutoring and absence",
        step=Step.CAPACITY,
        method=(
            "The skills register as at the report date: each person's latest award of each "
            "skill, held when neither revoked nor expired; PIP levels on the staff record count "
            "as PIP awards. Single points of failure: skills held by "
            f"{policy.single_point_of_failure.max_holders} people or fewer in a function. "
            "Absence rates: days in sickness (or restricted and recuperative duty) spells over "
            "serving person-days, per month."
        ),
    )
    staff = queries.load_staff(engine)
    serving = views.active_staff(staff, today)
    if serving.height == 0:
        section.missing.append(
            "no workforce loaded: skills, tutoring and absence not assessed (import an HR export)"
        )
        return section
    skills = queries.load_skills(engine)
    held = views.holdings(staff, skills, policy, today)
    soon = views.expiring(held, today, 90)
    firsts = views.months_before(today, 12)
    spells = queries.load_spells(engine, firsts[0], today)
    spof = views.single_points_of_failure(held, views.unavailable_on(spells, policy, today), policy)
    tutoring = views.tutoring_load(staff, held, policy, today)
    max_holders = policy.single_point_of_failure.max_holders
    students = int(tutoring["students"].sum()) if tutoring.height else 0
    over = int(tutoring["over_limit"].sum()) if tutoring.height else 0
    section.figures = [
        Figure("Serving workforce", serving.height, "people", "joined_on <= date < left_on"),
        Figure("Serving workforce", round(float(serving["fte"].sum()), 1), "FTE", "sum of fte"),
        Figure("Awards expiring in 90 days", soon.height, "awards",
               "held awards with expires_on within 90 days"),
        Figure("Single points of failure", spof.height, "skill x function",
               f"skills held by <= {max_holders} people in a function"),
        Figure("Students being tutored", students, "people",
               "is_student, tutor set, tutoring_ends_on >= date"),
        Figure("Tutors above their student limit", over, "people",
               f"students per tutor > {policy.tutoring.max_students_per_tutor}"),
    ]  # fmt: skip
    if skills.height == 0:
        section.missing.append(
            "no skills register loaded: only PIP levels from the staff record are shown"
        )
    section.tables = [
        Table("Holders by skill and function", views.holders_by_skill(held)),
        Table("Awards expiring in the next 90 days, by function and team",
              views.expiring_summary(soon)),
        Table("Single points of failure", spof),
        Table("Tutoring load", tutoring),
    ]  # fmt: skip
    if spells.height == 0:
        section.missing.append(
            "no availability spells loaded: sickness and restricted-duty rates not assessed"
        )
    else:
        sick = views.absence_rates(staff, spells, ["sickness"], firsts, ("function",))
        restricted = views.absence_rates(
            staff, spells, policy.availability.restricted_kinds, firsts, ("function",)
        )
        by_rank = views.absence_rates(staff, spells, ["sickness"], firsts[-1:], ("rank",))
        last = firsts[-1]
        section.figures += [
            _rate_figure("Sickness rate, last month", sick, last),
            _rate_figure("Restricted and recuperative duty rate, last month", restricted, last),
        ]
        section.tables += [
            Table("Sickness rate by month and function", sick),
            Table("Restricted and recuperative duty rate by month and function", restricted),
            Table("Sickness rate by rank, last month", by_rank),
        ]
        section.charts.append(
            Chart(
                "Sickness rate by month and function",
                charts.lines(sick, "month", "rate", "function", x_title="Month",
                             y_title="Share of person-days off sick", y_format="%"),
            )
        )  # fmt: skip
    section.summary = (
        f"{serving.height} people serve; {soon.height} awards expire within 90 days and "
        f"{spof.height} skill-function pairs rest on {policy.single_point_of_failure.max_holders} "
        "people or fewer."
    )
    return section


def _rate_figure(label: str, rates: pl.DataFrame, month: object) -> Figure:
    last = rates.filter(pl.col("month") == month)
    person_days = int(last["person_days"].sum())
    value = round(int(last["days_away"].sum()) / person_days, 4) if person_days else None
    return Figure(label, value, "share", f"spell days / serving person-days in {month}")


def gaps_section(engine: Engine, now: datetime, policy: WorkforcePolicy) -> ReportSection:
    analysis = gap_analysis.analyse_gaps(engine, now, policy)
    section = ReportSection(
        area=AREA,
        title="Skills gaps against demand",
        step=Step.UNMET,
        method=(gap_analysis.__doc__ or "").strip()
        + f" Crime hours from: {analysis.crime_hours_from}.",
        missing=list(analysis.notes),
    )
    if analysis.demand.height == 0:
        section.missing.append(
            "no incidents or crimes in the last "
            f"{policy.gaps.weeks} weeks: demand for skills not assessed"
        )
        return section
    if analysis.supply.height == 0:
        section.missing.append("no workforce loaded: productive hours not assessed")
    table = analysis.gaps
    deficits = table.filter(pl.col("status") == "deficit")
    section.figures = [
        Figure("Skill and function pairs in deficit", deficits.height, "pairs",
               "productive hours of holders < demand hours needing the skill"),
        Figure("Hours short across deficits", round(-float(deficits["balance_hours"].sum()), 1),
               "hours", f"sum of the deficits over {policy.gaps.weeks} weeks"),
    ]  # fmt: skip
    section.summary = (
        f"Over the last {policy.gaps.weeks} weeks, {deficits.height} skill and function pairs "
        f"had less productive time than their demand needed."
    )
    section.tables = [Table("Demand hours against productive hours", table)]
    if deficits.height:
        shown = deficits.head(20).with_columns(
            (pl.col("function") + ": " + pl.col("skill")).alias("need")
        )
        section.charts.append(
            Chart(
                "Largest deficits (hours short)",
                charts.bars(
                    shown.with_columns((-pl.col("balance_hours")).alias("hours_short")),
                    "need", "hours_short", horizontal=True, x_title="", y_title="Hours short",
                ),
            )
        )  # fmt: skip
    return section


def posts_section(engine: Engine, now: datetime, policy: WorkforcePolicy) -> ReportSection:
    n = policy.posts.report_posts
    plan = posts_plan.plan_posts(engine, now, n, policy=policy)
    section = ReportSection(
        area=AREA,
        title=f"Where {n} new officers would add most",
        step=Step.PLANS,
        method=(posts_plan.__doc__ or "").strip(),
        missing=list(plan.not_assessed),
    )
    if plan.allocation.height == 0:
        return section
    section.figures = [
        Figure(f"Posts to {row['function']}", row["posts"], "posts", "greedy marginal allocation")
        for row in plan.allocation.iter_rows(named=True)
    ]
    section.summary = "; ".join(
        f"{row['posts']} to {row['function']} ({row['measure']} {row['now']:.1f} -> "
        f"{row['with_posts']:.1f} {row['unit']})"
        for row in plan.allocation.iter_rows(named=True)
    ) + (f"; {plan.unassigned} not assigned (no modelled benefit)" if plan.unassigned else "")
    section.tables = [
        Table("Extra posts by function", plan.allocation),
        Table("Benefit curves", plan.curves),
    ]
    section.charts.append(
        Chart(
            "Modelled measure by number of extra posts",
            charts.lines(plan.curves, "extra_posts", "value", "measure",
                         x_title="Extra posts", y_title="Measure"),
        )
    )  # fmt: skip
    return section


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """The workforce's sections of the Force Management Statement."""
    policy = load_workforce_policy()
    return [
        capability_section(engine, now, policy),
        gaps_section(engine, now, policy),
        posts_section(engine, now, policy),
    ]
