"""Helpers for the response tests: scenario dicts and a synthetic incident log in the store."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import Engine, insert

from forcesight.response.engine import simulate
from forcesight.response.factory import build_model
from forcesight.response.model import sample_incidents
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
