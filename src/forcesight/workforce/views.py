"""Views of the skills register and of availability: pure functions over frames.

``holdings`` is the register as at a day: each person's latest award of each skill (aliases
read as the canonical name), held if it is neither revoked nor expired and the person has not
left. PIP levels on the staff record count as PIP awards too, so the register and the
allocation engine agree on who is accredited.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import polars as pl

from forcesight.workforce.policy import WorkforcePolicy

HOLDING_COLUMNS = [
    "staff_id",
    "skill",
    "kind",
    "awarded_on",
    "expires_on",
    "origin",
    "rank",
    "function",
    "team_id",
    "team_name",
]


def active_staff(staff: pl.DataFrame, on: date) -> pl.DataFrame:
    """Staff serving on ``on``: joined by then (or no join date) and not yet left."""
    return staff.filter(
        (pl.col("joined_on").is_null() | (pl.col("joined_on") <= on))
        & (pl.col("left_on").is_null() | (pl.col("left_on") > on))
    )


def latest_awards(skills: pl.DataFrame, policy: WorkforcePolicy) -> pl.DataFrame:
    """Each person's latest award of each canonical skill (revoked or not)."""
    canonical = policy.canonical()
    return (
        skills.with_columns(
            pl.col("skill").replace_strict(canonical, default=pl.col("skill")).alias("skill")
        )
        .sort("awarded_on", "id")
        .group_by("staff_id", "skill", maintain_order=True)
        .last()
    )


def holdings(
    staff: pl.DataFrame, skills: pl.DataFrame, policy: WorkforcePolicy, on: date
) -> pl.DataFrame:
    """Skills held on ``on`` by serving staff, one row per person and skill."""
    serving = active_staff(staff, on)
    latest = latest_awards(skills, policy).filter(
        pl.col("revoked_on").is_null()
        & (pl.col("expires_on").is_null() | (pl.col("expires_on") > on))
    )
    people = serving.select("id", "rank", "function", "team_id", "team_name")
    held = latest.join(people, left_on="staff_id", right_on="id", how="inner").select(
        HOLDING_COLUMNS
    )
    pip_rows = []
    for level in (1, 2, 3, 4):
        pip_rows.append(
            serving.filter(pl.col("pip_level") >= level).select(
                pl.col("id").alias("staff_id"),
                pl.lit(f"PIP{level}").alias("skill"),
                pl.lit("accreditation").alias("kind"),
                pl.lit(None, dtype=pl.Date).alias("awarded_on"),
                pl.lit(None, dtype=pl.Date).alias("expires_on"),
                pl.lit("staff record").alias("origin"),
                "rank",
                "function",
                "team_id",
                "team_name",
            )
        )
    derived = pl.concat(pip_rows).join(held, on=["staff_id", "skill"], how="anti")
    return pl.concat([held, derived]).sort("skill", "function", "staff_id")


def holders_by_skill(held: pl.DataFrame) -> pl.DataFrame:
    """Who holds which skill: holders per skill and function."""
    return (
        held.group_by("skill", "function")
        .agg(pl.col("staff_id").n_unique().alias("holders"))
        .sort("skill", "function")
    )


def expiring(held: pl.DataFrame, on: date, days: int) -> pl.DataFrame:
    """Awards held on ``on`` that expire within ``days`` days (after ``on``)."""
    until = on + timedelta(days=days)
    return (
        held.filter(pl.col("expires_on").is_not_null() & (pl.col("expires_on") <= until))
        .with_columns((pl.col("expires_on") - pl.lit(on)).dt.total_days().alias("days_left"))
        .sort("expires_on", "staff_id", "skill")
    )


def expiring_summary(
    soon: pl.DataFrame, by: Sequence[str] = ("function", "team_name")
) -> pl.DataFrame:
    """Counts of expiring awards by ``by`` and skill."""
    return (
        soon.group_by(*by, "skill")
        .agg(pl.len().alias("expiring"), pl.col("expires_on").min().alias("first_expiry"))
        .sort(*by, "skill", nulls_last=True)
    )


def unavailable_on(spells: pl.DataFrame, policy: WorkforcePolicy, on: date) -> pl.DataFrame:
    """Staff ids away on ``on`` (a spell of an unavailable kind covers the day)."""
    kinds = policy.availability.unavailable_kinds
    return (
        spells.filter(
            pl.col("kind").is_in(kinds)
            & (pl.col("starts_on") <= on)
            & (pl.col("ends_on").is_null() | (pl.col("ends_on") >= on))
        )
        .select("staff_id")
        .unique()
    )


def single_points_of_failure(
    held: pl.DataFrame, away: pl.DataFrame, policy: WorkforcePolicy
) -> pl.DataFrame:
    """Skills held by ``max_holders`` people or fewer in a function, with how many of those
    holders are available today."""
    limit = policy.single_point_of_failure.max_holders
    away_ids = away.get_column("staff_id").implode()
    return (
        held.group_by("function", "skill")
        .agg(
            pl.col("staff_id").n_unique().alias("holders"),
            pl.col("staff_id")
            .filter(~pl.col("staff_id").is_in(away_ids))
            .n_unique()
            .alias("available_today"),
            pl.col("staff_id").unique().sort().str.join(", ").alias("held_by"),
        )
        .filter(pl.col("holders") <= limit)
        .sort("holders", "function", "skill")
    )


