"""CP-SAT plumbing shared by design and re-rostering: rules as constraints, lexicographic stages.

Every solve reports its objective, the proven bound and the gap; "optimal" is never reported
without them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from forcesight.rostering.rules import Limit

Literal = Callable[[int, int], cp_model.LinearExprT]


@dataclass(frozen=True)
class StageResult:
    """One lexicographic stage: what it minimised, what it reached and what is proven."""

    name: str
    status: str  # "optimal" (bound met), "feasible" (gap open), "infeasible", "unknown"
    objective: float | None
    bound: float | None
    seconds: float

    @property
    def gap(self) -> float | None:
        """(objective - bound) / max(1, |objective|); 0 when the bound is met."""
        if self.objective is None or self.bound is None:
            return None
        return max(0.0, self.objective - self.bound) / max(1.0, abs(self.objective))

    def to_dict(self) -> dict[str, object]:
        return {
            "stage": self.name,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 2),
        }


@dataclass
class SoftSlack:
    """The slack a soft limit was given and the rule it belongs to."""

    limit: Limit
    slack: cp_model.IntVar


def _expr(limit: Limit, literal: Literal) -> cp_model.LinearExpr:
    variables = [literal(day, shift) for day, shift, _ in limit.terms]
    coefficients = [coef for _, _, coef in limit.terms]
    return cp_model.LinearExpr.weighted_sum(variables, coefficients) + limit.constant


def _extent(limit: Limit) -> int:
    """Largest possible violation of a limit: bounds slack variables."""
    return (
        abs(limit.constant)
        + sum(abs(c) for _, _, c in limit.terms)
        + abs(limit.lower or 0)
        + abs(limit.upper or 0)
    )


def constrain(
    model: cp_model.CpModel,
    limits: Sequence[Limit],
    literal: Literal,
    enforce: Mapping[str, cp_model.IntVar] | None = None,
    soft: bool = False,
) -> list[SoftSlack]:
    """Add each limit to the model: hard (optionally only when its rule's literal is true), or
    soft with a slack variable that the caller minimises."""
    slacks: list[SoftSlack] = []
    for limit in limits:
        if not limit.terms:
            ok = (limit.lower is None or limit.constant >= limit.lower) and (
                limit.upper is None or limit.constant <= limit.upper
            )
            if soft:
                deficit = (
                    0
                    if ok
                    else max(
                        (limit.lower or 0) - limit.constant if limit.lower is not None else 0,
                        limit.constant - limit.upper if limit.upper is not None else 0,
                    )
                )
                var = model.new_int_var(deficit, deficit, f"slack_{limit.rule}")
                slacks.append(SoftSlack(limit, var))
            elif not ok:
                if enforce is not None and limit.rule in enforce:
                    model.add_bool_or([enforce[limit.rule].negated()])
                else:
                    model.add_bool_or([])
            continue
        expr = _expr(limit, literal)
        if soft:
            slack = model.new_int_var(0, _extent(limit), f"slack_{limit.rule}")
            if limit.lower is not None:
                model.add(expr + slack >= limit.lower)
            if limit.upper is not None:
                model.add(expr - slack <= limit.upper)
            slacks.append(SoftSlack(limit, slack))
            continue
        for constraint in ([model.add(expr >= limit.lower)] if limit.lower is not None else []) + (
            [model.add(expr <= limit.upper)] if limit.upper is not None else []
        ):
            if enforce is not None and limit.rule in enforce:
                constraint.only_enforce_if(enforce[limit.rule])
    return slacks


def new_solver(seconds: float, workers: int, seed: int, relative_gap: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.relative_gap_limit = relative_gap
    return solver


def status_name(status: object, objective: float | None, bound: float | None) -> str:
    if status == cp_model.INFEASIBLE:
        return "infeasible"
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if objective is not None and bound is not None and bound >= objective - 1e-9:
            return "optimal"
        return "feasible"
    return "unknown"


def lexicographic(
    model: cp_model.CpModel,
    stages: Sequence[tuple[str, cp_model.LinearExprT, float]],
    decisions: Sequence[cp_model.IntVar],
    seconds: float,
    workers: int,
    seed: int,
    relative_gap: float,
) -> tuple[list[StageResult], cp_model.CpSolver | None, list[list[int]]]:
    """Minimise each stage's expression in turn, holding earlier stages at what they reached.

    ``stages`` are (name, expression, share of ``seconds``). Returns the stage results, the
    solver holding the last solution found (None if no stage found one) and the values of
    ``decisions`` after each stage that found a solution.
    """
    results: list[StageResult] = []
    snapshots: list[list[int]] = []
    last: cp_model.CpSolver | None = None
    deadline = time.monotonic() + seconds
    for index, (name, expression, share) in enumerate(stages):
        remaining = deadline - time.monotonic()
        later_share = sum(s for _, _, s in stages[index:])
        budget = remaining * share / later_share if later_share > 0 else remaining
        model.minimize(expression)
        solver = new_solver(budget, workers, seed, relative_gap)
        started = time.monotonic()
        status = solver.solve(model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        objective = solver.objective_value if found else None
        bound = solver.best_objective_bound if found else None
        results.append(
            StageResult(
                name,
                status_name(status, objective, bound),
                objective,
                bound,
                time.monotonic() - started,
            )
        )
        if not found:
            break
        last = solver
        snapshot = [solver.value(var) for var in decisions]
        snapshots.append(snapshot)
        model.clear_hints()  # type: ignore[no-untyped-call]
        for var, value in zip(decisions, snapshot, strict=True):
            model.add_hint(var, value)
        model.add(expression <= round(solver.objective_value))
    return results, last, snapshots


def feasible(
    model: cp_model.CpModel,
    assumptions: Sequence[cp_model.IntVar],
    seconds: float,
    workers: int,
    seed: int,
) -> bool | None:
    """Whether the model is feasible with these literals true; None if undecided in time."""
    model.clear_assumptions()
    model.add_assumptions(list(assumptions))
    solver = new_solver(seconds, workers, seed, 0.0)
    status = solver.solve(model)
    model.clear_assumptions()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return True
    if status == cp_model.INFEASIBLE:
        return False
    return None


def minimal_conflict(
    model: cp_model.CpModel,
    enforce: Mapping[str, cp_model.IntVar],
    seconds_each: float,
    workers: int,
    seed: int,
) -> list[str]:
    """A minimal set of rules that cannot all hold together (deletion filter over the rules):
    dropping any one of them makes the rest satisfiable."""
    names = list(enforce)
    if feasible(model, [enforce[n] for n in names], seconds_each, workers, seed) is not False:
        return []
    conflict = list(names)
    for name in names:
        trial = [n for n in conflict if n != name]
        if feasible(model, [enforce[n] for n in trial], seconds_each, workers, seed) is False:
            conflict = trial
    return conflict
