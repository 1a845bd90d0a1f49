"""Who may take a crime: each rule is one named function, and the optimiser's eligibility
matrix is built from the same rules (a test checks that the two agree).

A rule returns ``None`` when the investigator may take the case, else a ``Breach`` naming the
rule and what it forbids. ``breaches`` applies them all; an override that breaks one is
recorded with these codes in ``crime_allocations.breaches``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from forcesight.allocation.policy import CapacityRule


@dataclass(frozen=True)
class SkillRecord:
    skill: str
    awarded_on: date
    expires_on: date | None = None
    revoked_on: date | None = None

    def valid_on(self, day: date) -> bool:
        """Awarded on or before ``day``, not expired before it and not revoked by then."""
        return (
            self.awarded_on <= day
            and (self.expires_on is None or self.expires_on >= day)
            and (self.revoked_on is None or self.revoked_on > day)
        )


@dataclass(frozen=True)
class Spell:
    kind: str
    starts_on: date
    ends_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


@dataclass(frozen=True)
class Investigator:
    """An officer or staff member who can take crimes, with the open caseload [h] they hold."""

    staff_id: str
    function: str
    pip_level: int
    hours_per_week: float
    team_id: str | None = None
    area: str | None = None
    open_hours: float = 0.0
    open_cases: int = 0
    skills: tuple[SkillRecord, ...] = ()
    spells: tuple[Spell, ...] = ()
    joined_on: date | None = None
    left_on: date | None = None

    def skills_valid_on(self, day: date) -> frozenset[str]:
        return frozenset(s.skill for s in self.skills if s.valid_on(day))


@dataclass(frozen=True)
class Case:
    """A triaged crime waiting for an investigator (or to be re-allocated)."""

    crime_id: int
    crime_ref: str
    route: str
    functions: frozenset[str]
    pip_level: int
    skills: frozenset[str]
    hours: float  # expected investigative hours [h]
    priority: float
    age_days: float = 0.0
    area: str | None = None
    continuity: frozenset[str] = field(default_factory=frozenset)  # staff holding linked work
    current_holder: str | None = None  # re-allocation: the investigator who cannot keep it


@dataclass(frozen=True)
class Breach:
    rule: str  # e.g. "accreditation:PIP2", "skill:child_abuse_investigation"
    detail: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.detail})"


def capacity_hours(investigator: Investigator, rule: CapacityRule) -> float:
    """Open-caseload ceiling [h]: weekly hours x investigative share x caseload weeks."""
    return investigator.hours_per_week * rule.investigative_share * rule.caseload_weeks


def rule_route_function(case: Case, investigator: Investigator) -> Breach | None:
    """The investigator's function must be one that takes crimes on the case's route."""
    if investigator.function in case.functions:
        return None
    return Breach(
        f"route:{case.route}",
        f"{investigator.function} does not take {case.route} work "
        f"({', '.join(sorted(case.functions)) or 'no function'} does)",
    )


def rule_pip_level(case: Case, investigator: Investigator) -> Breach | None:
    """PIP accreditation at least the level the case needs."""
    if investigator.pip_level >= case.pip_level:
        return None
    return Breach(
        f"accreditation:PIP{case.pip_level}",
        f"holds PIP{investigator.pip_level}, needs PIP{case.pip_level}",
    )


def rule_skills_accredited(case: Case, investigator: Investigator, day: date) -> list[Breach]:
    """Every required skill held, with an award valid on ``day`` (not expired, not revoked)."""
    out = []
    for skill in sorted(case.skills):
        records = [s for s in investigator.skills if s.skill == skill]
        if any(s.valid_on(day) for s in records):
            continue
        if not records:
            detail = "not held"
        else:
            latest = max(records, key=lambda s: s.awarded_on)
            if latest.revoked_on is not None and latest.revoked_on <= day:
                detail = f"revoked on {latest.revoked_on.isoformat()}"
            elif latest.expires_on is not None and latest.expires_on < day:
                detail = f"expired on {latest.expires_on.isoformat()}"
            else:
                detail = f"awarded only on {latest.awarded_on.isoformat()}"
        out.append(Breach(f"skill:{skill}", detail))
    return out


def rule_available(
    investigator: Investigator, day: date, blocking_kinds: Sequence[str]
) -> Breach | None:
    """In post on ``day`` and with no sickness, leave or restriction spell covering it."""
    if investigator.left_on is not None and investigator.left_on <= day:
        return Breach("availability:left", f"left on {investigator.left_on.isoformat()}")
    if investigator.joined_on is not None and investigator.joined_on > day:
        return Breach("availability:not_joined", f"joins on {investigator.joined_on.isoformat()}")
    for spell in investigator.spells:
        if spell.kind in blocking_kinds and spell.covers(day):
            until = spell.ends_on.isoformat() if spell.ends_on else "open-ended"
            return Breach(
                f"availability:{spell.kind}",
                f"{spell.kind} from {spell.starts_on.isoformat()} to {until}",
            )
    return None


def rule_capacity(
    case: Case, investigator: Investigator, rule: CapacityRule, extra_hours: float = 0.0
) -> Breach | None:
    """Open caseload plus this case (plus ``extra_hours`` proposed alongside) within capacity."""
    limit = capacity_hours(investigator, rule)
    load = investigator.open_hours + extra_hours + case.hours
    if load <= limit + 1e-9:
        return None
    return Breach(
        "capacity",
        f"caseload would be {load:.0f} h against a capacity of {limit:.0f} h",
    )


def breaches(
    case: Case,
    investigator: Investigator,
    day: date,
    capacity_rule: CapacityRule,
    extra_hours: float = 0.0,
) -> list[Breach]:
    """Every rule this assignment would break (empty: the investigator is eligible)."""
    found: list[Breach] = []
    for single in (rule_route_function(case, investigator), rule_pip_level(case, investigator)):
        if single is not None:
            found.append(single)
    found.extend(rule_skills_accredited(case, investigator, day))
    available = rule_available(investigator, day, capacity_rule.blocking_spell_kinds)
    if available is not None:
        found.append(available)
    capacity = rule_capacity(case, investigator, capacity_rule, extra_hours)
    if capacity is not None:
        found.append(capacity)
    return found


@dataclass(frozen=True)
class EligibilityArrays:
    """The rules as arrays over cases (rows) and investigators (columns)."""

    eligible: npt.NDArray[np.bool_]  # every rule but the joint capacity of several cases
    hours: npt.NDArray[np.int64]  # case hours rounded up [h]
    open_hours: npt.NDArray[np.int64]  # investigator open caseload rounded up [h]
    capacity: npt.NDArray[np.int64]  # investigator ceiling rounded down [h]
    available: npt.NDArray[np.bool_]

    @property
    def free(self) -> npt.NDArray[np.int64]:
        free: npt.NDArray[np.int64] = np.maximum(self.capacity - self.open_hours, 0)
        return free


def eligibility_arrays(
    cases: Sequence[Case],
    investigators: Sequence[Investigator],
    day: date,
    capacity_rule: CapacityRule,
) -> EligibilityArrays:
    """Vectorised ``breaches``: hours are whole (cases rounded up, capacity rounded down), so
    an assignment that fits here also fits ``rule_capacity``."""
    skills = sorted({s for c in cases for s in c.skills})
    bit = {s: 1 << i for i, s in enumerate(skills)}
    functions = sorted(
        {f for c in cases for f in c.functions} | {i.function for i in investigators}
    )
    fbit = {f: 1 << i for i, f in enumerate(functions)}
    if len(skills) > 62 or len(functions) > 62:
        raise ValueError("more than 62 skills or functions in one allocation problem")

    case_pip = np.array([c.pip_level for c in cases], dtype=np.int64)
    case_skills = np.array([sum(bit[s] for s in c.skills) for c in cases], dtype=np.int64)
    case_functions = np.array([sum(fbit[f] for f in c.functions) for c in cases], dtype=np.int64)
    hours = np.array([math.ceil(c.hours - 1e-9) for c in cases], dtype=np.int64)

    inv_pip = np.array([i.pip_level for i in investigators], dtype=np.int64)
    inv_skills = np.array(
        [sum(bit[s] for s in i.skills_valid_on(day) if s in bit) for i in investigators],
        dtype=np.int64,
    )
    inv_function = np.array([fbit[i.function] for i in investigators], dtype=np.int64)
    available = np.array(
        [rule_available(i, day, capacity_rule.blocking_spell_kinds) is None for i in investigators],
        dtype=np.bool_,
    )
    open_hours = np.array([math.ceil(i.open_hours - 1e-9) for i in investigators], dtype=np.int64)
    capacity = np.array(
        [math.floor(capacity_hours(i, capacity_rule) + 1e-9) for i in investigators],
        dtype=np.int64,
    )
    free = np.maximum(capacity - open_hours, 0)

    eligible = (
        ((case_functions[:, None] & inv_function[None, :]) != 0)
        & (inv_pip[None, :] >= case_pip[:, None])
        & ((case_skills[:, None] & ~inv_skills[None, :]) == 0)
        & available[None, :]
        & (hours[:, None] <= free[None, :])
    )
    return EligibilityArrays(eligible, hours, open_hours, capacity, available)
