"""Designing a rotating roster against required cover with CP-SAT.

The model: a function's officers form ``teams``; each group of ``cycle_weeks`` teams works one
*line*, a pattern of ``cycle_weeks`` weeks that every team of the group follows one week apart
(five teams on a five-week line is the classic response roster; teams = headcount gives every
officer an individual line). In any week each pattern week is worked by one team of each line,
so the cover in each hour of the week is the team size times the number of pattern days whose
shift covers it, with nights counted on the next morning.

Objectives, in this order (lexicographic): under-cover weighted by demand (officer-hours short,
each weighted by the officers required that hour), then over-cover, then unfairness between
lines (spread of nights and weekend shifts). Every working-time rule is a hard constraint; a
specification whose rules cannot all hold still gets the best roster (least rules broken, least
violation, then cover) and the smallest set of rules that conflict.
"""

from __future__ import annotations

import inspect
import math
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from ortools.sat.python import cp_model

from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.rules import (
    REST,
    RULES,
    Breach,
    Limit,
    Timeline,
    add_months,
    check_assignment,
    keeps,
    limit_value,
    limits_for,
    night_shifts,
)
from forcesight.rostering.shifts import (
    HOURS_PER_WEEK,
    Shift,
    hour_label,
    shortfall_officer_hours,
    weekly_cover,
)
from forcesight.rostering.solve import (
    StageResult,
    constrain,
    lexicographic,
    minimal_conflict,
    new_solver,
)
from forcesight.rostering.spec import FunctionSpec, RosterSpec, cover_matrix

WEEKEND = (5, 6)


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


@dataclass
class _Model:
    """One function's CP-SAT model and the handles the stages need."""

    model: cp_model.CpModel
    x: list[list[list[cp_model.IntVar]]]  # line, day, shift
    rest: list[list[cp_model.IntVar]]
    y: list[list[list[cp_model.IntVar]]]  # line, day of week, shift: weeks working it
    timelines: list[Timeline]
    limits: list[list[Limit]]
    weighted_under: cp_model.LinearExprT
    over_and_fairness: cp_model.LinearExprT
    enforce: dict[str, cp_model.IntVar] = field(default_factory=dict)
    broken: dict[str, cp_model.IntVar] = field(default_factory=dict)
    slack_total: cp_model.LinearExprT = 0

    def decisions(self) -> list[cp_model.IntVar]:
        return [v for line in self.x for day in line for v in day]

    def pattern(self, solver: cp_model.CpSolver) -> tuple[tuple[int, ...], ...]:
        return tuple(
            tuple(next((s for s, v in enumerate(day) if solver.value(v)), REST) for day in line)
            for line in self.x
        )


def _timelines(
    f: FunctionSpec, shifts: tuple[Shift, ...], start: date, published: date
) -> list[Timeline]:
    return [
        Timeline(
            days=f.cycle_weeks * 7,
            shifts=shifts,
            cyclic=True,
            first_weekday=0,
            first_date=start,
            published_on=published,
            contracted_hours_per_week=f.contracted_hours_per_week,
            label=f"{f.name} line {line + 1}",
        )
        for line in range(f.lines)
    ]


def _counts(
    model: cp_model.CpModel, f: FunctionSpec, n_shifts: int
) -> list[list[list[cp_model.IntVar]]]:
    """y[line][day of week][shift]: how many weeks of the line work that shift on that day."""
    return [
        [
            [model.new_int_var(0, f.cycle_weeks, f"y{ln}_{dow}_{s}") for s in range(n_shifts)]
            for dow in range(7)
        ]
        for ln in range(f.lines)
    ]


