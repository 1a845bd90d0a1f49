"""Call grades and attendance targets."""

from __future__ import annotations

from pydantic import Field

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy


class Grade(SourcedRule):
    code: str = Field(description="Grade code as the force's log records it, e.g. '1'.")
    name: str
    attend: bool = Field(description="Whether a unit is sent.")
    target_minutes_urban: float | None = Field(
        default=None, gt=0, description="Attendance target [min] in urban areas."
    )
    target_minutes_rural: float | None = Field(
        default=None, gt=0, description="Attendance target [min] in rural areas."
    )
    target_share: float | None = Field(
        default=None, gt=0, le=1, description="Share of incidents to meet the target."
    )
    priority: int = Field(ge=1, description="1 is served first.")


class GradesPolicy(PolicyFile):
    grades: list[Grade]

    def by_code(self) -> dict[str, Grade]:
        return {g.code: g for g in self.grades}


def load_grades() -> GradesPolicy:
    return load_policy("grades", GradesPolicy)
