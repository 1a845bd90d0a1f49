"""Where should N new officers go: a marginal-benefit allocation of extra posts across functions.

Method. For each function a model exists for, a benefit curve gives the measure with k extra
posts (k = 0, 1, ..., N): for response, the share of grade 1 incidents reached within target
(from the response engine, when installed); for investigation, the median age of unallocated
crime (from the allocation engine's policy and the store's allocation throughput, when the
allocation engine is installed). Each curve's improvement is put on one scale by the force's
values in ``workforce.yaml`` (posts.value_per_grade1_point, posts.value_per_backlog_day), and
the posts are handed out one at a time to the function whose next post adds most.

Limits. Handing out posts one at a time is optimal only when every curve has diminishing
returns (each post adds no more than the one before), which queueing systems usually show but
this does not prove; curves are estimates with their own assumptions (stated per curve);
functions without a model are not assessed and get no posts, which is not a finding that they
need none; the value weights are a judgement, not data.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from forcesight.workforce import queries
from forcesight.workforce.policy import WorkforcePolicy, load_workforce_policy


@dataclass(frozen=True)
class BenefitCurve:
    """A measure with k extra posts in one function, for k = 0..len(values) - 1."""

    function: str
    measure: str
    unit: str
    better: Literal["higher", "lower"]
    values: tuple[float, ...]
    value_per_unit: float  # how much one unit of improvement is worth (force choice)
    source: str  # the model and its assumptions

    def gain(self, k: int) -> float:
        """Weighted improvement from the (k+1)th post; 0 past the end of the curve."""
        if k + 1 >= len(self.values):
            return 0.0
        step = self.values[k + 1] - self.values[k]
        return (step if self.better == "higher" else -step) * self.value_per_unit


@dataclass(frozen=True)
class PostsPlan:
    posts: int
    allocation: pl.DataFrame  # function, posts, measure, unit, now, with_posts
    steps: pl.DataFrame  # post, function, weighted_gain
    curves: pl.DataFrame  # function, measure, extra_posts, value
    not_assessed: list[str] = field(default_factory=list)
    unassigned: int = 0
    method: str = __doc__ or ""


def allocate_posts(
    curves: Sequence[BenefitCurve], posts: int
) -> tuple[dict[str, int], list[tuple[int, str, float]], int]:
    """Greedy marginal allocation: each post to the function whose next post adds most.

    Returns posts per function, the steps (post number, function, weighted gain) and the count
    left unassigned because no function's next post adds anything."""
    given = {c.function: 0 for c in curves}
    steps: list[tuple[int, str, float]] = []
    for n in range(1, posts + 1):
        best = max(
            curves,
            key=lambda c: (c.gain(given[c.function]), -sorted(given).index(c.function)),
            default=None,
        )
        if best is None or best.gain(given[best.function]) <= 0:
            return given, steps, posts - n + 1
        steps.append((n, best.function, best.gain(given[best.function])))
        given[best.function] += 1
    return given, steps, 0


# --- curve providers: each returns a curve, or the reason it cannot --------------------------

CurveProvider = Callable[[Engine, datetime, int, WorkforcePolicy], "BenefitCurve | str"]


def backlog_curve(
    engine: Engine, now: datetime, posts: int, policy: WorkforcePolicy
) -> BenefitCurve | str:
    """Median age of unallocated crime with k extra accredited detectives.

    The allocation engine's capacity rule and offence table give what a detective adds: hours
    a week to investigation / mean expected hours of the crimes waiting = extra allocations a
    day. With the queue as it is, Little's law makes waiting time inversely proportional to
    throughput, so the median age scales by T0 / (T0 + k x extra), where T0 is the allocations
    a day over the last 12 weeks. Assumes the extra detective takes the same mix of crimes."""
    try:
        alloc = importlib.import_module("forcesight.allocation.policy")
    except ImportError:
        return (
            "allocation engine not installed: the backlog effect of extra detectives is not "
            "assessed"
        )
    allocation_policy = alloc.load_allocation_policy()
    ages = queries.unallocated_ages(engine, now)
    if ages.height == 0:
        return (
            "no unallocated crime in the store: the backlog effect of extra detectives is not "
            "assessed"
        )
    since = now - timedelta(weeks=12)
    per_day = queries.first_allocations_between(engine, since, now) / 84.0
    if per_day <= 0:
        return (
            "no allocations in the last 12 weeks: allocation throughput unknown, backlog "
            "effect not assessed"
        )
    hours = [allocation_policy.requirement(code).expected_hours for code in ages["offence_code"]]
    mean_hours = sum(hours) / len(hours)
    share = policy.posts.detective_investigative_share
    extra = policy.posts.officer_hours_per_week * share / 7.0 / mean_hours
    median = float(ages.select(pl.col("age_days").median()).item())
    values = tuple(median * per_day / (per_day + k * extra) for k in range(posts + 1))
    return BenefitCurve(
        "investigation",
        "median age of unallocated crime",
        "days",
        "lower",
        values,
        policy.posts.value_per_backlog_day,
        f"{per_day:.1f} allocations a day now; one detective adds {extra:.2f} a day "
        f"({policy.posts.officer_hours_per_week:.0f} h x {share:.0%} / {mean_hours:.0f} h per "
        "crime waiting, allocation_offences.yaml); median age scales with throughput "
        "(Little's law)",
    )


