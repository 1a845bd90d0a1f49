"""Factory: from a validated scenario (and the store, for log-driven demand) to a ``Model``."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import numpy as np
import polars as pl
from sqlalchemy import Engine

from forcesight.errors import ScenarioError
from forcesight.policy.grades import GradesPolicy
from forcesight.response.fitting import fit_on_scene, with_stages
from forcesight.response.model import (
    EXPONENTIAL,
    LOGNORMAL,
    Demand,
    Model,
    PoolDemand,
    ProfileDemand,
    ReplayDemand,
    typical_weekly_shape,
)
from forcesight.response.policy import ResponsePolicy
from forcesight.response.queries import load_incident_log
from forcesight.response.roster import split_skills
from forcesight.response.scenario import OnSceneSpec, Scenario
from forcesight.response.validate import ScenarioInput

_US_PER_MIN = 60_000_000


def attended_grades(grades: GradesPolicy) -> list[str]:
    """Codes of grades a unit is sent to, highest priority first."""
    return [g.code for g in sorted(grades.grades, key=lambda g: g.priority) if g.attend]


def targets(
    grades: GradesPolicy, codes: list[str], scenario: Scenario | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(G, 2) urban/rural target minutes and (G,) target shares; scenario overrides win."""
    by_code = grades.by_code()
    minutes = np.full((len(codes), 2), math.inf)
    share = np.full(len(codes), math.nan)
    for i, code in enumerate(codes):
        g = by_code[code]
        if g.target_minutes_urban is not None:
            minutes[i] = [g.target_minutes_urban, g.target_minutes_rural or g.target_minutes_urban]
        if g.target_share is not None:
            share[i] = g.target_share
    for t in scenario.targets if scenario else []:
        if t.grade in codes:
            i = codes.index(t.grade)
            minutes[i] = [t.urban_min, t.rural_min or t.urban_min]
            share[i] = t.share
    return minutes, share


def grade_mask(codes: list[str], chosen: list[str]) -> int:
    return sum(1 << codes.index(c) for c in chosen if c in codes)


def roster_arrays(
    roster: pl.DataFrame,
    start: datetime,
    area_names: list[str],
    skill_names: list[str],
    function_grades: dict[str, list[str]],
    codes: list[str],
    aliases: dict[str, str] | None = None,
) -> dict[str, object]:
    """Units and shifts of an interchange roster as the Model's arrays."""
    alias = aliases or {}
    units = roster.group_by("unit_id", maintain_order=True).agg(
        pl.col("function").first(), pl.col("area").first(), pl.col("skills").first()
    )
    unit_ids = units["unit_id"].to_list()
    functions = sorted(set(units["function"].to_list()))
    all_grades = (1 << len(codes)) - 1
    unit_grades = [
        grade_mask(codes, [str(c) for c in function_grades[f]])
        if f in function_grades
        else all_grades
        for f in units["function"].to_list()
    ]
    unit_skills = [
        sum(
            1 << skill_names.index(s)
            for s in {alias.get(x, x) for x in split_skills(cell)}
            if s in skill_names
        )
        for cell in units["skills"].to_list()
    ]
    index = {u: i for i, u in enumerate(unit_ids)}
    shifts = roster.sort("start")
    start_us = np.datetime64(start, "us")
    shift_start = (shifts["start"].to_numpy() - start_us).astype(np.int64) / _US_PER_MIN
    shift_end = (shifts["end"].to_numpy() - start_us).astype(np.int64) / _US_PER_MIN
    return {
        "function_names": tuple(functions),
        "unit_ids": tuple(unit_ids),
        "unit_function": np.array(
            [functions.index(f) for f in units["function"].to_list()], dtype=np.int64
        ),
        "unit_area": np.array(
            [area_names.index(a) for a in units["area"].to_list()], dtype=np.int64
        ),
        "unit_skills": np.array(unit_skills, dtype=np.int64),
        "unit_grades": np.array(unit_grades, dtype=np.int64),
        "shift_unit": np.array([index[u] for u in shifts["unit_id"].to_list()], dtype=np.int64),
        "shift_start": shift_start.astype(np.float64),
        "shift_end": shift_end.astype(np.float64),
    }


