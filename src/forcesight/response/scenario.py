"""The scenario file: roster, demand, targets and policies of one response simulation.

Every field says its unit in brackets. ``docs/response.md`` renders this schema as a table
(``forcesight response schema``), so the docs cannot drift from the code.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaSpec(_Model):
    name: str = Field(min_length=1, description="Area (beat, sector or base) name [-].")
    kind: Literal["urban", "rural"] | None = Field(
        default=None, description="Which attendance target applies [urban|rural]."
    )


class TravelSpec(_Model):
    same_area_median_min: float | None = Field(
        default=None, ge=0, description="Median travel within an area [min]."
    )
    other_area_median_min: float | None = Field(
        default=None, ge=0, description="Median travel from another area [min]."
    )
    median_min: dict[str, dict[str, float]] | None = Field(
        default=None,
        description="Median travel [min] from area (outer key) to area (inner key); "
        "overrides the two figures above for the pairs it lists.",
    )
    sigma: float | None = Field(
        default=None, ge=0, description="Lognormal shape of travel time; 0 = fixed [-]."
    )


class OnSceneSpec(_Model):
    distribution: Literal["lognormal", "exponential"] = Field(
        default="lognormal", description="Shape of time on scene [lognormal|exponential]."
    )
    median_min: float | None = Field(
        default=None, gt=0, description="Median time on scene, lognormal [min]."
    )
    sigma: float | None = Field(default=None, ge=0, description="Lognormal shape [-].")
    mean_min: float | None = Field(
        default=None, gt=0, description="Mean time on scene, exponential [min]."
    )


class GradeDemand(_Model):
    grade: str = Field(description="Grade code from policy/rules/grades.yaml [-].")
    incidents_per_day: float = Field(ge=0, description="Mean arrivals of this grade [1/day].")
    on_scene: OnSceneSpec = Field(
        default_factory=OnSceneSpec,
        description="Time on scene of this grade's incidents; unset figures from response.yaml.",
    )
    two_unit_share: float = Field(
        default=0.0, ge=0, le=1, description="Share of incidents that need two units [-]."
    )
    skill_shares: dict[str, float] = Field(
        default_factory=dict,
        description="Share of incidents needing each skill [-]; every unit sent must hold it.",
    )
    vulnerable_share: float = Field(
        default=0.0, ge=0, le=1, description="Share flagged vulnerable victim [-]."
    )


class DemandSpec(_Model):
    source: Literal["profile", "store", "replay"] = Field(
        default="profile",
        description="profile: sampled from the rates below; store: rates by hour of week "
        "and mix fitted from the store's incident log; replay: the log's own arrivals [-].",
    )
    multiplier: float = Field(default=1.0, ge=0, description="Scales every arrival rate [x].")
    weekly_shape: Literal["flat", "typical"] | list[float] = Field(
        default="flat",
        description="Relative arrival rate by hour of week (168 weights from Monday 00:00), "
        "'flat', or 'typical' (a night-time trough and an evening peak) [-].",
    )
    grades: list[GradeDemand] = Field(
        default_factory=list, description="Demand by grade (profile source)."
    )
    area_shares: dict[str, float] = Field(
        default_factory=dict, description="Share of incidents in each area; default even [-]."
    )
    log_from: datetime | None = Field(
        default=None, description="Store/replay: first received time used [datetime]."
    )
    log_to: datetime | None = Field(
        default=None, description="Store/replay: received times before this [datetime]."
    )


class ShiftSpec(_Model):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Start time [HH:MM].")
    hours: float = Field(gt=0, le=24, description="Length of the shift [h].")


class PatternSpec(_Model):
    function: str = Field(default="response", description="Function of these units [-].")
    area: str = Field(description="Base area of these units [-].")
    teams: int = Field(ge=1, description="Teams rotating through the cycle [teams].")
    units_per_team: int = Field(ge=1, description="Units on duty per team shift [units].")
    cycle: list[str] = Field(
        min_length=1,
        description="One code per day of the cycle: a key of 'shifts' or 'R' for rest [-]. "
        "Team k starts k * len(cycle) / teams days into the cycle.",
    )
    shifts: dict[str, ShiftSpec] = Field(description="Shift codes used in the cycle.")
    skills: dict[str, int] = Field(
        default_factory=dict, description="Units per team holding each skill [units]."
    )


class ConstantUnits(_Model):
    function: str = Field(default="response", description="Function of these units [-].")
    area: str = Field(description="Base area [-].")
    units: int = Field(ge=1, description="Units on duty for the whole run [units].")
    skills: list[str] = Field(default_factory=list, description="Skills each unit holds [-].")


class RosterSpec(_Model):
    csv: str | None = Field(
        default=None,
        description="Roster file in the interchange form (unit_id, function, area, skills, "
        "start, end), relative to the scenario file [path].",
    )
    pattern: list[PatternSpec] = Field(default_factory=list, description="Rotating team patterns.")
    constant: list[ConstantUnits] = Field(
        default_factory=list, description="Units on duty throughout (no shifts, no breaks)."
    )
    briefing_min: float | None = Field(
        default=None, ge=0, description="Briefing at shift start, unavailable [min]."
    )
    meal_min: float | None = Field(default=None, ge=0, description="Meal break [min].")
    meal_after_hours: float | None = Field(
        default=None, ge=0, description="Meal due this long after shift start [h]."
    )


class TargetSpec(_Model):
    grade: str = Field(description="Grade code [-].")
    urban_min: float = Field(gt=0, description="Attendance target in urban areas [min].")
    rural_min: float | None = Field(
        default=None, gt=0, description="Attendance target in rural areas [min]."
    )
    share: float = Field(default=0.9, gt=0, le=1, description="Share to meet it [-].")


class PreemptSpec(_Model):
    enabled: bool = Field(default=False, description="Take a unit from a lower grade [-].")
    for_grades: list[str] = Field(
        default_factory=lambda: ["1"], description="Grades that may take a unit [-]."
    )
    from_grades: list[str] = Field(
        default_factory=lambda: ["3"], description="Grades a unit may be taken from [-]."
    )


class ReserveSpec(_Model):
    units: int = Field(
        default=0, ge=0, description="Free units held back from other grades [units]."
    )
    for_grades: list[str] = Field(
        default_factory=lambda: ["1"], description="Grades the reserve is kept for [-]."
    )


class PoliciesSpec(_Model):
    preempt: PreemptSpec = Field(
        default_factory=PreemptSpec, description="Take a unit from a lower-grade incident."
    )
    reserve: ReserveSpec = Field(
        default_factory=ReserveSpec, description="Hold free units back for the top grades."
    )
    stack_limit: dict[str, int] = Field(
        default_factory=dict,
        description="Most incidents of a grade left waiting; more arrivals are resolved "
        "without deployment and reported unmet [incidents].",
    )
    max_wait_min: dict[str, float] = Field(
        default_factory=dict,
        description="An incident of the grade waiting longer leaves the stack, unmet [min].",
    )
    function_grades: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Grades each function attends; a function not listed attends all [-].",
    )


class Scenario(_Model):
    name: str = Field(min_length=1, description="Scenario name [-].")
    description: str = Field(default="", description="What the scenario tests [-].")
    start: datetime = Field(
        default=datetime(2026, 1, 5), description="Start of the run, local time [datetime]."
    )
    horizon_days: float = Field(default=28, gt=0, le=3660, description="Arrivals window [days].")
    drain_hours: float | None = Field(
        default=None, ge=0, description="Run on after the last arrival [h]."
    )
    seed: int = Field(default=1, ge=0, description="Seed of the first replication [-].")
    replications: int = Field(default=5, ge=1, le=1000, description="Replications [-].")
    areas: list[AreaSpec] = Field(min_length=1, description="Areas of the force.")
    travel: TravelSpec = Field(
        default_factory=TravelSpec,
        description="Travel time, lognormal by area pair; unset figures come from response.yaml.",
    )
    demand: DemandSpec = Field(description="Where incidents come from and how many.")
    roster: RosterSpec = Field(
        description="Units and shifts: a roster file, rotating patterns and/or constant units."
    )
    targets: list[TargetSpec] = Field(
        default_factory=list, description="Overrides of grades.yaml targets."
    )
    policies: PoliciesSpec = Field(
        default_factory=PoliciesSpec, description="Dispatch policies (all off by default)."
    )
    grades_file: str | None = Field(
        default=None,
        description="Grades policy file (same form as policy/rules/grades.yaml) to use instead "
        "of the force's, relative to the scenario file [path].",
    )
    officers_per_unit: int | None = Field(
        default=None, ge=1, description="Officers crewing one unit [officers]."
    )
