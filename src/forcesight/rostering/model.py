"""The CP-SAT model of a rotating pattern, its counts-only relaxation, and laying counts out.

A line is ``cycle_weeks`` weeks of days, each day one candidate shift or rest (``x``); ``y``
counts, for each weekday and shift, the weeks of the line that work it. Cover depends on the
counts alone, so the counts with the constraints every rule-abiding pattern keeps form a
relaxation whose optimum is a proven bound on the whole problem.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from ortools.sat.python import cp_model

from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.rules import REST, Limit, Timeline, limits_for, night_shifts
from forcesight.rostering.shifts import HOURS_PER_WEEK, Shift, weekly_cover
from forcesight.rostering.solve import (
    StageResult,
    constrain,
    lexicographic,
    new_solver,
)
from forcesight.rostering.spec import FunctionSpec, RosterSpec

WEEKEND = (5, 6)


@dataclass
class PatternModel:
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


def line_timelines(
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


def new_count_vars(
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


def implied_by_rules(
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


def cover_objectives(
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


def solve_relaxation(
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
    y = new_count_vars(model, f, len(shifts))
    implied_by_rules(model, f, shifts, policy, y, rules)
    # rest days are kept exactly, day by day: the rules that only speak of rest days (weekly
    # rest, pairs, runs of shifts) hold on them as in the full model
    days = f.cycle_weeks * 7
    for ln, timeline in enumerate(line_timelines(f, shifts, start, published)):
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
    weighted_under, over_and_fairness = cover_objectives(model, f, shifts, required, policy, y)
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


def lay_out_lines(
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
            laid = lay_out(
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


def lay_out(
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
    built = build_model(f, shifts, required, policy, start, published, rules, "hard")
    if target is None:
        for ln, line in enumerate(built.y):
            for dow, day in enumerate(line):
                for k, var in enumerate(day):
                    built.model.add(var == counts[ln][dow][k])
    else:
        built.model.add(built.weighted_under <= round(target))
        add_hints(built, None, counts)
    solver = new_solver(seconds, spec.solver.workers, spec.solver.random_seed, 0.0)
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return built.pattern(solver)


def build_model(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    required: list[int],
    policy: RosteringPolicy,
    start: date,
    published: date,
    rules: list[str],
    mode: str,  # "hard" | "assumable" | "soft"
) -> PatternModel:
    model = cp_model.CpModel()
    days = f.cycle_weeks * 7
    timelines = line_timelines(f, shifts, start, published)
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

    y = new_count_vars(model, f, len(shifts))
    for ln in range(f.lines):
        for dow in range(7):
            for k in range(len(shifts)):
                model.add(y[ln][dow][k] == sum(x[ln][w * 7 + dow][k] for w in range(f.cycle_weeks)))
    if mode == "hard":
        implied_by_rules(model, f, shifts, policy, y, rules)
    weighted_under, over_and_fairness = cover_objectives(model, f, shifts, required, policy, y)

    built = PatternModel(model, x, rest, y, timelines, limits, weighted_under, over_and_fairness)
    if enforce is not None:
        built.enforce = enforce
    if mode == "soft":
        broken = {r: model.new_bool_var(f"broken_{r}") for r in rules}
        for item in slacks:
            model.add(item.slack == 0).only_enforce_if(broken[item.limit.rule].negated())
        built.broken = broken
        built.slack_total = sum(item.slack for item in slacks)
    return built


def add_hints(
    built: PatternModel,
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


def objective_values(
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