def travel_matrix(
    area_names: list[str],
    same_area: float,
    other_area: float,
    pairs: dict[str, dict[str, float]] | None = None,
) -> np.ndarray:
    matrix = np.full((len(area_names), len(area_names)), other_area, dtype=np.float64)
    np.fill_diagonal(matrix, same_area)
    for origin, row in (pairs or {}).items():
        for dest, minutes in row.items():
            matrix[area_names.index(origin), area_names.index(dest)] = minutes
    return matrix


def _on_scene_params(spec: OnSceneSpec, policy: ResponsePolicy) -> tuple[int, float, float]:
    if spec.distribution == "exponential":
        assert spec.mean_min is not None
        return EXPONENTIAL, spec.mean_min, 0.0
    median = spec.median_min or policy.on_scene.median_min
    sigma = policy.on_scene.sigma if spec.sigma is None else spec.sigma
    return LOGNORMAL, math.log(median), sigma


def build_model(inp: ScenarioInput, engine: Engine | None = None) -> Model:
    """Compile a validated scenario; demand sources 'store' and 'replay' read the store."""
    sc = inp.scenario
    policy = inp.policy
    codes = attended_grades(inp.grades)
    target_min, target_share = targets(inp.grades, codes, sc)
    area_names = [a.name for a in sc.areas]
    area_rural = np.array(
        [(a.kind or policy.area.default_kind) == "rural" for a in sc.areas], dtype=bool
    )
    skill_names = list(policy.skills.names)
    same = sc.travel.same_area_median_min
    other = sc.travel.other_area_median_min
    matrix = travel_matrix(
        area_names,
        policy.travel.same_area_median_min if same is None else same,
        policy.travel.other_area_median_min if other is None else other,
        sc.travel.median_min,
    )
    sigma = policy.travel.sigma if sc.travel.sigma is None else sc.travel.sigma
    horizon = sc.horizon_days * 1440.0
    categories: list[str]
    demand: Demand
    if sc.demand.source == "profile":
        demand, categories, dist, loc, sig = _profile_demand(sc, codes, area_names, policy)
    else:
        if engine is None:
            raise ScenarioError(
                inp.path,
                [("demand.source", f"{sc.demand.source!r} needs the store (run with --db)")],
            )
        demand, categories, dist, loc, sig = _log_demand(
            inp, engine, codes, area_names, skill_names
        )
    roster = roster_arrays(
        inp.roster,
        sc.start,
        area_names,
        skill_names,
        sc.policies.function_grades,
        codes,
        policy.skills.aliases,
    )
    stack_limit = np.array([sc.policies.stack_limit.get(c, -1) for c in codes], dtype=np.int64)
    max_wait = np.array([sc.policies.max_wait_min.get(c, math.inf) for c in codes])
    pre = sc.policies.preempt
    shift = policy.shift
    r = sc.roster
    return Model(
        name=sc.name,
        start=sc.start,
        horizon_min=horizon,
        end_min=horizon + inp.drain_hours * 60.0,
        grade_codes=tuple(codes),
        target_min=target_min,
        target_share=target_share,
        area_names=tuple(area_names),
        area_rural=area_rural,
        travel_median=matrix,
        travel_sigma=sigma,
        category_names=tuple(categories),
        category_distribution=np.asarray(dist, dtype=np.int64),
        category_location=np.asarray(loc, dtype=np.float64),
        category_sigma=np.asarray(sig, dtype=np.float64),
        skill_names=tuple(skill_names),
        briefing_min=shift.briefing_min if r.briefing_min is None else r.briefing_min,
        meal_min=shift.meal_min if r.meal_min is None else r.meal_min,
        meal_after_min=60.0
        * (shift.meal_after_hours if r.meal_after_hours is None else r.meal_after_hours),
        demand=demand,
        multiplier=sc.demand.multiplier,
        preempt_for=grade_mask(codes, pre.for_grades) if pre.enabled else 0,
        preempt_from=grade_mask(codes, pre.from_grades) if pre.enabled else 0,
        reserve_units=sc.policies.reserve.units,
        reserve_for=grade_mask(codes, sc.policies.reserve.for_grades),
        stack_limit=stack_limit,
        max_wait_min=max_wait,
        officers_per_unit=sc.officers_per_unit or policy.unit.officers_per_unit,
        unstable_queue_per_day=policy.run.unstable_queue_per_day,
        **roster,  # type: ignore[arg-type]
    )


