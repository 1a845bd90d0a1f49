"""The discrete-event engine: one replication of response, from incidents to flat records.

A heap-based loop over three sorted sources: the pre-sampled arrivals (an array, never pushed
on the heap), the roster's shift events (pre-sorted) and a heap of dynamic events (an
incident's units clearing, a meal ending). The loop is compiled with numba (``kernel.py``) and
keeps its state in flat arrays indexed by unit and incident; ``reference.py`` is the same loop
in plain Python with heapq, sets and deques, and the tests require identical records from both.
In the manner of Ciw's ``data_record``, the result is a set of flat arrays (``Records``),
summarised by ``results.py``.

Rules the engine keeps (docs/response.md explains each):

* A unit that comes free takes the waiting incident of the highest grade it attends, first come
  first served within the grade; an arriving incident takes the nearest free unit that may
  attend it (by median travel from the unit's position; the lowest unit index among units at
  the same place). No incident waits while a unit that may attend it is free, except for units
  held in reserve.
* An incident needing k units gets them one by one; work on scene starts when the last is
  there. An incident that needs a skill takes only units holding it.
* Pre-emption takes a unit from an incident of a lower grade; that incident goes back to the
  front of its stack, keeping the work still to do. A unit taken on its way never reached the
  incident: its first arrival is that of the next unit to get there.
* Shifts: unavailable during briefing; a meal break falls due after ``meal_after_min`` and is
  taken when the unit next comes free; a unit busy at the end of its shift finishes the
  incident (overtime) and then goes off duty. Shifts longer than 24 h (constant staffing) have
  no briefing or meal.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forcesight.response import kernel, state
from forcesight.response.model import (
    ATTENDED,
    BoolArray,
    FloatArray,
    Incidents,
    IntArray,
    Model,
)


@dataclass(frozen=True)
class Records:
    """Flat per-incident, per-busy-spell and per-shift records of one replication [min]."""

    time: FloatArray
    grade: IntArray
    area: IntArray
    category: IntArray
    vulnerable: BoolArray
    units_needed: IntArray
    skill: IntArray
    dispatched: FloatArray  # first unit sent; nan if none
    first_arrival: FloatArray  # first unit on scene; nan if none
    all_arrived: FloatArray  # last needed unit on scene (work starts); nan if never
    cleared: FloatArray  # nan if not cleared within the run
    left_stack: FloatArray  # when the incident stopped waiting for its first unit
    outcome: IntArray  # model.ATTENDED, STACK_FULL, WAITED_TOO_LONG, NOT_REACHED
    units_sent: IntArray
    preempted: IntArray  # times a unit was taken from this incident
    busy_unit: IntArray
    busy_start: FloatArray
    busy_end: FloatArray
    busy_grade: IntArray
    busy_incident: IntArray
    shift_unit: IntArray
    shift_start: FloatArray
    shift_end: FloatArray
    shift_off: FloatArray  # when the unit actually went off duty (>= end with overtime)
    end_min: float

    @property
    def response(self) -> FloatArray:
        """Call received to first unit on scene [min]; nan if never reached."""
        return self.first_arrival - self.time

    @property
    def wait(self) -> FloatArray:
        """Call received to first unit sent [min]; nan if none was sent."""
        return self.dispatched - self.time


@dataclass(frozen=True)
class ShiftEvents:
    """The roster's events in the order the loop takes them: by time, then on, meal, off."""

    time: FloatArray
    kind: IntArray  # state.ON_EVENT, MEAL_EVENT, OFF_EVENT
    unit: IntArray
    shift: IntArray  # index into the model's shifts


