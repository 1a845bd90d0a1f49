"""The design specification: what to roster, against which cover, under which options.

A YAML file validated by :class:`RosterSpec`; every field is documented below and in
docs/rostering.md. Required cover comes from a CSV or YAML file named in the spec (columns
``function``, ``hour_of_week`` 0 = Monday 00:00 .. 167, ``required`` officers), or from a frame
handed in by the caller, such as ``forcesight.response.staffing.required_cover(...)``.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from forcesight.errors import ScenarioError
from forcesight.policy.loader import parse_yaml_model
from forcesight.rostering.shifts import HOURS_PER_WEEK, Shift, candidate_shifts

COVER_COLUMNS = ("function", "hour_of_week", "required")
COVER_SCHEMA = {"function": pl.String, "hour_of_week": pl.Int64, "required": pl.Int64}


class FunctionSpec(BaseModel):
    """One function (response, neighbourhood, investigation...) to roster."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, description="Function name as in the cover file.")
    headcount: int = Field(gt=0, description="Officers available to the pattern.")
    teams: int = Field(
        gt=0,
        description="Teams the officers form. A multiple of cycle_weeks: each group of "
        "cycle_weeks teams works one line of the pattern, one pattern week apart. "
        "teams = headcount gives individual rosters.",
    )
    cycle_weeks: int = Field(ge=1, le=17, description="Length of the rotating cycle [weeks].")
    shift_lengths_hours: list[int] = Field(
        default=[8, 9, 10, 12], min_length=1, description="Candidate shift lengths [h]."
    )
    start_hours: list[int] = Field(
        default=[6, 7, 8, 14, 15, 16, 22, 23],
        min_length=1,
        description="Candidate start times [hour of day, 0-23].",
    )
    area: str = Field(default="force", description="Area or base the function's units work.")
    skills: list[str] = Field(default=[], description="Skills every officer of this function has.")
    contracted_hours_per_week: float | None = Field(
        default=None, gt=0, description="Overrides the policy's contracted hours [h/week]."
    )

    @field_validator("shift_lengths_hours")
    @classmethod
    def _lengths(cls, value: list[int]) -> list[int]:
        bad = [n for n in value if not 1 <= n <= 24]
        if bad:
            raise ValueError(f"shift lengths must be 1 to 24 hours; got {bad}")
        return value

    @field_validator("start_hours")
    @classmethod
    def _starts(cls, value: list[int]) -> list[int]:
        bad = [h for h in value if not 0 <= h <= 23]
        if bad:
            raise ValueError(f"start hours must be 0 to 23; got {bad}")
        return value

    @model_validator(mode="after")
    def _teams_fit(self) -> FunctionSpec:
        if self.teams % self.cycle_weeks:
            raise ValueError(
                f"teams ({self.teams}) must be a multiple of cycle_weeks ({self.cycle_weeks})"
            )
        if self.headcount < self.teams:
            raise ValueError(f"headcount ({self.headcount}) is smaller than teams ({self.teams})")
        return self

    @property
    def lines(self) -> int:
        return self.teams // self.cycle_weeks

    def team_sizes(self) -> list[int]:
        """Officers in the teams of each line; officers left over are spare (not rostered)."""
        per_week = self.headcount // self.cycle_weeks
        base, extra = divmod(per_week, self.lines)
        return [base + (1 if line < extra else 0) for line in range(self.lines)]

    def spare_officers(self) -> int:
        return self.headcount - sum(self.team_sizes()) * self.cycle_weeks

    def shifts(self) -> list[Shift]:
        return candidate_shifts(self.shift_lengths_hours, self.start_hours)


class SolverOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    time_limit_seconds: float = Field(
        default=30, gt=0, description="Wall-clock limit per function [s]."
    )
    workers: int = Field(default=2, ge=1, description="CP-SAT search workers.")
    random_seed: int = Field(default=0, ge=0, description="CP-SAT random seed.")
    relative_gap: float = Field(
        default=0.005, ge=0, lt=1, description="Stop once within this gap of the bound."
    )
    explain_seconds: float = Field(
        default=1.0,
        ge=0,
        description="Time per rule to test whether relaxing it would improve cover [s]; "
        "0 skips that test.",
    )


