"""Each eligibility rule, with what it forbids; the optimiser's matrix agrees with them."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from forcesight.allocation.eligibility import (
    Case,
    Investigator,
    SkillRecord,
    Spell,
    breaches,
    eligibility_arrays,
    rule_available,
    rule_capacity,
    rule_pip_level,
    rule_route_function,
    rule_skills_accredited,
)
from forcesight.allocation.policy import load_allocation_policy

DAY = date(2024, 3, 1)
CAPACITY = load_allocation_policy().rules.capacity  # 40 h x 0.6 x 4 weeks = 96 h


def case(**values: object) -> Case:
    base: dict[str, object] = {
        "crime_id": 1,
        "crime_ref": "CR1",
        "route": "team",
        "functions": frozenset({"investigation"}),
        "pip_level": 2,
        "skills": frozenset({"child_abuse_investigation"}),
        "hours": 10.0,
        "priority": 1.0,
    }
    base.update(values)
    return Case(**base)  # type: ignore[arg-type]


def officer(**values: object) -> Investigator:
    base: dict[str, object] = {
        "staff_id": "DC1",
        "function": "investigation",
        "pip_level": 2,
        "hours_per_week": 40.0,
        "skills": (SkillRecord("child_abuse_investigation", date(2020, 1, 1), date(2025, 1, 1)),),
    }
    base.update(values)
    return Investigator(**base)  # type: ignore[arg-type]


def test_a_qualified_available_investigator_with_room_breaks_nothing() -> None:
    assert breaches(case(), officer(), DAY, CAPACITY) == []


def test_route_function_forbids_a_response_officer_taking_team_work() -> None:
    breach = rule_route_function(case(), officer(function="response"))
    assert breach is not None and breach.rule == "route:team"


def test_pip_level_forbids_a_pip1_officer_on_a_pip2_case() -> None:
    breach = rule_pip_level(case(), officer(pip_level=1))
    assert breach is not None and breach.rule == "accreditation:PIP2"
    assert rule_pip_level(case(), officer(pip_level=3)) is None


def test_skill_not_held_is_forbidden() -> None:
    (breach,) = rule_skills_accredited(case(), officer(skills=()), DAY)
    assert breach.rule == "skill:child_abuse_investigation" and breach.detail == "not held"


def test_skill_expired_before_the_day_is_forbidden_and_valid_on_expiry_day_is_not() -> None:
    expired = (SkillRecord("child_abuse_investigation", date(2020, 1, 1), date(2024, 2, 29)),)
    (breach,) = rule_skills_accredited(case(), officer(skills=expired), DAY)
    assert breach.detail == "expired on 2024-02-29"
    on_the_day = (SkillRecord("child_abuse_investigation", date(2020, 1, 1), DAY),)
    assert rule_skills_accredited(case(), officer(skills=on_the_day), DAY) == []


def test_revoked_or_future_skill_is_forbidden() -> None:
    revoked = (SkillRecord("child_abuse_investigation", date(2020, 1, 1), None, DAY),)
    assert rule_skills_accredited(case(), officer(skills=revoked), DAY)[0].detail.startswith(
        "revoked"
    )
    future = (SkillRecord("child_abuse_investigation", date(2024, 3, 2)),)
    assert rule_skills_accredited(case(), officer(skills=future), DAY)


def test_sickness_leave_restriction_and_leaving_forbid_allocation() -> None:
    kinds = CAPACITY.blocking_spell_kinds
    for kind in ("sickness", "leave", "restricted"):
        sick = officer(spells=(Spell(kind, date(2024, 2, 1), None),))
        breach = rule_available(sick, DAY, kinds)
        assert breach is not None and breach.rule == f"availability:{kind}"
    ended = officer(spells=(Spell("sickness", date(2024, 2, 1), date(2024, 2, 29)),))
    assert rule_available(ended, DAY, kinds) is None
    left = rule_available(officer(left_on=DAY), DAY, kinds)
    assert left is not None and left.rule == "availability:left"


def test_capacity_forbids_going_over_the_caseload_ceiling() -> None:
    assert rule_capacity(case(hours=10), officer(open_hours=86.0), CAPACITY) is None
    breach = rule_capacity(case(hours=10), officer(open_hours=87.0), CAPACITY)
    assert breach is not None and breach.rule == "capacity"
    assert rule_capacity(case(hours=10), officer(open_hours=80.0), CAPACITY, 7.0) is not None


skills = st.frozensets(st.sampled_from(["a", "b", "c"]), max_size=2)


@settings(max_examples=60, deadline=None)
@given(
    case_pip=st.integers(0, 3),
    case_skills=skills,
    hours=st.integers(1, 100),
    function=st.sampled_from(["investigation", "neighbourhood"]),
    pip=st.integers(0, 3),
    held=skills,
    expired=st.booleans(),
    sick=st.booleans(),
    open_hours=st.integers(0, 100),
)
def test_the_optimiser_matrix_agrees_with_the_rules(
    case_pip: int,
    case_skills: frozenset[str],
    hours: int,
    function: str,
    pip: int,
    held: frozenset[str],
    expired: bool,
    sick: bool,
    open_hours: int,
) -> None:
    one_case = case(pip_level=case_pip, skills=case_skills, hours=float(hours))
    expiry = date(2024, 1, 1) if expired else None
    inv = officer(
        function=function,
        pip_level=pip,
        skills=tuple(SkillRecord(s, date(2020, 1, 1), expiry) for s in held),
        spells=(Spell("sickness", DAY, DAY),) if sick else (),
        open_hours=float(open_hours),
    )
    arrays = eligibility_arrays([one_case], [inv], DAY, CAPACITY)
    assert bool(arrays.eligible[0, 0]) == (breaches(one_case, inv, DAY, CAPACITY) == [])