def _implied_by_rules(
    model: cp_model.CpModel,
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    policy: RosteringPolicy,
    y: list[list[list[cp_model.IntVar]]],
    rules: list[str],
) -> None:
    """Constraints on the weekly counts that every rule-abiding pattern keeps (sums of the
    rules' limits over the weeks of the cycle). They make the counts alone a relaxation whose
    optimum is a proven bound on the whole problem."""
    weeks = f.cycle_weeks
    days = 7 * weeks
    need = round(policy.daily_rest.minimum_hours * 60)
    hours = f.contracted_hours_per_week or policy.contracted_hours.hours_per_week
    tolerance = policy.contracted_hours.tolerance_hours
    nights = night_shifts(shifts, policy)
    for ln in range(f.lines):
        line = y[ln]
        off = [weeks - sum(line[dow]) for dow in range(7)]  # weeks resting on each weekday
        for dow in range(7):
            model.add(sum(line[dow]) <= weeks)
            if "rest_days_in_pairs" in rules and policy.rest_days_in_pairs.required:
                model.add(off[dow] <= off[(dow - 1) % 7] + off[(dow + 1) % 7])
            if "consecutive_nights" in rules and nights:
                run = policy.consecutive_nights.maximum + 1
                model.add(
                    sum(line[(dow + j) % 7][k] for j in range(run) for k in nights)
                    <= weeks * policy.consecutive_nights.maximum
                )
            if "consecutive_shifts" in rules:
                run = policy.consecutive_shifts.maximum + 1
                model.add(sum(off[(dow + j) % 7] for j in range(run)) >= weeks)
            if "daily_rest" not in rules:
                continue
            for gap in (1, 2):
                nxt = (dow + gap) % 7
                # The shifts a later-ending shift bans include those an earlier-ending one bans,
                # so these cumulative sums are Hall's conditions: one day's duties can be paired
                # with the next day's, week by week, keeping daily rest exactly when they hold.
                for shift_a in shifts:
                    banned = [
                        b
                        for b, shift_b in enumerate(shifts)
                        if shift_a.rest_before(shift_b, gap) < need
                    ]
                    if not banned:
                        continue
                    later = [k for k, s in enumerate(shifts) if s.end_minute >= shift_a.end_minute]
                    model.add(
                        sum(line[dow][k] for k in later) + sum(line[nxt][b] for b in banned)
                        <= weeks
                    )
        worked = sum(line[dow][k] for dow in range(7) for k in range(len(shifts)))
        if "weekly_rest_days" in rules:
            model.add(worked <= days - policy.weekly_rest_days.rest_days_per_week * weeks)
        minutes = sum(
            shifts[k].length_minutes * line[dow][k] for dow in range(7) for k in range(len(shifts))
        )
        if "average_weekly_hours" in rules:
            limit = policy.average_weekly_hours.maximum_hours * 60 * weeks
            model.add(minutes <= math.floor(limit))
        if "contracted_hours" in rules:
            model.add(minutes >= math.ceil((hours - tolerance) * 60 * weeks))
            model.add(minutes <= math.floor((hours + tolerance) * 60 * weeks))


def _cover_objectives(
    model: cp_model.CpModel,
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    y: list[list[list[cp_model.IntVar]]],
) -> tuple[cp_model.LinearExprT, cp_model.LinearExprT]:
    """Weighted under-cover, and over-cover then fairness between lines, from the counts."""
    sizes = f.team_sizes()
    days = f.cycle_weeks * 7
    terms: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(HOURS_PER_WEEK)]
    for ln in range(f.lines):
        for dow in range(7):
            for k, shift in enumerate(shifts):
                for hour in shift.hours_of_week(dow):
                    terms[hour].append((y[ln][dow][k], sizes[ln]))
    capacity = sum(sizes) * f.cycle_weeks
    under = []
    over = []
    for hour in range(HOURS_PER_WEEK):
        cover = cp_model.LinearExpr.weighted_sum(
            [v for v, _ in terms[hour]], [c for _, c in terms[hour]]
        )
        u = model.new_int_var(0, required[hour], f"under{hour}")
        o = model.new_int_var(0, capacity, f"over{hour}")
        model.add(u >= required[hour] - cover)
        model.add(o >= cover - required[hour])
        under.append(u)
        over.append(o)
    weighted_under = cp_model.LinearExpr.weighted_sum(under, required)
    fairness: cp_model.LinearExpr = cp_model.LinearExpr.sum([])
    fair_max = 0
    if f.lines > 1:
        nights = night_shifts(shifts, policy)
        counts = {
            "nights": [
                sum(y[ln][dow][k] for dow in range(7) for k in nights) for ln in range(f.lines)
            ],
            "weekends": [
                sum(y[ln][dow][k] for dow in WEEKEND for k in range(len(shifts)))
                for ln in range(f.lines)
            ],
        }
        spreads = []
        for name, per_line in counts.items():
            high = model.new_int_var(0, days, f"{name}_max")
            low = model.new_int_var(0, days, f"{name}_min")
            for count in per_line:
                model.add(high >= count)
                model.add(low <= count)
            spreads.append(high - low)
            fair_max += days
        fairness = cp_model.LinearExpr.sum(spreads)
    return weighted_under, cp_model.LinearExpr.sum(over) * (fair_max + 1) + fairness


