"""Each working-time rule, one test each, showing what it forbids: both the checker over a
finished assignment and the CP-SAT constraints built from the same limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from ortools.sat.python import cp_model

from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.rules import (
    REST,
    RULES,
    Timeline,
    add_months,
    check_assignment,
    limits_for,
)
from forcesight.rostering.shifts import Shift
from forcesight.rostering.solve import constrain

NIGHT, EARLY, LATE, DAY12 = (
    Shift.parse("23:00-07:00"),
    Shift.parse("06:00-14:00"),
    Shift.parse("18:00-02:00"),
    Shift.parse("07:00-19:00"),
)
CATALOGUE = (NIGHT, EARLY, LATE, DAY12)
N, E, L, D = range(4)
_ = REST


def timeline(days: int, **kwargs: object) -> Timeline:
    defaults: dict[str, object] = {
        "shifts": CATALOGUE,
        "first_weekday": 0,
        "first_date": date(2026, 3, 2),
    }
    return Timeline(days=days, **(defaults | kwargs))  # type: ignore[arg-type]


def breaches(
    tl: Timeline, assignment: Sequence[int], rule: str, policy: RosteringPolicy
) -> list[str]:
    return [b.message for b in check_assignment(tl, assignment, policy, [rule])]


def solvable(tl: Timeline, fixed: Mapping[int, int], rule: str, policy: RosteringPolicy) -> bool:
    """Whether CP-SAT finds any assignment keeping ``rule`` with the ``fixed`` days as given."""
    model = cp_model.CpModel()
    x = [[model.new_bool_var(f"x{d}{s}") for s in range(len(tl.shifts))] for d in range(tl.days)]
    rest = [model.new_bool_var(f"r{d}") for d in range(tl.days)]
    for d in range(tl.days):
        model.add_exactly_one([*x[d], rest[d]])
    for d, s in fixed.items():
        model.add((rest[d] if s == REST else x[d][s]) == 1)
    constrain(model, limits_for(tl, policy, [rule]), lambda d, s: rest[d] if s == REST else x[d][s])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def both_agree(tl: Timeline, assignment: Sequence[int], rule: str, policy: RosteringPolicy) -> bool:
    """The checker and the solver say the same about a complete assignment; returns 'allowed'."""
    allowed = not breaches(tl, assignment, rule, policy)
    assert solvable(tl, dict(enumerate(assignment)), rule, policy) == allowed
    return allowed


def test_every_rule_has_a_test_here() -> None:
    tested = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    assert set(RULES) <= tested


def test_daily_rest(policy: RosteringPolicy) -> None:
    tl = timeline(3)
    # Monday night 23:00-07:00 then Tuesday 06:00 is no rest at all: forbidden
    assert not both_agree(tl, [N, E, _], "daily_rest", policy)
    message = breaches(tl, [N, E, _], "daily_rest", policy)[0]
    assert "23:00-07:00 on Mon 2026-03-02" in message and "06:00-14:00 on Tue 2026-03-03" in message
    # ... but Tuesday 18:00 leaves exactly 11 h: allowed. Banning E after N bans E, not every
    # shift the next day (pyworkforce's banned-successor rule forbids any shift the next day).
    assert both_agree(tl, [N, L, _], "daily_rest", policy)
    assert solvable(tl, {0: N, 1: L}, "daily_rest", policy)
    assert not solvable(tl, {0: N, 1: E}, "daily_rest", policy)
    # a 12-hour day then a night the same evening is short of rest too (19:00 -> 23:00 next day
    # is 28 h: fine; 07:00-19:00 then 06:00 next day is 11 h: fine; then 02:00? not a shift)
    assert both_agree(tl, [D, E, _], "daily_rest", policy)
    assert not both_agree(tl, [L, E, _], "daily_rest", policy)  # 02:00 -> 06:00: 4 h


def test_weekly_rest_days(policy: RosteringPolicy) -> None:
    tl = timeline(7)
    assert not both_agree(tl, [E, E, E, E, E, E, _], "weekly_rest_days", policy)
    assert both_agree(tl, [E, E, E, E, E, _, _], "weekly_rest_days", policy)
    # a roster starting on a Wednesday judges only whole roster weeks (Monday to Sunday)
    assert not breaches(timeline(7, first_weekday=2), [E] * 7, "weekly_rest_days", policy)


def test_rest_days_in_pairs(policy: RosteringPolicy) -> None:
    tl = timeline(7)
    assert not both_agree(tl, [E, E, _, E, E, _, _], "rest_days_in_pairs", policy)
    assert both_agree(tl, [E, E, _, _, E, E, E], "rest_days_in_pairs", policy)
    relaxed = policy.model_copy(
        update={
            "rest_days_in_pairs": policy.rest_days_in_pairs.model_copy(update={"required": False})
        }
    )
    assert not breaches(tl, [E, E, _, E, E, _, _], "rest_days_in_pairs", relaxed)


def test_consecutive_shifts(policy: RosteringPolicy) -> None:
    cap = policy.consecutive_shifts.maximum
    tl = timeline(cap + 2)
    assert not both_agree(tl, [E] * (cap + 1) + [_], "consecutive_shifts", policy)
    assert both_agree(tl, [E] * cap + [_, E], "consecutive_shifts", policy)


def test_consecutive_nights(policy: RosteringPolicy) -> None:
    cap = policy.consecutive_nights.maximum
    tl = timeline(cap + 3)
    assert not both_agree(tl, [N] * (cap + 1) + [_, _], "consecutive_nights", policy)
    # day shifts between nights do not count as nights
    assert both_agree(tl, [N] * cap + [_, N, _], "consecutive_nights", policy)
    assert both_agree(tl, [E] * (cap + 3), "consecutive_nights", policy)


def test_average_weekly_hours(policy: RosteringPolicy) -> None:
    tl = timeline(14)
    sixty = [D, D, D, D, D, _, _] * 2  # 60 h a week
    forty = [E, E, E, E, E, _, _] * 2
    assert not both_agree(tl, sixty, "average_weekly_hours", policy)
    assert both_agree(tl, forty, "average_weekly_hours", policy)


def test_contracted_hours(policy: RosteringPolicy) -> None:
    cycle = timeline(7, cyclic=True)
    assert not both_agree(cycle, [E, E, E, _, _, _, _], "contracted_hours", policy)  # 24 h
    assert both_agree(cycle, [E, E, E, E, E, _, _], "contracted_hours", policy)  # 40 h
    assert not both_agree(cycle, [D, D, D, D, _, _, _], "contracted_hours", policy)  # 48 h
    # a dated roster is held to the 48-hour average instead
    assert not breaches(timeline(7), [E, _, _, _, _, _, _], "contracted_hours", policy)


def test_publication_notice(policy: RosteringPolicy) -> None:
    early = timeline(7, first_date=date(2026, 3, 2), published_on=date(2026, 2, 10))
    on_time = timeline(7, first_date=date(2026, 3, 10), published_on=date(2026, 2, 10))
    assert not both_agree(early, [_] * 7, "publication_notice", policy)
    assert "publication on 2026-02-10" in breaches(early, [_] * 7, "publication_notice", policy)[0]
    assert both_agree(on_time, [_] * 7, "publication_notice", policy)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_change_notice(policy: RosteringPolicy) -> None:
    published = (E, E, _, _, E, E, E)
    tl = timeline(7, baseline=published, locked_days=2)  # today is day 1
    assert not both_agree(tl, [E, L, _, _, E, E, E], "change_notice", policy)  # changes today
    assert both_agree(tl, [E, E, E, _, E, E, E], "change_notice", policy)  # tomorrow: allowed
    assert not breaches(timeline(7), [L] * 7, "change_notice", policy)  # nothing published
