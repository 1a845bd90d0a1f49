"""Allocators to compare the optimiser with: what a desk does by hand, and a generic MIP."""

from __future__ import annotations

import math
import time

import numpy as np

from forcesight.allocation.assign import AllocationResult
from forcesight.allocation.mip import solve_gap_mip
from forcesight.allocation.model import AllocationProblem, build_cost_model, evaluate


class GreedyAllocator:
    """What a desk does by hand: oldest case first, to the eligible investigator with the
    lowest share of capacity in use who has room for it."""

    def fit(self, problem: AllocationProblem) -> GreedyAllocator:
        started = time.perf_counter()
        model = build_cost_model(problem)
        n, m = model.elig.eligible.shape
        plan = np.full(n, -1, dtype=np.int64)
        load = np.zeros(m, dtype=np.int64)
        ceiling = np.maximum(model.elig.capacity, 1).astype(np.float64)
        ages = np.array([c.age_days for c in problem.cases])
        for i in np.argsort(-ages, kind="stable"):
            fits = model.elig.eligible[i] & (model.elig.hours[i] + load <= model.elig.free)
            columns = np.nonzero(fits)[0]
            if columns.size == 0:
                continue
            share = (model.elig.open_hours[columns] + load[columns]) / ceiling[columns]
            j = int(columns[int(np.argmin(share))])
            plan[i] = j
            load[j] += model.elig.hours[i]
        self.assignment_ = plan
        self.result_ = AllocationResult(
            "greedy oldest-first, least-loaded",
            plan,
            evaluate(problem, model, plan),
            None,
            time.perf_counter() - started,
        )
        return self


class MipAllocator:
    """The same model as one generic mixed-integer program on HiGHS, with a time limit [s]."""

    def __init__(self, time_limit: float = 60.0, mip_rel_gap: float = 1e-4) -> None:
        self.time_limit = time_limit
        self.mip_rel_gap = mip_rel_gap

    def fit(self, problem: AllocationProblem) -> MipAllocator:
        started = time.perf_counter()
        model = build_cost_model(problem)
        n, m = model.elig.eligible.shape
        solution = solve_gap_mip(
            model,
            np.arange(n, dtype=np.int64),
            np.arange(m, dtype=np.int64),
            time_limit=self.time_limit,
            mip_rel_gap=self.mip_rel_gap,
        )
        self.assignment_ = solution.plan
        self.result_ = AllocationResult(
            "generic MIP (HiGHS)",
            solution.plan,
            evaluate(problem, model, solution.plan),
            solution.bound if math.isfinite(solution.bound) else None,
            time.perf_counter() - started,
        )
        return self