def shift_events(model: Model) -> ShiftEvents:
    starts = model.shift_start
    ends = model.shift_end
    index = np.arange(len(starts), dtype=np.int64)
    breaks = (ends - starts) <= 24 * 60
    on = starts + np.where(breaks, model.briefing_min, 0.0)
    on = np.minimum(on, ends)
    meal_at = starts + model.meal_after_min
    has_meal = breaks & (model.meal_min > 0) & (meal_at < ends) & (meal_at > on)
    times = np.concatenate([on, meal_at[has_meal], ends]).astype(np.float64)
    kinds = np.concatenate(
        [
            np.full(len(on), state.ON_EVENT, dtype=np.int64),
            np.full(int(has_meal.sum()), state.MEAL_EVENT, dtype=np.int64),
            np.full(len(ends), state.OFF_EVENT, dtype=np.int64),
        ]
    )
    shift_of = np.concatenate([index, index[has_meal], index])
    order = np.lexsort((kinds, times))
    return ShiftEvents(
        time=times[order],
        kind=kinds[order],
        unit=model.shift_unit[shift_of[order]].astype(np.int64),
        shift=shift_of[order],
    )


def stack_limits(model: Model) -> IntArray:
    """Each grade's stack limit; -1 where none."""
    if len(model.stack_limit):
        return model.stack_limit.astype(np.int64)
    return np.full(len(model.grade_codes), -1, dtype=np.int64)


def max_waits(model: Model) -> FloatArray:
    """Each grade's maximum wait for a first unit [min]; inf where none."""
    if len(model.max_wait_min):
        return model.max_wait_min.astype(np.float64)
    return np.full(len(model.grade_codes), np.inf)


def _ints(values: np.ndarray) -> IntArray:
    return np.ascontiguousarray(values, dtype=np.int64)


def _floats(values: np.ndarray) -> FloatArray:
    return np.ascontiguousarray(values, dtype=np.float64)


