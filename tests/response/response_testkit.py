"""Helpers for the response tests: scenario dicts and a synthetic incident log in the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from hypothesis import strategies as st
from sqlalchemy import Engine, insert

from forcesight.response.engine import simulate
from forcesight.response.factory import build_model
from forcesight.response.model import (
    EXPONENTIAL,
    Incidents,
    Model,
    ProfileDemand,
    sample_incidents,
)
from forcesight.response.validate import load_scenario
from forcesight.store.entities import deployments, incidents

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def scenario_dict(**overrides: Any) -> dict[str, Any]:
    """A small valid scenario: two areas, two grades, constant staffing."""
    base: dict[str, Any] = {
        "name": "small",
        "start": "2026-01-05T00:00:00",
        "horizon_days": 7,
        "drain_hours": 12,
        "seed": 3,
        "replications": 2,
        "areas": [{"name": "north", "kind": "urban"}, {"name": "south", "kind": "rural"}],
        "travel": {"same_area_median_min": 6, "other_area_median_min": 12, "sigma": 0.3},
        "demand": {
            "grades": [
                {"grade": "1", "incidents_per_day": 40, "on_scene": {"median_min": 30}},
                {"grade": "2", "incidents_per_day": 60, "on_scene": {"median_min": 40}},
            ]
        },
        "roster": {"constant": [{"area": "north", "units": 3}, {"area": "south", "units": 3}]},
    }
    base.update(overrides)
    return base


# Ground truth of the synthetic log: what calibration should recover.
TRUE_TRAVEL_MEDIAN = 8.0
TRUE_TRAVEL_SIGMA = 0.4
TRUE_SCENE_MEDIAN = {"1": 30.0, "2": 45.0}
TRUE_SCENE_SIGMA = 0.8


def insert_synthetic_log(
    engine: Engine, path: Path, *, damaged: bool = True, days: int = 21
) -> dict[str, int]:
    """Simulate a known force with the engine itself, write the result as an incident log and
    deployments, and damage some rows the way real logs are damaged. Returns the damage made."""
    data = scenario_dict(
        name="synthetic log",
        horizon_days=days,
        drain_hours=24,
        travel={
            "same_area_median_min": TRUE_TRAVEL_MEDIAN,
            "other_area_median_min": TRUE_TRAVEL_MEDIAN,
            "sigma": TRUE_TRAVEL_SIGMA,
        },
        demand={
            "grades": [
                {
                    "grade": g,
                    "incidents_per_day": rate,
                    "on_scene": {"median_min": TRUE_SCENE_MEDIAN[g], "sigma": TRUE_SCENE_SIGMA},
                }
                for g, rate in (("1", 30), ("2", 50))
            ]
        },
        roster={"constant": [{"area": "north", "units": 3}, {"area": "south", "units": 3}]},
    )
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    model = build_model(load_scenario(path))
    records = simulate(model, sample_incidents(model, 99))
    start = datetime(2026, 1, 5)

    def at(minutes: float) -> datetime | None:
        if minutes != minutes:
            return None
        return start + timedelta(minutes=float(minutes))

    n = len(records.time)
    no_arrival = set(range(5, n, 40))  # about 2.5% with no arrival time
    zero_scene = set(range(7, n, 97)) - no_arrival  # cleared at arrival
    rows = []
    for i in range(n):
        arrived = at(records.first_arrival[i])
        cleared = at(records.cleared[i])
        if damaged and i in no_arrival:
            arrived = None
        if damaged and i in zero_scene:
            cleared = arrived
        rows.append(
            {
                "id": i + 1,
                "incident_ref": f"SYN-{i + 1:06d}",
                "received_at": at(records.time[i]),
                "grade": model.grade_codes[records.grade[i]],
                "category": model.category_names[records.category[i]],
                "first_dispatched_at": at(records.dispatched[i]),
                "first_arrived_at": arrived,
                "cleared_at": cleared,
                "area": model.area_names[records.area[i]],
                "units_required": int(records.units_needed[i]),
                "vulnerable": bool(records.vulnerable[i]),
                "origin": "demo",
            }
        )
    spells = []
    seen: set[tuple[int, str, float]] = set()
    for unit, begin, end, incident in zip(
        records.busy_unit.tolist(), records.busy_start.tolist(), records.busy_end.tolist(),
        records.busy_incident.tolist(), strict=True,
    ):  # fmt: skip
        key = (incident + 1, model.unit_ids[unit], begin)
        if key in seen:
            continue
        seen.add(key)
        spells.append(
            {
                "incident_id": incident + 1,
                "unit_ref": model.unit_ids[unit],
                "dispatched_at": at(begin),
                "cleared_at": at(end),
                "origin": "demo",
            }
        )
    with engine.begin() as conn:
        conn.execute(insert(incidents), rows)
        conn.execute(insert(deployments), spells)
    return {
        "incidents": n,
        "no_arrival": len(no_arrival) if damaged else 0,
        "zero_scene": len(zero_scene) if damaged else 0,
        "deployments": len(spells),
    }


def mean_of(values: list[float]) -> float:
    return float(np.mean(values))


@st.composite
def worlds(draw: st.DrawFn, preempt: bool | None = None) -> tuple[Model, Incidents]:
    """A small random force: grades, units with skills and shifts, incidents, policies."""
    grades = draw(st.integers(1, 3))
    areas = draw(st.integers(1, 3))
    units = draw(st.integers(1, 6))
    horizon = 600.0
    unit_skills = draw(st.lists(st.integers(0, 1), min_size=units, max_size=units))
    all_grades = (1 << grades) - 1
    unit_grades = draw(st.lists(st.integers(1, all_grades), min_size=units, max_size=units))
    shift_unit, shift_start, shift_end = [], [], []
    for u in range(units):
        start = draw(st.floats(0, 200))
        length = draw(st.floats(60, 500))
        shift_unit.append(u)
        shift_start.append(start)
        shift_end.append(start + length)
        if draw(st.booleans()):
            again = start + length + draw(st.floats(1, 100))
            shift_unit.append(u)
            shift_start.append(again)
            shift_end.append(again + draw(st.floats(30, 300)))
    order = np.argsort(shift_start, kind="stable")
    n = draw(st.integers(1, 60))
    times = np.sort(np.array(draw(st.lists(st.floats(0, horizon - 1), min_size=n, max_size=n))))
    incidents = Incidents(
        time=times,
        grade=np.array(draw(st.lists(st.integers(0, grades - 1), min_size=n, max_size=n))),
        area=np.array(draw(st.lists(st.integers(0, areas - 1), min_size=n, max_size=n))),
        category=np.zeros(n, dtype=np.int64),
        units_needed=np.array(draw(st.lists(st.integers(1, 2), min_size=n, max_size=n))),
        skill=np.array(draw(st.lists(st.sampled_from([-1, -1, -1, 0]), min_size=n, max_size=n))),
        vulnerable=np.zeros(n, dtype=bool),
        on_scene=np.array(draw(st.lists(st.floats(1, 120), min_size=n, max_size=n))),
        travel_factor=np.array(
            draw(st.lists(st.floats(0.5, 2.0), min_size=2 * n, max_size=2 * n))
        ).reshape(n, 2),
    )
    use_preempt = draw(st.booleans()) if preempt is None else preempt
    matrix = np.array(
        draw(st.lists(st.floats(0, 20), min_size=areas * areas, max_size=areas * areas))
    ).reshape(areas, areas)
    model = Model(
        name="random",
        start=datetime(2026, 1, 5),
        horizon_min=horizon,
        end_min=horizon + draw(st.floats(0, 300)),
        grade_codes=tuple(str(g + 1) for g in range(grades)),
        target_min=np.full((grades, 2), 15.0),
        target_share=np.full(grades, 0.9),
        area_names=tuple(f"a{a}" for a in range(areas)),
        area_rural=np.zeros(areas, dtype=bool),
        travel_median=matrix,
        travel_sigma=0.0,
        category_names=("c",),
        category_distribution=np.array([EXPONENTIAL]),
        category_location=np.array([30.0]),
        category_sigma=np.array([0.0]),
        skill_names=("firearms",),
        function_names=("response",),
        unit_ids=tuple(f"u{u}" for u in range(units)),
        unit_function=np.zeros(units, dtype=np.int64),
        unit_area=np.array(
            draw(st.lists(st.integers(0, areas - 1), min_size=units, max_size=units))
        ),
        unit_skills=np.array(unit_skills),
        unit_grades=np.array(unit_grades),
        shift_unit=np.array(shift_unit)[order],
        shift_start=np.array(shift_start)[order],
        shift_end=np.array(shift_end)[order],
        briefing_min=draw(st.sampled_from([0.0, 15.0])),
        meal_min=draw(st.sampled_from([0.0, 30.0])),
        meal_after_min=120.0,
        demand=ProfileDemand(
            rate_per_hour=np.zeros((168, grades)),
            area_share=np.ones(areas) / areas,
            category_of_grade=np.zeros(grades, dtype=np.int64),
            two_unit_share=np.zeros(grades),
            skill_share=np.zeros((grades, 1)),
            vulnerable_share=np.zeros(grades),
        ),
        preempt_for=1 if use_preempt else 0,
        preempt_from=(all_grades & ~1) if use_preempt else 0,
        reserve_units=draw(st.integers(0, 1)),
        reserve_for=1,
        stack_limit=np.array(draw(st.lists(st.integers(-1, 5), min_size=grades, max_size=grades))),
        max_wait_min=np.array(
            draw(st.lists(st.sampled_from([np.inf, 60.0, 200.0]), min_size=grades, max_size=grades))
        ),
    )
    return model, incidents


def one_unit_force(travel_min: float, on_scene: list[float], times: list[float],
                   grades: list[int]) -> tuple[Model, Incidents]:  # fmt: skip
    """One area, one unit on duty throughout, two grades, grade 1 may pre-empt grade 2; the
    incidents at ``times`` (grade index 0 or 1), each needing one unit, travel fixed."""
    n = len(times)
    model = Model(
        name="one unit",
        start=datetime(2026, 1, 5),
        horizon_min=1000.0,
        end_min=2000.0,
        grade_codes=("1", "2"),
        target_min=np.full((2, 2), 15.0),
        target_share=np.full(2, 0.9),
        area_names=("a",),
        area_rural=np.zeros(1, dtype=bool),
        travel_median=np.array([[travel_min]]),
        travel_sigma=0.0,
        category_names=("c",),
        category_distribution=np.array([EXPONENTIAL]),
        category_location=np.array([30.0]),
        category_sigma=np.array([0.0]),
        skill_names=("firearms",),
        function_names=("response",),
        unit_ids=("u0",),
        unit_function=np.zeros(1, dtype=np.int64),
        unit_area=np.zeros(1, dtype=np.int64),
        unit_skills=np.zeros(1, dtype=np.int64),
        unit_grades=np.array([0b11]),
        shift_unit=np.zeros(1, dtype=np.int64),
        shift_start=np.zeros(1),
        shift_end=np.array([3000.0]),
        briefing_min=0.0,
        meal_min=0.0,
        meal_after_min=120.0,
        demand=ProfileDemand(
            rate_per_hour=np.zeros((168, 2)),
            area_share=np.ones(1),
            category_of_grade=np.zeros(2, dtype=np.int64),
            two_unit_share=np.zeros(2),
            skill_share=np.zeros((2, 1)),
            vulnerable_share=np.zeros(2),
        ),
        preempt_for=0b01,
        preempt_from=0b10,
        reserve_units=0,
        reserve_for=1,
        stack_limit=np.array([-1, -1]),
        max_wait_min=np.array([np.inf, np.inf]),
    )
    incidents = Incidents(
        time=np.array(times, dtype=np.float64),
        grade=np.array(grades, dtype=np.int64),
        area=np.zeros(n, dtype=np.int64),
        category=np.zeros(n, dtype=np.int64),
        units_needed=np.ones(n, dtype=np.int64),
        skill=np.full(n, -1, dtype=np.int64),
        vulnerable=np.zeros(n, dtype=bool),
        on_scene=np.array(on_scene, dtype=np.float64),
        travel_factor=np.ones((n, 2)),
    )
    return model, incidents
