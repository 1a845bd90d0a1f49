"""The demand policy files: officer-hours per crime and hidden-demand settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy

CRIME_FLAGS = (
    "domestic_abuse",
    "hate",
    "cse",
    "modern_slavery",
    "child_victim",
    "vulnerable_victim",
    "repeat_victim",
)


class Assumed(SourcedRule):
    value: float = Field(gt=0)
    assumption: bool


class Complexity(SourcedRule):
    complex_if_any: list[str] = Field(min_length=1)

    def model_post_init(self, _context: object) -> None:
        unknown = [f for f in self.complex_if_any if f not in CRIME_FLAGS]
        if unknown:
            raise ValueError(f"unknown crime flag(s) {unknown}; known: {list(CRIME_FLAGS)}")


class HoursRule(SourcedRule):
    standard: float = Field(gt=0, description="Investigative officer-hours [h], standard crime.")
    complex: float = Field(gt=0, description="Investigative officer-hours [h], complex crime.")
    assumption: bool


class GroupHours(HoursRule):
    offence_code: str | None = None
    offence_subgroup: str | None = None
    offence_group: str | None = None

    def model_post_init(self, _context: object) -> None:
        keys = [self.offence_code, self.offence_subgroup, self.offence_group]
        if sum(k is not None for k in keys) != 1:
            raise ValueError("give exactly one of offence_code, offence_subgroup, offence_group")


class HoursPolicy(PolicyFile):
    officers_per_unit: Assumed
    complexity: Complexity
    default: HoursRule
    investigative_hours: list[GroupHours]
    missing_person_hours: Assumed


class Repeats(SourcedRule):
    window_days: int = Field(gt=0)
    victim_min_crimes: int = Field(ge=2)
    location_min_crimes: int = Field(ge=2)


class UnderReportedType(SourcedRule):
    name: str
    offence_codes: list[str] = Field(min_length=1)


class UnderReported(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    threshold_ratio: float = Field(gt=0, lt=1)
    threshold_source: str = Field(min_length=3)
    types: list[UnderReportedType] = Field(min_length=1)


class HiddenPolicy(PolicyFile):
    repeats: Repeats
    under_reported: UnderReported


def load_hours_policy(policy_dir: str | Path | None = None) -> HoursPolicy:
    return load_policy("demand_hours", HoursPolicy, policy_dir)


def load_hidden_policy(policy_dir: str | Path | None = None) -> HiddenPolicy:
    return load_policy("demand_hidden", HiddenPolicy, policy_dir)