class RosterSpec(BaseModel):
    """A shift-pattern design problem."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, description="Name the design is stored under.")
    description: str = ""
    cover: str | None = Field(
        default=None,
        description="CSV or YAML file of required cover, relative to this file "
        "(columns function, hour_of_week, required).",
    )
    functions: list[FunctionSpec] = Field(min_length=1)
    start_date: date | None = Field(
        default=None,
        description="First day of the roster (a Monday). Default: the first Monday at least "
        "the publication notice after published_on.",
    )
    published_on: date | None = Field(
        default=None, description="Day the roster is published. Default: today."
    )
    policy_dir: str | None = Field(
        default=None, description="Directory of the force's rule overrides (rostering.yaml)."
    )
    solver: SolverOptions = SolverOptions()

    @model_validator(mode="after")
    def _unique_functions(self) -> RosterSpec:
        names = [f.name for f in self.functions]
        if len(set(names)) != len(names):
            raise ValueError(f"function names repeat: {names}")
        if self.start_date is not None and self.start_date.weekday() != 0:
            raise ValueError(f"start_date {self.start_date} is not a Monday")
        return self


def load_spec(path: str | Path) -> tuple[RosterSpec, pl.DataFrame | None]:
    """The spec and, if it names one, its cover file (resolved relative to the spec)."""
    path = Path(path)
    spec: RosterSpec = parse_yaml_model(path, RosterSpec)
    cover = None
    if spec.cover is not None:
        cover_path = Path(spec.cover)
        if not cover_path.is_absolute():
            cover_path = path.parent / cover_path
        cover = read_cover(cover_path)
    return spec, cover


def read_cover(path: str | Path) -> pl.DataFrame:
    """Required cover from CSV (header function,hour_of_week,required) or YAML (a list of
    mappings with those keys); a bad row is refused with its line and field."""
    path = Path(path)
    problems: list[tuple[str, str]] = []
    rows: list[tuple[str, int, int]] = []
    if not path.exists():
        raise ScenarioError(str(path), [("(file)", "does not exist")])
    if path.suffix.lower() in {".yaml", ".yml"}:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ScenarioError(str(path), [("(file)", "expected a list of cover rows")])
        raw = [(i + 1, item) for i, item in enumerate(data)]
        where = "item"
    else:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COVER_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise ScenarioError(
                    str(path), [("(header)", f"missing column(s) {', '.join(missing)}")]
                )
            raw = [(i + 2, row) for i, row in enumerate(reader)]
        where = "line"
    for number, row in raw:
        if not isinstance(row, dict):
            problems.append((f"{where} {number}", "not a mapping"))
            continue
        try:
            function = str(row["function"]).strip()
            hour = int(row["hour_of_week"])
            required = int(row["required"])
        except (KeyError, TypeError, ValueError):
            problems.append(
                (
                    f"{where} {number}",
                    "function, hour_of_week and required must be given; "
                    "hour_of_week and required as whole numbers",
                )
            )
            continue
        if not function:
            problems.append((f"{where} {number} function", "is empty"))
        if not 0 <= hour < HOURS_PER_WEEK:
            problems.append((f"{where} {number} hour_of_week", f"{hour} is not 0 to 167"))
        if required < 0:
            problems.append((f"{where} {number} required", f"{required} is negative"))
        rows.append((function, hour, required))
    if problems:
        raise ScenarioError(str(path), problems)
    return pl.DataFrame(rows, schema=COVER_SCHEMA, orient="row")


def cover_matrix(
    cover: pl.DataFrame, functions: list[str], source: str = "cover"
) -> dict[str, list[int]]:
    """168 required values per function; every hour of each function must be given once."""
    missing_cols = [c for c in COVER_COLUMNS if c not in cover.columns]
    if missing_cols:
        raise ScenarioError(source, [("(columns)", f"missing {', '.join(missing_cols)}")])
    problems: list[tuple[str, str]] = []
    out: dict[str, list[int]] = {}
    for function in functions:
        rows = cover.filter(pl.col("function") == function)
        if rows.height == 0:
            problems.append((function, "no cover rows for this function"))
            continue
        hours = rows["hour_of_week"].to_list()
        duplicated = sorted({h for h in hours if hours.count(h) > 1})
        absent = sorted(set(range(HOURS_PER_WEEK)) - set(hours))
        if duplicated:
            problems.append((function, f"hour(s) given more than once: {duplicated[:10]}"))
        if absent:
            problems.append((function, f"{len(absent)} hour(s) missing, e.g. {absent[:10]}"))
        values = [0] * HOURS_PER_WEEK
        for hour, required in rows.select("hour_of_week", "required").iter_rows():
            if 0 <= hour < HOURS_PER_WEEK:
                values[hour] = int(required)
        out[function] = values
    if problems:
        raise ScenarioError(source, problems)
    return out