def _profile_demand(
    sc: Scenario, codes: list[str], area_names: list[str], policy: ResponsePolicy
) -> tuple[ProfileDemand, list[str], list[int], list[float], list[float]]:
    shape_spec = sc.demand.weekly_shape
    if shape_spec == "flat":
        shape = np.ones(168)
    elif shape_spec == "typical":
        shape = typical_weekly_shape()
    else:
        shape = np.asarray(shape_spec, dtype=np.float64)
        shape = shape / shape.mean()
    by_grade = {g.grade: g for g in sc.demand.grades}
    rates = np.zeros((168, len(codes)))
    two_unit = np.zeros(len(codes))
    vulnerable = np.zeros(len(codes))
    skill_names = list(policy.skills.names)
    skill_share = np.zeros((len(codes), len(skill_names)))
    dist: list[int] = []
    loc: list[float] = []
    sig: list[float] = []
    categories = [f"grade {c}" for c in codes]
    for i, code in enumerate(codes):
        spec = by_grade.get(code)
        params = _on_scene_params(spec.on_scene if spec else OnSceneSpec(), policy)
        dist.append(params[0])
        loc.append(params[1])
        sig.append(params[2])
        if spec is None:
            continue
        rates[:, i] = spec.incidents_per_day / 24.0 * shape
        two_unit[i] = spec.two_unit_share
        vulnerable[i] = spec.vulnerable_share
        for skill, share in spec.skill_shares.items():
            skill_share[i, skill_names.index(policy.skills.canonical(skill))] += share
    shares = sc.demand.area_shares
    area_share = np.array([shares.get(a, 0.0) for a in area_names]) if shares else None
    if area_share is None or area_share.sum() <= 0:
        area_share = np.full(len(area_names), 1.0 / len(area_names))
    demand = ProfileDemand(
        rate_per_hour=rates,
        area_share=area_share,
        category_of_grade=np.arange(len(codes), dtype=np.int64),
        two_unit_share=two_unit,
        skill_share=skill_share,
        vulnerable_share=vulnerable,
    )
    return demand, categories, dist, loc, sig


def log_arrays(
    log: pl.DataFrame,
    start: datetime,
    codes: list[str],
    area_names: list[str],
    skill_names: list[str],
    categories: list[str],
    aliases: dict[str, str] | None = None,
) -> dict[str, np.ndarray]:
    """The log's attended incidents as engine arrays (time [min] from ``start``). A skill the
    model does not know (after aliases) is dropped: the incident takes any unit."""
    alias = aliases or {}
    rows = log.filter(pl.col("grade").is_in(codes))
    common = rows["area"].drop_nulls().mode()
    fallback = common[0] if len(common) else area_names[0]
    area = rows["area"].fill_null(fallback).to_list()
    skills = rows["skill_required"].to_list()
    start_us = np.datetime64(start, "us")
    return {
        "time": (rows["received_at"].to_numpy() - start_us).astype(np.int64) / _US_PER_MIN,
        "grade": np.array([codes.index(g) for g in rows["grade"].to_list()], dtype=np.int64),
        "area": np.array([area_names.index(a) for a in area], dtype=np.int64),
        "category": np.array(
            [categories.index(c) for c in rows["category"].to_list()], dtype=np.int64
        ),
        "units": np.clip(rows["units_required"].fill_null(1).to_numpy(), 1, None).astype(np.int64),
        "skill": np.array(
            [
                skill_names.index(alias.get(s, s)) if alias.get(s, s) in skill_names else -1
                for s in skills
            ],
            dtype=np.int64,
        ),
        "vulnerable": rows["vulnerable"].fill_null(False).to_numpy().astype(bool),
    }


