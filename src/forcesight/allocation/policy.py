"""The allocation policy files, validated: ``allocation.yaml`` and ``allocation_offences.yaml``.

Both are force-editable (the ``policy_dir`` setting). Every rule carries its ``source``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from forcesight.errors import PolicyError
from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy, policy_path

FLAGS = (
    "domestic_abuse",
    "hate",
    "cse",
    "modern_slavery",
    "child_victim",
    "vulnerable_victim",
    "repeat_victim",
)
SOLVABILITY_FACTORS = (
    "sf_victim_supports",
    "sf_named_suspect",
    "sf_witness",
    "sf_cctv",
    "sf_police_witness",
    "sf_forensics",
    "sf_linked",
    "sf_reported_within_28d",
)
Flag = Literal[
    "domestic_abuse",
    "hate",
    "cse",
    "modern_slavery",
    "child_victim",
    "vulnerable_victim",
    "repeat_victim",
]
Factor = Literal[
    "sf_victim_supports",
    "sf_named_suspect",
    "sf_witness",
    "sf_cctv",
    "sf_police_witness",
    "sf_forensics",
    "sf_linked",
    "sf_reported_within_28d",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SolvabilityRule(SourcedRule):
    weights: dict[Factor, float] = Field(description="Weight of each factor present (>= 0).")

    @model_validator(mode="after")
    def _all_factors(self) -> SolvabilityRule:
        missing = [f for f in SOLVABILITY_FACTORS if f not in self.weights]
        if missing:
            raise ValueError(f"weights missing for factor(s) {', '.join(missing)}")
        if any(w < 0 for w in self.weights.values()) or sum(self.weights.values()) <= 0:
            raise ValueError("weights must be >= 0 and not all 0")
        return self


class PriorityRule(SourcedRule):
    base: float = Field(ge=0)
    flag_points: dict[Flag, float]
    harm_points: float = Field(ge=0, description="Points for the most harmful loaded offence.")
    age_points_per_day: float = Field(ge=0)
    age_cap_days: float = Field(ge=0, description="Age [days] beyond which priority stops rising.")


class EnhancedVictimRule(SourcedRule):
    flags: list[Flag]
    offence_groups: list[str] = Field(default_factory=list)


class FlagRule(SourcedRule):
    flag: Flag
    min_pip_level: int = Field(default=0, ge=0, le=4)
    skills: list[str] = Field(default_factory=list)
    offence_groups: list[str] = Field(
        default_factory=list, description="Applies only to these offence groups; empty means all."
    )


class Route(SourcedRule):
    name: Literal["screen_out", "desk", "appointment", "team"]
    description: str
    functions: list[str] = Field(description="Staff functions that take crimes on this route.")
    solvability_below: float | None = Field(default=None, ge=0, le=1)
    max_pip_level: int | None = Field(default=None, ge=0, le=4)
    max_priority: float | None = None
    no_specialist_skills: bool = False
    never_if_flags: list[Flag] = Field(default_factory=list)


class UnknownOffenceRule(SourcedRule):
    route: Literal["screen_out", "desk", "appointment", "team"]
    pip_level: int = Field(ge=0, le=4)
    skills: list[str] = Field(default_factory=list)
    expected_hours: float = Field(gt=0)


class CapacityRule(SourcedRule):
    caseload_weeks: float = Field(gt=0)
    investigative_share: float = Field(gt=0, le=1)
    blocking_spell_kinds: list[str]


class LoadBand(_Strict):
    up_to: float = Field(gt=0, le=1, description="Share of the investigator's capacity.")
    cost_per_hour: float = Field(ge=0)


class ObjectiveRule(SourcedRule):
    waiting_horizon_days: float = Field(gt=0)
    area_mismatch_cost: float = Field(ge=0)
    continuity_cost: float = Field(ge=0)
    load_bands: list[LoadBand] = Field(min_length=1)

    @model_validator(mode="after")
    def _convex_bands(self) -> ObjectiveRule:
        ups = [b.up_to for b in self.load_bands]
        costs = [b.cost_per_hour for b in self.load_bands]
        if ups != sorted(ups) or len(set(ups)) != len(ups) or ups[-1] != 1.0:
            raise ValueError("load_bands up_to must increase strictly and end at 1.0")
        if costs != sorted(costs):
            raise ValueError("load_bands cost_per_hour must not fall (a convex load cost)")
        return self


class AllocationRules(PolicyFile):
    solvability: SolvabilityRule
    priority: PriorityRule
    enhanced_victim_flags: EnhancedVictimRule
    flag_rules: list[FlagRule]
    routes: list[Route] = Field(min_length=1)
    unknown_offence: UnknownOffenceRule
    capacity: CapacityRule
    objective: ObjectiveRule

    @model_validator(mode="after")
    def _last_route_catches_all(self) -> AllocationRules:
        last = self.routes[-1]
        if (
            last.solvability_below is not None
            or last.max_pip_level is not None
            or last.max_priority is not None
            or last.no_specialist_skills
            or last.never_if_flags
        ):
            raise ValueError(f"the last route ({last.name}) must have no conditions")
        names = [r.name for r in self.routes]
        if len(set(names)) != len(names):
            raise ValueError("route names must be unique")
        if self.unknown_offence.route not in names:
            raise ValueError(f"unknown_offence.route {self.unknown_offence.route!r} is not a route")
        return self


class Skill(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    description: str


class OffenceRequirement(SourcedRule):
    codes: list[str] = Field(min_length=1, description="Home Office offence codes.")
    offence_group: str
    pip_level: int = Field(ge=0, le=4)
    skills: list[str] = Field(default_factory=list)
    expected_hours: float = Field(gt=0, description="Expected investigative hours [h].")


class OffencesTable(PolicyFile):
    skills: list[Skill]
    offences: list[OffenceRequirement]

    @model_validator(mode="after")
    def _codes_once_and_skills_known(self) -> OffencesTable:
        known = {s.name for s in self.skills}
        seen: set[str] = set()
        for i, entry in enumerate(self.offences):
            for code in entry.codes:
                if code in seen:
                    raise ValueError(f"offences[{i}]: code {code!r} appears twice")
                seen.add(code)
            unknown = [s for s in entry.skills if s not in known]
            if unknown:
                raise ValueError(f"offences[{i}]: unknown skill(s) {', '.join(unknown)}")
        return self


@dataclass(frozen=True)
class Requirement:
    """What one offence code needs: PIP level, skills and expected hours [h]."""

    offence_code: str
    offence_group: str | None
    pip_level: int
    skills: frozenset[str]
    expected_hours: float
    known: bool  # False: the code is not in the table and the default was used
    source: str


@dataclass(frozen=True)
class AllocationPolicy:
    """Both allocation policy files, with the offence table indexed by code."""

    rules: AllocationRules
    offences: OffencesTable
    by_code: dict[str, OffenceRequirement] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {code: e for e in self.offences.offences for code in e.codes}
        object.__setattr__(self, "by_code", index)

    def requirement(self, offence_code: str) -> Requirement:
        entry = self.by_code.get(offence_code)
        if entry is None:
            default = self.rules.unknown_offence
            return Requirement(
                offence_code,
                None,
                default.pip_level,
                frozenset(default.skills),
                default.expected_hours,
                known=False,
                source=default.source,
            )
        return Requirement(
            offence_code,
            entry.offence_group,
            entry.pip_level,
            frozenset(entry.skills),
            entry.expected_hours,
            known=True,
            source=entry.source,
        )

    def route(self, name: str) -> Route:
        return next(r for r in self.rules.routes if r.name == name)

    @property
    def skill_names(self) -> list[str]:
        return [s.name for s in self.offences.skills]


def load_allocation_policy(policy_dir: str | Path | None = None) -> AllocationPolicy:
    """Load and validate ``allocation.yaml`` and ``allocation_offences.yaml``."""
    rules = load_policy("allocation", AllocationRules, policy_dir)
    offences = load_policy("allocation_offences", OffencesTable, policy_dir)
    known = {s.name for s in offences.skills}
    for rule in rules.flag_rules:
        unknown = [s for s in rule.skills if s not in known]
        if unknown:
            raise PolicyError(
                str(policy_path("allocation", policy_dir)),
                f"flag_rules.{rule.flag}.skills",
                f"unknown skill(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
            )
    return AllocationPolicy(rules, offences)
