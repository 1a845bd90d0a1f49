"""Designing patterns: bounds and gaps, nights on the next morning, infeasible specifications,
explanations."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import polars as pl
import pytest

from forcesight.errors import ScenarioError
from forcesight.rostering.check import check_roster
from forcesight.rostering.design import Design, design
from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.roster import instantiate
from forcesight.rostering.rules import REST
from forcesight.rostering.spec import FunctionSpec, RosterSpec

TODAY = date(2026, 1, 5)


def spec_of(*functions: FunctionSpec, seconds: float = 10, explain: float = 0) -> RosterSpec:
    return RosterSpec(
        name="test",
        functions=list(functions),
        solver={"time_limit_seconds": seconds, "explain_seconds": explain, "workers": 1},
    )


def test_easy_cover_is_met_with_a_proven_bound_and_the_roster_keeps_every_rule(
    policy: RosteringPolicy, day_cover: pl.DataFrame
) -> None:
    f = FunctionSpec(
        name="neighbourhood",
        headcount=10,
        teams=5,
        cycle_weeks=5,
        shift_lengths_hours=[8, 10],
        start_hours=[8],
    )
    result = design(spec_of(f), day_cover, policy, TODAY)
    nb = result.function("neighbourhood")
    assert nb.shortfall_officer_hours() == 0
    first = nb.stages[0]
    assert first.objective == 0 and first.bound == 0 and first.gap == 0
    assert all(s.bound is not None and s.gap is not None for s in nb.stages)
    assert result.start_date.weekday() == 0 and result.start_date >= date(2026, 2, 5)
    roster = instantiate(result, result.start_date, 10)
    assert roster.days == 70 and len(roster.officers) == 10
    assert check_roster(roster, policy).height == 0


def test_a_night_is_put_on_monday_to_cover_tuesday_early_hours(
    policy: RosteringPolicy, make_cover: Any
) -> None:
    cover = make_cover({"response": lambda h: 1 if 24 <= h < 30 else 0})  # Tue 00:00-06:00
    f = FunctionSpec(
        name="response",
        headcount=1,
        teams=1,
        cycle_weeks=1,
        shift_lengths_hours=[8],
        start_hours=[22],
        contracted_hours_per_week=8,
    )
    nights = design(spec_of(f), cover, policy, TODAY).function("response")
    assert nights.shortfall_officer_hours() == 0
    assert [day for day, s in enumerate(nights.pattern[0]) if s != REST] == [0]  # Monday
    assert nights.cover()[24:30].tolist() == [1] * 6
    assert nights.cover()[0:6].tolist() == [0] * 6


def test_an_infeasible_spec_returns_the_best_roster_and_names_the_rules_in_conflict(
    policy: RosteringPolicy, day_cover: pl.DataFrame
) -> None:
    # 48 contracted hours from 8-hour shifts needs six shifts a week; two rest days allow five
    f = FunctionSpec(
        name="neighbourhood",
        headcount=2,
        teams=1,
        cycle_weeks=1,
        shift_lengths_hours=[8],
        start_hours=[8],
        contracted_hours_per_week=48,
    )
    result = design(spec_of(f, seconds=6), day_cover, policy, TODAY).function("neighbourhood")
    assert "contracted_hours" in result.conflict
    assert len(result.conflict) >= 2
    assert result.relaxed and set(result.relaxed) <= set(result.conflict) | {"rest_days_in_pairs"}
    assert any(s != REST for s in result.pattern[0])  # a roster, not just "infeasible"
    assert result.breaches and "cannot all hold" in result.note
    assert any(stage.name == "rules broken" for stage in result.stages)


def test_the_explanation_lists_binding_rules_and_under_covered_hours(
    policy: RosteringPolicy, make_cover: Any
) -> None:
    # one officer cannot work Monday's night and then Tuesday 07:00-15:00: no rest between
    cover = make_cover({"response": lambda h: 1 if 23 <= h < 39 else 0})
    f = FunctionSpec(
        name="response",
        headcount=1,
        teams=1,
        cycle_weeks=1,
        shift_lengths_hours=[8],
        start_hours=[7, 23],
    )
    result = design(spec_of(f, explain=3), cover, policy, TODAY).function("response")
    short = result.under_covered_hours()
    assert len(short) == 8 and result.shortfall_officer_hours() == 8
    assert {"hour", "required", "rostered", "short"} <= set(short[0])
    findings = {r.rule: r for r in result.rules}
    assert findings["daily_rest"].binds is True
    assert "falls from 8 to 0" in findings["daily_rest"].effect
    assert findings["daily_rest"].tight >= 1
    assert findings["contracted_hours"].binds is False
    assert findings["publication_notice"].binds is False


def test_a_design_survives_the_store_format(
    policy: RosteringPolicy, day_cover: pl.DataFrame
) -> None:
    f = FunctionSpec(
        name="neighbourhood",
        headcount=10,
        teams=5,
        cycle_weeks=5,
        shift_lengths_hours=[8, 10],
        start_hours=[8],
    )
    result = design(spec_of(f), day_cover, policy, TODAY)
    again = Design.from_dict(result.to_dict())
    assert np.allclose(again.functions[0].cover(), result.functions[0].cover())
    assert again.start_date == result.start_date


def test_a_bad_cover_frame_is_refused_naming_the_function(
    policy: RosteringPolicy, make_cover: Any
) -> None:
    partial = make_cover({"response": lambda h: 1}).filter(pl.col("hour_of_week") < 100)
    f = FunctionSpec(name="response", headcount=5, teams=5, cycle_weeks=5)
    with pytest.raises(ScenarioError, match="68 hour"):
        design(spec_of(f), partial, policy, TODAY)
