"""The engine's loop in plain Python: the reference the compiled loop (``kernel.py``) is
tested against, record for record.

A heapq loop over three sorted sources: the pre-sampled arrivals, the roster's shift events and
a heap of dynamic events (an incident's units clearing, a meal ending), with state in Python
lists, sets of free units as integer bitsets by area, and a deque per grade and skill. It keeps
the rules listed in ``engine.py`` and makes the same choices where they leave one: the lowest
unit index among equally placed free units, and among units that may be pre-empted at the
same travel time; a crew released in the order it was sent. About 4 us per incident, five to
ten times the compiled loop; nothing in the package calls it but the tests.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np

from forcesight.response.engine import Records, max_waits, shift_events, stack_limits
from forcesight.response.model import (
    ATTENDED,
    NOT_REACHED,
    STACK_FULL,
    WAITED_TOO_LONG,
    Incidents,
    Model,
)

_OFF, _FREE, _BUSY, _MEAL = 0, 1, 2, 3
_ON_EVENT, _MEAL_EVENT, _OFF_EVENT = 0, 1, 2
_INF = math.inf


def simulate(model: Model, incidents: Incidents) -> Records:
    """Run one replication; the run stops at ``model.end_min`` whatever the queue."""
    # ---- static data as lists (scalar indexing of lists is several times faster than numpy)
    n = len(incidents)
    t_arr = incidents.time.tolist()
    g_of = incidents.grade.tolist()
    a_of = incidents.area.tolist()
    s_of = incidents.skill.tolist()
    need = incidents.units_needed.tolist()
    work = incidents.on_scene.tolist()
    tf0 = incidents.travel_factor[:, 0].tolist()
    tf1 = incidents.travel_factor[:, 1].tolist()
    n_grades = len(model.grade_codes)
    n_skills = len(model.skill_names)
    n_units = len(model.unit_ids)
    keys_per_grade = n_skills + 1
    tmed = model.travel_median.tolist()
    n_areas = len(model.area_names)
    area_order = [
        np.argsort(model.travel_median[:, b], kind="stable").tolist() for b in range(n_areas)
    ]
    home = model.unit_area.tolist()
    u_skill = model.unit_skills.tolist()
    u_grades = model.unit_grades.tolist()
    unit_keys: list[list[list[int]]] = []
    for u in range(n_units):
        per_grade = []
        for g in range(n_grades):
            if u_grades[u] >> g & 1:
                keys = [g * keys_per_grade]
                keys += [g * keys_per_grade + s + 1 for s in range(n_skills) if u_skill[u] >> s & 1]
                per_grade.append(keys)
            else:
                per_grade.append([])
        unit_keys.append(per_grade)
    # Who may attend an incident of grade g needing skill s (-1: none), as a bitset over units.
    may_attend = [0] * (n_grades * keys_per_grade)
    for u in range(n_units):
        for g in range(n_grades):
            for key in unit_keys[u][g]:
                may_attend[key] |= 1 << u
    stack_limit = stack_limits(model).tolist()
    max_wait = max_waits(model).tolist()
    reserve = model.reserve_units
    reserve_for = model.reserve_for
    preempt_for = model.preempt_for
    preempt_from = model.preempt_from
    meal_min = model.meal_min
    horizon = model.horizon_min
    end = model.end_min

    # ---- dynamic state
    state = [_OFF] * n_units
    pos = list(home)
    u_inc = [-1] * n_units
    busy_from = [0.0] * n_units
    u_arrive = [0.0] * n_units
    off_pending = [False] * n_units
    meal_pending = [False] * n_units
    cur_shift = [-1] * n_units
    free_by_area = [0] * n_areas  # bitsets over units
    n_free = 0
    queues: list[deque[int]] = [deque() for _ in range(n_grades * keys_per_grade)]
    queued = [0] * n_grades

    nan = math.nan
    dispatched = [nan] * n
    first_arrival = [nan] * n
    all_arrived = [nan] * n
    cleared = [nan] * n
    left_stack = [nan] * n
    outcome = [ATTENDED] * n
    sent = [0] * n
    preempted = [0] * n
    last_arrive = [0.0] * n
    clear_at = [-1.0] * n
    # Units on an incident, in the order they were sent.
    crew: dict[int, list[int]] = {}
    # Busy units by the grade of their incident, kept only when pre-emption is on.
    track_busy = preempt_for != 0
    busy_by_grade: list[set[int]] = [set() for _ in range(n_grades)]
    busy_unit: list[int] = []
    busy_start: list[float] = []
    busy_end: list[float] = []
    busy_grade: list[int] = []
    busy_incident: list[int] = []
    shift_off = model.shift_end.tolist()

    heap: list[tuple[float, int]] = []
    push = heapq.heappush
    pop = heapq.heappop

    def dispatch(u: int, i: int, now: float) -> None:
        a = a_of[i]
        k = sent[i]
        travel = tmed[pos[u]][a] * (tf0[i] if k % 2 == 0 else tf1[i])
        arrive = now + travel
        pos[u] = a
        state[u] = _BUSY
        u_inc[u] = i
        busy_from[u] = now
        u_arrive[u] = arrive
        if k == 0:
            dispatched[i] = now
            left_stack[i] = now
            first_arrival[i] = arrive
        elif not arrive >= first_arrival[i]:  # earlier, or none yet (nan)
            first_arrival[i] = arrive
        if i in crew:
            crew[i].append(u)
        else:
            crew[i] = [u]
        if track_busy:
            busy_by_grade[g_of[i]].add(u)
        sent[i] = k + 1
        if arrive > last_arrive[i]:
            last_arrive[i] = arrive
        need[i] -= 1
        if need[i] == 0:
            done = last_arrive[i] + work[i]
            all_arrived[i] = last_arrive[i]
            clear_at[i] = done
            push(heap, (done, i * 2))

    def take_from_stack(u: int, now: float) -> tuple[int, deque[int] | None]:
        """The waiting incident unit u should take now, highest grade first, oldest first."""
        per_grade = unit_keys[u]
        for g in range(n_grades):
            if not queued[g]:
                continue
            keys = per_grade[g]
            if not keys:
                continue
            if reserve and not reserve_for >> g & 1 and n_free < reserve:
                continue
            best = -1
            best_t = _INF
            best_q: deque[int] | None = None
            limit = max_wait[g]
            for key in keys:
                q = queues[key]
                while q:
                    j = q[0]
                    if sent[j] == 0 and now - t_arr[j] > limit:
                        q.popleft()
                        queued[g] -= 1
                        outcome[j] = WAITED_TOO_LONG
                        left_stack[j] = t_arr[j] + limit
                        continue
                    if t_arr[j] < best_t:
                        best, best_t, best_q = j, t_arr[j], q
                    break
            if best >= 0:
                return best, best_q
        return -1, None

    def release(u: int, now: float) -> None:
        """Unit u has nothing to do: go off, eat, take a waiting incident, or wait free."""
        nonlocal n_free
        if off_pending[u]:
            off_pending[u] = False
            state[u] = _OFF
            shift_off[cur_shift[u]] = now
            return
        if meal_pending[u]:
            meal_pending[u] = False
            state[u] = _MEAL
            push(heap, (now + meal_min, u * 2 + 1))
            return
        j, q = take_from_stack(u, now)
        if j >= 0:
            dispatch(u, j, now)
            if need[j] == 0:
                assert q is not None
                q.popleft()
                queued[g_of[j]] -= 1
            return
        state[u] = _FREE
        free_by_area[pos[u]] |= 1 << u
        n_free += 1

    def free_unit_for(i: int) -> int:
        nonlocal n_free
        g = g_of[i]
        if reserve and not reserve_for >> g & 1 and n_free <= reserve:
            return -1
        eligible = may_attend[g * keys_per_grade + s_of[i] + 1]
        for a in area_order[a_of[i]]:
            units = free_by_area[a] & eligible
            if units:
                lowest = units & -units
                free_by_area[a] ^= lowest
                n_free -= 1
                return int(lowest.bit_length() - 1)
        return -1

    def unit_to_preempt(i: int) -> int:
        """The nearest unit on an incident of the lowest grade that may be pre-empted."""
        g = g_of[i]
        bit = 1 << g
        s = s_of[i]
        a = a_of[i]
        for gj in range(n_grades - 1, g, -1):
            if not preempt_from >> gj & 1:
                continue
            best = -1
            best_travel = _INF
            for u in sorted(busy_by_grade[gj]):
                if not u_grades[u] & bit or (s >= 0 and not u_skill[u] >> s & 1):
                    continue
                travel = tmed[pos[u]][a]
                if travel < best_travel:
                    best, best_travel = u, travel
            if best >= 0:
                return best
        return -1

    def take_unit(u: int, now: float) -> None:
        """Pre-empt unit u from its incident, which goes back to the front of its stack."""
        j = u_inc[u]
        busy_unit.append(u)
        busy_start.append(busy_from[u])
        busy_end.append(now)
        busy_grade.append(g_of[j])
        busy_incident.append(j)
        busy_by_grade[g_of[j]].discard(u)
        units = crew[j]
        units.remove(u)
        preempted[j] += 1
        was_complete = need[j] == 0
        if was_complete:
            if now > last_arrive[j]:
                work[j] = max(clear_at[j] - now, 0.0)
            clear_at[j] = -1.0
            all_arrived[j] = nan
        last_arrive[j] = max((u_arrive[v] for v in units), default=0.0)
        if first_arrival[j] > now:  # nobody on scene yet: the first to arrive is still to come
            first_arrival[j] = min((u_arrive[v] for v in units), default=nan)
        need[j] += 1
        if was_complete:
            queues[g_of[j] * keys_per_grade + s_of[j] + 1].appendleft(j)
            queued[g_of[j]] += 1

    # ---- the loop
    events = shift_events(model)
    sh_time = events.time.tolist()
    sh_kind = events.kind.tolist()
    sh_unit = events.unit.tolist()
    sh_index = events.shift.tolist()
    n_shift_events = len(sh_time)
    ia = 0
    isf = 0
    t_next_arrival = t_arr[0] if n else _INF
    t_next_shift = sh_time[0] if n_shift_events else _INF
    while True:
        t_heap = heap[0][0] if heap else _INF
        if t_next_shift <= t_next_arrival and t_next_shift <= t_heap:
            now = t_next_shift
            if now > end:
                break
            kind = sh_kind[isf]
            u = sh_unit[isf]
            k = sh_index[isf]
            isf += 1
            t_next_shift = sh_time[isf] if isf < n_shift_events else _INF
            if kind == _ON_EVENT:
                if state[u] != _OFF:  # still on an incident from the previous shift
                    if off_pending[u]:
                        off_pending[u] = False
                        shift_off[cur_shift[u]] = now
                    cur_shift[u] = k
                    continue
                cur_shift[u] = k
                pos[u] = home[u]
                release(u, now)
            elif kind == _MEAL_EVENT:
                if cur_shift[u] != k:
                    continue
                if state[u] == _FREE:
                    free_by_area[pos[u]] &= ~(1 << u)
                    n_free -= 1
                    state[u] = _MEAL
                    push(heap, (now + meal_min, u * 2 + 1))
                elif state[u] == _BUSY:
                    meal_pending[u] = True
            else:
                if cur_shift[u] != k:
                    continue
                meal_pending[u] = False
                if state[u] == _FREE:
                    free_by_area[pos[u]] &= ~(1 << u)
                    n_free -= 1
                    state[u] = _OFF
                elif state[u] != _OFF:
                    off_pending[u] = True
        elif t_heap <= t_next_arrival:
            now, code = pop(heap)
            if now > end:
                push(heap, (now, code))
                break
            if code & 1:  # a meal ends
                release(code >> 1, now)
                continue
            i = code >> 1
            if clear_at[i] != now:  # stale: a unit was pre-empted from this incident
                continue
            cleared[i] = now
            g = g_of[i]
            for u in crew.pop(i):
                if track_busy:
                    busy_by_grade[g].discard(u)
                busy_unit.append(u)
                busy_start.append(busy_from[u])
                busy_end.append(now)
                busy_grade.append(g)
                busy_incident.append(i)
                u_inc[u] = -1
                release(u, now)
        else:
            now = t_next_arrival
            if now > horizon:
                t_next_arrival = _INF
                continue
            i = ia
            ia += 1
            t_next_arrival = t_arr[ia] if ia < n else _INF
            g = g_of[i]
            limit = stack_limit[g]
            if limit >= 0 and queued[g] >= limit:
                outcome[i] = STACK_FULL
                left_stack[i] = now
                continue
            while need[i] > 0:
                u = free_unit_for(i)
                if u < 0:
                    break
                dispatch(u, i, now)
            if need[i] > 0 and preempt_for >> g & 1:
                while need[i] > 0:
                    u = unit_to_preempt(i)
                    if u < 0:
                        break
                    take_unit(u, now)
                    dispatch(u, i, now)
            if need[i] > 0:
                queues[g * keys_per_grade + s_of[i] + 1].append(i)
                queued[g] += 1
        if now > end:
            break

    # ---- close the books at the end of the run
    for i in range(ia, n):
        outcome[i] = NOT_REACHED
        left_stack[i] = min(t_arr[i], end)
    for q in queues:
        for j in q:
            if sent[j] == 0:
                limit = max_wait[g_of[j]]
                if t_arr[j] + limit < end:
                    outcome[j] = WAITED_TOO_LONG
                    left_stack[j] = t_arr[j] + limit
                else:
                    outcome[j] = NOT_REACHED
                    left_stack[j] = end
    for u in range(n_units):
        i = u_inc[u]
        if state[u] != _BUSY or i < 0:
            continue
        if clear_at[i] > 0:
            cleared[i] = clear_at[i]
        busy_unit.append(u)
        busy_start.append(busy_from[u])
        busy_end.append(end)
        busy_grade.append(g_of[i])
        busy_incident.append(i)
    for u in range(n_units):
        if state[u] != _OFF and cur_shift[u] >= 0 and off_pending[u]:
            shift_off[cur_shift[u]] = end

    return Records(
        time=incidents.time,
        grade=incidents.grade,
        area=incidents.area,
        category=incidents.category,
        vulnerable=incidents.vulnerable,
        units_needed=incidents.units_needed,
        skill=incidents.skill,
        dispatched=np.array(dispatched, dtype=np.float64),
        first_arrival=np.array(first_arrival, dtype=np.float64),
        all_arrived=np.array(all_arrived, dtype=np.float64),
        cleared=np.array(cleared, dtype=np.float64),
        left_stack=np.array(left_stack, dtype=np.float64),
        outcome=np.array(outcome, dtype=np.int64),
        units_sent=np.array(sent, dtype=np.int64),
        preempted=np.array(preempted, dtype=np.int64),
        busy_unit=np.array(busy_unit, dtype=np.int64),
        busy_start=np.array(busy_start, dtype=np.float64),
        busy_end=np.array(busy_end, dtype=np.float64),
        busy_grade=np.array(busy_grade, dtype=np.int64),
        busy_incident=np.array(busy_incident, dtype=np.int64),
        shift_unit=model.shift_unit,
        shift_start=model.shift_start,
        shift_end=model.shift_end,
        shift_off=np.array(shift_off, dtype=np.float64),
        end_min=end,
    )