def _static(model: Model, incidents: Incidents) -> state.Static:
    n_grades = len(model.grade_codes)
    n_skills = len(model.skill_names)
    n_units = len(model.unit_ids)
    n_areas = len(model.area_names)
    keys_per_grade = n_skills + 1
    words = max((n_units + state.WORD - 1) // state.WORD, 1)
    unit_grades = model.unit_grades.tolist()
    unit_skills = model.unit_skills.tolist()
    may_attend = np.zeros((n_grades * keys_per_grade, words), dtype=np.int64)
    unit_keys = np.zeros((max(n_units, 1), n_grades, keys_per_grade), dtype=np.int64)
    unit_key_count = np.zeros((max(n_units, 1), n_grades), dtype=np.int64)
    for u in range(n_units):
        bit = 1 << (u % state.WORD)
        for g in range(n_grades):
            if not unit_grades[u] >> g & 1:
                continue
            keys = [g * keys_per_grade]
            keys += [g * keys_per_grade + s + 1 for s in range(n_skills) if unit_skills[u] >> s & 1]
            unit_keys[u, g, : len(keys)] = keys
            unit_key_count[u, g] = len(keys)
            for key in keys:
                may_attend[key, u // state.WORD] |= bit
    area_order = np.array(
        [np.argsort(model.travel_median[:, b], kind="stable") for b in range(n_areas)],
        dtype=np.int64,
    ).reshape(n_areas, n_areas)
    events = shift_events(model)
    return state.Static(
        t_arr=_floats(incidents.time),
        g_of=_ints(incidents.grade),
        a_of=_ints(incidents.area),
        s_of=_ints(incidents.skill),
        tf0=_floats(incidents.travel_factor[:, 0]),
        tf1=_floats(incidents.travel_factor[:, 1]),
        travel_median=_floats(model.travel_median),
        area_order=area_order,
        home=_ints(model.unit_area),
        may_attend=may_attend,
        unit_keys=unit_keys,
        unit_key_count=unit_key_count,
        stack_limit=stack_limits(model),
        max_wait=max_waits(model),
        sh_time=events.time,
        sh_kind=events.kind,
        sh_unit=events.unit,
        sh_index=events.shift,
        keys_per_grade=keys_per_grade,
        reserve=int(model.reserve_units),
        reserve_for=int(model.reserve_for),
        preempt_for=int(model.preempt_for),
        preempt_from=int(model.preempt_from),
        meal_min=float(model.meal_min),
        horizon=float(model.horizon_min),
        end=float(model.end_min),
    )


def simulate(model: Model, incidents: Incidents) -> Records:
    """Run one replication; the run stops at ``model.end_min`` whatever the queue."""
    n = len(incidents)
    n_units = len(model.unit_ids)
    static = _static(model, incidents)
    units = state.Units(
        state=np.full(n_units, state.OFF, dtype=np.int64),
        pos=_ints(model.unit_area).copy(),
        incident=np.full(n_units, -1, dtype=np.int64),
        busy_from=np.zeros(n_units),
        arrive=np.zeros(n_units),
        off_pending=np.zeros(n_units, dtype=np.bool_),
        meal_pending=np.zeros(n_units, dtype=np.bool_),
        cur_shift=np.full(n_units, -1, dtype=np.int64),
        next_in_crew=np.full(n_units, -1, dtype=np.int64),
    )
    calls = state.Calls(
        need=_ints(incidents.units_needed).copy(),
        work=_floats(incidents.on_scene).copy(),
        sent=np.zeros(n, dtype=np.int64),
        preempted=np.zeros(n, dtype=np.int64),
        outcome=np.full(n, ATTENDED, dtype=np.int64),
        dispatched=np.full(n, np.nan),
        first_arrival=np.full(n, np.nan),
        all_arrived=np.full(n, np.nan),
        cleared=np.full(n, np.nan),
        left_stack=np.full(n, np.nan),
        last_arrive=np.zeros(n),
        clear_at=np.full(n, -1.0),
        crew_head=np.full(n, -1, dtype=np.int64),
        crew_tail=np.full(n, -1, dtype=np.int64),
        queue_next=np.full(n, -1, dtype=np.int64),
    )
    # Bounds: a busy spell per unit sent, and a unit is sent at most twice per unit needed
    # (pre-emption happens only on arrival and replaces one unit per unit it takes); a heap
    # entry per completion (one per unit sent at most) and per meal.
    sends = int(incidents.units_needed.sum()) * 2 + n_units + 1
    keys = len(model.grade_codes) * (len(model.skill_names) + 1)
    queues = state.Queues(
        head=np.full(keys, -1, dtype=np.int64),
        tail=np.full(keys, -1, dtype=np.int64),
        queued=np.zeros(len(model.grade_codes), dtype=np.int64),
        free=np.zeros((max(len(model.area_names), 1), static.may_attend.shape[1]), np.int64),
        counters=np.zeros(3, dtype=np.int64),
        heap_time=np.zeros(sends + len(static.sh_time)),
        heap_code=np.zeros(sends + len(static.sh_time), dtype=np.int64),
        shift_off=_floats(model.shift_end).copy(),
        busy_unit=np.zeros(sends, dtype=np.int64),
        busy_start=np.zeros(sends),
        busy_end=np.zeros(sends),
        busy_grade=np.zeros(sends, dtype=np.int64),
        busy_incident=np.zeros(sends, dtype=np.int64),
    )
    kernel.run(static, units, calls, queues)
    spells = int(queues.counters[state.N_BUSY])
    return Records(
        time=incidents.time,
        grade=incidents.grade,
        area=incidents.area,
        category=incidents.category,
        vulnerable=incidents.vulnerable,
        units_needed=incidents.units_needed,
        skill=incidents.skill,
        dispatched=calls.dispatched,
        first_arrival=calls.first_arrival,
        all_arrived=calls.all_arrived,
        cleared=calls.cleared,
        left_stack=calls.left_stack,
        outcome=calls.outcome,
        units_sent=calls.sent,
        preempted=calls.preempted,
        busy_unit=queues.busy_unit[:spells].copy(),
        busy_start=queues.busy_start[:spells].copy(),
        busy_end=queues.busy_end[:spells].copy(),
        busy_grade=queues.busy_grade[:spells].copy(),
        busy_incident=queues.busy_incident[:spells].copy(),
        shift_unit=model.shift_unit,
        shift_start=model.shift_start,
        shift_end=model.shift_end,
        shift_off=queues.shift_off,
        end_min=model.end_min,
    )