def _relaxation(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    rules: list[str],
    start: date,
    published: date,
    seconds: float,
    spec: RosterSpec,
) -> tuple[
    list[StageResult],
    list[list[list[list[int]]]],
    cp_model.CpModel,
    list[list[list[cp_model.IntVar]]],
]:
    """Both objectives over the weekly counts alone, under the constraints every rule-abiding
    pattern keeps. Its bounds are proven bounds on the whole problem; its counts, once
    sequenced into weeks that keep every rule, are a pattern with the same objective values.
    Returns the stage results, the counts after each stage, and the model (holding both
    objectives at the values reached) with its count variables, for finding other counts."""
    model = cp_model.CpModel()
    y = _counts(model, f, len(shifts))
    _implied_by_rules(model, f, shifts, policy, y, rules)
    # rest days are kept exactly, day by day: the rules that only speak of rest days (weekly
    # rest, pairs, runs of shifts) hold on them as in the full model
    days = f.cycle_weeks * 7
    for ln, timeline in enumerate(_timelines(f, shifts, start, published)):
        rest = [model.new_bool_var(f"r{ln}_{d}") for d in range(days)]
        for dow in range(7):
            model.add(
                sum(y[ln][dow]) + sum(rest[w * 7 + dow] for w in range(f.cycle_weeks))
                == f.cycle_weeks
            )
        rest_only = [
            limit
            for limit in limits_for(timeline, policy, rules)
            if limit.terms and all(shift == REST for _, shift, _ in limit.terms)
        ]

        def rest_literal(
            day: int, _shift: int, rest: list[cp_model.IntVar] = rest
        ) -> cp_model.IntVar:
            return rest[day]

        constrain(model, rest_only, rest_literal)
    weighted_under, over_and_fairness = _cover_objectives(model, f, shifts, required, policy, y)
    flat = [v for line in y for day in line for v in day]
    stages, _, snapshots = lexicographic(
        model,
        [
            ("weighted under-cover", weighted_under, 0.6),
            ("over-cover then fairness", over_and_fairness, 0.4),
        ],
        flat,
        seconds,
        spec.solver.workers,
        spec.solver.random_seed,
        spec.solver.relative_gap,
    )
    n = len(shifts)
    shaped = [
        [
            [[snap[(ln * 7 + dow) * n + k] for k in range(n)] for dow in range(7)]
            for ln in range(f.lines)
        ]
        for snap in snapshots
    ]
    return stages, shaped, model, y


def _sequence_lines(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    start: date,
    published: date,
    rules: list[str],
    counts: list[list[list[int]]],
    relaxation: cp_model.CpModel,
    y: list[list[list[cp_model.IntVar]]],
    deadline: float,
    spec: RosterSpec,
) -> tuple[tuple[tuple[int, ...], ...] | None, dict[int, tuple[int, ...]]]:
    """Lay the relaxation's counts out into weeks line by line. Counts a line cannot be laid out
    in are forbidden in the relaxation and the laid-out lines held, and the relaxation asked for
    other counts at the same objective values, until every line is laid out or time runs out.
    Returns the pattern (or None) and the lines laid out."""
    done: dict[int, tuple[int, ...]] = {}
    current = counts
    one_line = f.model_copy(update={"teams": f.cycle_weeks, "headcount": f.cycle_weeks})
    while time.monotonic() < deadline:
        for ln in range(f.lines):
            if ln in done:
                continue
            seconds = max(0.2, min(deadline - time.monotonic(), 2.0 + f.cycle_weeks / 2))
            laid = _sequence(
                one_line,
                shifts,
                required,
                policy,
                start,
                published,
                rules,
                [current[ln]],
                seconds,
                spec,
                None,
            )
            flat_vars = [v for day in y[ln] for v in day]
            flat_counts = [n for day in current[ln] for n in day]
            if laid is not None:
                done[ln] = laid[0]
                for var, n in zip(flat_vars, flat_counts, strict=True):
                    relaxation.add(var == n)
            else:
                # these counts cannot be laid out in any line (team size plays no part)
                for other in range(f.lines):
                    if other not in done:
                        relaxation.add_forbidden_assignments(
                            [v for day in y[other] for v in day], [flat_counts]
                        )
        if len(done) == f.lines:
            return tuple(done[ln] for ln in range(f.lines)), done
        remaining = deadline - time.monotonic()
        if remaining <= 0.2:
            break
        solver = new_solver(remaining, spec.solver.workers, spec.solver.random_seed, 0.0)
        solver.parameters.stop_after_first_solution = True
        if solver.solve(relaxation) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            break
        current = [[[solver.value(v) for v in day] for day in line] for line in y]
    return None, done


