# ruff: noqa: RUF009  (sourced() returns a dataclasses.field, like field() itself)
"""Parameters of the demo force's calls for service."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from forcesight.synthetic.params.sourcing import LogNormal, sourced, sourced_table


@dataclass(frozen=True)
class IncidentCategory:
    name: str
    share: float
    grades: tuple[float, float, float, float]  # shares of grades 1..4
    on_scene: LogNormal  # time on scene of the first unit [min]
    units_required: int
    extra_units: float  # mean further units beyond those required
    vulnerable: float
    repeat: float
    domestic: float
    mental_health: float
    evening: float = 1.0  # intensity factor 17:00-23:00
    night: float = 1.0  # intensity factor 23:00-06:00
    skills: Mapping[str, float] = field(default_factory=dict)


_CRIME_ON_SCENE = (30.0, 1.03)  # median 30, mean 51: exp(sigma^2/2) = 51/30


def _categories() -> tuple[IncidentCategory, ...]:
    c = IncidentCategory
    return (
        c(
            "crime",
            0.24,
            (0.08, 0.30, 0.30, 0.32),
            _CRIME_ON_SCENE,
            1,
            0.3,
            0.08,
            0.1,
            0.06,
            0.02,
            skills={"dog_handler": 0.004, "firearms_afo": 0.002},
        ),
        c(
            "anti-social behaviour",
            0.12,
            (0.05, 0.35, 0.25, 0.35),
            (20.0, 0.9),
            1,
            0.2,
            0.05,
            0.25,
            0.0,
            0.03,
            evening=1.5,
            night=1.1,
            skills={"public_order_psu": 0.003},
        ),
        c(
            "domestic",
            0.045,
            (0.35, 0.50, 0.12, 0.03),
            (60.0, 0.9),
            2,
            0.3,
            0.5,
            0.35,
            1.0,
            0.08,
            evening=1.3,
            night=1.4,
        ),
        c(
            "concern for safety",
            0.10,
            (0.30, 0.45, 0.10, 0.15),
            (40.0, 1.0),
            1,
            0.3,
            0.5,
            0.1,
            0.1,
            0.25,
        ),
        c(
            "missing person",
            0.012,
            (0.25, 0.55, 0.15, 0.05),
            (90.0, 0.9),
            1,
            0.4,
            0.7,
            0.3,
            0.0,
            0.3,
        ),
        c(
            "road traffic collision",
            0.05,
            (0.45, 0.35, 0.05, 0.15),
            (45.0, 0.9),
            2,
            0.4,
            0.05,
            0.0,
            0.0,
            0.0,
            night=0.7,
            skills={"advanced_driver": 0.05},
        ),
        c(
            "suspicious",
            0.08,
            (0.15, 0.45, 0.15, 0.25),
            (20.0, 0.9),
            1,
            0.3,
            0.05,
            0.05,
            0.0,
            0.02,
            night=1.3,
            skills={"dog_handler": 0.01, "firearms_afo": 0.005},
        ),
        c(
            "mental health",
            0.04,
            (0.30, 0.40, 0.10, 0.20),
            (75.0, 0.9),
            2,
            0.2,
            0.8,
            0.3,
            0.02,
            1.0,
        ),
        c(
            "alarm",
            0.035,
            (0.25, 0.50, 0.05, 0.20),
            (15.0, 0.7),
            1,
            0.2,
            0.02,
            0.1,
            0.0,
            0.0,
            night=1.2,
        ),
        c(
            "public safety",
            0.09,
            (0.15, 0.35, 0.15, 0.35),
            (35.0, 1.0),
            1,
            0.3,
            0.1,
            0.05,
            0.0,
            0.05,
            skills={"firearms_afo": 0.01, "public_order_psu": 0.005},
        ),
        c(
            "highway disruption",
            0.05,
            (0.15, 0.40, 0.05, 0.40),
            (25.0, 0.8),
            1,
            0.1,
            0.02,
            0.0,
            0.0,
            0.0,
            night=0.6,
        ),
        c(
            "abandoned call",
            0.04,
            (0.10, 0.20, 0.00, 0.70),
            (10.0, 0.7),
            1,
            0.0,
            0.02,
            0.05,
            0.02,
            0.02,
        ),
        c(
            "other",
            0.098,
            (0.02, 0.08, 0.15, 0.75),
            (25.0, 0.9),
            1,
            0.0,
            0.03,
            0.05,
            0.0,
            0.02,
            night=0.6,
        ),
    )


@dataclass(frozen=True)
class IncidentParams:
    comparator_calls_per_week: float = sourced(
        17_000, "FACTS: Avon and Somerset, 17,000 calls a week", "calls/week"
    )
    incidents_per_call: float = sourced(
        0.75,
        "assumption: share of calls that become an incident (the rest are repeat calls on "
        "one incident or administrative); with the population ratio this gives ~280,000",
    )
    categories: tuple[IncidentCategory, ...] = sourced_table(
        _categories,
        "assumption: category shares, grade mix per category, flags and units; crime time on "
        "scene from FACTS (Detroit: median 30 min, mean 51 min, lognormal)",
    )
    hour_of_day: tuple[float, ...] = sourced(
        (
            3.2,
            2.6,
            2.1,
            1.7,
            1.4,
            1.3,
            1.6,
            2.4,
            3.4,
            4.2,
            4.6,
            4.9,
            5.0,
            5.0,
            5.1,
            5.4,
            5.8,
            5.9,
            5.8,
            5.5,
            5.1,
            4.7,
            4.2,
            3.7,
        ),
        "assumption: relative calls per hour of day (trough 04:00-06:00, peak 16:00-19:00)",
    )
    day_of_week: tuple[float, ...] = sourced(
        (0.97, 0.96, 0.97, 0.99, 1.07, 1.06, 0.98),
        "assumption: relative calls Monday..Sunday",
    )
    weekend_night: float = sourced(
        1.35, "assumption: extra factor Friday and Saturday 21:00 to 04:00 next day"
    )
    month: tuple[float, ...] = sourced(
        (0.93, 0.90, 0.97, 0.98, 1.04, 1.06, 1.09, 1.06, 1.01, 1.02, 0.96, 0.95),
        "assumption: seasonal factor January..December (summer peak)",
    )
    call_handling: Mapping[str, LogNormal] = sourced_table(
        lambda: {"1": (2.0, 0.5), "2": (3.0, 0.5), "3": (4.0, 0.6), "4": (6.0, 0.6)},
        "assumption: received to graded",
        "min",
    )
    dispatch_delay: Mapping[str, LogNormal] = sourced_table(
        lambda: {"1": (1.5, 0.8), "2": (14.0, 1.0), "3": (360.0, 1.0)},
        "assumption: graded to first dispatched; scaled up in busy hours (see busy_exponent)",
        "min",
    )
    busy_exponent: float = sourced(
        0.5, "assumption: dispatch delay grows as (hourly demand / mean)^this for grades 2-3"
    )
    travel_urban: Mapping[str, LogNormal] = sourced_table(
        lambda: {"1": (6.0, 0.45), "2": (11.0, 0.5), "3": (14.0, 0.5)},
        "assumption: first dispatched to first arrived, urban LSOAs; calibrated so that about "
        "85% of grade 1 incidents are reached within 15 min of receipt",
        "min",
    )
    travel_rural: Mapping[str, LogNormal] = sourced_table(
        lambda: {"1": (9.0, 0.45), "2": (16.0, 0.5), "3": (20.0, 0.5)},
        "assumption: as travel_urban, rural LSOAs (20 min target for grade 1)",
        "min",
    )
    later_unit_dispatch: float = sourced(
        3.0, "assumption: mean gap before each further unit is dispatched", "min"
    )
    resolution_without_deployment: LogNormal = sourced(
        (25.0, 1.0), "assumption: grade 4, graded to cleared", "min"
    )
    units_per_area: Mapping[str, int] = sourced_table(
        lambda: {"response": 3, "specialist": 6},
        "assumption: call signs per 10,000 residents (response) and per specialist unit type",
    )
    no_arrival: float = sourced(
        0.06, "FACTS: about 6% of dispatched incidents have no arrival time", "share"
    )
    zero_clear: float = sourced(
        0.01, "assumption (FACTS: 'some clear times are recorded as 0')", "share"
    )
    arrival_before_dispatch: float = sourced(
        0.002, "assumption: stages recorded out of order", "share"
    )
