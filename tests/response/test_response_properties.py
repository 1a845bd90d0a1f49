"""Hypothesis properties of the engine: priority order and conservation of incidents."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from response_testkit import one_unit_force, worlds

from forcesight.response import reference
from forcesight.response.engine import Records, simulate
from forcesight.response.model import (
    ATTENDED,
    NOT_REACHED,
    STACK_FULL,
    WAITED_TOO_LONG,
    Incidents,
    Model,
)


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
    # ... and reached, unless every unit sent was taken on its way and none came by the end.
    reached = ~np.isnan(records.first_arrival[attended])
    assert (reached | (records.preempted[attended] > 0)).all()
    assert np.isnan(records.dispatched[~attended]).all()
    assert attended.sum() + (~attended).sum() == n
    # Units never exceed what is needed unless a unit was pre-empted (then it is replaced).
    assert (records.units_sent <= records.units_needed + records.preempted).all()
    cleared = ~np.isnan(records.cleared)
    assert (records.units_sent[cleared] >= records.units_needed[cleared]).all()
    # Times run forward.
    assert (records.dispatched[attended] >= records.time[attended]).all()
    assert (records.first_arrival[attended][reached] >= records.dispatched[attended][reached]).all()
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(preempt=True))
def test_a_unit_taken_on_its_way_is_not_counted_as_arriving(
    world: tuple[Model, Incidents],
) -> None:
    """An incident's first arrival is made by a unit that was still on it then: some busy
    spell of the incident spans it (a unit pre-empted on its way never arrived)."""
    model, incidents = world
    records = simulate(model, incidents)
    reached = ~np.isnan(records.first_arrival) & (records.first_arrival <= records.end_min)
    for i in np.flatnonzero(reached):
        mine = records.busy_incident == i
        first = records.first_arrival[i]
        spans = (records.busy_start[mine] <= first + 1e-9) & (
            first <= records.busy_end[mine] + 1e-9
        )
        assert spans.any(), (i, first, records.busy_start[mine], records.busy_end[mine])


def test_an_incident_whose_unit_is_taken_on_its_way_is_reached_later() -> None:
    """A grade 2 call at 0 gets the only unit (10 min away); a grade 1 call at 5 takes it on
    its way. Grade 2 is reached only when the unit comes back for it: sent at 45 (grade 1
    reached at 15, 30 min on scene), on scene at 55, not at 10."""
    model, incidents = one_unit_force(10.0, [20.0, 30.0], [0.0, 5.0], [1, 0])
    for records in (simulate(model, incidents), reference.simulate(model, incidents)):
        assert records.preempted.tolist() == [1, 0]
        assert records.first_arrival.tolist() == [55.0, 15.0]
        assert records.dispatched.tolist() == [0.0, 5.0]
        assert records.cleared.tolist() == [75.0, 45.0]
