"""The compiled engine's state and its primitive operations, for the loop in ``kernel.py``.

State is four named tuples of flat arrays (what the loop reads and never changes; units;
incidents; stacks, free units, the event heap and the busy-spell records); numba passes them to
every compiled function. All arrays are allocated by ``engine.simulate``, so nothing compiled
allocates.

Free units are bitsets (32 units a word, one row per area) and so is who may attend what (one
row per grade and skill); a free unit that may attend is the lowest set bit of their AND.
Stacks are singly linked lists through ``Calls.queue_next`` (one head and tail per grade and
skill); a crew is a linked list through ``Units.next_in_crew``. The event heap is a binary heap
on two arrays ordered by time, then code, as heapq orders its (time, code) tuples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numba
import numpy as np

from forcesight.response.model import BoolArray, FloatArray, IntArray

OFF, FREE, BUSY, MEAL = 0, 1, 2, 3
ON_EVENT, MEAL_EVENT, OFF_EVENT = 0, 1, 2
WORD = 32  # units per bitset word (kept to 32 bits so int64 arithmetic never overflows)
# Slots of the counters array.
N_FREE, HEAP_SIZE, N_BUSY = 0, 1, 2

_F = TypeVar("_F", bound=Callable[..., Any])


def compiled(function: _F) -> _F:
    """numba.njit with an on-disk cache where one is writable; compiled afresh where not.

    Without numba's reference counting (``_nrt=False``, as numba's own string functions use):
    the loop allocates nothing, and counting references to every array each time a helper is
    called made it eight times slower."""
    options: dict[str, Any] = {"_nrt": False}  # not in numba's type stubs
    try:
        jitted = numba.njit(function, cache=True, **options)
    except RuntimeError:  # numba found no writable cache directory
        jitted = numba.njit(function, **options)
    result: _F = jitted
    return result


# Index of the lowest set bit of a 32-bit word, by de Bruijn multiplication.
_DE_BRUIJN = 0x077CB531
_DE_BRUIJN_INDEX = np.array(
    [0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8,
     31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9],
    dtype=np.int64,
)  # fmt: skip


class Static(NamedTuple):
    """What the loop reads and never changes."""

    t_arr: FloatArray
    g_of: IntArray
    a_of: IntArray
    s_of: IntArray
    tf0: FloatArray
    tf1: FloatArray
    travel_median: FloatArray  # (A, A)
    area_order: IntArray  # (A, A): row b lists areas by median travel to b
    home: IntArray
    may_attend: IntArray  # (G * (S + 1), words) bitsets: key g * (S + 1) + s + 1, s = -1: none
    unit_keys: IntArray  # (U, G, S + 1): the stacks unit u serves for grade g
    unit_key_count: IntArray  # (U, G)
    stack_limit: IntArray  # (G,) -1: none
    max_wait: FloatArray  # (G,)
    sh_time: FloatArray
    sh_kind: IntArray
    sh_unit: IntArray
    sh_index: IntArray
    keys_per_grade: int
    reserve: int
    reserve_for: int
    preempt_for: int
    preempt_from: int
    meal_min: float
    horizon: float
    end: float


class Units(NamedTuple):
    state: IntArray
    pos: IntArray
    incident: IntArray  # -1: none
    busy_from: FloatArray
    arrive: FloatArray
    off_pending: BoolArray
    meal_pending: BoolArray
    cur_shift: IntArray
    next_in_crew: IntArray


class Calls(NamedTuple):
    """Per-incident state and the per-incident records."""

    need: IntArray  # units still to send
    work: FloatArray  # work on scene still to do [min]
    sent: IntArray
    preempted: IntArray
    outcome: IntArray
    dispatched: FloatArray
    first_arrival: FloatArray
    all_arrived: FloatArray
    cleared: FloatArray
    left_stack: FloatArray
    last_arrive: FloatArray
    clear_at: FloatArray  # -1: not complete
    crew_head: IntArray
    crew_tail: IntArray
    queue_next: IntArray


class Queues(NamedTuple):
    """Stacks, free units, the event heap, counters and the busy-spell records."""

    head: IntArray  # (G * (S + 1),) first incident of each stack, -1: empty
    tail: IntArray
    queued: IntArray  # (G,) incidents stacked
    free: IntArray  # (A, words) bitsets of free units by position
    counters: IntArray  # N_FREE, HEAP_SIZE, N_BUSY
    heap_time: FloatArray
    heap_code: IntArray  # incident * 2 (clears) or unit * 2 + 1 (meal ends)
    shift_off: FloatArray
    busy_unit: IntArray
    busy_start: FloatArray
    busy_end: FloatArray
    busy_grade: IntArray
    busy_incident: IntArray


@compiled
def lowest_bit(word: int) -> int:
    low = word & -word
    return int(_DE_BRUIJN_INDEX[((low * _DE_BRUIJN) & 0xFFFFFFFF) >> 27])


@compiled
def heap_push(q: Queues, time: float, code: int) -> None:
    k = q.counters[HEAP_SIZE]
    q.counters[HEAP_SIZE] = k + 1
    while k > 0:
        parent = (k - 1) >> 1
        pt = q.heap_time[parent]
        pc = q.heap_code[parent]
        if pt < time or (pt == time and pc < code):
            break
        q.heap_time[k] = pt
        q.heap_code[k] = pc
        k = parent
    q.heap_time[k] = time
    q.heap_code[k] = code


@compiled
def heap_before(q: Queues, a: int, b: int) -> bool:
    """Whether heap entry a comes before entry b: by time, then by code (as heapq's tuples)."""
    return bool(
        q.heap_time[a] < q.heap_time[b]
        or (q.heap_time[a] == q.heap_time[b] and q.heap_code[a] < q.heap_code[b])
    )


@compiled
def heap_pop(q: Queues) -> tuple[float, int]:
    top_time = q.heap_time[0]
    top_code = q.heap_code[0]
    n = q.counters[HEAP_SIZE] - 1
    q.counters[HEAP_SIZE] = n
    if n > 0:
        time = q.heap_time[n]
        code = q.heap_code[n]
        k = 0
        while True:
            child = 2 * k + 1
            if child >= n:
                break
            right = child + 1
            if right < n and heap_before(q, right, child):
                child = right
            ct = q.heap_time[child]
            cc = q.heap_code[child]
            if time < ct or (time == ct and code < cc):
                break
            q.heap_time[k] = ct
            q.heap_code[k] = cc
            k = child
        q.heap_time[k] = time
        q.heap_code[k] = code
    return top_time, top_code


@compiled
def record_busy(q: Queues, u: int, start: float, end: float, grade: int, incident: int) -> None:
    k = q.counters[N_BUSY]
    q.busy_unit[k] = u
    q.busy_start[k] = start
    q.busy_end[k] = end
    q.busy_grade[k] = grade
    q.busy_incident[k] = incident
    q.counters[N_BUSY] = k + 1


@compiled
def set_free(q: Queues, area: int, u: int) -> None:
    q.free[area, u // WORD] |= 1 << (u % WORD)
    q.counters[N_FREE] += 1


@compiled
def unset_free(q: Queues, area: int, u: int) -> None:
    q.free[area, u // WORD] &= ~(1 << (u % WORD))
    q.counters[N_FREE] -= 1


@compiled
def may_attend(s: Static, u: int, key: int) -> bool:
    return bool(s.may_attend[key, u // WORD] >> (u % WORD) & 1)


@compiled
def stack_append(c: Calls, q: Queues, key: int, i: int) -> None:
    c.queue_next[i] = -1
    if q.tail[key] >= 0:
        c.queue_next[q.tail[key]] = i
    else:
        q.head[key] = i
    q.tail[key] = i


@compiled
def stack_push_front(c: Calls, q: Queues, key: int, i: int) -> None:
    c.queue_next[i] = q.head[key]
    q.head[key] = i
    if q.tail[key] < 0:
        q.tail[key] = i


@compiled
def stack_pop_front(c: Calls, q: Queues, key: int) -> None:
    q.head[key] = c.queue_next[q.head[key]]
    if q.head[key] < 0:
        q.tail[key] = -1