def weekly_rates(log: pl.DataFrame, codes: list[str], start: datetime, end: datetime) -> np.ndarray:
    """Mean arrivals per hour by hour of week and grade over [start, end)."""
    hours = pl.datetime_range(start, end - timedelta(microseconds=1), "1h", eager=True)
    how = ((hours.dt.weekday().cast(pl.Int64) - 1) * 24 + hours.dt.hour()).to_numpy()
    occurrences = np.bincount(how, minlength=168).astype(np.float64)
    counts = np.zeros((168, len(codes)))
    rows = log.filter(pl.col("grade").is_in(codes)).with_columns(
        (
            (pl.col("received_at").dt.weekday().cast(pl.Int64) - 1) * 24
            + pl.col("received_at").dt.hour()
        ).alias("how")
    )
    for i, code in enumerate(codes):
        h = rows.filter(pl.col("grade") == code)["how"].to_numpy()
        counts[:, i] = np.bincount(h, minlength=168)
    return counts / np.maximum(occurrences, 1.0)[:, None]


def _log_demand(
    inp: ScenarioInput,
    engine: Engine,
    codes: list[str],
    area_names: list[str],
    skill_names: list[str],
) -> tuple[Demand, list[str], list[int], list[float], list[float]]:
    sc = inp.scenario
    if sc.demand.source == "replay":
        window = (sc.start, sc.start + timedelta(days=sc.horizon_days))
    else:
        window = (sc.demand.log_from or datetime.min, sc.demand.log_to or datetime.max)
    log = load_incident_log(
        engine,
        None if window[0] == datetime.min else window[0],
        None if window[1] == datetime.max else window[1],
    )
    if log.is_empty():
        raise ScenarioError(
            inp.path,
            [("demand.source", f"the store has no incidents received in {window[0]}..{window[1]}")],
        )
    unknown = sorted(set(log["area"].drop_nulls().unique().to_list()) - set(area_names))
    if unknown:
        raise ScenarioError(
            inp.path,
            [("areas", f"the incident log has area(s) {', '.join(unknown)} not in the scenario")],
        )
    fits = fit_on_scene(with_stages(log))
    categories = fits["category"].to_list()
    dist = [LOGNORMAL] * len(categories)
    loc = [
        math.log(m) if m == m and m > 0 else math.log(inp.policy.on_scene.median_min)
        for m in fits["median_min"].to_list()
    ]
    sig = [s if s == s else inp.policy.on_scene.sigma for s in fits["sigma"].to_list()]
    arrays = log_arrays(
        log, sc.start, codes, area_names, skill_names, categories, inp.policy.skills.aliases
    )
    if sc.demand.source == "replay":
        demand: Demand = ReplayDemand(**arrays)
    else:
        first = log["received_at"].min()
        last = log["received_at"].max()
        assert isinstance(first, datetime) and isinstance(last, datetime)
        span_start = datetime(first.year, first.month, first.day)
        span_end = datetime(last.year, last.month, last.day) + timedelta(days=1)
        demand = PoolDemand(
            rate_per_hour=weekly_rates(log, codes, span_start, span_end),
            pool_grade=arrays["grade"],
            pool_area=arrays["area"],
            pool_category=arrays["category"],
            pool_units=arrays["units"],
            pool_skill=arrays["skill"],
            pool_vulnerable=arrays["vulnerable"],
        )
    return demand, categories, dist, loc, sig
