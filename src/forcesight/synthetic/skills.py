"""Skills, accreditations and availability spells of the demo workforce.

Each person's latest award of an expiring skill falls uniformly in the 1 + ``lapse_share``
validity periods before as_of, so some have lapsed and some expire within 90 days. Spells
(sickness, restricted and recuperative duty, leave, training, tutoring, parental leave) cover
the year before as_of and leave and training booked up to ``horizon_after_days`` after it.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import polars as pl

from forcesight.synthetic.params import DemoParams
from forcesight.synthetic.sampling import Bools, Ints, as_date, days, lognormal, where
from forcesight.synthetic.workforce import Workforce

# investigative skills that police staff in investigating teams may hold; the rest are
# officer-only (driving, firearms, dogs, public order, taser, tutoring)
STAFF_SKILLS = frozenset(
    {
        "abe_interviewing",
        "child_abuse_investigation",
        "sexual_offences_investigation",
        "domestic_abuse_investigation",
        "modern_slavery_investigation",
        "hate_crime_investigation",
        "fraud_investigation",
        "digital_media_investigator",
        "financial_investigator",
    }
)


def _day_numbers(series: pl.Series) -> Ints:
    return series.to_physical().cast(pl.Int64).to_numpy()


def build_skills(
    rng: np.random.Generator, params: DemoParams, workforce: Workforce, as_of: datetime
) -> pl.DataFrame:
    sp = params.skills
    staff = workforce.staff.filter(pl.col("active"))
    today = days(as_of.date())
    n = staff.height
    ids = staff["id"].to_numpy()
    key = staff["team_key"].to_numpy()
    staff_type = staff["staff_type"].to_numpy()
    joined = _day_numbers(staff["joined_on"])
    pip = staff["pip_level"].to_numpy()
    uniformed = np.isin(staff_type, ["officer", "pcso", "special"])
    officer = staff_type == "officer"
    is_student = staff["is_student"].to_numpy()
    tutors = np.isin(ids, workforce.tutors["tutor_id"].to_numpy())

    frames = []
    for skill in sp.catalogue:
        if skill.name.startswith("PIP"):
            holds = pip >= int(skill.name[3:])
        else:
            p = np.zeros(n)
            if skill.name in sp.all_officers:
                p = np.where(uniformed, sp.all_officers[skill.name], 0.0)
            team_p = np.array([sp.by_team.get(k, {}).get(skill.name, 0.0) for k in key])
            allowed = officer | ((staff_type == "staff") & (skill.name in STAFF_SKILLS))
            p = np.maximum(p, np.where(allowed & ~is_student, team_p, 0.0))
            holds = rng.random(n) < p
            if skill.name == "tutor_constable":
                holds |= tutors
        idx = np.flatnonzero(holds)
        if not len(idx):
            continue
        earliest = joined[idx] + 14
        if skill.valid_years is None:
            span = np.maximum(today - 30 - earliest, 1)
            awarded = earliest + (rng.random(len(idx)) * span).astype(np.int64)
            expires = np.zeros(len(idx), dtype=np.int64)
            has_expiry: Bools = np.zeros(len(idx), dtype=bool)
        else:
            valid = round(skill.valid_years * 365)
            back = (rng.random(len(idx)) * valid * (1 + sp.lapse_share)).astype(np.int64)
            awarded = np.minimum(np.maximum(today - back, earliest), today)
            if skill.name == "tutor_constable":  # a tutor's accreditation is current
                awarded = np.where(tutors[idx], np.maximum(awarded, today - valid + 120), awarded)
            expires = awarded + valid
            has_expiry = np.ones(len(idx), dtype=bool)
        frames.append(
            pl.DataFrame(
                {
                    "staff_id": ids[idx],
                    "skill": skill.name,
                    "kind": skill.kind,
                    "awarded_on": as_date(awarded),
                    "expires_on": as_date(expires, has_expiry),
                }
            )
        )
    skills = pl.concat(frames)
    return skills.with_columns(
        row_key=pl.lit("demo:skill:") + pl.col("staff_id") + ":" + pl.col("skill"),
        revoked_on=pl.lit(None, dtype=pl.Date),
        revoked_reason=pl.lit(None, dtype=pl.String),
    )


def _spells(
    rng: np.random.Generator,
    people: Ints,
    counts: Ints,
    start_lo: int,
    start_hi: int,
    duration: tuple[float, float],
    kind: str,
) -> pl.DataFrame:
    who = np.repeat(people, counts)
    start = rng.integers(start_lo, start_hi, size=len(who))
    length = np.maximum(np.round(lognormal(rng, duration, len(who))), 1).astype(np.int64)
    return pl.DataFrame(
        {"staff_index": who, "kind": kind, "start": start, "end": start + length - 1}
    )


def build_spells(
    rng: np.random.Generator, params: DemoParams, workforce: Workforce, as_of: datetime
) -> pl.DataFrame:
    ap = params.availability
    staff = workforce.staff.filter(pl.col("active") & (pl.col("staff_type") != "special"))
    today = days(as_of.date())
    n = staff.height
    people = np.arange(n, dtype=np.int64)
    officers = np.flatnonzero((staff["staff_type"] == "officer").to_numpy())
    year_ago = today - 365
    ahead = today + ap.horizon_after_days
    span_years = (ahead - year_ago) / 365
    parts = [
        _spells(rng, people, rng.poisson(ap.short_sickness_per_year, n), year_ago, today + 1,
                ap.short_sickness_days, "sickness"),
        _spells(rng, people, rng.poisson(ap.long_sickness_per_year * 1.5, n), year_ago - 120,
                today + 1, ap.long_sickness_days, "sickness"),
        _spells(rng, people, rng.poisson(ap.leave_spells_per_year * span_years, n), year_ago,
                ahead, ap.leave_days, "leave"),
        _spells(rng, people, rng.poisson(ap.training_spells_per_year * span_years, n), year_ago,
                ahead, ap.training_days, "training"),
    ]  # fmt: skip
    # prevalent spells that cover as_of, and earlier ones that ended within the year
    for kind, share, shape, pool in (
        ("restricted", ap.restricted_share, ap.restricted_days, officers),
        ("recuperative", ap.recuperative_share, ap.restricted_days, officers),
        ("parental", ap.parental_share, ap.parental_days, people),
    ):
        covering = pool[rng.random(len(pool)) < share]
        length = np.maximum(np.round(lognormal(rng, shape, len(covering))), 2).astype(np.int64)
        start = today - (rng.random(len(covering)) * length).astype(np.int64)
        parts.append(
            pl.DataFrame({"staff_index": covering, "kind": kind, "start": start,
                          "end": start + length - 1})
        )  # fmt: skip
        if kind != "parental":
            earlier = pool[rng.random(len(pool)) < share * 365 / shape[0]]
            ended = _spells(rng, earlier, np.ones(len(earlier), dtype=np.int64),
                            year_ago - 60, today - 30, shape, kind)  # fmt: skip
            parts.append(ended.with_columns(pl.min_horizontal("end", today - 1)))
    spells = pl.concat(parts)
    spells = spells.filter(
        (pl.col("kind") != "restricted") & (pl.col("kind") != "recuperative")
        | (pl.col("start") <= today)
    )
    start = spells["start"].to_numpy()
    end = spells["end"].to_numpy()
    kinds = spells["kind"].to_numpy()
    open_sick = (kinds == "sickness") & (start <= today) & (end > today)
    restricted = np.isin(kinds, ["restricted", "recuperative"])
    open_restriction = (
        restricted & (end > today) & (rng.random(len(kinds)) < ap.open_ended_restriction)
    )
    notes = np.array(ap.restriction_notes)[rng.integers(0, len(ap.restriction_notes), len(kinds))]
    out = pl.DataFrame(
        {
            "staff_id": staff["id"].to_numpy()[spells["staff_index"].to_numpy()],
            "kind": kinds,
            "starts_on": as_date(start),
            "ends_on": as_date(end, ~(open_sick | open_restriction)),
            "note": where(restricted, notes),
        }
    )
    tutoring = _tutoring_spells(workforce, params)
    out = pl.concat([out, tutoring]).sort("staff_id", "starts_on", "kind", maintain_order=True)
    return out.with_columns(
        row_key=pl.lit("demo:spell:") + pl.int_range(1, pl.len() + 1).cast(pl.String)
    )


def _tutoring_spells(workforce: Workforce, params: DemoParams) -> pl.DataFrame:
    """Students are in the classroom (training) for their first weeks; then their tutor is
    tutoring them (a tutoring spell on the tutor) until tutoring_ends_on."""
    classroom_days = params.workforce.classroom_weeks * 7
    classroom = workforce.staff.filter(pl.col("is_student")).select(
        pl.col("id").alias("staff_id"),
        pl.lit("training").alias("kind"),
        pl.col("joined_on").alias("starts_on"),
        (pl.col("joined_on") + pl.duration(days=classroom_days - 1)).alias("ends_on"),
        pl.lit("initial training (student officer)").alias("note"),
    )
    tutoring = workforce.tutors.select(
        pl.col("tutor_id").alias("staff_id"),
        pl.lit("tutoring").alias("kind"),
        pl.col("starts_on"),
        (pl.col("ends_on") - pl.duration(days=1)).alias("ends_on"),
        (pl.lit("tutoring student ") + pl.col("student_id")).alias("note"),
    )
    return pl.concat([classroom, tutoring])