def tutoring_load(
    staff: pl.DataFrame, held: pl.DataFrame, policy: WorkforcePolicy, on: date
) -> pl.DataFrame:
    """Students per tutor and weeks of tutoring left, for students still being tutored."""
    serving = active_staff(staff, on)
    students = serving.filter(
        pl.col("is_student")
        & pl.col("tutor_id").is_not_null()
        & (pl.col("tutoring_ends_on").is_null() | (pl.col("tutoring_ends_on") >= on))
    )
    accredited = held.filter(pl.col("skill") == "tutor_constable").select("staff_id").unique()
    tutors = serving.select(
        pl.col("id").alias("tutor_id"),
        pl.col("function").alias("tutor_function"),
        pl.col("team_name").alias("tutor_team"),
    )
    limit = policy.tutoring.max_students_per_tutor
    return (
        students.group_by("tutor_id")
        .agg(
            pl.len().alias("students"),
            pl.col("id").sort().str.join(", ").alias("student_ids"),
            pl.col("tutoring_ends_on").max().alias("last_ends_on"),
        )
        .with_columns(
            ((pl.col("last_ends_on") - pl.lit(on)).dt.total_days() / 7.0)
            .round(1)
            .alias("weeks_left"),
            (pl.col("students") > limit).alias("over_limit"),
            pl.col("tutor_id")
            .is_in(accredited.get_column("staff_id").implode())
            .alias("tutor_accredited"),
        )
        .join(tutors, on="tutor_id", how="left")
        .sort("students", "tutor_id", descending=[True, False])
    )


def months_before(on: date, months: int) -> list[date]:
    """First days of the ``months`` whole months before ``on``'s month, oldest first."""
    firsts = []
    year, month = on.year, on.month
    for _ in range(months):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        firsts.append(date(year, month, 1))
    return sorted(firsts)


def _month_frame(firsts: Sequence[date]) -> pl.DataFrame:
    return pl.DataFrame({"month": list(firsts)}, schema={"month": pl.Date}).with_columns(
        (pl.col("month").dt.offset_by("1mo") - pl.duration(days=1)).alias("month_end")
    )


def _overlap_days(start: str, end: str) -> pl.Expr:
    """Days of [start, end] inside [month, month_end], 0 when they do not overlap."""
    first = pl.max_horizontal(pl.col(start), pl.col("month"))
    last = pl.min_horizontal(pl.col(end), pl.col("month_end"))
    return pl.max_horizontal((last - first).dt.total_days() + 1, pl.lit(0))


def absence_rates(
    staff: pl.DataFrame,
    spells: pl.DataFrame,
    kinds: Sequence[str],
    firsts: Sequence[date],
    by: Sequence[str] = ("function", "rank"),
) -> pl.DataFrame:
    """Share of serving person-days spent in spells of ``kinds``, per month and ``by``.

    A person-day counts when the person had joined (or has no join date) and had not left;
    spell days count only on such days. Open-ended spells run to the end of the month."""
    months = _month_frame(firsts)
    far = date(9999, 12, 31)
    people = staff.select(
        "id",
        *by,
        pl.col("joined_on").fill_null(date(1900, 1, 1)).alias("from"),
        (pl.col("left_on") - pl.duration(days=1)).fill_null(far).alias("to"),
    )
    served = people.join(months, how="cross").with_columns(
        _overlap_days("from", "to").alias("days")
    )
    denominators = served.group_by("month", *by).agg(pl.col("days").sum().alias("person_days"))
    away = (
        spells.filter(pl.col("kind").is_in(list(kinds)))
        .with_columns(pl.col("ends_on").fill_null(far))
        .join(people, left_on="staff_id", right_on="id", how="inner")
        .with_columns(
            pl.max_horizontal("starts_on", "from").alias("starts_on"),
            pl.min_horizontal("ends_on", "to").alias("ends_on"),
        )
        .join(months, how="cross")
        .with_columns(_overlap_days("starts_on", "ends_on").alias("days"))
    )
    # Overlapping spells of one person must not count a day twice: count distinct days.
    numerators = (
        away.filter(pl.col("days") > 0)
        .with_columns(
            pl.date_ranges(
                pl.max_horizontal("starts_on", "month"), pl.min_horizontal("ends_on", "month_end")
            ).alias("day")
        )
        .explode("day")
        .unique(["staff_id", "day"])
        .group_by("month", *by)
        .agg(pl.len().alias("days_away"))
    )
    return (
        denominators.join(numerators, on=["month", *by], how="left", nulls_equal=True)
        .with_columns(pl.col("days_away").fill_null(0))
        .filter(pl.col("person_days") > 0)
        .with_columns((pl.col("days_away") / pl.col("person_days")).round(4).alias("rate"))
        .sort("month", *by)
    )
