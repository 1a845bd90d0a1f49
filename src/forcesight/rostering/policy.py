"""The working-time rules as a validated policy file (``policy/rules/rostering.yaml``)."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator

from forcesight.policy.loader import PolicyFile, SourcedRule, load_policy

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class WorkingTimeRule(SourcedRule):
    force_choice: bool = Field(description="True when the value is the force's own choice.")


class DailyRest(WorkingTimeRule):
    minimum_hours: float = Field(gt=0, le=24, description="Least rest between two shifts [h].")


class WeeklyRestDays(WorkingTimeRule):
    rest_days_per_week: int = Field(ge=0, le=7, description="Rest days in each roster week.")


class RestDaysInPairs(WorkingTimeRule):
    required: bool = Field(description="Every rest day sits next to another rest day.")


class ConsecutiveShifts(WorkingTimeRule):
    maximum: int = Field(ge=1, description="Longest run of working days.")


class ConsecutiveNights(WorkingTimeRule):
    maximum: int = Field(ge=0, description="Longest run of night shifts.")
    night_start: str = Field(description="Start of night time, HH:MM.")
    night_end: str = Field(description="End of night time, HH:MM (next morning).")
    minimum_night_hours: float = Field(
        gt=0, description="A shift is a night shift with at least this much night time [h]."
    )

    @field_validator("night_start", "night_end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a time of day HH:MM")
        return value

    @staticmethod
    def minutes(clock: str) -> int:
        hours, minutes = clock.split(":")
        return int(hours) * 60 + int(minutes)


class AverageWeeklyHours(WorkingTimeRule):
    maximum_hours: float = Field(gt=0, description="Average working hours a week at most [h].")
    reference_weeks: int = Field(ge=1, description="Weeks the average is taken over.")


class ContractedHours(WorkingTimeRule):
    hours_per_week: float = Field(gt=0, description="Contracted hours a week [h].")
    tolerance_hours: float = Field(ge=0, description="Allowed average deviation [h a week].")


class PublicationNotice(WorkingTimeRule):
    months: int = Field(ge=0, description="Months between publication and the roster's start.")


class ChangeNotice(WorkingTimeRule):
    notice: str = Field(
        pattern="^midnight_before$",
        description="When an officer must be told of a change: by midnight before the day.",
    )
    late_change_days: int = Field(ge=0, description="Changes with less notice count as late [d].")


class RosteringPolicy(PolicyFile):
    daily_rest: DailyRest
    weekly_rest_days: WeeklyRestDays
    rest_days_in_pairs: RestDaysInPairs
    consecutive_shifts: ConsecutiveShifts
    consecutive_nights: ConsecutiveNights
    average_weekly_hours: AverageWeeklyHours
    contracted_hours: ContractedHours
    publication_notice: PublicationNotice
    change_notice: ChangeNotice


def load_rostering_policy(policy_dir: str | Path | None = None) -> RosteringPolicy:
    """The force's rostering rules (its override file if present, else the shipped defaults)."""
    return load_policy("rostering", RosteringPolicy, policy_dir)