def _sequence(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    start: date,
    published: date,
    rules: list[str],
    counts: list[list[list[int]]],
    seconds: float,
    spec: RosterSpec,
    target: float | None,
) -> tuple[tuple[int, ...], ...] | None:
    """A pattern that keeps every rule and either has exactly these weekly ``counts`` or (with a
    ``target``) weighted under-cover at most ``target``, hinted by the counts; None if none is
    found in time."""
    built = _build(f, shifts, required, policy, start, published, rules, "hard")
    if target is None:
        for ln, line in enumerate(built.y):
            for dow, day in enumerate(line):
                for k, var in enumerate(day):
                    built.model.add(var == counts[ln][dow][k])
    else:
        built.model.add(built.weighted_under <= round(target))
        _hint(built, None, counts)
    solver = new_solver(seconds, spec.solver.workers, spec.solver.random_seed, 0.0)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return built.pattern(solver)


def _build(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    start: date,
    published: date,
    rules: list[str],
    mode: str,  # "hard" | "assumable" | "soft"
) -> _Model:
    model = cp_model.CpModel()
    days = f.cycle_weeks * 7
    timelines = _timelines(f, shifts, start, published)
    x = [
        [[model.new_bool_var(f"x{ln}_{d}_{s}") for s in range(len(shifts))] for d in range(days)]
        for ln in range(f.lines)
    ]
    rest = [[model.new_bool_var(f"r{ln}_{d}") for d in range(days)] for ln in range(f.lines)]
    for ln in range(f.lines):
        for d in range(days):
            model.add_exactly_one([*x[ln][d], rest[ln][d]])

    enforce = (
        {r: model.new_bool_var(f"enforce_{r}") for r in rules} if mode == "assumable" else None
    )
    limits: list[list[Limit]] = []
    slacks = []
    for ln, timeline in enumerate(timelines):
        line_limits = limits_for(timeline, policy, rules)
        limits.append(line_limits)

        def literal(day: int, shift: int, ln: int = ln) -> cp_model.IntVar:
            return rest[ln][day] if shift == REST else x[ln][day][shift]

        slacks += constrain(model, line_limits, literal, enforce, soft=(mode == "soft"))

    y = _counts(model, f, len(shifts))
    for ln in range(f.lines):
        for dow in range(7):
            for k in range(len(shifts)):
                model.add(y[ln][dow][k] == sum(x[ln][w * 7 + dow][k] for w in range(f.cycle_weeks)))
    if mode == "hard":
        _implied_by_rules(model, f, shifts, policy, y, rules)
    weighted_under, over_and_fairness = _cover_objectives(model, f, shifts, required, policy, y)

    built = _Model(model, x, rest, y, timelines, limits, weighted_under, over_and_fairness)
    if enforce is not None:
        built.enforce = enforce
    if mode == "soft":
        broken = {r: model.new_bool_var(f"broken_{r}") for r in rules}
        for item in slacks:
            model.add(item.slack == 0).only_enforce_if(broken[item.limit.rule].negated())
        built.broken = broken
        built.slack_total = sum(item.slack for item in slacks)
    return built


def _rules_in_play(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    policy: RosteringPolicy,
    start: date,
    published: date,
) -> list[str]:
    timeline = _timelines(f, shifts, start, published)[0]
    return [name for name in RULES if any(True for _ in RULES[name](timeline, policy))]


