"""Reasons a supervisor reads: why this investigator, and why a crime stays in the queue.
Both come from the same rule functions the optimiser's eligibility is built from."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date

from forcesight.allocation.eligibility import (
    Case,
    Investigator,
    capacity_hours,
    rule_available,
    rule_capacity,
    rule_pip_level,
    rule_route_function,
    rule_skills_accredited,
)
from forcesight.allocation.policy import CapacityRule


def explain_assignment(
    case: Case,
    investigator: Investigator,
    day: date,
    capacity: CapacityRule,
    extra_hours: float = 0.0,
) -> list[str]:
    """Why ``investigator`` may take ``case`` and what the choice keeps or costs."""
    reasons = [
        f"{investigator.function} takes {case.route} work",
        f"holds PIP{investigator.pip_level} (needs PIP{case.pip_level})",
    ]
    for skill in sorted(case.skills):
        valid = [s for s in investigator.skills if s.skill == skill and s.valid_on(day)]
        until = max((s.expires_on for s in valid if s.expires_on), default=None)
        reasons.append(
            f"{skill} valid on {day.isoformat()}"
            + (f" (expires {until.isoformat()})" if until else "")
        )
    reasons.append(f"available on {day.isoformat()}")
    limit = capacity_hours(investigator, capacity)
    load = investigator.open_hours + extra_hours
    reasons.append(
        f"caseload {load:.0f} h + this case {case.hours:.0f} h within capacity {limit:.0f} h"
    )
    if case.area and investigator.area:
        if case.area == investigator.area:
            reasons.append(f"team covers the crime's area ({case.area})")
        else:
            reasons.append(f"outside the team's area ({investigator.area}; crime in {case.area})")
    if case.continuity:
        if investigator.staff_id in case.continuity:
            reasons.append("continuity: already holds the victim's or the linked crime's case")
        else:
            reasons.append(
                "continuity lost: the holder of the victim's or linked case "
                f"({', '.join(sorted(case.continuity))}) cannot take it"
            )
    if case.current_holder:
        reasons.append(f"re-allocated from {case.current_holder}, who cannot keep it")
    return reasons


def why_queued(
    case: Case,
    investigators: Sequence[Investigator],
    day: date,
    capacity: CapacityRule,
    assignable: bool,
) -> list[str]:
    """Why no investigator was proposed, naming the rule that leaves nobody (skills-gap view)."""
    if assignable:
        return [
            "eligible investigators' capacity went to higher-priority crimes "
            "(or leaving it queued costs less than its waiting)"
        ]
    pool = [i for i in investigators if rule_route_function(case, i) is None]
    if not pool:
        return [f"no investigator in {', '.join(sorted(case.functions)) or 'any function'}"]
    pool = [i for i in pool if rule_pip_level(case, i) is None]
    if not pool:
        return [f"no {'/'.join(sorted(case.functions))} investigator holds PIP{case.pip_level}"]
    missing: Counter[str] = Counter()
    qualified = []
    for inv in pool:
        broken = rule_skills_accredited(case, inv, day)
        if broken:
            missing.update(b.rule for b in broken)
        else:
            qualified.append(inv)
    if not qualified:
        nobody = [
            s
            for s in sorted(case.skills)
            if not any(r.skill == s and r.valid_on(day) for inv in pool for r in inv.skills)
        ]
        if nobody:
            return [
                f"skills gap: no PIP{case.pip_level}+ investigator holds "
                f"{', '.join(nobody)} valid on {day.isoformat()}"
            ]
        return [
            f"skills gap: no PIP{case.pip_level}+ investigator holds all of "
            f"{', '.join(sorted(case.skills))} valid on {day.isoformat()}"
        ]
    absent: Counter[str] = Counter()
    present = []
    for inv in qualified:
        breach = rule_available(inv, day, capacity.blocking_spell_kinds)
        if breach is None:
            present.append(inv)
        else:
            absent[breach.rule.split(":", 1)[1]] += 1
    if not present:
        listed = ", ".join(f"{kind} {n}" for kind, n in sorted(absent.items()))
        return [f"everyone qualified is absent on {day.isoformat()} ({listed})"]
    most_free = max(capacity_hours(i, capacity) - i.open_hours for i in present)
    if all(rule_capacity(case, i, capacity) is not None for i in present):
        return [
            f"everyone qualified and available is full: needs {case.hours:.0f} h, "
            f"the most free capacity is {max(most_free, 0):.0f} h"
        ]
    return ["no investigator has whole hours free for it (capacity rounded down)"]
