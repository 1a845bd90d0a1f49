"""The compiled event loop behind ``engine.simulate``: the dispatch rules and the loop, in numba.

The rules are those listed in ``engine.py``; ``reference.py`` is the same loop in plain Python
and the tests require both to produce identical records. The state and its primitive
operations (bitsets of free units, stacks, the event heap) are in ``state.py``.

Where the rules leave a choice, it is fixed so that runs are reproducible: among free units in
the nearest area that may attend, the lowest unit index; among units that may be pre-empted at
the same travel time, the lowest index; a crew is released in the order it was sent.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forcesight.response.model import NOT_REACHED, STACK_FULL, WAITED_TOO_LONG
from forcesight.response.state import (
    BUSY,
    FREE,
    HEAP_SIZE,
    MEAL,
    MEAL_EVENT,
    N_FREE,
    OFF,
    ON_EVENT,
    WORD,
    Calls,
    Queues,
    Static,
    Units,
    compiled,
    heap_pop,
    heap_push,
    lowest_bit,
    may_attend,
    record_busy,
    set_free,
    stack_append,
    stack_pop_front,
    stack_push_front,
    unset_free,
)


@compiled
def dispatch(s: Static, un: Units, c: Calls, q: Queues, u: int, i: int, now: float) -> None:
    a = s.a_of[i]
    k = c.sent[i]
    travel = s.travel_median[un.pos[u], a] * (s.tf0[i] if k % 2 == 0 else s.tf1[i])
    on_scene = now + travel
    un.pos[u] = a
    un.state[u] = BUSY
    un.incident[u] = i
    un.busy_from[u] = now
    un.arrive[u] = on_scene
    if k == 0:
        c.dispatched[i] = now
        c.left_stack[i] = now
        c.first_arrival[i] = on_scene
    elif not on_scene >= c.first_arrival[i]:  # earlier, or none yet (nan)
        c.first_arrival[i] = on_scene
    un.next_in_crew[u] = -1
    if c.crew_tail[i] >= 0:
        un.next_in_crew[c.crew_tail[i]] = u
    else:
        c.crew_head[i] = u
    c.crew_tail[i] = u
    c.sent[i] = k + 1
    if on_scene > c.last_arrive[i]:
        c.last_arrive[i] = on_scene
    c.need[i] -= 1
    if c.need[i] == 0:
        done = c.last_arrive[i] + c.work[i]
        c.all_arrived[i] = c.last_arrive[i]
        c.clear_at[i] = done
        heap_push(q, done, i * 2)


@compiled
def take_from_stack(s: Static, c: Calls, q: Queues, u: int, now: float) -> tuple[int, int]:
    """The waiting incident unit u should take now (highest grade first, oldest first within
    it) and its stack; (-1, -1) if none."""
    for g in range(len(s.max_wait)):
        if q.queued[g] == 0:
            continue
        n_keys = s.unit_key_count[u, g]
        if n_keys == 0:
            continue
        if s.reserve > 0 and not s.reserve_for >> g & 1 and q.counters[N_FREE] < s.reserve:
            continue
        best = -1
        best_t = np.inf
        best_key = -1
        limit = s.max_wait[g]
        for k in range(n_keys):
            key = s.unit_keys[u, g, k]
            while q.head[key] >= 0:
                j = q.head[key]
                if c.sent[j] == 0 and now - s.t_arr[j] > limit:
                    stack_pop_front(c, q, key)
                    q.queued[g] -= 1
                    c.outcome[j] = WAITED_TOO_LONG
                    c.left_stack[j] = s.t_arr[j] + limit
                    continue
                if s.t_arr[j] < best_t:
                    best = j
                    best_t = s.t_arr[j]
                    best_key = key
                break
        if best >= 0:
            return best, best_key
    return -1, -1


@compiled
def release(s: Static, un: Units, c: Calls, q: Queues, u: int, now: float) -> None:
    """Unit u has nothing to do: go off, eat, take a waiting incident, or wait free."""
    if un.off_pending[u]:
        un.off_pending[u] = False
        un.state[u] = OFF
        q.shift_off[un.cur_shift[u]] = now
        return
    if un.meal_pending[u]:
        un.meal_pending[u] = False
        un.state[u] = MEAL
        heap_push(q, now + s.meal_min, u * 2 + 1)
        return
    j, key = take_from_stack(s, c, q, u, now)
    if j >= 0:
        dispatch(s, un, c, q, u, j, now)
        if c.need[j] == 0:
            stack_pop_front(c, q, key)
            q.queued[s.g_of[j]] -= 1
        return
    un.state[u] = FREE
    set_free(q, un.pos[u], u)


@compiled
def free_unit_for(s: Static, q: Queues, i: int) -> int:
    """The nearest free unit that may attend incident i (lowest index among equals); -1."""
    g = s.g_of[i]
    if s.reserve > 0 and not s.reserve_for >> g & 1 and q.counters[N_FREE] <= s.reserve:
        return -1
    key = g * s.keys_per_grade + s.s_of[i] + 1
    words = q.free.shape[1]
    for a in s.area_order[s.a_of[i]]:
        for w in range(words):
            m = q.free[a, w] & s.may_attend[key, w]
            if m:
                u = w * WORD + lowest_bit(m)
                unset_free(q, a, u)
                return u
    return -1


@compiled
def unit_to_preempt(s: Static, un: Units, i: int) -> int:
    """The nearest unit on an incident of the lowest grade that may be pre-empted; -1."""
    g = s.g_of[i]
    a = s.a_of[i]
    key = g * s.keys_per_grade + s.s_of[i] + 1
    for gj in range(len(s.max_wait) - 1, g, -1):
        if not s.preempt_from >> gj & 1:
            continue
        best = -1
        best_travel = np.inf
        for u in range(len(un.state)):
            j = un.incident[u]
            if un.state[u] != BUSY or j < 0 or s.g_of[j] != gj or not may_attend(s, u, key):
                continue
            travel = s.travel_median[un.pos[u], a]
            if travel < best_travel:
                best = u
                best_travel = travel
        if best >= 0:
            return best
    return -1


@compiled
def take_unit(s: Static, un: Units, c: Calls, q: Queues, u: int, now: float) -> None:
    """Pre-empt unit u from its incident, which goes back to the front of its stack."""
    j = un.incident[u]
    record_busy(q, u, un.busy_from[u], now, s.g_of[j], j)
    # Out of the crew, keeping the order of the others.
    previous = -1
    v = c.crew_head[j]
    while v != u:
        previous = v
        v = un.next_in_crew[v]
    if previous < 0:
        c.crew_head[j] = un.next_in_crew[u]
    else:
        un.next_in_crew[previous] = un.next_in_crew[u]
    if c.crew_tail[j] == u:
        c.crew_tail[j] = previous
    c.preempted[j] += 1
    was_complete = c.need[j] == 0
    if was_complete:
        if now > c.last_arrive[j]:
            c.work[j] = max(c.clear_at[j] - now, 0.0)
        c.clear_at[j] = -1.0
        c.all_arrived[j] = np.nan
    last = 0.0
    first = np.inf
    v = c.crew_head[j]
    while v >= 0:
        last = max(last, un.arrive[v])
        first = min(first, un.arrive[v])
        v = un.next_in_crew[v]
    c.last_arrive[j] = last
    if c.first_arrival[j] > now:  # nobody on scene yet: the first to arrive is still to come
        c.first_arrival[j] = first if first < np.inf else np.nan
    c.need[j] += 1
    if was_complete:
        stack_push_front(c, q, s.g_of[j] * s.keys_per_grade + s.s_of[j] + 1, j)
        q.queued[s.g_of[j]] += 1


@compiled
def shift_event(s: Static, un: Units, c: Calls, q: Queues, e: int, now: float) -> None:
    kind = s.sh_kind[e]
    u = s.sh_unit[e]
    k = s.sh_index[e]
    if kind == ON_EVENT:
        if un.state[u] != OFF:  # still on an incident from the previous shift
            if un.off_pending[u]:
                un.off_pending[u] = False
                q.shift_off[un.cur_shift[u]] = now
            un.cur_shift[u] = k
            return
        un.cur_shift[u] = k
        un.pos[u] = s.home[u]
        release(s, un, c, q, u, now)
        return
    if un.cur_shift[u] != k:
        return
    if kind == MEAL_EVENT:
        if un.state[u] == FREE:
            unset_free(q, un.pos[u], u)
            un.state[u] = MEAL
            heap_push(q, now + s.meal_min, u * 2 + 1)
        elif un.state[u] == BUSY:
            un.meal_pending[u] = True
        return
    un.meal_pending[u] = False
    if un.state[u] == FREE:
        unset_free(q, un.pos[u], u)
        un.state[u] = OFF
    elif un.state[u] != OFF:
        un.off_pending[u] = True


@compiled
def clear(s: Static, un: Units, c: Calls, q: Queues, i: int, now: float) -> None:
    """Incident i's work is done: record and release its crew in the order it was sent."""
    c.cleared[i] = now
    g = s.g_of[i]
    u = c.crew_head[i]
    c.crew_head[i] = -1
    c.crew_tail[i] = -1
    while u >= 0:
        following = un.next_in_crew[u]
        record_busy(q, u, un.busy_from[u], now, g, i)
        un.incident[u] = -1
        release(s, un, c, q, u, now)
        u = following


