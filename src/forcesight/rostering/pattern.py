"""A designed pattern and its explanation: the result types of ``design``, stored as YAML."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from forcesight.rostering.rules import REST, RULES, Breach
from forcesight.rostering.shifts import (
    HOURS_PER_WEEK,
    Shift,
    hour_label,
    shortfall_officer_hours,
    weekly_cover,
)
from forcesight.rostering.solve import StageResult


def rule_title(name: str) -> str:
    """First line of the rule function's docstring."""
    doc = inspect.getdoc(RULES[name]) or name
    return doc.splitlines()[0]


@dataclass(frozen=True)
class RuleFinding:
    """How one rule shaped a design: how many of its limits are tight, and whether it binds."""

    rule: str
    title: str
    limits: int
    tight: int
    binds: bool | None  # None: not tested, or undecided within the time given
    effect: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "limits": self.limits,
            "tight": self.tight,
            "binds": self.binds,
            "effect": self.effect,
        }


@dataclass(frozen=True)
class FunctionDesign:
    """The designed pattern for one function, with its cover and how it was reached."""

    function: str
    area: str
    skills: tuple[str, ...]
    cycle_weeks: int
    team_sizes: tuple[int, ...]  # officers per team, one entry per line
    spare_officers: int
    shifts: tuple[Shift, ...]
    pattern: tuple[tuple[int, ...], ...]  # per line, per day of the cycle: shift index or REST
    required: tuple[int, ...]  # officers required, 168 hours
    stages: tuple[StageResult, ...] = ()
    rules: tuple[RuleFinding, ...] = ()
    conflict: tuple[str, ...] = ()  # a minimal set of rules that cannot all hold
    relaxed: tuple[str, ...] = ()  # rules the best roster had to break
    breaches: tuple[Breach, ...] = ()
    note: str = ""

    @property
    def lines(self) -> int:
        return len(self.pattern)

    def cover(self) -> npt.NDArray[np.float64]:
        """Officers on duty in each hour of the week (168 values)."""
        return weekly_cover(
            (day % 7, self.shifts[s], self.team_sizes[line])
            for line, days in enumerate(self.pattern)
            for day, s in enumerate(days)
            if s != REST
        )

    def cover_frame(self) -> pl.DataFrame:
        cover = self.cover()
        required = np.asarray(self.required, dtype=float)
        return pl.DataFrame(
            {
                "function": [self.function] * HOURS_PER_WEEK,
                "hour_of_week": list(range(HOURS_PER_WEEK)),
                "required": required,
                "rostered": cover,
                "under": np.clip(required - cover, 0, None),
                "over": np.clip(cover - required, 0, None),
            }
        )

    def shortfall_officer_hours(self) -> float:
        return shortfall_officer_hours(self.cover(), self.required)

    def over_officer_hours(self) -> float:
        return float(np.clip(self.cover() - np.asarray(self.required), 0, None).sum())

    def under_covered_hours(self) -> list[dict[str, Any]]:
        cover = self.cover()
        return [
            {
                "hour_of_week": h,
                "hour": hour_label(h),
                "required": self.required[h],
                "rostered": float(cover[h]),
                "short": float(self.required[h] - cover[h]),
            }
            for h in range(HOURS_PER_WEEK)
            if cover[h] < self.required[h]
        ]

    def pattern_frame(self) -> pl.DataFrame:
        """One row per line and pattern week; columns Mon..Sun hold shifts or RD."""
        rows = []
        for line, days in enumerate(self.pattern):
            for week in range(self.cycle_weeks):
                cells = [
                    "RD" if s == REST else self.shifts[s].label
                    for s in days[week * 7 : week * 7 + 7]
                ]
                rows.append(
                    {"line": line + 1, "week": week + 1}
                    | dict(
                        zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), cells, strict=True)
                    )
                )
        return pl.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "area": self.area,
            "skills": list(self.skills),
            "cycle_weeks": self.cycle_weeks,
            "team_sizes": list(self.team_sizes),
            "spare_officers": self.spare_officers,
            "pattern": [
                ["RD" if s == REST else self.shifts[s].label for s in days] for days in self.pattern
            ],
            "required": list(self.required),
            "shortfall_officer_hours": round(self.shortfall_officer_hours(), 3),
            "over_officer_hours": round(self.over_officer_hours(), 3),
            "stages": [s.to_dict() for s in self.stages],
            "rules": [r.to_dict() for r in self.rules],
            "conflict": list(self.conflict),
            "relaxed": list(self.relaxed),
            "breaches": [
                {
                    "rule": b.rule,
                    "line": b.label,
                    "from": b.first,
                    "to": b.last,
                    "detail": b.message,
                }
                for b in self.breaches
            ],
            "under_covered_hours": self.under_covered_hours(),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FunctionDesign:
        labels = sorted({c for days in data["pattern"] for c in days if c != "RD"})
        shifts = tuple(Shift.parse(label) for label in labels)
        index = {label: i for i, label in enumerate(labels)}
        return cls(
            function=data["function"],
            area=data.get("area", "force"),
            skills=tuple(data.get("skills", [])),
            cycle_weeks=int(data["cycle_weeks"]),
            team_sizes=tuple(int(n) for n in data["team_sizes"]),
            spare_officers=int(data.get("spare_officers", 0)),
            shifts=shifts,
            pattern=tuple(
                tuple(REST if c == "RD" else index[c] for c in days) for days in data["pattern"]
            ),
            required=tuple(int(r) for r in data["required"]),
            stages=tuple(
                StageResult(
                    str(st["stage"]),
                    str(st["status"]),
                    st.get("objective"),
                    st.get("bound"),
                    float(st.get("seconds", 0.0)),
                )
                for st in data.get("stages", [])
            ),
            rules=tuple(
                RuleFinding(
                    str(r["rule"]),
                    str(r["title"]),
                    int(r["limits"]),
                    int(r["tight"]),
                    r.get("binds"),
                    str(r.get("effect", "")),
                )
                for r in data.get("rules", [])
            ),
            conflict=tuple(data.get("conflict", [])),
            relaxed=tuple(data.get("relaxed", [])),
            note=data.get("note", ""),
        )


@dataclass(frozen=True)
class Design:
    """A designed roster for every function of a specification."""

    name: str
    start_date: date
    published_on: date
    functions: tuple[FunctionDesign, ...]
    policy_version: str = ""

    def function(self, name: str) -> FunctionDesign:
        return next(f for f in self.functions if f.function == name)

    def cover_frame(self) -> pl.DataFrame:
        return pl.concat([f.cover_frame() for f in self.functions])

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "start_date": self.start_date.isoformat(),
            "published_on": self.published_on.isoformat(),
            "policy_version": self.policy_version,
            "shortfall_officer_hours": round(
                sum(f.shortfall_officer_hours() for f in self.functions), 3
            ),
            "functions": [f.to_dict() for f in self.functions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        return cls(
            name=data["name"],
            start_date=date.fromisoformat(str(data["start_date"])),
            published_on=date.fromisoformat(str(data["published_on"])),
            functions=tuple(FunctionDesign.from_dict(f) for f in data["functions"]),
            policy_version=str(data.get("policy_version", "")),
        )
