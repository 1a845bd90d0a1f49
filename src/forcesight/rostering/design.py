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

import math
import time
from datetime import date, timedelta
from typing import Any

import polars as pl
from ortools.sat.python import cp_model

from forcesight.rostering.model import (
    add_hints,
    build_model,
    lay_out_lines,
    line_timelines,
    solve_relaxation,
)
from forcesight.rostering.pattern import Design, FunctionDesign, RuleFinding, rule_title
from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.rules import (
    REST,
    RULES,
    Timeline,
    add_months,
    check_assignment,
    keeps,
    limit_value,
    limits_for,
)
from forcesight.rostering.shifts import Shift
from forcesight.rostering.solve import (
    StageResult,
    lexicographic,
    minimal_conflict,
    new_solver,
)
from forcesight.rostering.spec import FunctionSpec, RosterSpec, cover_matrix

__all__ = ["Design", "FunctionDesign", "RuleFinding", "default_start", "design", "design_function"]


def _rules_in_play(
    f: FunctionSpec,
    shifts: tuple[Shift, ...],
    policy: RosteringPolicy,
    start: date,
    published: date,
) -> list[str]:
    timeline = line_timelines(f, shifts, start, published)[0]
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
        built = build_model(
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
    relaxed, counts, relaxation, count_vars = solve_relaxation(
        f, shifts, required, policy, rules, start, published, budget * 0.4, spec
    )
    pattern: tuple[tuple[int, ...], ...] | None = None
    reached = 0  # stages whose relaxation value the pattern meets (so their bounds are proven)
    laid_out: dict[int, tuple[int, ...]] = {}
    # 1. lay the relaxation's counts out into weeks that keep every rule, line by line
    if len(counts) == 2:
        pattern, laid_out = lay_out_lines(
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
            built = build_model(f, attempt, required, policy, start, published, rules, "hard")
            first_bound = relaxed[0].bound if relaxed and relaxed[0].bound is not None else 0.0
            built.model.add(built.weighted_under >= math.ceil(first_bound - 1e-6))
            if attempt is catalogue:
                add_hints(built, pattern, counts[-1] if counts else None, partial)
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
                line_timelines(f, catalogue, start, published), policy, pattern, rules, binding
            ),
            **common,  # type: ignore[arg-type]
        )

    # The rules cannot all hold (or no roster was found in time): name the conflict, then
    # return the roster that breaks the fewest rules, by the least, with the best cover.
    undecided = stages[0].status == "unknown"
    checker = build_model(f, shifts, required, policy, start, published, rules, "assumable")
    conflict = minimal_conflict(
        checker.model,
        checker.enforce,
        max(1.0, options.time_limit_seconds / 10),
        options.workers,
        options.random_seed,
    )
    soft = build_model(f, shifts, required, policy, start, published, rules, "soft")
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
