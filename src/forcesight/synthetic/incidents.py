"""A year of calls for service and the units deployed to them.

Arrivals follow an hour-of-week and seasonal intensity; the category depends on the time of
day, the grade on the category, the place on Census 2011 population. Stage times are lognormal:
call handling, dispatch delay (longer in busy hours), travel (urban or rural) and time on scene
(right-skewed; crime calls have median 30 and mean 51 minutes, FACTS). Stages after as_of are
not yet recorded (NULL). A documented share of rows is messy the way real logs are: no arrival
time, a zero time on scene, arrival before dispatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import polars as pl

from forcesight.policy.grades import GradesPolicy
from forcesight.policy.loader import RULES_DIR, load_policy
from forcesight.synthetic.params import DemoParams, IncidentParams
from forcesight.synthetic.sampling import (
    DAY,
    HOUR,
    MINUTE,
    Bools,
    Floats,
    Ints,
    as_datetime,
    choose,
    lognormal,
    seconds,
    times_by_intensity,
    where,
)
from forcesight.synthetic.sources import ForceGeography

GRADE_CODES = ("1", "2", "3", "4")
SPECIALIST_UNITS = {
    "firearms_afo": "ARV",
    "dog_handler": "DOG",
    "advanced_driver": "RP",
    "public_order_psu": "PSU",
}


@dataclass(frozen=True)
class Incidents:
    incidents: pl.DataFrame  # store columns; id is 1..n in time order
    deployments: pl.DataFrame
    received: Ints  # seconds, for crimes linked to incidents
    category: Ints
    lsoa: Ints


def shipped_grades() -> GradesPolicy:
    """The shipped grade scheme (the demo is the same whatever a force's overrides say)."""
    return load_policy("grades", GradesPolicy, policy_dir=RULES_DIR)


def hourly_intensity(ip: IncidentParams, start: int, hours: int) -> tuple[Floats, Ints]:
    """Relative call intensity for each hour from ``start``, and each hour's hour of day."""
    t = start + np.arange(hours, dtype=np.int64) * HOUR
    hour_of_day = (t % DAY) // HOUR
    weekday = (t // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    month = t.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12
    weight = (
        np.array(ip.hour_of_day)[hour_of_day]
        * np.array(ip.day_of_week)[weekday]
        * np.array(ip.month)[month]
    )
    weekend_night = (np.isin(weekday, [4, 5]) & (hour_of_day >= 21)) | (
        np.isin(weekday, [5, 6]) & (hour_of_day < 4)
    )
    weight = np.where(weekend_night, weight * ip.weekend_night, weight)
    return weight, hour_of_day


def incident_count(params: DemoParams, population: int, comparator_population: int) -> int:
    ip = params.incidents
    calls = ip.comparator_calls_per_week * 365 / 7 * population / comparator_population
    return round(calls * ip.incidents_per_call * params.volume_scale)


def _minutes(rng: np.random.Generator, table: Mapping[str, tuple[float, float]], grade: Ints,
             size: int) -> Floats:  # fmt: skip
    out = np.zeros(size)
    for g, shape in table.items():
        mask = grade == GRADE_CODES.index(g)
        out[mask] = lognormal(rng, shape, int(mask.sum()))
    return out


def build_incidents(
    rng: np.random.Generator,
    params: DemoParams,
    geography: ForceGeography,
    comparator_population: int,
    as_of: datetime,
) -> Incidents:
    ip = params.incidents
    cats = ip.categories
    end = seconds(as_of)
    start = seconds(as_of - timedelta(days=365))
    hours = (end - start) // HOUR
    intensity, hour_of_day = hourly_intensity(ip, start, hours)
    n = incident_count(params, geography.population, comparator_population)
    received = times_by_intensity(rng, start, intensity, n)
    hour_index = (received - start) // HOUR
    busy = (intensity[hour_index] / intensity.mean()) ** ip.busy_exponent

    # category by band of the day, then grade by category
    hod = hour_of_day[hour_index]
    band = np.where((hod >= 17) & (hod < 23), 1, np.where((hod >= 23) | (hod < 6), 2, 0))
    share = np.array([c.share for c in cats])
    factors = np.array([[1.0, c.evening, c.night] for c in cats])
    category = choose(rng, (share[:, None] * factors).T[band])
    grade = choose(rng, np.array([c.grades for c in cats])[category])

    lsoas = geography.lsoas
    population = lsoas["population"].to_numpy().astype(np.float64)
    lsoa = rng.choice(lsoas.height, size=n, p=population / population.sum())
    urban = (lsoas["density"].to_numpy() >= params.geography.urban_density)[lsoa]

    policy = shipped_grades().by_code()
    attends = np.array([policy[g].attend for g in GRADE_CODES])[grade]

    graded = received + np.round(_minutes(rng, ip.call_handling, grade, n) * MINUTE)
    delay = _minutes(rng, ip.dispatch_delay, grade, n)
    delay = np.where(grade >= 1, delay * busy, delay)
    dispatched = graded + np.round(delay * MINUTE)
    travel = np.where(
        urban, _minutes(rng, ip.travel_urban, grade, n), _minutes(rng, ip.travel_rural, grade, n)
    )
    arrived = dispatched + np.round(travel * MINUTE)
    on_scene_shape = np.array([c.on_scene for c in cats])[category]
    on_scene = rng.lognormal(np.log(on_scene_shape[:, 0]), on_scene_shape[:, 1])
    cleared = np.where(
        attends,
        arrived + np.round(on_scene * MINUTE),
        graded + np.round(lognormal(rng, ip.resolution_without_deployment, n) * MINUTE),
    )

    # the mess real logs have
    mess = rng.random(n)
    no_arrival = attends & (mess < ip.no_arrival)
    zero_clear = attends & ~no_arrival & (mess < ip.no_arrival + ip.zero_clear)
    backwards = (
        attends & (mess >= ip.no_arrival + ip.zero_clear)
        & (mess < ip.no_arrival + ip.zero_clear + ip.arrival_before_dispatch)
    )  # fmt: skip
    cleared = np.where(zero_clear, arrived, cleared)
    arrived = np.where(backwards, dispatched - rng.integers(1, 6, n) * MINUTE, arrived)

    has_dispatch = attends & (dispatched <= end)
    has_arrival = has_dispatch & ~no_arrival & (arrived <= end)
    has_clear = (cleared <= end) & (has_dispatch | ~attends)
    has_graded = graded <= end

    def flag(attribute: str) -> Bools:
        p = np.array([getattr(c, attribute) for c in cats])[category]
        return rng.random(n) < p

    units_required = np.array([c.units_required for c in cats])[category]
    units_required = np.where(grade <= 1, units_required, 1)
    skill = _skills_required(rng, ip, category)
    day = received // DAY
    first_of_day = np.r_[True, day[1:] != day[:-1]]
    sequence = np.arange(n) - np.maximum.accumulate(np.where(first_of_day, np.arange(n), 0)) + 1
    refs = pl.select(
        pl.lit("DI") + as_datetime(received).dt.strftime("%y%m%d") + "-"
        + pl.Series(sequence).cast(pl.String).str.zfill(4)
    ).to_series()  # fmt: skip

    incidents = pl.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "incident_ref": refs,
            "received_at": as_datetime(received),
            "graded_at": as_datetime(graded, has_graded),
            "grade": np.array(GRADE_CODES)[grade],
            "category": np.array([c.name for c in cats])[category],
            "first_dispatched_at": as_datetime(dispatched, has_dispatch),
            "first_arrived_at": as_datetime(arrived, has_arrival),
            "cleared_at": as_datetime(cleared, has_clear),
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[lsoa],
            "beat": lsoas["msoa_name"].to_numpy()[lsoa],
            "area": lsoas["la_code"].to_numpy()[lsoa],
            "units_required": units_required,
            "skill_required": where(skill != "", skill),
            "vulnerable": flag("vulnerable"),
            "repeat_caller": flag("repeat"),
            "domestic_abuse": flag("domestic"),
            "mental_health": flag("mental_health"),
        }
    )
    deployments = _deployments(
        rng, params, geography, lsoa, urban, grade, category, units_required, skill,
        dispatched, arrived, cleared, on_scene, has_dispatch, has_arrival, end,
    )  # fmt: skip
    return Incidents(incidents, deployments, received, category, lsoa)