def response_curve(
    engine: Engine, now: datetime, posts: int, policy: WorkforcePolicy
) -> BenefitCurve | str:
    """Share of grade 1 reached within target with k extra response officers, from the response
    engine's simulation through ``forcesight.response.marginal``:
    ``grade1_within_target_by_extra_units(engine, now, extra_on_duty) -> (shares, source) | str``
    where ``extra_on_duty[k]`` is the officers added on duty at every hour for k posts."""
    if importlib.util.find_spec("forcesight.response") is None:
        return (
            "response engine not installed: the effect of extra response officers is not assessed"
        )
    try:
        marginal = importlib.import_module("forcesight.response.marginal")
    except ModuleNotFoundError:
        return (
            "the response engine offers no marginal model (forcesight.response.marginal): the "
            "effect of extra response officers is not assessed"
        )
    extra = [k * policy.posts.response_on_duty_per_post for k in range(posts + 1)]
    result = marginal.grade1_within_target_by_extra_units(engine, now, extra)
    if isinstance(result, str):
        return result
    values, source = result
    return BenefitCurve(
        "response",
        "share of grade 1 reached within target",
        "percentage points",
        "higher",
        tuple(100.0 * v for v in values),
        policy.posts.value_per_grade1_point,
        source,
    )


PROVIDERS: tuple[CurveProvider, ...] = (response_curve, backlog_curve)


def plan_posts(
    engine: Engine,
    now: datetime,
    posts: int,
    *,
    policy: WorkforcePolicy | None = None,
    providers: Sequence[CurveProvider] = PROVIDERS,
) -> PostsPlan:
    """Where ``posts`` extra officers add most, by the models that are installed."""
    policy = policy or load_workforce_policy()
    curves: list[BenefitCurve] = []
    not_assessed: list[str] = []
    for provider in providers:
        curve = provider(engine, now, posts, policy)
        if isinstance(curve, str):
            not_assessed.append(curve)
        else:
            curves.append(curve)
    given, steps, unassigned = allocate_posts(curves, posts)
    allocation = pl.DataFrame(
        [
            {
                "function": c.function,
                "posts": given[c.function],
                "measure": c.measure,
                "unit": c.unit,
                "now": round(c.values[0], 3),
                "with_posts": round(c.values[given[c.function]], 3),
                "model": c.source,
            }
            for c in curves
        ],
        schema={"function": pl.String, "posts": pl.Int64, "measure": pl.String, "unit": pl.String,
                "now": pl.Float64, "with_posts": pl.Float64, "model": pl.String},
    )  # fmt: skip
    step_frame = pl.DataFrame(
        steps, schema={"post": pl.Int64, "function": pl.String, "weighted_gain": pl.Float64},
        orient="row",
    )  # fmt: skip
    curve_frame = pl.DataFrame(
        [
            {"function": c.function, "measure": c.measure, "extra_posts": k, "value": v}
            for c in curves
            for k, v in enumerate(c.values)
        ],
        schema={"function": pl.String, "measure": pl.String, "extra_posts": pl.Int64,
                "value": pl.Float64},
    )  # fmt: skip
    return PostsPlan(posts, allocation, step_frame, curve_frame, not_assessed, unassigned)
