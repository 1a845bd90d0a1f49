"""A synthetic allocation problem for benchmarks and property tests: seeded, no real data.

Shapes are assumptions, not published figures: a queue split between desk, appointment and
team routes; investigators across the four functions that take crimes, with PIP levels,
specialist skills (some expired on the day), sickness and leave; caseload demand a set multiple
(``load_ratio``) of the free capacity, because the inspection found large backlogs.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from forcesight.allocation.eligibility import Case, Investigator, SkillRecord, Spell
from forcesight.allocation.model import AllocationProblem
from forcesight.allocation.policy import AllocationPolicy, load_allocation_policy

ROUTE_FUNCTIONS = {
    "desk": frozenset({"crime_management"}),
    "appointment": frozenset({"neighbourhood"}),
    "team": frozenset({"investigation", "public_protection"}),
}


def synthetic_problem(
    n_cases: int,
    n_investigators: int,
    n_skills: int = 8,
    random_state: int = 0,
    day: date = date(2024, 3, 1),
    load_ratio: float = 1.3,
    n_areas: int = 5,
    policy: AllocationPolicy | None = None,
) -> AllocationProblem:
    """A queue of ``n_cases`` and ``n_investigators`` with ``n_skills`` skill types."""
    policy = policy if policy is not None else load_allocation_policy()
    rng = np.random.default_rng(random_state)
    skills = [f"skill_{k}" for k in range(n_skills)]
    named = policy.skill_names
    skills = [named[k] if k < len(named) else s for k, s in enumerate(skills)]
    areas = [f"AREA{a}" for a in range(n_areas)]

    cases = []
    for i in range(n_cases):
        route = str(rng.choice(["desk", "appointment", "team"], p=[0.3, 0.2, 0.5]))
        if route == "team":
            pip = int(rng.choice([1, 2, 3], p=[0.55, 0.42, 0.03]))
            k = int(rng.choice([0, 1, 2], p=[0.55, 0.35, 0.10]))
            need = frozenset(str(s) for s in rng.choice(skills, size=k, replace=False))
            hours = float(np.clip(np.round(rng.lognormal(2.3, 0.7)), 3, 120))
        else:
            pip, need = 1, frozenset()
            hours = float(rng.integers(2, 5) if route == "desk" else rng.integers(3, 9))
        flags = int(rng.binomial(3, 0.2))
        age = float(rng.exponential(10.0))
        priority = 1.0 + 3.0 * flags + 0.1 * min(age, 28.0)
        holder = None
        if rng.random() < 0.05:
            holder = frozenset({f"S{int(rng.integers(n_investigators)):05d}"})
        cases.append(
            Case(
                crime_id=i + 1,
                crime_ref=f"CR{i + 1:06d}",
                route=route,
                functions=ROUTE_FUNCTIONS[route],
                pip_level=pip,
                skills=need,
                hours=hours,
                priority=round(priority, 3),
                age_days=round(age, 3),
                area=str(rng.choice(areas)),
                continuity=holder or frozenset(),
            )
        )

    functions = ["investigation", "public_protection", "crime_management", "neighbourhood"]
    share = np.array([0.5, 0.15, 0.2, 0.15])
    investigators = []
    caps = []
    for j in range(n_investigators):
        function = str(rng.choice(functions, p=share))
        if function == "investigation":
            pip = int(rng.choice([1, 2, 3], p=[0.4, 0.55, 0.05]))
            p_skill = 0.25
        elif function == "public_protection":
            pip, p_skill = 2, 0.5
        else:
            pip, p_skill = 1, 0.0
        held = []
        for s in skills:
            if rng.random() < p_skill:
                awarded = day - timedelta(days=int(rng.integers(30, 2000)))
                expired = rng.random() < 0.1
                expires = (
                    day - timedelta(days=int(rng.integers(1, 200)))
                    if expired
                    else (day + timedelta(days=int(rng.integers(30, 1000))))
                )
                held.append(SkillRecord(s, awarded, expires))
        spells = []
        draw = rng.random()
        if draw < 0.08:
            spells.append(Spell("sickness", day - timedelta(days=3), day + timedelta(days=10)))
        elif draw < 0.12:
            spells.append(Spell("leave", day - timedelta(days=1), day + timedelta(days=6)))
        hours_per_week = float(rng.choice([40.0, 30.0, 20.0], p=[0.85, 0.1, 0.05]))
        cap = hours_per_week * policy.rules.capacity.investigative_share
        cap *= policy.rules.capacity.caseload_weeks
        caps.append(cap)
        investigators.append(
            {
                "staff_id": f"S{j:05d}",
                "function": function,
                "pip_level": pip,
                "hours_per_week": hours_per_week,
                "team_id": f"T{function[:3].upper()}{j % n_areas}",
                "area": areas[j % n_areas],
                "skills": tuple(held),
                "spells": tuple(spells),
            }
        )
    demand = sum(c.hours for c in cases)
    free_share = rng.uniform(0.1, 1.0, size=n_investigators)
    caps_arr = np.array(caps)
    target = demand / load_ratio
    free = np.minimum(
        caps_arr * free_share * target / float((caps_arr * free_share).sum()), caps_arr
    )
    built = tuple(
        Investigator(
            **inv,  # type: ignore[arg-type]
            open_hours=float(np.round(caps_arr[j] - free[j], 1)),
            open_cases=int(np.round((caps_arr[j] - free[j]) / 10.0)),
        )
        for j, inv in enumerate(investigators)
    )
    return AllocationProblem(
        day, tuple(cases), built, policy.rules.capacity, policy.rules.objective
    )
