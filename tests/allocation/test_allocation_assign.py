"""The allocators: never a rule breach, a valid bound, and the flow near the optimum."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forcesight.allocation.assign import FlowAllocator
from forcesight.allocation.baselines import GreedyAllocator, MipAllocator
from forcesight.allocation.eligibility import Case, Investigator, SkillRecord, breaches
from forcesight.allocation.model import AllocationProblem
from forcesight.allocation.policy import load_allocation_policy
from forcesight.allocation.synthetic import synthetic_problem

POLICY = load_allocation_policy()
DAY = date(2024, 3, 1)
ALLOCATORS = [
    FlowAllocator,
    lambda: FlowAllocator(search_iterations=5, random_state=1),
    GreedyAllocator,
    lambda: MipAllocator(time_limit=5.0),
]


def check_plan(problem: AllocationProblem, plan: np.ndarray) -> None:  # type: ignore[type-arg]
    """No assignment breaks a rule, counting every case given to the same investigator."""
    load = np.zeros(len(problem.investigators))
    for i, j in enumerate(plan):
        if j >= 0:
            load[j] += problem.cases[i].hours
    for i, j in enumerate(plan):
        if j < 0:
            continue
        case, inv = problem.cases[i], problem.investigators[j]
        extra = load[j] - case.hours
        assert breaches(case, inv, problem.day, problem.capacity, extra) == [], (i, j)


@pytest.mark.parametrize("make", ALLOCATORS)
def test_every_allocator_keeps_every_rule(make: object) -> None:
    problem = synthetic_problem(120, 12, random_state=3)
    result = make().fit(problem).result_  # type: ignore[operator]
    check_plan(problem, result.assignment)
    assert result.evaluation.rule_breaches == 0
    assert result.evaluation.assigned + result.evaluation.queued == 120


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_cases=st.integers(1, 60),
    n_investigators=st.integers(1, 10),
    load_ratio=st.floats(0.3, 3.0),
)
def test_the_flow_never_breaks_a_rule_and_its_bound_is_below_its_objective(
    seed: int, n_cases: int, n_investigators: int, load_ratio: float
) -> None:
    problem = synthetic_problem(
        n_cases, n_investigators, random_state=seed, load_ratio=load_ratio, policy=POLICY
    )
    result = FlowAllocator().fit(problem).result_
    check_plan(problem, result.assignment)
    assert result.evaluation.rule_breaches == 0
    assert result.bound is not None
    assert result.bound <= result.objective + 1e-6


def test_the_flow_is_close_to_the_proven_optimum_on_a_small_force() -> None:
    problem = synthetic_problem(80, 8, random_state=5)
    flow = FlowAllocator().fit(problem).result_
    exact = MipAllocator(time_limit=30.0, mip_rel_gap=0.0).fit(problem).result_
    assert exact.bound is not None and flow.bound is not None
    assert flow.bound <= exact.objective + 1e-6  # the LP bound is below the optimum
    assert flow.objective <= exact.objective * 1.08
    assert flow.objective < GreedyAllocator().fit(problem).result_.objective


def _single(case_area: str, continuity: frozenset[str] = frozenset()) -> AllocationProblem:
    case = Case(
        1,
        "CR1",
        "team",
        frozenset({"investigation"}),
        1,
        frozenset(),
        8.0,
        5.0,
        area=case_area,
        continuity=continuity,
    )
    investigators = (
        Investigator("A", "investigation", 1, 40.0, area="NORTH"),
        Investigator("B", "investigation", 1, 40.0, area="SOUTH"),
    )
    return AllocationProblem(
        DAY, (case,), investigators, POLICY.rules.capacity, POLICY.rules.objective
    )


def test_work_stays_in_the_team_area() -> None:
    assert FlowAllocator().fit(_single("SOUTH")).assignment_.tolist() == [1]
    assert FlowAllocator().fit(_single("NORTH")).assignment_.tolist() == [0]


def test_continuity_beats_area() -> None:
    plan = FlowAllocator().fit(_single("NORTH", frozenset({"B"}))).assignment_
    assert plan.tolist() == [1]


def test_a_case_no_one_may_take_stays_queued_and_is_left_out_of_the_objective() -> None:
    case = Case(
        1,
        "CR1",
        "team",
        frozenset({"investigation"}),
        2,
        frozenset({"modern_slavery_investigation"}),
        8.0,
        5.0,
    )
    inv = Investigator(
        "A",
        "investigation",
        2,
        40.0,
        skills=(SkillRecord("modern_slavery_investigation", date(2019, 1, 1), date(2023, 1, 1)),),
    )
    problem = AllocationProblem(DAY, (case,), (inv,), POLICY.rules.capacity, POLICY.rules.objective)
    result = FlowAllocator().fit(problem).result_
    assert result.assignment.tolist() == [-1]
    assert result.objective == 0.0 and result.evaluation.queued == 1


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_the_pair_step_is_exact_for_two_investigators(seed: int) -> None:
    """With two investigators, re-choosing both at once from the queue covers every plan (when
    the queued candidates are not cut), so the pair step alone reaches the proven optimum."""
    from forcesight.allocation.assign import _pair_knapsack
    from forcesight.allocation.model import build_cost_model, evaluate

    problem = synthetic_problem(14, 2, random_state=seed, load_ratio=2.0)
    model = build_cost_model(problem)
    exact = MipAllocator(time_limit=30.0, mip_rel_gap=0.0).fit(problem).result_
    plan = np.full(len(problem.cases), -1, dtype=np.int64)
    load = np.zeros(2, dtype=np.int64)
    assert model.elig.free.min() > 0
    assert _pair_knapsack(model, plan, load, 0, 1, candidates=100)
    check_plan(problem, plan)
    assert evaluate(problem, model, plan).objective == pytest.approx(exact.objective, abs=1e-6)


def test_the_flow_is_reproducible_for_a_random_state() -> None:
    problem = synthetic_problem(300, 20, random_state=8)
    first = FlowAllocator(random_state=4).fit(problem).result_
    second = FlowAllocator(random_state=4).fit(problem).result_
    assert first.assignment.tolist() == second.assignment.tolist()
    assert first.objective == second.objective
