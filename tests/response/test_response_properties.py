"""Hypothesis properties of the engine: priority order and conservation of incidents."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forcesight.response.engine import Records, simulate
from forcesight.response.model import (
    ATTENDED,
    EXPONENTIAL,
    NOT_REACHED,
    STACK_FULL,
    WAITED_TOO_LONG,
    Incidents,
    Model,
    ProfileDemand,
)


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


def _eligible(model: Model, unit: int, grade: int, skill: int) -> bool:
    if not model.unit_grades[unit] >> grade & 1:
        return False
    return skill < 0 or bool(model.unit_skills[unit] >> skill & 1)


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(preempt=False))
def test_a_higher_grade_never_waits_behind_a_lower_one(world: tuple[Model, Incidents]) -> None:
    model, incidents = world
    records = simulate(model, incidents)
    waiting_from = records.time
    waiting_to = np.nan_to_num(records.left_stack, nan=records.end_min)
    for unit, start, incident in zip(
        records.busy_unit, records.busy_start, records.busy_incident, strict=True
    ):
        lower = records.grade[incident]
        higher = np.flatnonzero(
            (records.grade < lower) & (waiting_from < start) & (waiting_to > start)
        )
        for i in higher:
            assert not _eligible(model, int(unit), int(records.grade[i]), int(records.skill[i])), (
                f"unit {unit} took grade {lower} incident {incident} at {start} while grade "
                f"{records.grade[i]} incident {i} it could attend was waiting"
            )


def _check_conservation(records: Records, n: int) -> None:
    outcomes = records.outcome
    assert len(outcomes) == n
    assert set(np.unique(outcomes)) <= {ATTENDED, STACK_FULL, WAITED_TOO_LONG, NOT_REACHED}
    attended = outcomes == ATTENDED
    # Every incident is attended or reported unmet, never both, never neither.
    assert (~np.isnan(records.dispatched[attended])).all()
    assert (~np.isnan(records.first_arrival[attended])).all()
    assert np.isnan(records.dispatched[~attended]).all()
    assert attended.sum() + (~attended).sum() == n
    # Units never exceed what is needed unless a unit was pre-empted (then it is replaced).
    assert (records.units_sent <= records.units_needed + records.preempted).all()
    cleared = ~np.isnan(records.cleared)
    assert (records.units_sent[cleared] >= records.units_needed[cleared]).all()
    # Times run forward.
    assert (records.dispatched[attended] >= records.time[attended]).all()
    assert (records.first_arrival[attended] >= records.dispatched[attended]).all()
    assert (records.cleared[cleared] >= records.all_arrived[cleared]).all()
    # A unit is on one incident at a time.
    for unit in np.unique(records.busy_unit):
        mine = records.busy_unit == unit
        starts = records.busy_start[mine]
        ends = records.busy_end[mine]
        order = np.argsort(starts, kind="stable")
        assert (starts[order][1:] >= ends[order][:-1] - 1e-9).all()


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_every_incident_is_attended_or_reported_unmet(world: tuple[Model, Incidents]) -> None:
    model, incidents = world
    _check_conservation(simulate(model, incidents), len(incidents))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(preempt=True))
def test_preemption_only_takes_from_lower_grades(world: tuple[Model, Incidents]) -> None:
    model, incidents = world
    records = simulate(model, incidents)
    _check_conservation(records, len(incidents))
    # The top grade is never pre-empted (it may only take, not give).
    assert (records.preempted[records.grade == 0] == 0).all()
