"""What extra response officers buy: the share of grade 1 reached within target with k more
officers on duty, for the workforce engine's posts planner (``forcesight.workforce.posts``).

Method: the last year's incident log to ``now`` is replayed through the simulation (travel and
time on scene fitted from the log, the roster inferred from its deployments, as
``calibrate.py`` does), once with the roster as it is and once for each whole number of extra
units, added on duty at every hour and spread across areas in proportion to their incidents.
All runs share one seed, so the differences come from the extra units alone. A fractional
number of officers is interpolated between the whole numbers either side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine

from forcesight.errors import ScenarioError
from forcesight.response.calibrate import Replay, replay_model
from forcesight.response.engine import simulate
from forcesight.response.model import Model, sample_incidents
from forcesight.response.results import within_target

NOT_ASSESSED = "the effect of extra response officers is not assessed"


def with_extra_units(model: Model, extra: int) -> Model:
    """The model with ``extra`` response units on duty throughout, spread across areas by
    their share of incidents (largest remainders), with no briefing or meal."""
    if extra <= 0:
        return model
    demand = model.demand
    counts = np.bincount(getattr(demand, "area", np.zeros(0, dtype=np.int64)),
                         minlength=len(model.area_names)).astype(float)  # fmt: skip
    share = counts / counts.sum() if counts.sum() > 0 else np.full(len(counts), 1 / len(counts))
    whole = np.floor(share * extra).astype(np.int64)
    order = np.argsort(-(share * extra - whole), kind="stable")
    whole[order[: extra - int(whole.sum())]] += 1
    areas = np.repeat(np.arange(len(model.area_names)), whole)
    first = len(model.unit_ids)
    response = model.function_names.index("response") if "response" in model.function_names else 0
    n = len(areas)
    order_all = np.argsort(np.concatenate([model.shift_start, np.zeros(n)]), kind="stable")
    return replace(
        model,
        unit_ids=model.unit_ids + tuple(f"extra-{k + 1}" for k in range(n)),
        unit_function=np.concatenate([model.unit_function, np.full(n, response)]),
        unit_area=np.concatenate([model.unit_area, areas]),
        unit_skills=np.concatenate([model.unit_skills, np.zeros(n, dtype=np.int64)]),
        unit_grades=np.concatenate(
            [model.unit_grades, np.full(n, (1 << len(model.grade_codes)) - 1)]
        ),
        shift_unit=np.concatenate([model.shift_unit, first + np.arange(n)])[order_all],
        shift_start=np.concatenate([model.shift_start, np.zeros(n)])[order_all],
        shift_end=np.concatenate([model.shift_end, np.full(n, model.end_min + 1.0)])[order_all],
    )


def _grade1_share(model: Model, seed: int) -> tuple[float, float]:
    """Share of grade 1 reached within target, and share of grade 1 that waited for a unit."""
    records = simulate(model, sample_incidents(model, seed))
    top = records.grade == 0
    if not top.any():
        return math.nan, math.nan
    waited = np.nan_to_num(records.wait[top], nan=np.inf) > 0
    return float(within_target(model, records)[top].mean()), float(waited.mean())


def grade1_within_target_by_extra_units(
    engine: Engine, now: datetime, extra_on_duty: Sequence[float], seed: int = 1
) -> tuple[list[float], str] | str:
    """Share of grade 1 reached within target for each number of extra officers on duty
    (``extra_on_duty[k]``, at every hour), or why it cannot be assessed."""
    try:
        replay: Replay = replay_model(engine, start=now - timedelta(days=365), end=now)
    except ScenarioError as error:
        reason = "; ".join(why for _, why in error.problems)
        return f"response engine: {reason}: {NOT_ASSESSED}"
    model = replay.model
    per_unit = model.officers_per_unit
    units = [x / per_unit for x in extra_on_duty]
    top = math.ceil(max(units, default=0.0))
    runs = [_grade1_share(with_extra_units(model, m), seed) for m in range(top + 1)]
    shares = [share for share, _ in runs]
    values = [float(np.interp(u, np.arange(top + 1), shares)) for u in units]
    source = (
        f"response simulation: {replay.log.height} incidents received in the year to "
        f"{now.date().isoformat()} replayed with the roster {replay.roster_source} "
        f"({len(model.unit_ids)} units) plus 0..{top} units on duty throughout; travel and time "
        "on scene fitted from the log; one seed for every run, fractional officers interpolated. "
        f"With the roster as it is, {runs[0][1]:.1%} of grade 1 incidents waited for a free "
        "unit: extra units shorten only that wait. Travel is fitted per pair of areas, not by "
        "how many units patrol, so misses caused by travel alone are not changed by extra "
        "officers in this model"
    )
    return values, source
