"""Analytic staffing by hour of week: the units, and officers, needed on duty to meet targets.

Each hour of the week is treated as a steady-state queue (the "stationary independent period
by period" approximation) with all grades sharing the units:

* ``priority`` (default): non-preemptive priority M/M/c with one service rate. P(wait > 0) is
  Erlang C of the total load; the top grade's conditional wait is exactly exponential, lower
  grades' is approximated with Cobham's mean.
* ``erlang_c``: all grades first come first served (pooled Erlang C).
* ``erlang_a``: pooled M/M/c+M, callers abandoning after an exponential patience.

A unit is busy for travel plus time on scene; an incident needing k units counts k times.
The response is wait plus travel (lognormal), so a target is met with probability
P(wait + travel <= target). Officers on duty = ceil(units / availability) x officers per unit,
where availability is the share of a shift not spent in briefing or at meal.
docs/response.md shows where this is wrong and the simulation's answer beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal

import numpy as np
import polars as pl
from sqlalchemy import Engine

from forcesight.policy.grades import GradesPolicy, load_grades
from forcesight.response.erlang import (
    erlang_a,
    erlang_c,
    erlang_c_mean_wait,
    share_within_with_travel,
)
from forcesight.response.factory import attended_grades, targets, weekly_rates
from forcesight.response.fitting import fit_on_scene, fit_travel, usable, with_stages
from forcesight.response.model import EXPONENTIAL, Model, PoolDemand, ProfileDemand
from forcesight.response.policy import ResponsePolicy, load_response_policy
from forcesight.response.queries import load_incident_log
from forcesight.response.validate import ScenarioInput

Method = Literal["priority", "erlang_c", "erlang_a"]
METHODS: tuple[str, ...] = ("priority", "erlang_c", "erlang_a")

HOURLY_DEMAND_SCHEMA: dict[str, pl.DataType] = {
    "hour_of_week": pl.Int64(),
    "grade": pl.Utf8(),
    "priority": pl.Int64(),  # 0 = served first
    "arrivals_per_hour": pl.Float64(),
    "units_per_incident": pl.Float64(),
    "mean_on_scene_min": pl.Float64(),
    "travel_median_min": pl.Float64(),
    "travel_sigma": pl.Float64(),
    "target_urban_min": pl.Float64(),
    "target_rural_min": pl.Float64(),
    "rural_share": pl.Float64(),
    "target_share": pl.Float64(),
}


def availability(policy: ResponsePolicy) -> float:
    """Share of a shift a unit can be sent: not briefing, not at meal."""
    shift = policy.shift.typical_shift_hours * 60.0
    return max(shift - policy.shift.briefing_min - policy.shift.meal_min, 1.0) / shift


def hourly_demand_from_model(model: Model) -> pl.DataFrame:
    """Arrivals, work and targets by hour of week and grade, from a compiled model (profile or
    store demand; a replayed log is summarised by its own rates)."""
    demand = model.demand
    codes = list(model.grade_codes)
    n_grades = len(codes)
    if isinstance(demand, ProfileDemand | PoolDemand):
        rates = demand.rate_per_hour * model.multiplier
    else:
        counts = np.zeros((168, n_grades))
        how = model.hour_of_week(demand.time)
        np.add.at(counts, (how, demand.grade), 1.0)
        weeks = max(model.horizon_min / (168 * 60), 1e-9)
        rates = counts / weeks * model.multiplier
    mean_scene = np.where(
        model.category_distribution == EXPONENTIAL,
        model.category_location,
        np.exp(model.category_location + model.category_sigma**2 / 2),
    )
    if isinstance(demand, ProfileDemand):
        area_share = demand.area_share
        scene = mean_scene[demand.category_of_grade]
        units = 1.0 + demand.two_unit_share
    else:
        grade = demand.pool_grade if isinstance(demand, PoolDemand) else demand.grade
        area = demand.pool_area if isinstance(demand, PoolDemand) else demand.area
        cat = demand.pool_category if isinstance(demand, PoolDemand) else demand.category
        unit = demand.pool_units if isinstance(demand, PoolDemand) else demand.units
        area_share = np.bincount(area, minlength=len(model.area_names)).astype(float)
        area_share = area_share / max(area_share.sum(), 1.0)
        scene = np.array(
            [
                mean_scene[cat[grade == g]].mean() if (grade == g).any() else 0.0
                for g in range(n_grades)
            ]
        )
        units = np.array(
            [unit[grade == g].mean() if (grade == g).any() else 1.0 for g in range(n_grades)]
        )
    travel_median = float((np.diag(model.travel_median) * area_share).sum())
    rural = float(area_share[model.area_rural].sum())
    rows = []
    for h in range(168):
        for g, code in enumerate(codes):
            rows.append(
                (
                    h,
                    code,
                    g,
                    float(rates[h, g]),
                    float(units[g]),
                    float(scene[g]),
                    travel_median,
                    float(model.travel_sigma),
                    float(model.target_min[g, 0]),
                    float(model.target_min[g, 1]),
                    rural,
                    float(model.target_share[g]),
                )
            )
    return pl.DataFrame(rows, schema=HOURLY_DEMAND_SCHEMA, orient="row")


def hourly_demand_from_log(
    engine: Engine,
    *,
    grades: GradesPolicy | None = None,
    rural_areas: tuple[str, ...] = (),
) -> pl.DataFrame:
    """Arrivals by hour of week and grade from the store's incident log, with time on scene
    and travel fitted from the log (rows missing a stage are left out of that stage)."""
    grades = grades or load_grades()
    codes = attended_grades(grades)
    log = load_incident_log(engine)
    if log.is_empty():
        return pl.DataFrame(schema=HOURLY_DEMAND_SCHEMA)
    staged = with_stages(log)
    first, last = log["received_at"].min(), log["received_at"].max()
    from datetime import datetime, timedelta

    assert isinstance(first, datetime) and isinstance(last, datetime)
    rates = weekly_rates(
        log,
        codes,
        datetime(first.year, first.month, first.day),
        datetime(last.year, last.month, last.day) + timedelta(days=1),
    )
    fits = fit_on_scene(staged)
    scene_of = dict(zip(fits["category"].to_list(), fits["mean_min"].to_list(), strict=True))
    _travel, sigma = fit_travel(staged)
    ok_travel = staged.filter(usable(staged, "response") & (pl.col("travel_min") > 0))
    travel_median = (
        math.exp(float(np.log(ok_travel["travel_min"].to_numpy()).mean()))
        if ok_travel.height
        else 0.0
    )
    target_min, target_share = targets(grades, codes)
    rural = float(log["area"].is_in(list(rural_areas)).cast(pl.Float64).to_numpy().mean())
    rows = []
    for g, code in enumerate(codes):
        mine = log.filter(pl.col("grade") == code)
        scene = (
            float(np.mean([scene_of[c] for c in mine["category"].to_list()]))
            if mine.height
            else 0.0
        )
        units = float(mine["units_required"].fill_null(1).to_numpy().mean()) if mine.height else 1.0
        for h in range(168):
            rows.append(
                (h, code, g, float(rates[h, g]), units, scene, travel_median, sigma,
                 float(target_min[g, 0]), float(target_min[g, 1]), rural, float(target_share[g]))
            )  # fmt: skip
    return pl.DataFrame(rows, schema=HOURLY_DEMAND_SCHEMA, orient="row")


def _wait_exceeds(
    method: str,
    units: int,
    lam: list[float],
    service: float,
    g: int,
    patience: float,
    horizon: float,
) -> Callable[[float], float]:
    """t -> P(wait > t) for grade g, with the parts that do not depend on t computed once."""
    total = sum(lam)
    if method == "erlang_a":
        model = erlang_a(units, total, service, patience)
        until = max(horizon, 1e-9)
        grid = np.linspace(0.0, until, 241)
        served = model.served_within_grid(until, 241)
        return lambda t: 1.0 - float(np.interp(t, grid, served))
    if total * service >= units:
        return lambda t: 1.0
    p_wait = erlang_c(units, total * service)
    capacity = units / service
    if method == "erlang_c":
        rate = capacity - total
    else:
        above = sum(lam[:g]) / capacity
        through = sum(lam[: g + 1]) / capacity
        if through >= 1.0:
            return lambda t: 1.0
        rate = capacity * (1.0 - above) * (1.0 - through)
    return lambda t: p_wait * math.exp(-rate * t)


def _hour_shares(
    hour: dict[str, list[float]],
    units: int,
    method: str,
    patience: float,
    travel_only: bool = False,
) -> tuple[list[float], float]:
    """Predicted share within target per grade (nan where none) and mean wait [min] for one
    hour of week; ``hour`` holds that hour's rows of the demand frame as lists, by priority."""
    lam = [
        r / 60.0 * u
        for r, u in zip(hour["arrivals_per_hour"], hour["units_per_incident"], strict=True)
    ]
    total = sum(lam)
    grades = range(len(lam))
    if total <= 0:
        return [math.nan for _ in grades], 0.0
    work = [
        scene + median * math.exp(sigma**2 / 2)
        for scene, median, sigma in zip(
            hour["mean_on_scene_min"],
            hour["travel_median_min"],
            hour["travel_sigma"],
            strict=True,
        )
    ]
    service = sum(x * w for x, w in zip(lam, work, strict=True)) / total
    finite = [t for t in hour["target_rural_min"] + hour["target_urban_min"] if math.isfinite(t)]
    horizon = max(finite, default=1.0)
    shares = []
    pooled_a = (
        _wait_exceeds(method, units, lam, service, 0, patience, horizon)
        if method == "erlang_a" and not travel_only
        else None
    )
    for g in grades:
        share = hour["target_share"][g]
        urban_min = hour["target_urban_min"][g]
        if share != share or not math.isfinite(urban_min) or hour["arrivals_per_hour"][g] <= 0:
            shares.append(math.nan)
            continue
        if travel_only:
            exceeds: Callable[[float], float] = lambda t: 0.0  # noqa: E731
        elif pooled_a is not None:
            exceeds = pooled_a  # Erlang A pools the grades: one answer for all
        else:
            exceeds = _wait_exceeds(method, units, lam, service, g, patience, horizon)
        median, sigma = hour["travel_median_min"][g], hour["travel_sigma"][g]
        urban = share_within_with_travel(exceeds, urban_min, median, sigma)
        rural = share_within_with_travel(exceeds, hour["target_rural_min"][g], median, sigma)
        rural_share = hour["rural_share"][g]
        shares.append((1 - rural_share) * urban + rural_share * rural)
    return shares, (0.0 if travel_only else erlang_c_mean_wait(units, total, service))


