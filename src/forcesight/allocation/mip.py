"""The allocation model as a mixed-integer program on HiGHS, for any subset of cases and
investigators: the generic baseline solves it whole, the flow allocator's neighbourhood
search solves small pieces of it exactly."""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from forcesight.allocation.model import CostModel, IntArray


@dataclass(frozen=True)
class MipSolution:
    plan: IntArray  # per row: investigator column (global index) or -1
    objective: float | None  # None: no feasible solution found in time
    bound: float


def solve_gap_mip(
    model: CostModel,
    rows: IntArray,
    cols: IntArray,
    load: IntArray | None = None,
    time_limit: float = 60.0,
    mip_rel_gap: float = 1e-4,
) -> MipSolution:
    """Best plan for cases ``rows`` over investigators ``cols`` (whose hours already taken are
    ``load[cols]``, default none). Objective: waiting cost of cases left queued + assignment
    costs + band costs of the hours taken on (the ``model.py`` objective, restricted)."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    taken = np.zeros(cols.size, dtype=np.int64) if load is None else load[cols]
    hours_all = model.elig.hours
    free = model.elig.free[cols] - taken
    sub = model.elig.eligible[np.ix_(rows, cols)] & (hours_all[rows][:, None] <= free[None, :])
    n, m = sub.shape
    ci, cj = np.nonzero(sub)
    e = ci.size
    bounds = model.band_bounds[cols]
    lower = np.concatenate([np.zeros((m, 1), dtype=np.int64), bounds[:, :-1]], 1)
    residual = np.clip(bounds - np.maximum(lower, taken[:, None]), 0, None)
    residual = np.where(bounds > taken[:, None], residual, 0)
    bands = bounds.shape[1]
    # columns: x (e, binary), z (n, left queued; implied 0/1), b (m*bands, band hours)
    num_col = e + n + m * bands
    wait = np.where(model.assignable[rows], model.wait_cost[rows], 0.0)
    cost = np.concatenate(
        [model.assign_cost[rows[ci], cols[cj]], wait, np.tile(model.band_costs, m)]
    )
    upper = np.concatenate([np.ones(e + n), residual.ravel().astype(np.float64)])
    hours = hours_all[rows].astype(np.float64)
    band_j = np.repeat(np.arange(m), bands)
    index = np.concatenate([np.stack([ci, n + cj], 1).ravel(), np.arange(n), n + band_j])
    value = np.concatenate(
        [np.stack([np.ones(e), hours[ci]], 1).ravel(), np.ones(n), -np.ones(m * bands)]
    )
    starts = np.concatenate(
        [np.arange(0, 2 * e, 2), 2 * e + np.arange(n), 2 * e + n + np.arange(m * bands + 1)]
    )
    lp = highspy.HighsLp()
    lp.num_col_ = num_col
    lp.num_row_ = n + m
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(num_col)
    lp.col_upper_ = upper
    lp.row_lower_ = np.concatenate([np.ones(n), np.zeros(m)])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(m)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = index.astype(np.int32)
    lp.a_matrix_.value_ = value
    lp.integrality_ = [highspy.HighsVarType.kInteger] * e + [highspy.HighsVarType.kContinuous] * (
        n + m * bands
    )
    solver = highspy.Highs()  # type: ignore[no-untyped-call]
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("time_limit", float(time_limit))
    solver.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    solver.setOptionValue("threads", 1)
    solver.passModel(lp)
    solver.run()
    plan = np.full(n, -1, dtype=np.int64)
    values = np.asarray(solver.getSolution().col_value)
    info = solver.getInfo()
    found = values.size == num_col and int(info.primal_solution_status) == 2
    if found:
        chosen = values[:e] > 0.5
        plan[ci[chosen]] = cols[cj[chosen]]
    return MipSolution(
        plan,
        float(info.objective_function_value) if found else None,
        float(info.mip_dual_bound),
    )
