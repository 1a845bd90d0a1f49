"""The compiled simulation model: plain arrays the engine reads, and the incidents it serves.

Times are minutes from the start of the run (t = 0 at ``Model.start``). Grades are indexed in
priority order (index 0 is served first); skills, areas, functions and categories by position
in their name tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

LOGNORMAL = 0
EXPONENTIAL = 1

# Outcomes of an incident.
ATTENDED = 0
STACK_FULL = 1  # refused at arrival: the grade's stack was at its limit
WAITED_TOO_LONG = 2  # left the stack after the grade's maximum wait
NOT_REACHED = 3  # still waiting when the run ended
OUTCOME_NAMES = ("attended", "stack_full", "waited_too_long", "not_reached")


@dataclass(frozen=True)
class Incidents:
    """Pre-sampled incidents of one replication, sorted by arrival time."""

    time: FloatArray  # arrival [min]
    grade: IntArray
    area: IntArray
    category: IntArray
    units_needed: IntArray
    skill: IntArray  # -1: none
    vulnerable: BoolArray
    on_scene: FloatArray  # work once all units are there [min]
    travel_factor: FloatArray  # shape (n, 2): multiplies the median travel of unit slots 0/1

    def __len__(self) -> int:
        return len(self.time)


@dataclass(frozen=True)
class ProfileDemand:
    """Non-stationary Poisson arrivals by hour of week, with independent attribute shares."""

    rate_per_hour: FloatArray  # (168, G) mean arrivals per hour, hour 0 = Monday 00:00
    area_share: FloatArray  # (A,)
    category_of_grade: IntArray  # (G,)
    two_unit_share: FloatArray  # (G,)
    skill_share: FloatArray  # (G, S)
    vulnerable_share: FloatArray  # (G,)


@dataclass(frozen=True)
class PoolDemand:
    """Poisson arrivals by hour of week; attributes drawn from a log's own incidents by grade."""

    rate_per_hour: FloatArray  # (168, G)
    pool_grade: IntArray
    pool_area: IntArray
    pool_category: IntArray
    pool_units: IntArray
    pool_skill: IntArray
    pool_vulnerable: BoolArray


@dataclass(frozen=True)
class ReplayDemand:
    """A log's own arrivals, replayed (thinned or repeated by the multiplier)."""

    time: FloatArray
    grade: IntArray
    area: IntArray
    category: IntArray
    units: IntArray
    skill: IntArray
    vulnerable: BoolArray


Demand = ProfileDemand | PoolDemand | ReplayDemand