def erlang_table(
    demand: pl.DataFrame,
    *,
    method: Method = "priority",
    units_on_duty: dict[int, float] | None = None,
    mean_patience_min: float = 120.0,
    officers_per_unit: int | None = None,
    unit_availability: float | None = None,
    max_units: int = 2000,
) -> pl.DataFrame:
    """The Erlang table by hour of week: offered load [Erlangs], units needed to meet every
    grade's target, officers needed on duty, and each grade's predicted share within target.

    With ``units_on_duty`` (hour of week -> units available) the table instead evaluates that
    staffing: ``units`` is the given number and the shares are what it achieves."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}")
    policy = load_response_policy()
    per_unit = officers_per_unit or policy.unit.officers_per_unit
    avail = unit_availability if unit_availability is not None else availability(policy)
    codes = demand.filter(pl.col("hour_of_week") == 0).sort("priority")["grade"].to_list()
    rows = []
    by_hour = demand.sort("hour_of_week", "priority").partition_by(
        "hour_of_week", as_dict=True, maintain_order=True
    )
    for (h_key,), frame in by_hour.items():
        h = int(str(h_key))
        hour: dict[str, list[float]] = frame.to_dict(as_series=False)
        lam = (frame["arrivals_per_hour"] * frame["units_per_incident"]).to_numpy() / 60.0
        travel_mean = frame["travel_median_min"] * np.exp(frame["travel_sigma"] ** 2 / 2)
        load = float(np.dot(lam, (frame["mean_on_scene_min"] + travel_mean).to_numpy()))
        if units_on_duty is not None:
            units = math.floor(units_on_duty.get(h, 0.0))
            unattainable = []
            shares, wait = _hour_shares(hour, units, method, mean_patience_min)
        else:
            # Travel alone caps what staffing can achieve: a grade whose target share exceeds
            # P(travel <= target) cannot be met by any number of units, and is left out.
            best, _ = _hour_shares(hour, max_units, method, mean_patience_min, travel_only=True)
            wanted = [
                t if s == s and t <= s + 1e-9 else math.nan
                for s, t in zip(best, hour["target_share"], strict=True)
            ]
            unattainable = [
                c
                for c, s, t in zip(codes, best, hour["target_share"], strict=True)
                if s == s and t > s + 1e-9
            ]
            units = max(math.floor(load) + 1, 1)
            while True:
                shares, wait = _hour_shares(hour, units, method, mean_patience_min)
                met = all(w != w or s >= w - 1e-9 for s, w in zip(shares, wanted, strict=True))
                if met or units >= max_units:
                    break
                units += 1
        row: dict[str, object] = {
            "hour_of_week": h,
            "offered_load": load,
            "units": units,
            "officers": math.ceil(units / avail) * per_unit,
            "mean_wait_min": wait,
            "unattainable_grades": ",".join(unattainable) if units_on_duty is None else "",
        }
        for code, share in zip(codes, shares, strict=True):
            row[f"within_target_share_{code}"] = share
        rows.append(row)
    return pl.DataFrame(rows)


def required_cover(
    source: Engine | ScenarioInput | Model | pl.DataFrame,
    *,
    function: str = "response",
    method: Method = "priority",
    officers_per_unit: int | None = None,
) -> pl.DataFrame:
    """Officers needed on duty by hour of week for rostering (issue 6): columns function (str),
    hour_of_week (int, 0 = Monday 00:00), required (int officers on duty).

    ``source`` is the store (its incident log), a loaded scenario, a compiled model, or an
    hourly demand frame in ``HOURLY_DEMAND_SCHEMA``."""
    if isinstance(source, pl.DataFrame):
        demand = source
    elif isinstance(source, Model):
        demand = hourly_demand_from_model(source)
    elif isinstance(source, ScenarioInput):
        from forcesight.response.factory import build_model

        demand = hourly_demand_from_model(build_model(source))
        officers_per_unit = officers_per_unit or source.scenario.officers_per_unit
    else:
        demand = hourly_demand_from_log(source)
    table = erlang_table(demand, method=method, officers_per_unit=officers_per_unit)
    if table.is_empty():
        return pl.DataFrame(
            schema={"function": pl.Utf8, "hour_of_week": pl.Int64, "required": pl.Int64}
        )
    return table.select(
        pl.lit(function).alias("function"),
        pl.col("hour_of_week").cast(pl.Int64),
        pl.col("officers").cast(pl.Int64).alias("required"),
    )
