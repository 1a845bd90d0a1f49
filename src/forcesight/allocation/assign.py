"""Assigning the queue: a min-cost flow over hours, rounded, with its LP bound.

The allocation model (``model.py``) is a generalised assignment problem: each case needs a
whole number of hours from one investigator. Its linear-programming relaxation is a
min-cost flow in which each case supplies its hours, an arc to each eligible investigator
carries up to all of them at the assignment cost per hour, an arc to "the queue" carries them
at the waiting cost per hour, and each investigator passes hours to the sink through one arc
per load band (capacity slots whose cost rises with load). OR-Tools' network simplex solves
that relaxation exactly in a second or two at 5,000 x 300; its optimum is the LP bound.

A basic optimal flow splits at most about one case per investigator between several arcs.
The allocator fixes every case the flow sends whole, re-solves the flow for the rest with the
capacity left, and after a few rounds inserts any still-split case greedily where it fits at a
cost below its waiting cost. Every step respects the eligibility rules and whole-hour capacity,
so a proposal never breaks a rule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from forcesight.allocation.mip import solve_gap_mip
from forcesight.allocation.model import (
    AllocationProblem,
    CostModel,
    Evaluation,
    FloatArray,
    IntArray,
    build_cost_model,
    evaluate,
)
from forcesight.errors import AllocationSolverError


@dataclass(frozen=True)
class AllocationResult:
    method: str
    assignment: IntArray  # per case: investigator column, or -1 (stays in the queue)
    evaluation: Evaluation
    bound: float | None  # lower bound on the objective (LP relaxation or MIP dual bound)
    seconds: float

    @property
    def objective(self) -> float:
        return self.evaluation.objective

    @property
    def gap(self) -> float | None:
        """Relative gap (objective - bound) / max(|objective|, 1e-9)."""
        if self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(abs(self.objective), 1e-9)


class FlowAllocator:
    """Min-cost flow with load-band capacity slots, then rounding (see module docstring).

    ``cost_scale``: costs per hour are multiplied by this and rounded down to integers for the
    network solver (rounding down keeps the bound a valid lower bound).
    ``rounds``: re-solves of the flow for the cases left split."""

    def __init__(
        self,
        cost_scale: float = 1e6,
        rounds: int = 4,
        swap_passes: int = 4,
        knapsack_passes: int = 2,
        knapsack_candidates: int = 200,
        pair_partners: int = 2,
        pair_candidates: int = 30,
        pair_rounds: int = 2,
        search_iterations: int = 0,
        search_seconds: float = 6.0,
        search_group: int = 4,
        search_queued: int = 120,
        random_state: int = 0,
    ) -> None:
        self.cost_scale = cost_scale
        self.rounds = rounds
        self.swap_passes = swap_passes
        self.knapsack_passes = knapsack_passes
        self.knapsack_candidates = knapsack_candidates
        self.pair_partners = pair_partners
        self.pair_candidates = pair_candidates
        self.pair_rounds = pair_rounds
        self.search_iterations = search_iterations
        self.search_seconds = search_seconds
        self.search_group = search_group
        self.search_queued = search_queued
        self.random_state = random_state

    def fit(self, problem: AllocationProblem) -> FlowAllocator:
        if self.cost_scale <= 0 or self.rounds < 0:
            raise AllocationSolverError("FlowAllocator needs cost_scale > 0 and rounds >= 0")
        started = time.perf_counter()
        model = build_cost_model(problem)
        n, m = model.elig.eligible.shape
        plan = np.full(n, -1, dtype=np.int64)
        load = np.zeros(m, dtype=np.int64)
        candidates = np.nonzero(model.assignable)[0]
        bound: float | None = None
        for round_number in range(self.rounds + 1):
            if candidates.size == 0:
                break
            cost, whole, split = self._solve(model, candidates, load)
            if round_number == 0:
                bound = cost
            for i, j in whole:
                plan[i] = j
                load[j] += model.elig.hours[i]
            if not split:
                break
            waiting = np.nonzero(model.assignable & (plan < 0))[0]
            room = model.elig.eligible[waiting] & (
                model.elig.hours[waiting, None] + load[None, :] <= model.elig.free[None, :]
            )
            candidates = waiting[room.any(axis=1)]
        self.search_iterations_ = 0
        if n and m:  # nothing to improve without cases or investigators
            unplaced = np.nonzero(model.assignable & (plan < 0))[0]
            _insert_greedily(model, plan, load, unplaced)
            for _ in range(self.swap_passes):
                moved = _improve_by_swaps(model, plan, load)
                moved += _improve_by_shifts(model, plan, load)
                moved += _relocate(model, plan, load)
                if not moved:
                    break
            _knapsack_sweep(model, plan, load, self.knapsack_passes, self.knapsack_candidates)
            rng = np.random.default_rng(self.random_state)
            active = np.ones(load.size, dtype=bool)
            for _ in range(self.pair_rounds):
                before = plan.copy()
                moved = _pair_sweep(
                    model, plan, load, self.pair_partners, self.pair_candidates, rng, active
                )
                if not moved:
                    break
                _knapsack_sweep(model, plan, load, 1, self.knapsack_candidates)
                # the next round revisits only pairs with an investigator whose cases changed
                changed = before != plan
                active = np.zeros(load.size, dtype=bool)
                for side in (before[changed], plan[changed]):
                    active[side[side >= 0]] = True
            self.search_iterations_ = self._search(model, plan, load, started)
        self.model_ = model
        self.bound_ = bound if bound is not None else 0.0
        self.assignment_ = plan
        evaluation = evaluate(problem, model, plan)
        self.result_ = AllocationResult(
            "min-cost flow", plan, evaluation, self.bound_, time.perf_counter() - started
        )
        return self

    def _search(self, model: CostModel, plan: IntArray, load: IntArray, started: float) -> int:
        """Large-neighbourhood search: free a few investigators who could take the same queued
        cases, and re-solve their cases and those queued cases exactly (a small MIP). Accept
        only improvements. Stops after ``search_iterations`` or ``search_seconds``."""
        rng = np.random.default_rng(self.random_state)
        eligible, hours = model.elig.eligible, model.elig.hours
        done = 0
        for _ in range(self.search_iterations):
            done += 1
            if time.perf_counter() - started > self.search_seconds:
                break
            queued = np.nonzero(model.assignable & (plan < 0))[0]
            if queued.size == 0:
                break
            # seed: an investigator with hours left over, weighted by them; partners: those
            # holding cases the seed could take, so that work can move to fill the gap
            leftover = (model.elig.free - load).astype(np.float64)
            leftover[~eligible[queued].any(axis=0)] = 0.0
            if leftover.sum() <= 0:
                break
            seed = int(rng.choice(leftover.size, p=leftover / leftover.sum()))
            movable = np.nonzero(eligible[:, seed] & (plan >= 0) & (plan != seed))[0]
            partners = np.bincount(plan[movable], minlength=leftover.size)
            partners[seed] = 0
            pool = np.argsort(-partners, kind="stable")[: 3 * self.search_group]
            pool = pool[partners[pool] > 0]
            size = min(self.search_group - 1, pool.size)
            chosen = rng.choice(pool, size=size, replace=False) if size else pool[:0]
            group = np.sort(np.append(chosen, seed)).astype(np.int64)
            own = np.nonzero(np.isin(plan, group))[0]
            candidates = queued[eligible[queued][:, group].any(axis=1)]
            density = model.wait_cost[candidates] / hours[candidates]
            candidates = candidates[np.argsort(-density, kind="stable")[: self.search_queued]]
            rows = np.unique(np.concatenate([own, candidates]))
            current = float(model.wait_cost[rows[plan[rows] < 0]].sum())
            current += float(model.assign_cost[own, plan[own]].sum())
            current += float(model.load_cost(load[group], group).sum())
            solution = solve_gap_mip(model, rows, group, time_limit=1.0, mip_rel_gap=1e-6)
            if solution.objective is None or solution.objective >= current - 1e-6:
                continue
            plan[rows] = solution.plan
            for j in group:
                load[j] = int(hours[plan == j].sum())
        return done

    def _solve(
        self, model: CostModel, rows: IntArray, load: IntArray
    ) -> tuple[float, list[tuple[int, int]], list[int]]:
        """Solve the flow for cases ``rows`` given the hours ``load`` already taken.
        Returns (optimal cost, cases sent whole to an investigator, cases split)."""
        scale = self.cost_scale
        hours = model.elig.hours[rows]
        free = model.elig.free - load
        eligible = model.elig.eligible[rows] & (hours[:, None] <= free[None, :])
        n, m = eligible.shape
        queue, sink = n + m, n + m + 1
        ci, cj = np.nonzero(eligible)
        per_hour = model.assign_cost[rows[ci], cj] / hours[ci]
        tails = [ci, np.arange(n)]
        heads = [n + cj, np.full(n, queue)]
        caps = [hours[ci], hours]
        costs = [
            np.floor(per_hour * scale),
            np.floor(model.wait_cost[rows] / hours * scale),
        ]
        # residual band capacities: the load taken so far fills the cheapest bands first
        bounds = model.band_bounds
        lower = np.concatenate([np.zeros((m, 1), dtype=np.int64), bounds[:, :-1]], 1)
        residual = np.clip(bounds - np.maximum(lower, load[:, None]), 0, None)
        residual = np.where(bounds > load[:, None], residual, 0)
        bj, bk = np.nonzero(residual)
        tails.append(n + bj)
        heads.append(np.full(bj.size, sink))
        caps.append(residual[bj, bk])
        costs.append(np.floor(model.band_costs[bk] * scale))
        total = int(hours.sum())
        tails.append(np.array([queue]))
        heads.append(np.array([sink]))
        caps.append(np.array([total]))
        costs.append(np.array([0.0]))
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.concatenate(tails).astype(np.int64),
            np.concatenate(heads).astype(np.int64),
            np.concatenate(caps).astype(np.int64),
            np.concatenate(costs).astype(np.int64),
        )
        supplies = np.zeros(n + m + 2, dtype=np.int64)
        supplies[:n] = hours
        supplies[sink] = -total
        flow.set_nodes_supplies(np.arange(n + m + 2, dtype=np.int64), supplies)
        status = flow.solve()
        if status != flow.OPTIMAL:
            raise AllocationSolverError(f"the min-cost flow solver returned status {status}")
        arc_flow = flow.flows(np.arange(ci.size, dtype=np.int64))
        whole = arc_flow == hours[ci]
        sent = np.bincount(ci, weights=arc_flow, minlength=n)
        whole_pairs = [(int(rows[a]), int(b)) for a, b in zip(ci[whole], cj[whole], strict=True)]
        is_whole = np.zeros(n, dtype=bool)
        is_whole[ci[whole]] = True
        split = [int(rows[a]) for a in range(n) if not is_whole[a] and sent[a] > 0]
        return flow.optimal_cost() / scale, whole_pairs, split


def _insert_greedily(model: CostModel, plan: IntArray, load: IntArray, rows: IntArray) -> None:
    """Place each case (highest waiting cost per hour first) with the investigator where it
    costs least, if it fits and costs less than leaving it in the queue."""
    hours = model.elig.hours
    order = sorted(rows.tolist(), key=lambda i: -model.wait_cost[i] / hours[i])
    for i in order:
        fits = model.elig.eligible[i] & (hours[i] + load <= model.elig.free)
        columns = np.nonzero(fits)[0]
        if columns.size == 0:
            continue
        before = model.load_cost(load[columns], columns)
        after = model.load_cost(load[columns] + hours[i], columns)
        marginal: FloatArray = model.assign_cost[i, columns] + (after - before)
        best = int(np.argmin(marginal))
        if marginal[best] < model.wait_cost[i]:
            j = int(columns[best])
            plan[i] = j
            load[j] += hours[i]


def _improve_by_swaps(model: CostModel, plan: IntArray, load: IntArray) -> int:
    """One pass of local search: a queued case takes the place of an assigned one at the same
    investigator when that lowers the objective; the displaced case is then placed elsewhere
    if it fits. Returns the number of swaps made."""
    hours = model.elig.hours
    free = model.elig.free
    swaps = 0
    queued = np.nonzero(model.assignable & (plan < 0))[0]
    for i in sorted(queued.tolist(), key=lambda i: -model.wait_cost[i] / hours[i]):
        if plan[i] >= 0:
            continue
        held = np.nonzero(plan >= 0)[0]
        cols = plan[held]
        ok = model.elig.eligible[i, cols] & (free[cols] - load[cols] + hours[held] >= hours[i])
        if not ok.any():
            continue
        held, cols = held[ok], cols[ok]
        delta_load = model.load_cost(load[cols] - hours[held] + hours[i], cols)
        delta_load = delta_load - model.load_cost(load[cols], cols)
        change = (
            -model.wait_cost[i]
            + model.assign_cost[i, cols]
            + model.wait_cost[held]
            - model.assign_cost[held, cols]
            + delta_load
        )
        best = int(np.argmin(change))
        if change[best] >= -1e-9:
            continue
        k, j = int(held[best]), int(cols[best])
        plan[k] = -1
        plan[i] = j
        load[j] += hours[i] - hours[k]
        _insert_greedily(model, plan, load, np.array([k], dtype=np.int64))
        swaps += 1
    _insert_greedily(model, plan, load, np.nonzero(model.assignable & (plan < 0))[0])
    return swaps


def _improve_by_shifts(model: CostModel, plan: IntArray, load: IntArray) -> int:
    """One pass of local search: to make room for a queued case at an investigator, move one of
    their cases to another eligible investigator with room, when that lowers the objective.
    Returns the number of moves made."""
    hours, free, eligible = model.elig.hours, model.elig.free, model.elig.eligible
    moves = 0

    def alternatives() -> tuple[IntArray, np.ndarray]:
        held = np.nonzero(plan >= 0)[0]
        room = eligible[held] & (hours[held, None] <= (free - load)[None, :])
        room[np.arange(held.size), plan[held]] = False
        one = model.load_cost(load + 1) - model.load_cost(load)  # marginal rate per hour
        cost = np.where(room, model.assign_cost[held] + one[None, :] * hours[held, None], np.inf)
        best_col = np.argmin(cost, axis=1)
        best = np.full(plan.size, np.inf)
        column = np.full(plan.size, -1, dtype=np.int64)
        best[held] = cost[np.arange(held.size), best_col]
        column[held] = best_col
        return column, best

    column, alt = alternatives()
    queued = np.nonzero(model.assignable & (plan < 0))[0]
    for i in sorted(queued.tolist(), key=lambda i: -model.wait_cost[i] / hours[i]):
        if plan[i] >= 0:
            continue
        cols = plan.copy()
        movable = (cols >= 0) & np.isfinite(alt)
        movable[movable] &= eligible[i, cols[movable]]
        held = np.nonzero(movable)[0]
        if held.size == 0:
            continue
        cols = plan[held]
        fits = free[cols] - load[cols] + hours[held] >= hours[i]
        held, cols = held[fits], cols[fits]
        if held.size == 0:
            continue
        change = (
            -model.wait_cost[i]
            + model.assign_cost[i, cols]
            + alt[held]
            - model.assign_cost[held, cols]
            + model.load_cost(load[cols] - hours[held] + hours[i], cols)
            - model.load_cost(load[cols], cols)
        )
        best = int(np.argmin(change))
        if change[best] >= -1e-9:
            continue
        k, j, target = int(held[best]), int(cols[best]), int(column[held[best]])
        if target == j or hours[k] > free[target] - load[target]:
            continue
        before = model.load_cost(load[[j, target]], np.array([j, target])).sum()
        after_load = load[[j, target]] + np.array([hours[i] - hours[k], hours[k]])
        after = model.load_cost(after_load, np.array([j, target])).sum()
        exact = (
            -model.wait_cost[i]
            + model.assign_cost[i, j]
            + model.assign_cost[k, target]
            - model.assign_cost[k, j]
            + after
            - before
        )
        if exact >= -1e-9:
            continue
        plan[k], plan[i] = target, j
        load[j] += hours[i] - hours[k]
        load[target] += hours[k]
        moves += 1
        column, alt = alternatives()
    return moves


def _relocate(model: CostModel, plan: IntArray, load: IntArray) -> int:
    """Local search: move an assigned case to another eligible investigator with room when
    that lowers its assignment cost (area, continuity) plus the load costs. Returns moves."""
    hours, free, eligible = model.elig.hours, model.elig.free, model.elig.eligible
    held = np.nonzero(plan >= 0)[0]
    if held.size == 0:
        return 0
    room = eligible[held] & (hours[held, None] <= (free - load)[None, :])
    room[np.arange(held.size), plan[held]] = False
    rate = model.load_cost(load + 1) - model.load_cost(load)
    leave = model.load_cost(load) - model.load_cost(np.maximum(load - 1, 0))
    gain = (
        model.assign_cost[held, plan[held]][:, None]
        + leave[plan[held]][:, None] * hours[held, None]
        - model.assign_cost[held]
        - rate[None, :] * hours[held, None]
    )
    gain = np.where(room, gain, -np.inf)
    best = np.argmax(gain, axis=1)
    best_gain = gain[np.arange(held.size), best]
    moves = 0
    for index in np.argsort(-best_gain):
        if best_gain[index] <= 1e-9:
            break
        k, j, target = int(held[index]), int(plan[held[index]]), int(best[index])
        if hours[k] > free[target] - load[target]:
            continue
        pair = np.array([j, target])
        before = model.load_cost(load[pair], pair).sum()
        after = model.load_cost(load[pair] + np.array([-hours[k], hours[k]]), pair).sum()
        change = model.assign_cost[k, target] - model.assign_cost[k, j] + after - before
        if change >= -1e-9:
            continue
        plan[k] = target
        load[j] -= hours[k]
        load[target] += hours[k]
        moves += 1
    return moves


def _knapsack_sweep(
    model: CostModel, plan: IntArray, load: IntArray, passes: int, candidates: int
) -> None:
    """Re-choose each investigator's cases in turn, exactly: a 0/1 knapsack over their present
    cases and the best-value queued cases they may take, maximising the waiting cost saved less
    assignment and load costs within their free hours. Never makes the plan worse."""
    hours = model.elig.hours
    free = model.elig.free
    for _ in range(passes):
        changed = False
        for j in range(free.size):
            capacity = int(free[j])
            if capacity <= 0:
                continue
            own = np.nonzero(plan == j)[0]
            queued = np.nonzero((plan < 0) & model.elig.eligible[:, j] & (hours <= capacity))[0]
            value_q = model.wait_cost[queued] - model.assign_cost[queued, j]
            keep = value_q > 0
            queued, value_q = queued[keep], value_q[keep]
            if queued.size > candidates:
                top = np.argsort(-value_q / hours[queued])[:candidates]
                queued, value_q = queued[top], value_q[top]
            if queued.size == 0:
                continue
            items = np.concatenate([own, queued])
            values = np.concatenate([model.wait_cost[own] - model.assign_cost[own, j], value_q])
            chosen = _knapsack(values, hours[items], capacity)
            band_cost = model.load_cost(np.arange(capacity + 1), np.full(capacity + 1, j))
            best_total = chosen[1] - band_cost
            total = int(np.argmax(best_total))
            current = (
                (values[: own.size].sum() - band_cost[int(load[j])])
                if own.size
                else (-band_cost[0])
            )
            if best_total[total] <= current + 1e-9:
                continue
            picked = items[_knapsack_items(chosen[0], hours[items], total)]
            plan[own] = -1
            plan[picked] = j
            load[j] = int(hours[picked].sum())
            changed = True
        if not changed:
            break


def _pair_sweep(
    model: CostModel,
    plan: IntArray,
    load: IntArray,
    partners: int,
    candidates: int,
    rng: np.random.Generator,
    active: npt.NDArray[np.bool_],
) -> int:
    """Re-choose the cases of two investigators at once, exactly: each of their cases and the
    best-value queued cases either may take goes to one of the two or to the queue (a 0/1
    knapsack with two capacities). Pairs: each investigator with the ``partners`` others who
    could take most of each other's cases; only pairs with an ``active`` investigator.
    Accepts only improvements; returns how many."""
    free, eligible = model.elig.free, model.elig.eligible
    m = free.size
    held = np.nonzero(plan >= 0)[0]
    shared = np.zeros((m, m), dtype=np.float64)
    np.add.at(shared, plan[held], eligible[held].astype(np.float64))
    shared = shared + shared.T
    np.fill_diagonal(shared, 0.0)
    # a small seeded jitter breaks ties between equally good partners reproducibly
    shared += rng.random((m, m)) * 1e-3
    pairs: set[tuple[int, int]] = set()
    for j in range(m):
        if free[j] <= 0:
            continue
        order = np.argsort(-shared[j], kind="stable")[:partners]
        for k in order.tolist():
            if shared[j, k] >= 1.0 and free[k] > 0 and (active[j] or active[k]):
                pairs.add((min(j, k), max(j, k)))
    improved = 0
    for a, b in sorted(pairs):
        if _pair_knapsack(model, plan, load, a, b, candidates):
            improved += 1
    return improved


def _pair_knapsack(
    model: CostModel, plan: IntArray, load: IntArray, a: int, b: int, candidates: int
) -> bool:
    """Best plan for investigators ``a`` and ``b``: dynamic programming over the hours each
    takes on (an exact table of (free a + 1) x (free b + 1) states), then the load-band costs
    of every pair of totals. Applies it if it beats the present plan; returns whether it did."""
    hours, free, eligible = model.elig.hours, model.elig.free, model.elig.eligible
    ca, cb = int(free[a]), int(free[b])
    own = np.nonzero((plan == a) | (plan == b))[0]
    queued = np.nonzero(
        (plan < 0) & ((eligible[:, a] & (hours <= ca)) | (eligible[:, b] & (hours <= cb)))
    )[0]
    if queued.size:
        cheapest = np.minimum(
            np.where(eligible[queued, a], model.assign_cost[queued, a], np.inf),
            np.where(eligible[queued, b], model.assign_cost[queued, b], np.inf),
        )
        gain = model.wait_cost[queued] - cheapest
        keep = gain > 0
        queued, gain = queued[keep], gain[keep]
        if queued.size > candidates:
            top = np.argsort(-gain / hours[queued], kind="stable")[:candidates]
            queued = np.sort(queued[top])
    if queued.size == 0:
        return False
    items = np.concatenate([own, queued])
    weights = hours[items]
    ok_a = eligible[items, a] & (weights <= ca)
    ok_b = eligible[items, b] & (weights <= cb)
    value_a = np.where(ok_a, model.wait_cost[items] - model.assign_cost[items, a], -np.inf)
    value_b = np.where(ok_b, model.wait_cost[items] - model.assign_cost[items, b], -np.inf)
    # no total can exceed what the eligible items weigh
    ca = min(ca, int(weights[ok_a].sum()))
    cb = min(cb, int(weights[ok_b].sum()))
    best = np.full((ca + 1, cb + 1), -np.inf)
    best[0, 0] = 0.0
    choice = np.zeros((items.size, ca + 1, cb + 1), dtype=np.int8)
    for item in range(items.size):
        w = int(weights[item])
        take_a, take_b = ok_a[item] and w <= ca, ok_b[item] and w <= cb
        if not (take_a or take_b):
            continue
        new = best.copy()
        if take_a:
            cand = best[: ca + 1 - w, :] + value_a[item]
            target = new[w:, :]
            better = cand > target
            target[better] = cand[better]
            choice[item, w:, :][better] = 1
        if take_b:
            cand = best[:, : cb + 1 - w] + value_b[item]
            target = new[:, w:]
            better = cand > target
            target[better] = cand[better]
            choice[item, :, w:][better] = 2
        best = new
    band_a = model.load_cost(np.arange(ca + 1), np.full(ca + 1, a))
    band_b = model.load_cost(np.arange(cb + 1), np.full(cb + 1, b))
    total = best - band_a[:, None] - band_b[None, :]
    flat = int(np.argmax(total))
    wa, wb = divmod(flat, cb + 1)
    current = (
        float((model.wait_cost[own] - model.assign_cost[own, plan[own]]).sum())
        - float(band_a[int(load[a])])
        - float(band_b[int(load[b])])
    )
    if total[wa, wb] <= current + 1e-7:
        return False
    plan[own] = -1
    for item in range(items.size - 1, -1, -1):
        picked = int(choice[item, wa, wb])
        if picked == 1:
            plan[items[item]] = a
            wa -= int(weights[item])
        elif picked == 2:
            plan[items[item]] = b
            wb -= int(weights[item])
    load[a] = int(hours[plan == a].sum())
    load[b] = int(hours[plan == b].sum())
    return True


def _knapsack(
    values: FloatArray, weights: IntArray, capacity: int
) -> tuple[np.ndarray, FloatArray]:
    """Exact 0/1 knapsack by dynamic programming over whole hours. Returns the take table
    (items x capacity+1) and the best value for each exact total weight (-inf if none)."""
    best = np.full(capacity + 1, -np.inf)
    best[0] = 0.0
    take = np.zeros((values.size, capacity + 1), dtype=bool)
    for item, (value, weight) in enumerate(zip(values.tolist(), weights.tolist(), strict=True)):
        if weight > capacity:
            continue
        candidate = best[: capacity + 1 - weight] + value  # from the table before this item
        target = best[weight:]
        better = candidate > target
        target[better] = candidate[better]
        take[item, weight:] = better
    return take, best


def _knapsack_items(take: np.ndarray, weights: IntArray, total: int) -> IntArray:
    """Backtrack the take table from an exact total weight to the items chosen."""
    picked = []
    remaining = total
    for item in range(take.shape[0] - 1, -1, -1):
        if remaining > 0 and take[item, remaining]:
            picked.append(item)
            remaining -= int(weights[item])
    return np.array(picked, dtype=np.int64)


def allocate(problem: AllocationProblem) -> AllocationResult:
    """The optimiser's plan for ``problem`` (min-cost flow)."""
    return FlowAllocator().fit(problem).result_