@dataclass(frozen=True)
class Model:
    """Everything one replication needs, as arrays; built by ``factory.build_model``."""

    name: str
    start: datetime
    horizon_min: float
    end_min: float  # arrivals stop at horizon_min; the run stops at end_min
    grade_codes: tuple[str, ...]
    target_min: FloatArray  # (G, 2): urban, rural; inf where a grade has no target
    target_share: FloatArray  # (G,) nan where none
    area_names: tuple[str, ...]
    area_rural: BoolArray
    travel_median: FloatArray  # (A, A) from, to [min]
    travel_sigma: float
    category_names: tuple[str, ...]
    category_distribution: IntArray  # LOGNORMAL | EXPONENTIAL
    category_location: FloatArray  # lognormal: log-median; exponential: mean [min]
    category_sigma: FloatArray
    skill_names: tuple[str, ...]
    function_names: tuple[str, ...]
    unit_ids: tuple[str, ...]
    unit_function: IntArray
    unit_area: IntArray
    unit_skills: IntArray  # bitmask over skill_names
    unit_grades: IntArray  # bitmask over grades the unit attends
    shift_unit: IntArray  # sorted by shift_start
    shift_start: FloatArray
    shift_end: FloatArray
    briefing_min: float
    meal_min: float
    meal_after_min: float
    demand: Demand
    multiplier: float = 1.0
    preempt_for: int = 0  # bitmask over grades that may take a unit
    preempt_from: int = 0  # bitmask over grades a unit may be taken from
    reserve_units: int = 0
    reserve_for: int = 0  # bitmask over grades the reserve is kept for
    stack_limit: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    max_wait_min: FloatArray = field(default_factory=lambda: np.zeros(0))
    officers_per_unit: int = 1
    unstable_queue_per_day: float = 5.0

    @property
    def start_minute_of_week(self) -> float:
        s = self.start
        return float(s.weekday() * 1440 + s.hour * 60 + s.minute + s.second / 60)

    def hour_of_week(self, minutes: FloatArray) -> IntArray:
        """Hour of week (0 = Monday 00:00) of run times [min]."""
        how = ((self.start_minute_of_week + minutes) // 60) % 168
        return how.astype(np.int64)


def typical_weekly_shape() -> FloatArray:
    """Relative demand by hour of week, mean 1: a trough at 04:00-06:00 and an evening peak,
    higher on Friday and Saturday nights. A generic shape for examples; fit a force's own
    with demand source 'store'."""
    by_hour = np.array(
        [0.8, 0.65, 0.55, 0.45, 0.4, 0.4, 0.5, 0.7, 0.9, 1.05, 1.1, 1.15,
         1.2, 1.2, 1.2, 1.25, 1.35, 1.4, 1.4, 1.35, 1.3, 1.2, 1.1, 0.95]
    )  # fmt: skip
    week = np.tile(by_hour, 7)
    for day in (4, 5):  # Friday and Saturday evenings, small hours of Saturday and Sunday
        week[day * 24 + 20 : day * 24 + 24] *= 1.3
        week[(day + 1) * 24 : (day + 1) * 24 + 4] *= 1.4
    result: FloatArray = week / week.mean()
    return result


def sample_incidents(model: Model, seed: int) -> Incidents:
    """Draw one replication's incidents. Independent streams for arrivals, attributes, time on
    scene and travel, so that scenarios compared with the same seed share what they can
    (common random numbers)."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    arrivals_rng, attributes_rng, scene_rng, travel_rng = streams
    demand = model.demand
    if isinstance(demand, ReplayDemand):
        time, grade, area, category, units, skill, vulnerable = _replay(demand, model, arrivals_rng)
    else:
        time, grade = _poisson_arrivals(demand.rate_per_hour, model, arrivals_rng)
        if isinstance(demand, ProfileDemand):
            area, category, units, skill, vulnerable = _profile_attributes(
                demand, grade, attributes_rng
            )
        else:
            area, category, units, skill, vulnerable = _pool_attributes(
                demand, grade, attributes_rng
            )
    n = len(time)
    normal = scene_rng.standard_normal(n)
    uniform = scene_rng.random(n)
    dist = model.category_distribution[category]
    loc = model.category_location[category]
    sig = model.category_sigma[category]
    on_scene = np.where(
        dist == LOGNORMAL,
        np.exp(loc + sig * normal),
        -loc * np.log1p(-uniform),
    )
    if model.travel_sigma > 0:
        travel_factor = np.exp(model.travel_sigma * travel_rng.standard_normal((n, 2)))
    else:
        travel_factor = np.ones((n, 2))
    return Incidents(
        time=time,
        grade=grade,
        area=area,
        category=category,
        units_needed=units,
        skill=skill,
        vulnerable=vulnerable,
        on_scene=on_scene,
        travel_factor=travel_factor,
    )


def _poisson_arrivals(
    rate_per_hour: FloatArray, model: Model, rng: np.random.Generator
) -> tuple[FloatArray, IntArray]:
    """Piecewise-constant rate by hour: Poisson counts per hour and grade, uniform within."""
    horizon = model.horizon_min
    bins = int(np.ceil(horizon / 60))
    bin_start: FloatArray = np.arange(bins, dtype=np.float64) * 60.0
    bin_len = np.minimum(bin_start + 60.0, horizon) - bin_start
    how = model.hour_of_week(bin_start)
    mean = rate_per_hour[how] * model.multiplier * (bin_len / 60.0)[:, None]
    counts = rng.poisson(mean)  # (bins, G)
    flat = counts.ravel()
    bin_of = np.repeat(np.repeat(np.arange(bins), counts.shape[1]), flat)
    grade = np.repeat(np.tile(np.arange(counts.shape[1]), bins), flat)
    time = bin_start[bin_of] + rng.random(len(bin_of)) * bin_len[bin_of]
    order = np.argsort(time, kind="stable")
    return time[order], grade[order].astype(np.int64)


def _profile_attributes(
    demand: ProfileDemand, grade: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray, BoolArray]:
    n = len(grade)
    cum_area = np.cumsum(demand.area_share)
    area = np.minimum(
        np.searchsorted(cum_area / cum_area[-1], rng.random(n), side="right"),
        len(cum_area) - 1,
    ).astype(np.int64)
    category = demand.category_of_grade[grade]
    units = np.where(rng.random(n) < demand.two_unit_share[grade], 2, 1).astype(np.int64)
    skill = np.full(n, -1, dtype=np.int64)
    if demand.skill_share.size:
        cum = np.cumsum(demand.skill_share, axis=1)[grade]  # (n, S)
        draw = rng.random(n)
        hit = draw[:, None] < cum
        any_hit = hit.any(axis=1)
        skill[any_hit] = hit[any_hit].argmax(axis=1)
    else:
        rng.random(n)
    vulnerable = rng.random(n) < demand.vulnerable_share[grade]
    return area, category.astype(np.int64), units, skill, vulnerable


def _pool_attributes(
    demand: PoolDemand, grade: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray, BoolArray]:
    n = len(grade)
    order = np.argsort(demand.pool_grade, kind="stable")
    sorted_grade = demand.pool_grade[order]
    grades = int(demand.rate_per_hour.shape[1])
    lo = np.searchsorted(sorted_grade, np.arange(grades), side="left")
    hi = np.searchsorted(sorted_grade, np.arange(grades), side="right")
    size = (hi - lo)[grade]
    if np.any(size == 0):
        raise ValueError("a grade with arrivals has no incidents in the pool")
    pick = order[lo[grade] + (rng.random(n) * size).astype(np.int64)]
    return (
        demand.pool_area[pick],
        demand.pool_category[pick],
        demand.pool_units[pick],
        demand.pool_skill[pick],
        demand.pool_vulnerable[pick],
    )


def _replay(
    demand: ReplayDemand, model: Model, rng: np.random.Generator
) -> tuple[FloatArray, IntArray, IntArray, IntArray, IntArray, IntArray, BoolArray]:
    """The log's incidents; a multiplier below 1 thins them, above 1 repeats them (each copy
    moved by up to +-30 min so that copies do not arrive together)."""
    m = model.multiplier
    base = np.arange(len(demand.time))
    whole = int(np.floor(m))
    copies = [np.repeat(base, whole)] if whole else []
    extra = base[rng.random(len(base)) < m - whole]
    copies.append(extra)
    pick = np.concatenate(copies) if copies else base[:0]
    time = demand.time[pick].copy()
    if m > 1:
        first = np.zeros(len(pick), dtype=bool)
        _, first_index = np.unique(pick, return_index=True)
        first[first_index] = True
        shift = (rng.random(len(pick)) - 0.5) * 60.0
        time = np.where(first, time, np.clip(time + shift, 0, model.horizon_min - 1e-6))
    order = np.argsort(time, kind="stable")
    pick = pick[order]
    return (
        time[order],
        demand.grade[pick],
        demand.area[pick],
        demand.category[pick],
        demand.units[pick],
        demand.skill[pick],
        demand.vulnerable[pick],
    )
