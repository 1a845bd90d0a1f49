"""The response model's force-choice assumptions, from ``policy/rules/response.yaml``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy


class SkillsRule(SourcedRule):
    names: list[str] = Field(description="Skills a unit may hold and an incident may need.")
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="Other names for the same skill (an accreditation, a log's value) -> name.",
    )

    def canonical(self, name: str) -> str:
        """The skill's own name for ``name`` (itself when it has no alias)."""
        return self.aliases.get(name, name)

    @property
    def known(self) -> list[str]:
        """Every name a roster or a log may use: the skills and their aliases."""
        return [*self.names, *self.aliases]


class ShiftRule(SourcedRule):
    briefing_min: float = Field(ge=0, description="Briefing at the start of a shift [min].")
    meal_min: float = Field(ge=0, description="Meal break length [min].")
    meal_after_hours: float = Field(ge=0, description="Meal due this long after shift start [h].")
    typical_shift_hours: float = Field(gt=0, description="Shift length for availability [h].")


class UnitRule(SourcedRule):
    officers_per_unit: int = Field(ge=1, description="Officers crewing one unit [officers].")


class TravelRule(SourcedRule):
    sigma: float = Field(ge=0, description="Lognormal shape of travel time [-].")
    same_area_median_min: float = Field(ge=0, description="Median travel within an area [min].")
    other_area_median_min: float = Field(ge=0, description="Median travel between areas [min].")


class OnSceneRule(SourcedRule):
    median_min: float = Field(gt=0, description="Median time on scene [min].")
    sigma: float = Field(ge=0, description="Lognormal shape of time on scene [-].")


class AreaRule(SourcedRule):
    default_kind: Literal["urban", "rural"]


class RunRule(SourcedRule):
    drain_hours: float = Field(ge=0, description="Run on after the last arrival [h].")
    unstable_queue_per_day: float = Field(
        gt=0, description="Queue growth that marks a run unstable [incidents/day]."
    )


class ResponsePolicy(PolicyFile):
    skills: SkillsRule
    shift: ShiftRule
    unit: UnitRule
    travel: TravelRule
    on_scene: OnSceneRule
    area: AreaRule
    run: RunRule


def load_response_policy() -> ResponsePolicy:
    return load_policy("response", ResponsePolicy)