def _skills_required(
    rng: np.random.Generator, ip: IncidentParams, category: Ints
) -> npt.NDArray[np.str_]:
    """The skill an incident needs ('' for none), e.g. firearms for a few public-safety calls."""
    n = len(category)
    out = np.full(n, "", dtype="<U40")
    draw = rng.random(n)
    for k, c in enumerate(ip.categories):
        lower = 0.0
        for skill, p in c.skills.items():
            mask = (category == k) & (draw >= lower) & (draw < lower + p)
            out[mask] = skill
            lower += p
    return out


def _deployments(
    rng: np.random.Generator,
    params: DemoParams,
    geography: ForceGeography,
    lsoa: Ints,
    urban: Bools,
    grade: Ints,
    category: Ints,
    units_required: Ints,
    skill: npt.NDArray[np.str_],
    dispatched: Ints,
    arrived: Ints,
    cleared: Ints,
    on_scene: Floats,
    has_dispatch: Bools,
    has_arrival: Bools,
    end: int,
) -> pl.DataFrame:
    ip = params.incidents
    cats = ip.categories
    attended = np.flatnonzero(has_dispatch)
    extra = np.array([c.extra_units for c in cats])[category[attended]]
    k = np.minimum(units_required[attended] + rng.poisson(extra), 6)
    rows = np.repeat(attended, k)
    offsets = np.repeat(np.cumsum(k) - k, k)
    j = np.arange(len(rows)) - offsets  # unit number within its incident
    later = j > 0
    gaps = rng.exponential(ip.later_unit_dispatch * MINUTE, len(rows))
    gaps[~later] = 0
    unit_dispatched = dispatched[rows] + np.round(_group_cumsum(gaps, offsets)).astype(np.int64)
    g = grade[rows]
    travel = np.where(
        urban[rows],
        _minutes(rng, ip.travel_urban, g, len(rows)),
        _minutes(rng, ip.travel_rural, g, len(rows)),
    )
    unit_arrived = np.where(later, unit_dispatched + np.round(travel * MINUTE), arrived[rows])
    stay = on_scene[rows] * rng.uniform(0.3, 1.0, len(rows)) * MINUTE
    unit_cleared = np.where(later, unit_arrived + np.round(stay), cleared[rows])
    arrival_known = np.where(later, rng.random(len(rows)) >= ip.no_arrival, has_arrival[rows])
    arrival_known &= unit_arrived <= end

    # call signs: response units of the incident's area, specialists for a required skill
    short = params.geography.area_short_codes
    la = geography.lsoas["la_code"].to_numpy()[lsoa[rows]]
    pop_by_la = dict(
        geography.lsoas.group_by("la_code").agg(pl.col("population").sum()).iter_rows()
    )
    pool = np.array(
        [max(2, round(pop_by_la[a] / 10_000 * params.incidents.units_per_area["response"]))
         for a in sorted(pop_by_la)]
    )  # fmt: skip
    la_index = np.searchsorted(np.array(sorted(pop_by_la)), la)
    base = rng.integers(0, 1_000_000, len(attended))
    number = (np.repeat(base, k) + j) % pool[la_index] + 1
    prefix = np.array([short[a] for a in sorted(pop_by_la)])[la_index]
    unit = np.char.add(prefix.astype(str), np.char.zfill(number.astype(str), 2))
    specialist = (j == np.repeat(k - 1, k)) & (skill[rows] != "")
    special_prefix = np.full(len(rows), "", dtype="<U8")
    for name, call_sign in SPECIALIST_UNITS.items():
        special_prefix[skill[rows] == name] = call_sign
    special_number = rng.integers(1, params.incidents.units_per_area["specialist"] + 1, len(rows))
    unit = np.where(specialist, np.char.add(special_prefix, special_number.astype(str)), unit)
    keep = unit_dispatched <= end
    return pl.DataFrame(
        {
            "incident_id": rows[keep] + 1,
            "unit_ref": unit[keep],
            "dispatched_at": as_datetime(unit_dispatched[keep]),
            "arrived_at": as_datetime(unit_arrived[keep], arrival_known[keep]),
            "cleared_at": as_datetime(
                unit_cleared[keep], (arrival_known & (unit_cleared <= end))[keep]
            ),
        }
    )


def _group_cumsum(values: Floats, offsets: Ints) -> Floats:
    """Cumulative sum of ``values`` restarting at each group (groups start at ``offsets``)."""
    total = np.cumsum(values)
    start_total = total[offsets] - values[offsets]
    result: Floats = total - start_total
    return result
