"""Where new officers go: the greedy marginal allocation and the backlog curve."""

from __future__ import annotations

import itertools
import sys
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select
from tests.workforce.force_fixture import NOW

from forcesight.store.entities import crimes
from forcesight.workforce import posts
from forcesight.workforce.policy import WorkforcePolicy


def _curve(function: str, values: list[float], better: str = "higher") -> posts.BenefitCurve:
    return posts.BenefitCurve(function, "m", "u", better, tuple(values), 1.0, "test")  # type: ignore[arg-type]


def test_greedy_matches_the_best_split_when_returns_diminish() -> None:
    a = _curve("response", [80.0, 84.0, 86.5, 88.0, 89.0, 89.5])
    b = _curve("investigation", [10.0, 7.0, 5.0, 3.8, 3.0, 2.6], better="lower")
    given, steps, unassigned = posts.allocate_posts([a, b], 5)
    assert unassigned == 0
    assert sum(given.values()) == 5
    totals = {
        (k, 5 - k): (a.values[k] - a.values[0]) + (b.values[0] - b.values[5 - k]) for k in range(6)
    }
    best = max(totals, key=lambda split: totals[split])
    assert (given["response"], given["investigation"]) == best
    assert [s[2] for s in steps] == sorted((s[2] for s in steps), reverse=True)


def test_posts_with_no_benefit_stay_unassigned() -> None:
    flat = _curve("response", [80.0, 81.0, 81.0, 81.0])
    given, _, unassigned = posts.allocate_posts([flat], 3)
    assert given == {"response": 1}
    assert unassigned == 2


def test_no_curves_means_every_post_unassigned() -> None:
    assert posts.allocate_posts([], 4) == ({}, [], 4)


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_greedy_is_optimal_on_concave_curves(n: int) -> None:
    curves = [
        _curve("a", [0.0, 5.0, 9.0, 12.0, 14.0]),
        _curve("b", [0.0, 6.0, 8.0, 9.0, 9.5]),
        _curve("c", [0.0, 3.0, 6.0, 8.5, 10.0]),
    ]
    given, _, _ = posts.allocate_posts(curves, n)
    best = max(
        (split for split in itertools.product(range(n + 1), repeat=3) if sum(split) == n),
        key=lambda split: sum(c.values[k] for c, k in zip(curves, split, strict=True)),
    )
    value = sum(c.values[given[c.function]] for c in curves)
    assert value == pytest.approx(sum(c.values[k] for c, k in zip(curves, best, strict=True)))


def test_backlog_curve_from_the_store(force_sqlite: Engine, policy: WorkforcePolicy) -> None:
    from forcesight.allocation.policy import load_allocation_policy

    curve = posts.backlog_curve(force_sqlite, NOW, 3, policy)
    assert isinstance(curve, posts.BenefitCurve)
    with force_sqlite.connect() as conn:
        waiting = conn.execute(
            select(crimes.c.offence_code, crimes.c.recorded_at).where(
                crimes.c.status == "unallocated"
            )
        ).all()
        allocated = conn.execute(
            select(func.count()).where(crimes.c.allocated_at >= NOW - timedelta(weeks=12))
        ).scalar_one()
    ages = sorted((NOW - at).total_seconds() / 86400 for _, at in waiting)
    median = (ages[0] + ages[1]) / 2  # two crimes wait: C3 and C5
    alloc = load_allocation_policy()
    mean_hours = sum(alloc.requirement(c).expected_hours for c, _ in waiting) / len(waiting)
    per_day = allocated / 84
    extra = 40 * policy.posts.detective_investigative_share / 7 / mean_hours
    assert curve.values[0] == pytest.approx(median)
    assert curve.values[2] == pytest.approx(median * per_day / (per_day + 2 * extra))


def test_plan_says_what_was_not_assessed(
    force_sqlite: Engine, policy: WorkforcePolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "forcesight.allocation.policy", None)
    plan = posts.plan_posts(force_sqlite, NOW, 5, policy=policy)
    assert plan.allocation.height == 0
    assert plan.unassigned == 5
    assert any("allocation engine not installed" in n for n in plan.not_assessed)
    assert any(n.startswith("response engine") for n in plan.not_assessed)
