"""The allocation model shared by every allocator: the problem, its costs and how a plan is
scored.

Objective (minimised), over the cases that at least one investigator may take:

    sum over cases left in the queue of  priority x waiting_horizon_days   (priority-weighted
                                                                            waiting added)
  + sum over assigned cases of  area_mismatch_cost  if the case's area differs from the
                                investigator's team area
                              + continuity_cost     if someone holds the victim's or the linked
                                crime's other work and this investigator does not
  + sum over investigators of a convex piecewise-linear cost of the hours they take on, by band
    of their capacity (balances caseloads).

Hours are whole: a case needs its expected hours rounded up; an investigator's free capacity is
their ceiling rounded down less their open caseload rounded up. A plan that fits here fits the
capacity rule in ``eligibility`` exactly, so no allocator can breach it by rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from forcesight.allocation.eligibility import (
    Case,
    EligibilityArrays,
    Investigator,
    breaches,
    eligibility_arrays,
)
from forcesight.allocation.policy import CapacityRule, ObjectiveRule

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AllocationProblem:
    day: date
    cases: tuple[Case, ...]
    investigators: tuple[Investigator, ...]
    capacity: CapacityRule
    objective: ObjectiveRule


@dataclass(frozen=True)
class CostModel:
    """The problem compiled to arrays: cases are rows, investigators columns."""

    elig: EligibilityArrays
    assign_cost: FloatArray  # (cases, investigators); meaningful where eligible
    wait_cost: FloatArray  # (cases,) cost of leaving each case in the queue
    band_bounds: IntArray  # (investigators, bands) cumulative new-load boundaries [h]
    band_costs: FloatArray  # (bands,) cost per hour in each band

    @property
    def assignable(self) -> npt.NDArray[np.bool_]:
        """Cases at least one investigator may take."""
        return np.asarray(self.elig.eligible.any(axis=1), dtype=np.bool_)

    def load_cost(self, loads: IntArray, columns: IntArray | None = None) -> FloatArray:
        """Cost of taking on ``loads`` new hours, per investigator (or per ``columns``)."""
        bounds = self.band_bounds if columns is None else self.band_bounds[columns]
        lower = np.concatenate([np.zeros((bounds.shape[0], 1), dtype=np.int64), bounds[:, :-1]], 1)
        filled = np.clip(loads[:, None] - lower, 0, bounds - lower)
        result: FloatArray = (filled * self.band_costs[None, :]).sum(axis=1)
        return result


def build_cost_model(problem: AllocationProblem) -> CostModel:
    elig = eligibility_arrays(problem.cases, problem.investigators, problem.day, problem.capacity)
    objective = problem.objective
    n, m = len(problem.cases), len(problem.investigators)
    case_area = np.array([c.area or "" for c in problem.cases], dtype=object)
    inv_area = np.array([i.area or "" for i in problem.investigators], dtype=object)
    mismatch = (
        (case_area[:, None] != inv_area[None, :])
        & (case_area[:, None] != "")
        & (inv_area[None, :] != "")
    )
    assign_cost = objective.area_mismatch_cost * mismatch.astype(np.float64)
    index = {inv.staff_id: j for j, inv in enumerate(problem.investigators)}
    for i, case in enumerate(problem.cases):
        if case.continuity:
            holders = [index[s] for s in case.continuity if s in index]
            row = np.full(m, objective.continuity_cost)
            row[holders] = 0.0
            assign_cost[i] += row
    wait_cost = np.array(
        [c.priority * objective.waiting_horizon_days for c in problem.cases], dtype=np.float64
    ).reshape(n)
    ups = np.array([b.up_to for b in objective.load_bands])
    band_costs = np.array([b.cost_per_hour for b in objective.load_bands], dtype=np.float64)
    free = elig.free
    bounds = np.floor(ups[None, :] * elig.capacity[:, None] + 1e-9).astype(np.int64)
    bounds = np.clip(bounds - elig.open_hours[:, None], 0, free[:, None])
    bounds[:, -1] = free
    return CostModel(elig, assign_cost, wait_cost, bounds, band_costs)


@dataclass(frozen=True)
class Evaluation:
    objective: float
    weighted_waiting: float  # sum of priority x days waited (queue: + waiting horizon) [days]
    assigned: int
    queued: int
    rule_breaches: int
    largest_caseload_hours: float
    largest_caseload_cases: int


def evaluate(
    problem: AllocationProblem, model: CostModel, assignment: Sequence[int] | IntArray
) -> Evaluation:
    """Score a plan (``assignment[i]`` = investigator column, or -1 for the queue)."""
    plan = np.asarray(assignment, dtype=np.int64)
    assigned = plan >= 0
    assignable = model.assignable
    m = len(problem.investigators)
    new_load = np.bincount(plan[assigned], weights=model.elig.hours[assigned], minlength=m)
    new_load = new_load.astype(np.int64)
    objective = float(model.wait_cost[assignable & ~assigned].sum())
    rows = np.nonzero(assigned)[0]
    objective += float(model.assign_cost[rows, plan[rows]].sum())
    objective += float(model.load_cost(new_load).sum())
    horizon = problem.objective.waiting_horizon_days
    priority = np.array([c.priority for c in problem.cases], dtype=np.float64)
    age = np.array([c.age_days for c in problem.cases], dtype=np.float64)
    waiting = float((priority * (age + np.where(assigned, 0.0, horizon))).sum())
    float_load = np.zeros(m)
    for i in rows:
        float_load[plan[i]] += problem.cases[i].hours
    broken = 0
    for i in rows:
        j = int(plan[i])
        case, inv = problem.cases[i], problem.investigators[j]
        others = float_load[j] - case.hours
        if breaches(case, inv, problem.day, problem.capacity, extra_hours=others):
            broken += 1
    open_hours = np.array([inv.open_hours for inv in problem.investigators]) + float_load
    open_cases = np.array([inv.open_cases for inv in problem.investigators]) + np.bincount(
        plan[assigned], minlength=m
    )
    return Evaluation(
        objective=objective,
        weighted_waiting=waiting,
        assigned=int(assigned.sum()),
        queued=int((~assigned).sum()),
        rule_breaches=broken,
        largest_caseload_hours=float(open_hours.max()) if m else 0.0,
        largest_caseload_cases=int(open_cases.max()) if m else 0,
    )
