"""The demo force's teams and people: officers, police staff, PCSOs and special constables.

Headcounts and FTE totals are the published Home Office figures for Northamptonshire (30 Sep
2019); functions, teams, ranks, part-time patterns, PIP levels, students and tutors follow the
assumptions in ``params.WorkforceParams``. A few thousand rows: built team by team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from forcesight.synthetic.params import DemoParams, TeamSpec, WorkforceParams
from forcesight.synthetic.sampling import Floats, Ints, as_date, days, lognormal, prefixed, where
from forcesight.synthetic.sources import ForceGeography

RANKS = (
    "constable", "sergeant", "inspector", "chief inspector", "superintendent",
    "chief superintendent", "assistant chief constable", "deputy chief constable",
    "chief constable",
)  # fmt: skip

STAFF_ROLES = {
    "control": "call handler", "cmu": "investigator", "cid": "investigator",
    "major_crime": "investigator", "economic_crime": "financial investigator",
    "sciu": "collision investigator",
    "digital_forensics": "digital forensic examiner", "rasso": "investigator",
    "caiu": "investigator", "daiu": "investigator", "exploitation": "investigator",
    "mash": "safeguarding officer", "custody_north": "detention officer",
    "custody_south": "detention officer", "fib": "intelligence analyst", "training": "trainer",
    "neighbourhood": "neighbourhood administrator",
}  # fmt: skip
OFFICER_ROLES = {
    "response": "response officer", "neighbourhood": "neighbourhood officer",
    "cid": "detective", "major_crime": "detective", "economic_crime": "detective",
    "cmu": "investigator", "sciu": "collision investigator",
    "digital_forensics": "digital media investigator",
    "rasso": "detective", "caiu": "detective", "daiu": "detective", "exploitation": "detective",
    "mash": "safeguarding officer", "control": "control room officer",
    "roads": "roads policing officer", "arv": "authorised firearms officer",
    "dogs": "dog handler", "custody_north": "custody officer",
    "custody_south": "custody officer", "fib": "intelligence officer", "training": "trainer",
    "command": "chief officer",
}  # fmt: skip


@dataclass(frozen=True)
class Workforce:
    teams: pl.DataFrame  # store columns plus team_key
    staff: pl.DataFrame  # store columns plus team_key, active
    tutors: pl.DataFrame  # tutor_id, student_id, starts_on, ends_on (tutoring spells)


def apportion(total: int, weights: Floats) -> Ints:
    """Whole numbers proportional to ``weights`` that add up to ``total`` (largest remainder)."""
    w = np.asarray(weights, dtype=np.float64)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    exact = total * w / w.sum()
    out: Ints = np.floor(exact).astype(np.int64)
    remainder = total - int(out.sum())
    out[np.argsort(-(exact - out), kind="stable")[:remainder]] += 1
    return out


def build_teams(params: DemoParams, geography: ForceGeography) -> pl.DataFrame:
    """One row per team: id, name, function, area (LA code or 'force'), key and weight."""
    lsoas = geography.lsoas
    by_la = lsoas.group_by("la_code", "la_name").agg(pl.col("population").sum()).sort("la_code")
    short = params.geography.area_short_codes
    rows: list[dict[str, object]] = []
    for spec in params.workforce.teams:
        areas: list[tuple[str, str, float]] = (
            [(r["la_code"], r["la_name"], r["population"] / geography.population)
             for r in by_la.iter_rows(named=True)]
            if spec.per_area else [("force", "", 1.0)]
        )  # fmt: skip
        for code, la_name, share in areas:
            for shift in spec.shifts:
                suffix = "".join(f"-{p}" for p in (short.get(code, ""), shift) if p)
                rows.append(
                    {
                        "id": f"DT-{spec.key.upper().replace('_', '')}{suffix}",
                        "name": spec.name.format(area=la_name, shift=shift).strip(),
                        "function": spec.function,
                        "area": code,
                        "team_key": spec.key,
                        "weight": share / len(spec.shifts),
                    }
                )
    return pl.DataFrame(rows)


def _spec(params: WorkforceParams, key: str) -> TeamSpec:
    return next(s for s in params.teams if s.key == key)


def _members(
    teams: pl.DataFrame,
    params: WorkforceParams,
    kind: str,
    headcount: int,
    shares: dict[str, float],
) -> Ints:
    """Headcount of ``kind`` (officers/staff/pcsos/specials) in each team."""
    by_function = dict(
        zip(shares, apportion(headcount, np.array(list(shares.values()))), strict=True)
    )
    counts = np.zeros(teams.height, dtype=np.int64)
    keys = teams["team_key"].to_list()
    functions = teams["function"].to_numpy()
    weights = teams["weight"].to_numpy()
    spec_share = np.array([getattr(_spec(params, k), kind) for k in keys], dtype=np.float64)
    for function, total in by_function.items():
        mask = functions == function
        counts[mask] = apportion(int(total), (weights * spec_share)[mask])
    return counts


def _officer_ranks(
    teams: pl.DataFrame, counts: Ints, params: WorkforceParams
) -> tuple[list[str], Ints]:
    """Rank and team index of every officer: senior posts first, then per team inspectors,
    sergeants and constables."""
    counts = counts.copy()
    functions = teams["function"].to_list()
    ranks: list[str] = []
    team_index: list[int] = []
    for rank, posts in params.senior_posts.items():
        for function, n in posts.items():
            candidates = [i for i, f in enumerate(functions) if f == function]
            order = sorted(candidates, key=lambda i: -counts[i])
            for j in range(n):
                i = order[j % len(order)]
                ranks.append(rank)
                team_index.append(i)
                counts[i] -= 1
    for i, n in enumerate(counts):
        n = int(max(n, 0))
        inspectors = round(n * params.inspector_ratio)
        sergeants = max(1, round(n * params.sergeant_ratio)) if n >= 3 else 0
        constables = max(n - inspectors - sergeants, 0)
        for rank, k in (("inspector", inspectors), ("sergeant", sergeants),
                        ("constable", constables)):  # fmt: skip
            ranks.extend([rank] * k)
            team_index.extend([i] * k)
    return ranks, np.array(team_index, dtype=np.int64)


def _part_time(
    rng: np.random.Generator, eligible: Ints, deficit: float, choices: tuple[float, ...]
) -> tuple[Ints, Floats]:
    """Which of ``eligible`` work part time, and their FTE, so that the FTE given up adds up
    to ``deficit`` exactly."""
    order = rng.permutation(eligible)
    fte = rng.choice(np.array(choices), size=len(order))
    cumulative = np.cumsum(1.0 - fte)
    k = int(np.searchsorted(cumulative, deficit - 1e-9))
    chosen = order[: k + 1]
    fte = fte[: k + 1].copy()
    before = cumulative[k - 1] if k > 0 else 0.0
    fte[k] = round(1.0 - (deficit - before), 6)
    return chosen, fte


def build_workforce(
    rng: np.random.Generator, params: DemoParams, geography: ForceGeography, as_of: datetime
) -> Workforce:
    wp = params.workforce
    teams = build_teams(params, geography)
    team_ids = teams["id"].to_numpy()
    team_keys = teams["team_key"].to_numpy()
    team_functions = teams["function"].to_numpy()
    today = days(as_of.date())

    officer_counts = _members(
        teams, wp, "officers", wp.officer_headcount, dict(wp.officer_function_shares)
    )
    ranks, officer_team = _officer_ranks(teams, officer_counts, wp)
    staff_team = np.repeat(
        np.arange(teams.height),
        _members(teams, wp, "staff", wp.staff_headcount, dict(wp.staff_function_shares)),
    )
    pcso_team = np.repeat(
        np.arange(teams.height),
        _members(teams, wp, "pcsos", wp.pcso_headcount, {"neighbourhood": 1.0}),
    )
    special_team = np.repeat(
        np.arange(teams.height),
        _members(teams, wp, "specials", wp.specials_headcount, dict(wp.specials_function_shares)),
    )
    n_off, n_staff, n_pcso, n_sp = len(ranks), len(staff_team), len(pcso_team), len(special_team)
    n = n_off + n_staff + n_pcso + n_sp
    staff_type = np.array(
        ["officer"] * n_off + ["staff"] * n_staff + ["pcso"] * n_pcso + ["special"] * n_sp
    )
    team = np.concatenate([officer_team, staff_team, pcso_team, special_team])
    grades = np.array(wp.staff_grades)[
        rng.choice(len(wp.staff_grades), size=n_staff, p=np.array(wp.staff_grade_weights))
    ]
    special_ranks = np.array(["special constable", "special sergeant", "special inspector"])[
        rng.choice(3, size=n_sp, p=[0.9, 0.08, 0.02])
    ]
    rank = np.concatenate([np.array(ranks), grades, np.array(["PCSO"] * n_pcso), special_ranks])
    key = team_keys[team]
    function = team_functions[team]
    is_officer = staff_type == "officer"
    is_constable = is_officer & (rank == "constable")

    # students: the newest constables on response teams, in intakes through the year
    service = np.clip(lognormal(rng, wp.service_years, n), 1.0, 35.0)
    joined = today - np.round(service * 365.25).astype(np.int64)
    is_student = np.zeros(n, dtype=bool)
    response_constables = np.flatnonzero(is_constable & (key == "response"))
    students = rng.choice(response_constables, size=wp.students_last_12_months, replace=False)
    is_student[students] = True
    intake = np.arange(len(students)) % wp.intakes_per_year
    spacing = 365 // wp.intakes_per_year
    joined[students] = today - 365 + 10 + intake * spacing
    tutoring_starts = joined + wp.classroom_weeks * 7
    tutoring_ends = tutoring_starts + wp.tutored_weeks * 7

    # tutors: experienced response constables, one student each at a time
    tutor_of = np.full(n, -1, dtype=np.int64)
    pool = np.setdiff1d(response_constables, students)
    pool = pool[today - joined[pool] >= 3 * 365]
    for k in range(wp.intakes_per_year):
        cohort = students[(intake == k) & (tutoring_starts[students] <= today)]
        if len(cohort):
            tutor_of[cohort] = rng.choice(pool, size=len(cohort), replace=False)
    tutored = tutor_of >= 0
    team[tutored] = team[tutor_of[tutored]]  # a student joins the tutor's team

    # FTE: part-timers among non-student constables, sergeants and staff, to the published FTE
    fte = np.ones(n)
    eligible = np.flatnonzero(is_officer & ~is_student & np.isin(rank, ["constable", "sergeant"]))
    chosen, values = _part_time(
        rng, eligible, wp.officer_headcount - wp.officer_fte, wp.part_time_fte
    )
    fte[chosen] = values
    for kind, headcount, total in (("staff", wp.staff_headcount, wp.staff_fte),
                                   ("pcso", wp.pcso_headcount, wp.pcso_fte)):  # fmt: skip
        chosen, values = _part_time(
            rng, np.flatnonzero(staff_type == kind), headcount - total, wp.part_time_fte
        )
        fte[chosen] = values
    fte[staff_type == "special"] = wp.specials_hours / wp.officer_hours_full_time
    full_time = np.where(
        np.isin(staff_type, ["staff"]), wp.staff_hours_full_time, wp.officer_hours_full_time
    )
    hours = np.round(fte * full_time, 2)

    pip = _pip_levels(rng, wp, staff_type, rank, key, function, is_student, team)

    role = np.array(
        [
            ("student officer" if st else OFFICER_ROLES.get(k, "officer")) if t == "officer"
            else STAFF_ROLES.get(k, "business support") if t == "staff"
            else "PCSO" if t == "pcso" else "special constable"
            for t, k, st in zip(staff_type, key, is_student, strict=True)
        ]
    )  # fmt: skip
    ids = prefixed("DS", np.arange(1, n + 1), 5)
    id_array = ids.to_numpy()
    frame = pl.DataFrame(
        {
            "id": ids,
            "staff_type": staff_type,
            "rank": rank,
            "role": role,
            "function": team_functions[team],
            "team_id": team_ids[team],
            "fte": np.round(fte, 6),
            "hours_per_week": hours,
            "pip_level": pip,
            "joined_on": as_date(joined),
            "left_on": as_date(joined, np.zeros(n, dtype=bool)),
            "is_student": is_student,
            "tutor_id": where(tutored, id_array[np.maximum(tutor_of, 0)]),
            "tutoring_ends_on": as_date(tutoring_ends, is_student),
            "team_key": team_keys[team],
            "active": np.ones(n, dtype=bool),
        }
    )
    leavers = _leavers(rng, frame, params, today)
    tutors = pl.DataFrame(
        {
            "tutor_id": id_array[tutor_of[tutored]],
            "student_id": id_array[tutored],
            "starts_on": as_date(tutoring_starts[tutored]),
            "ends_on": as_date(tutoring_ends[tutored]),
        }
    )
    staff = pl.concat([frame, leavers]).sort(
        "is_student", maintain_order=True
    )  # tutors before their students
    staff = staff.with_columns(row_key=pl.lit("demo:staff:") + pl.col("id"))
    return Workforce(teams.drop("weight"), staff, tutors)


def _pip_levels(
    rng: np.random.Generator,
    wp: WorkforceParams,
    staff_type: np.ndarray,
    rank: np.ndarray,
    key: np.ndarray,
    function: np.ndarray,
    is_student: np.ndarray,
    team: Ints,
) -> Ints:
    n = len(staff_type)
    is_officer = staff_type == "officer"
    pip = np.where(is_officer & ~is_student, 1, 0).astype(np.int64)
    detective_ranks = np.isin(rank, ["constable", "sergeant", "inspector", "chief inspector"])
    share = np.array([wp.pip2_share.get(k, 0.0) for k in key])
    pip[is_officer & detective_ranks & ~is_student & (rng.random(n) < share)] = 2
    civilian = (staff_type == "staff") & np.isin(key, [s.key for s in wp.teams if s.investigates])
    pip[civilian & (rng.random(n) < wp.civilian_investigator_pip1)] = 1
    seniority = np.array([RANKS.index(r) if r in RANKS else -1 for r in rank])
    for team_key, posts in wp.pip3_posts.items():
        candidates = np.flatnonzero(is_officer & (key == team_key) & (seniority >= 1))
        best = candidates[np.argsort(-seniority[candidates], kind="stable")][:posts]
        pip[best] = 3
    leads = np.flatnonzero(
        is_officer & np.isin(function, ["investigation", "public_protection"]) & (seniority >= 4)
    )
    pip[leads[np.argsort(-seniority[leads], kind="stable")][: wp.pip4_posts]] = 4
    return pip


def _leavers(
    rng: np.random.Generator, active: pl.DataFrame, params: DemoParams, today: int
) -> pl.DataFrame:
    """People who left in the year before as_of: copies of serving people's posts."""
    wp = params.workforce
    picks = []
    for kind, rate in (("officer", wp.leaver_rate_officers), ("staff", wp.leaver_rate_staff)):
        pool = np.flatnonzero(
            (active["staff_type"] == kind).to_numpy() & ~active["is_student"].to_numpy()
        )
        picks.append(rng.choice(pool, size=round(rate * len(pool)), replace=False))
    rows = np.concatenate(picks)
    left = today - rng.integers(1, 365, size=len(rows))
    first = active.height + 1
    return active[rows].with_columns(
        id=prefixed("DS", np.arange(first, first + len(rows)), 5),
        left_on=as_date(left),
        joined_on=as_date(np.minimum(_day_numbers(active["joined_on"])[rows], left - 200)),
        active=pl.lit(False),
    )


def investigators(staff: pl.DataFrame, teams: pl.DataFrame) -> pl.DataFrame:
    """Serving people who may take a crime: officers (constable to inspector) and staff
    investigators with PIP 1 or more, not students, in teams that investigate."""
    return staff.filter(
        pl.col("active")
        & ~pl.col("is_student")
        & (pl.col("pip_level") >= 1)
        & pl.col("rank").is_in(["constable", "sergeant", "inspector", *_STAFF_GRADES])
    ).select("id", "team_id", "team_key", "pip_level", "rank")


def supervisors(staff: pl.DataFrame) -> pl.DataFrame:
    """Serving sergeants and inspectors, by team: they review, extend and allocate."""
    return staff.filter(pl.col("active") & pl.col("rank").is_in(["sergeant", "inspector"])).select(
        "id", "team_id", "team_key", "rank"
    )


def _day_numbers(series: pl.Series) -> Ints:
    return series.to_physical().cast(pl.Int64).to_numpy()


_STAFF_GRADES = WorkforceParams().staff_grades