@compiled
def arrival(s: Static, un: Units, c: Calls, q: Queues, i: int, now: float) -> None:
    g = s.g_of[i]
    limit = s.stack_limit[g]
    if limit >= 0 and q.queued[g] >= limit:
        c.outcome[i] = STACK_FULL
        c.left_stack[i] = now
        return
    while c.need[i] > 0:
        u = free_unit_for(s, q, i)
        if u < 0:
            break
        dispatch(s, un, c, q, u, i, now)
    if c.need[i] > 0 and s.preempt_for >> g & 1:
        while c.need[i] > 0:
            u = unit_to_preempt(s, un, i)
            if u < 0:
                break
            take_unit(s, un, c, q, u, now)
            dispatch(s, un, c, q, u, i, now)
    if c.need[i] > 0:
        stack_append(c, q, g * s.keys_per_grade + s.s_of[i] + 1, i)
        q.queued[g] += 1


@compiled
def run(s: Static, un: Units, c: Calls, q: Queues) -> None:
    """The loop: the next event of three sorted sources (shift events, then the heap, then
    arrivals at equal times) until the run's end; then close the books."""
    n = len(s.t_arr)
    n_shift_events = len(s.sh_time)
    # np.int64, not a literal 0: numba would otherwise also compile the helpers these reach
    # for the constant 0, doubling the compile time.
    ia = int(np.int64(0))
    isf = int(np.int64(0))
    t_next_arrival = s.t_arr[0] if n else np.inf
    t_next_shift = s.sh_time[0] if n_shift_events else np.inf
    while True:
        t_heap = q.heap_time[0] if q.counters[HEAP_SIZE] > 0 else np.inf
        if t_next_shift <= t_next_arrival and t_next_shift <= t_heap:
            now = t_next_shift
            if now > s.end:
                break
            isf += 1
            t_next_shift = s.sh_time[isf] if isf < n_shift_events else np.inf
            shift_event(s, un, c, q, isf - 1, now)
        elif t_heap <= t_next_arrival:
            if t_heap > s.end:
                break
            now, code = heap_pop(q)
            if code & 1:  # a meal ends
                release(s, un, c, q, code >> 1, now)
                continue
            i = code >> 1
            if c.clear_at[i] != now:  # stale: a unit was pre-empted from this incident
                continue
            clear(s, un, c, q, i, now)
        else:
            now = t_next_arrival
            if now > s.horizon:
                t_next_arrival = np.inf
                continue
            i = ia
            ia += 1
            t_next_arrival = s.t_arr[ia] if ia < n else np.inf
            arrival(s, un, c, q, i, now)
        if now > s.end:
            break

    # ---- close the books at the end of the run
    end = s.end
    for i in range(ia, n):
        c.outcome[i] = NOT_REACHED
        c.left_stack[i] = min(s.t_arr[i], end)
    for key in range(len(q.head)):
        j = q.head[key]
        while j >= 0:
            if c.sent[j] == 0:
                limit = s.max_wait[s.g_of[j]]
                if s.t_arr[j] + limit < end:
                    c.outcome[j] = WAITED_TOO_LONG
                    c.left_stack[j] = s.t_arr[j] + limit
                else:
                    c.outcome[j] = NOT_REACHED
                    c.left_stack[j] = end
            j = c.queue_next[j]
    for u in range(len(un.state)):
        i = un.incident[u]
        if un.state[u] != BUSY or i < 0:
            continue
        if c.clear_at[i] > 0:
            c.cleared[i] = c.clear_at[i]
        record_busy(q, u, un.busy_from[u], end, s.g_of[i], i)
    for u in range(len(un.state)):
        if un.state[u] != OFF and un.cur_shift[u] >= 0 and un.off_pending[u]:
            q.shift_off[un.cur_shift[u]] = end


def loaded_from_cache() -> bool:
    """Whether this process loaded the loop from numba's disk cache rather than compiling it."""
    dispatcher: Any = run
    return bool(sum(dispatcher.stats.cache_hits.values()) > 0)
