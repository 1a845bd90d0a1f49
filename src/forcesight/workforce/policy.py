"""The workforce policy file (``policy/rules/workforce.yaml``) as validated pydantic models:
the skills vocabulary, reminder days and the planning assumptions."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy


class SkillRule(SourcedRule):
    name: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    kind: Literal["skill", "accreditation"]
    validity_months: int | None = Field(
        default=None, gt=0, description="Months an award lasts before renewal; null: no expiry."
    )
    aliases: list[str] = Field(default_factory=list)
    description: str


class RemindersRule(SourcedRule):
    days_before: list[int] = Field(min_length=1, description="Reminder days before expiry.")


class SpofRule(SourcedRule):
    max_holders: int = Field(ge=1)


class TutoringRule(SourcedRule):
    max_students_per_tutor: int = Field(ge=1)


class AvailabilityRule(SourcedRule):
    unavailable_kinds: list[str]
    restricted_kinds: list[str]
    restricted_productive_share: float = Field(ge=0, le=1)
    productive_share: float = Field(gt=0, le=1)


class GapsRule(SourcedRule):
    weeks: int = Field(gt=0, description="Weeks of demand measured before the report [weeks].")
    incident_function: str
    unallocated_crime_function: str
    skill_functions: dict[str, str] = Field(default_factory=dict)


class FallbackCrimeDemand(SourcedRule):
    hours_per_crime: float = Field(gt=0, description="Investigative hours of a crime [h].")
    flag_skills: dict[str, list[str]]
    flag_hours: dict[str, float]


class PostsRule(SourcedRule):
    officer_hours_per_week: float = Field(gt=0)
    weeks_per_year: float = Field(gt=0)
    response_on_duty_per_post: float = Field(gt=0, le=1)
    detective_investigative_share: float = Field(gt=0, le=1)
    value_per_grade1_point: float = Field(ge=0)
    value_per_backlog_day: float = Field(ge=0)
    report_posts: int = Field(ge=1, description="Extra posts the report plans for.")


class WorkforcePolicy(PolicyFile):
    skills: list[SkillRule] = Field(min_length=1)
    reminders: RemindersRule
    single_point_of_failure: SpofRule
    tutoring: TutoringRule
    availability: AvailabilityRule
    gaps: GapsRule
    fallback_crime_demand: FallbackCrimeDemand
    posts: PostsRule

    @model_validator(mode="after")
    def _names_once(self) -> WorkforcePolicy:
        seen: set[str] = set()
        for i, rule in enumerate(self.skills):
            for name in (rule.name, *rule.aliases):
                if name in seen:
                    raise ValueError(f"skills[{i}]: name {name!r} appears twice")
                seen.add(name)
        known = {r.name for r in self.skills}
        for flag, names in self.fallback_crime_demand.flag_skills.items():
            unknown = sorted(set(names) - known)
            if unknown:
                raise ValueError(f"fallback_crime_demand.flag_skills.{flag}: unknown {unknown}")
        return self

    def canonical(self) -> dict[str, str]:
        """Every accepted name (canonical or alias) -> the canonical skill name."""
        names = {r.name: r.name for r in self.skills}
        for rule in self.skills:
            names.update({alias: rule.name for alias in rule.aliases})
        return names

    def by_name(self) -> dict[str, SkillRule]:
        return {r.name: r for r in self.skills}


def load_workforce_policy(policy_dir: str | Path | None = None) -> WorkforcePolicy:
    return load_policy("workforce", WorkforcePolicy, policy_dir)
