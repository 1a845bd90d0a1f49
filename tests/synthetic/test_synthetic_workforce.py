"""The demo workforce against the published Home Office figures and its own rules."""

from __future__ import annotations

from datetime import timedelta

import polars as pl

from forcesight.allocation.policy import load_allocation_policy
from forcesight.synthetic import DemoFrames


def _serving(demo: DemoFrames) -> pl.DataFrame:
    return demo.tables["staff"].filter(pl.col("left_on").is_null())


def test_fte_and_headcount_match_the_published_figures(demo: DemoFrames) -> None:
    """Home Office workforce, Northamptonshire, 30 Sep 2019 (FACTS; Tables 1, 2, 5, 7, 8, 11,
    12): officers 1,254.68 FTE (1,297 people), staff 789 FTE (883), PCSOs 97.85 FTE (101),
    special constables 270."""
    by_type = {
        row["staff_type"]: row
        for row in _serving(demo)
        .group_by("staff_type")
        .agg(pl.len().alias("people"), pl.col("fte").sum())
        .iter_rows(named=True)
    }
    assert abs(by_type["officer"]["fte"] - 1254.68) < 1
    assert abs(by_type["staff"]["fte"] - 789.0) < 1
    assert abs(by_type["pcso"]["fte"] - 97.85) < 1
    assert by_type["officer"]["people"] == 1297
    assert by_type["staff"]["people"] == 883
    assert by_type["pcso"]["people"] == 101
    assert by_type["special"]["people"] == 270


def test_ranks_functions_and_pip_levels_are_plausible(demo: DemoFrames) -> None:
    officers = _serving(demo).filter(pl.col("staff_type") == "officer")
    ranks = dict(officers.group_by("rank").agg(pl.len()).iter_rows())
    assert ranks["chief constable"] == 1
    assert ranks["constable"] > 0.75 * officers.height
    assert 0.10 < ranks["sergeant"] / officers.height < 0.20
    functions = set(officers["function"])
    assert {"response", "neighbourhood", "investigation", "public_protection", "contact",
            "roads_policing", "firearms", "custody", "intelligence",
            "crime_management"} <= functions  # fmt: skip
    pip = dict(officers.group_by("pip_level").agg(pl.len()).iter_rows())
    assert pip[1] > pip[2] > 150  # most uniformed PIP1; detectives PIP2
    assert 3 <= pip[3] <= 10 and 1 <= pip[4] <= 2
    detectives = officers.filter(pl.col("function") == "investigation")
    assert (detectives["pip_level"] >= 2).mean() > 0.5  # type: ignore[operator]


def test_students_and_tutors(demo: DemoFrames) -> None:
    """149 recruited in 12 months (HMICFRS 2018); a tutor has one student at a time, for
    about 8 weeks."""
    staff = _serving(demo)
    students = staff.filter(pl.col("is_student"))
    assert students.height == 149
    as_of = demo.as_of.date()
    assert (students["joined_on"] > as_of - timedelta(days=366)).all()
    tutored = students.filter(pl.col("tutor_id").is_not_null())
    assert tutored.height > 100
    spells = demo.tables["availability_spells"].filter(pl.col("kind") == "tutoring")
    assert spells.height == tutored.height
    overlaps = (
        spells.sort("staff_id", "starts_on")
        .with_columns(previous_end=pl.col("ends_on").shift(1).over("staff_id"))
        .filter(pl.col("starts_on") <= pl.col("previous_end"))
    )
    assert overlaps.height == 0
    weeks = ((tutored["tutoring_ends_on"] - tutored["joined_on"]).dt.total_days() / 7).unique()
    assert weeks.to_list() == [24.0]  # 16 weeks' classroom then 8 weeks tutored
    tutor_ids = set(tutored["tutor_id"])
    holders = demo.tables["staff_skills"].filter(pl.col("skill") == "tutor_constable")
    assert tutor_ids <= set(holders["staff_id"])


def test_skills_expire_and_some_expire_soon(demo: DemoFrames) -> None:
    skills = demo.tables["staff_skills"]
    as_of = demo.as_of.date()
    expiring = skills.filter(pl.col("expires_on").is_not_null())
    assert (expiring["expires_on"] > expiring["awarded_on"]).all()
    expired = (expiring["expires_on"] < as_of).mean()
    soon = expiring.filter(
        (pl.col("expires_on") >= as_of) & (pl.col("expires_on") <= as_of + timedelta(days=90))
    ).height
    assert 0.03 < expired < 0.2  # type: ignore[operator]
    assert soon > 200
    needed = {
        "PIP2",
        "digital_media_investigator",
        "firearms_afo",
        "dog_handler",
        "advanced_driver",
        "tpac",
        "public_order_psu",
        "tutor_constable",
        "first_aid",
    }
    # and every skill the allocation policy asks for, by the policy's own names
    needed |= {s.name for s in load_allocation_policy().offences.skills}  # fmt: skip
    assert needed <= set(skills["skill"])
    staff = demo.tables["staff"].select("id", "joined_on")
    joined = skills.join(staff, left_on="staff_id", right_on="id")
    assert (joined["awarded_on"] >= joined["joined_on"]).all()


def test_sickness_and_restricted_duty_rates(demo: DemoFrames) -> None:
    as_of = demo.as_of.date()
    spells = demo.tables["availability_spells"]
    current = spells.filter(
        (pl.col("starts_on") <= as_of)
        & (pl.col("ends_on").is_null() | (pl.col("ends_on") >= as_of))
    )
    officers = _serving(demo).filter(pl.col("staff_type") == "officer").height
    restricted = current.filter(pl.col("kind").is_in(["restricted", "recuperative"]))
    assert 0.02 < restricted["staff_id"].n_unique() / officers < 0.12
    sick_now = current.filter(pl.col("kind") == "sickness")["staff_id"].n_unique()
    assert 0.01 < sick_now / _serving(demo).height < 0.08
    assert (spells["ends_on"].is_null() | (spells["ends_on"] >= spells["starts_on"])).all()
    assert spells.filter(pl.col("ends_on").is_null()).height > 0  # open-ended spells exist