def _findings(
    timelines: list[Timeline],
    policy: RosteringPolicy,
    pattern: tuple[tuple[int, ...], ...],
    rules: list[str],
    binding: dict[str, tuple[bool | None, str]],
) -> tuple[RuleFinding, ...]:
    out = []
    for rule in rules:
        limits = [
            (lim, ln) for ln, tl in enumerate(timelines) for lim in limits_for(tl, policy, [rule])
        ]
        tight = 0
        for lim, ln in limits:
            value = limit_value(lim, pattern[ln])
            if keeps(lim, value) and value in (lim.lower, lim.upper):
                tight += 1
        binds, effect = binding.get(rule, (None, "not tested"))
        out.append(RuleFinding(rule, rule_title(rule), len(limits), tight, binds, effect))
    return tuple(out)


def _binding(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    start: date,
    published: date,
    rules: list[str],
    pattern: tuple[tuple[int, ...], ...],
    reached: float,
    spec: RosterSpec,
) -> dict[str, tuple[bool | None, str]]:
    """For each rule: would dropping it cut the weighted under-cover? (a short re-solve)."""
    seconds = spec.solver.explain_seconds
    out: dict[str, tuple[bool | None, str]] = {}
    if seconds <= 0:
        return out
    if reached <= 0:
        return {rule: (False, "no under-cover to cut") for rule in rules}
    for rule in rules:
        built = _build(
            f, shifts, required, policy, start, published, [r for r in rules if r != rule], "hard"
        )
        for ln, line in enumerate(built.x):
            for d, day in enumerate(line):
                for s, var in enumerate(day):
                    built.model.add_hint(var, int(pattern[ln][d] == s))
        built.model.minimize(built.weighted_under)
        solver = new_solver(seconds, spec.solver.workers, spec.solver.random_seed, 0.0)
        status = solver.solve(built.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            out[rule] = (None, f"undecided in {seconds:g} s")
            continue
        value, bound = solver.objective_value, solver.best_objective_bound
        if value < reached - 1e-9:
            out[rule] = (
                True,
                f"without it, weighted under-cover falls from {reached:g} to {value:g} or less",
            )
        elif bound >= reached - 1e-9:
            out[rule] = (False, "proven not to bind: without it under-cover is no lower")
        else:
            out[rule] = (
                None,
                f"no better roster found without it in {seconds:g} s (bound {bound:g})",
            )
    return out


def _with_relaxed_bound(full: StageResult, relaxed: StageResult | None) -> StageResult:
    """A full-model stage with its bound raised to the relaxation's where that is higher."""
    if relaxed is None or relaxed.bound is None or full.bound is None:
        return full
    bound = max(full.bound, relaxed.bound)
    status = (
        "optimal"
        if full.objective is not None and bound >= full.objective - 1e-9
        else (full.status)
    )
    return StageResult(full.name, status, full.objective, bound, full.seconds + relaxed.seconds)


def _hint(
    built: _Model,
    pattern: tuple[tuple[int, ...], ...] | None,
    counts: list[list[list[int]]] | None,
    partial: dict[int, tuple[int, ...]] | None = None,
) -> None:
    """Hint the model with a whole pattern, or with the lines laid out so far and the counts of
    the others."""
    lines = dict(enumerate(pattern)) if pattern is not None else dict(partial or {})
    for ln, line in enumerate(built.x):
        if ln in lines:
            for d, day in enumerate(line):
                for k, var in enumerate(day):
                    built.model.add_hint(var, int(lines[ln][d] == k))
        elif counts is not None:
            for dow, day in enumerate(built.y[ln]):
                for k, var in enumerate(day):
                    built.model.add_hint(var, counts[ln][dow][k])


def _objective_values(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    pattern: tuple[tuple[int, ...], ...],
) -> list[float]:
    """Weighted under-cover and over-cover-then-fairness of a pattern, as the model counts them."""
    sizes = f.team_sizes()
    cover = weekly_cover(
        (d % 7, shifts[k], sizes[ln])
        for ln, line in enumerate(pattern)
        for d, k in enumerate(line)
        if k != REST
    )
    need = np.asarray(required, dtype=float)
    weighted_under = float((need * np.clip(need - cover, 0, None)).sum())
    over = float(np.clip(cover - need, 0, None).sum())
    if f.lines == 1:
        return [weighted_under, over]
    nights = set(night_shifts(shifts, policy))
    night_counts = [sum(1 for k in line if k in nights) for line in pattern]
    weekend_counts = [
        sum(1 for d, k in enumerate(line) if k != REST and d % 7 in WEEKEND) for line in pattern
    ]
    fairness = (max(night_counts) - min(night_counts)) + (max(weekend_counts) - min(weekend_counts))
    fair_max = 2 * 7 * f.cycle_weeks
    return [weighted_under, over * (fair_max + 1) + fairness]


def design_function(
    f: FunctionSpec,
    required: list[int],
    policy: RosteringPolicy,
    spec: RosterSpec,
    start: date,
    published: date,
) -> FunctionDesign:
    """Design one function's pattern; see the module docstring for the objectives."""
    shifts = tuple(f.shifts())
    options = spec.solver
    rules = _rules_in_play(f, shifts, policy, start, published)
    started = time.monotonic()
    budget = options.time_limit_seconds
    relaxed, counts, relaxation, count_vars = _relaxation(
        f, shifts, required, policy, rules, start, published, budget * 0.4, spec
    )
    pattern: tuple[tuple[int, ...], ...] | None = None
    reached = 0  # stages whose relaxation value the pattern meets (so their bounds are proven)
    laid_out: dict[int, tuple[int, ...]] = {}
    # 1. lay the relaxation's counts out into weeks that keep every rule, line by line
    if len(counts) == 2:
        pattern, laid_out = _sequence_lines(
            f,
            shifts,
            required,
            policy,
            start,
            published,
            rules,
            counts[1],
            relaxation,
            count_vars,
            started + budget * 0.65,
            spec,
        )
        reached = 2 if pattern is not None else 0
    # the pattern picks from the shifts the relaxation used (its bound holds for all shifts)
    used = sorted(
        {k for snap in counts for line in snap for day in line for k, n in enumerate(day) if n}
        | {k for line in laid_out.values() for k in line if k != REST}
    ) or list(range(len(shifts)))
    catalogue = tuple(shifts[k] for k in used)
    position = {k: i for i, k in enumerate(used)}
    if pattern is not None:
        pattern = tuple(tuple(REST if k == REST else position[k] for k in line) for line in pattern)
    partial = {
        ln: tuple(REST if k == REST else position[k] for k in line) for ln, line in laid_out.items()
    }
    counts = [[[[day[k] for k in used] for day in line] for line in snap] for snap in counts]
    stages = [
        StageResult(
            relaxed[i].name,
            "optimal"
            if (relaxed[i].bound or 0) >= (relaxed[i].objective or 0) - 1e-9
            else "feasible",
            relaxed[i].objective,
            relaxed[i].bound,
            time.monotonic() - started,
        )
        for i in range(reached)
    ]
    # 2. optimise what is left in the full model, starting from what was found; first over the
    # relaxation's shifts, then over every candidate shift if that finds nothing
    if reached < 2:
        for attempt in (catalogue, shifts) if len(catalogue) < len(shifts) else (shifts,):
            built = _build(f, attempt, required, policy, start, published, rules, "hard")
            first_bound = relaxed[0].bound if relaxed and relaxed[0].bound is not None else 0.0
            built.model.add(built.weighted_under >= math.ceil(first_bound - 1e-6))
            if attempt is catalogue:
                _hint(built, pattern, counts[-1] if counts else None, partial)
            plan = [
                ("weighted under-cover", built.weighted_under, 0.7),
                ("over-cover then fairness", built.over_and_fairness, 0.3),
            ]
            if reached == 1:
                built.model.add(built.weighted_under <= round(relaxed[0].objective or 0))
                plan = plan[1:]
            remaining = budget - (time.monotonic() - started)
            if attempt is catalogue and len(catalogue) < len(shifts):
                remaining *= 0.75
            full, solver, _ = lexicographic(
                built.model,
                plan,
                built.decisions(),
                max(1.0, remaining),
                options.workers,
                options.random_seed,
                options.relative_gap,
            )
            if solver is None:
                continue
            pattern, catalogue = built.pattern(solver), attempt
            for result in full:
                index = len(stages)
                # the relaxation's bound holds when each earlier stage sits at its relaxed value
                valid = index == 0 or all(
                    stages[i].objective == relaxed[i].objective for i in range(index)
                )
                stages.append(
                    _with_relaxed_bound(
                        result, relaxed[index] if valid and index < len(relaxed) else None
                    )
                )
            break
        else:
            stages += full
            pattern = None
    if pattern is not None and catalogue != shifts:
        # back to indexes into every candidate shift, so the explanation sees them all
        index_of = {shift: k for k, shift in enumerate(shifts)}
        pattern = tuple(
            tuple(REST if k == REST else index_of[catalogue[k]] for k in line) for line in pattern
        )
        catalogue = shifts
    common = {
        "function": f.name,
        "area": f.area,
        "skills": tuple(f.skills),
        "cycle_weeks": f.cycle_weeks,
        "team_sizes": tuple(f.team_sizes()),
        "spare_officers": f.spare_officers(),
        "shifts": catalogue if pattern is not None else shifts,
        "required": tuple(required),
    }
    if pattern is not None:
        under_reached = stages[0].objective or 0.0
        binding = _binding(
            f, catalogue, required, policy, start, published, rules, pattern, under_reached, spec
        )
        return FunctionDesign(
            pattern=pattern,
            stages=tuple(stages),
            rules=_findings(
                _timelines(f, catalogue, start, published), policy, pattern, rules, binding
            ),
            **common,  # type: ignore[arg-type]
        )

    # The rules cannot all hold (or no roster was found in time): name the conflict, then
    # return the roster that breaks the fewest rules, by the least, with the best cover.
    undecided = stages[0].status == "unknown"
    checker = _build(f, shifts, required, policy, start, published, rules, "assumable")
    conflict = minimal_conflict(
        checker.model,
        checker.enforce,
        max(1.0, options.time_limit_seconds / 10),
        options.workers,
        options.random_seed,
    )
    soft = _build(f, shifts, required, policy, start, published, rules, "soft")
    soft_stages, soft_solver, _ = lexicographic(
        soft.model,
        [
            ("rules broken", sum(soft.broken.values()), 0.3),
            ("total violation", soft.slack_total, 0.15),
            ("weighted under-cover", soft.weighted_under, 0.35),
            ("over-cover then fairness", soft.over_and_fairness, 0.2),
        ],
        soft.decisions(),
        options.time_limit_seconds,
        options.workers,
        options.random_seed,
        options.relative_gap,
    )
    if soft_solver is None:
        pattern = tuple(tuple([REST] * (f.cycle_weeks * 7)) for _ in range(f.lines))
        note = "no roster found within the time limit, even with the rules relaxed"
    else:
        pattern = soft.pattern(soft_solver)
        note = (
            "no roster found within the time limit that keeps every rule; this one relaxes "
            "the rules listed"
            if undecided or not conflict
            else f"the rules {', '.join(conflict)} cannot all hold for this function; this is the "
            "roster that breaks the fewest rules, by the least, with the best cover"
        )
    breaches = tuple(
        b
        for ln, tl in enumerate(soft.timelines)
        for b in check_assignment(tl, pattern[ln], policy, rules)
    )
    broken_rules = tuple(sorted({b.rule for b in breaches}))
    return FunctionDesign(
        pattern=pattern,
        stages=tuple(stages + soft_stages),
        rules=_findings(soft.timelines, policy, pattern, rules, {}),
        conflict=tuple(conflict),
        relaxed=broken_rules,
        breaches=breaches,
        note=note,
        **common,  # type: ignore[arg-type]
    )


def default_start(published: date, policy: RosteringPolicy) -> date:
    """The first Monday on or after the publication notice has run."""
    earliest = add_months(published, policy.publication_notice.months)
    return earliest + timedelta(days=(7 - earliest.weekday()) % 7)


def design(
    spec: RosterSpec,
    cover: pl.DataFrame,
    policy: RosteringPolicy,
    today: date,
    progress: Any = None,
) -> Design:
    """Design every function of ``spec`` against ``cover`` (function, hour_of_week, required).

    ``today`` is the publication day when the spec gives none. ``progress``, if given, is called
    with the function name as each function starts.
    """
    required = cover_matrix(cover, [f.name for f in spec.functions], spec.cover or "cover")
    published = spec.published_on or today
    start = spec.start_date or default_start(published, policy)
    functions = []
    for f in spec.functions:
        if progress is not None:
            progress(f.name)
        functions.append(design_function(f, required[f.name], policy, spec, start, published))
    return Design(spec.name, start, published, tuple(functions), policy.version)
