"""Re-rostering: when officers go sick or are abstracted, the fewest changes that restore
minimum cover, within the working-time rules, spread fairly, with the notice each officer gets.

Police Regulations let a published roster change only for exigencies of duty, with the officer
told by midnight the day before: so days up to and including today keep their duties. Changes
made with less than the force's late-change notice are counted as late changes, and, with
cancelled rest days, added to each officer's running counts so that they fall evenly.

Objectives, in order: officer-hours below minimum cover; number of changed duties; cancelled
rest days and late changes spread evenly (each one costs more on an officer who already carries
more, history included); then the total of cancelled rest days and late changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from ortools.sat.python import cp_model

from forcesight.errors import ScenarioError
from forcesight.rostering.check import locked_days
from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.roster import ABSENCE_CODES, Cell, Officer, Roster, cell_text
from forcesight.rostering.rules import REST, Timeline, limits_for
from forcesight.rostering.shifts import Shift
from forcesight.rostering.solve import SoftSlack, StageResult, constrain, lexicographic
from forcesight.rostering.spec import cover_matrix

CONTEXT_DAYS = 8  # days either side of the changeable window the rules look at
RULES_WHEN_CHANGING = (
    "daily_rest",
    "weekly_rest_days",
    "rest_days_in_pairs",
    "consecutive_shifts",
    "consecutive_nights",
    "average_weekly_hours",
    "change_notice",
)
CODE_FOR_KIND = {kind: code for code, kind in ABSENCE_CODES.items()}


@dataclass(frozen=True)
class Absence:
    """An officer unavailable from ``first`` to ``last`` (inclusive)."""

    officer: str
    first: date
    last: date
    kind: str = "sick"  # sick | leave | abstracted | training


@dataclass(frozen=True)
class Reroster:
    """The proposal: the changed roster, the changes and what cover is still short."""

    roster: Roster
    changes: pl.DataFrame
    uncovered: pl.DataFrame
    stages: tuple[StageResult, ...]
    relaxed_rules: tuple[str, ...] = ()
    note: str = ""
    window: tuple[date, date] | None = None
    absences: tuple[Absence, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "window": [d.isoformat() for d in self.window] if self.window else None,
            "changes": self.changes.to_dicts(),
            "uncovered_hours": self.uncovered.to_dicts(),
            "stages": [s.to_dict() for s in self.stages],
            "relaxed_rules": list(self.relaxed_rules),
            "note": self.note,
        }


def apply_absences(roster: Roster, absences: Sequence[Absence]) -> Roster:
    """The roster with each absence marked on the officer's days (duties they cannot work)."""
    index = {o.id: i for i, o in enumerate(roster.officers)}
    problems = [
        (f"absence of {a.officer}", "officer is not on the roster")
        for a in absences
        if a.officer not in index
    ]
    problems += [
        (f"absence of {a.officer}", f"kind {a.kind!r} is not one of {', '.join(CODE_FOR_KIND)}")
        for a in absences
        if a.kind not in CODE_FOR_KIND
    ]
    problems += [
        (f"absence of {a.officer}", f"ends {a.last} before it starts {a.first}")
        for a in absences
        if a.last < a.first
    ]
    if problems:
        raise ScenarioError("absences", problems)
    duties = [list(row) for row in roster.duties]
    for absence in absences:
        row = duties[index[absence.officer]]
        for day in range(roster.days):
            if absence.first <= roster.date_of(day) <= absence.last:
                row[day] = CODE_FOR_KIND[absence.kind]
    return roster.with_duties(duties, roster.officers)


def _hours_covered(shift: Shift) -> list[int]:
    """Hours after the start day's midnight that the shift covers whole."""
    return [h for h, minutes in _minutes(shift) if minutes == 60]


def _minutes(shift: Shift) -> list[tuple[int, int]]:
    out = []
    minute, end = shift.start_minute, shift.end_minute
    while minute < end:
        stop = min((minute // 60 + 1) * 60, end)
        out.append((minute // 60, stop - minute))
        minute = stop
    return out


def reroster(
    roster: Roster,
    absences: Sequence[Absence],
    minimum: pl.DataFrame,
    policy: RosteringPolicy,
    now: datetime,
    seconds: float = 20.0,
    workers: int = 2,
    random_seed: int = 0,
) -> Reroster:
    """Propose changes to ``roster`` so that cover stays at ``minimum`` (function, hour_of_week,
    required) through the absences, changing only days the officers can still be told of."""
    marked = apply_absences(roster, absences)
    functions = sorted(
        {
            marked.officers[i].function
            for i, o in enumerate(marked.officers)
            if any(a.officer == o.id for a in absences)
        }
    )
    need = cover_matrix(minimum, functions, "minimum cover")
    locked = locked_days(marked, now)
    last_absent = max((a.last for a in absences), default=now.date())
    window_end = min(marked.days, (last_absent - marked.start_date).days + 1)
    if window_end <= locked:
        return Reroster(
            marked,
            _changes(roster, marked, now, policy),
            pl.DataFrame(),
            (),
            note="every absent day is already past the notice deadline: nothing can be changed",
            absences=tuple(absences),
        )
    lo, hi = max(0, locked - CONTEXT_DAYS), min(marked.days, window_end + CONTEXT_DAYS)
    span = hi - lo
    catalogue = marked.catalogue()
    people = [i for i, o in enumerate(marked.officers) if o.function in functions]
    model = cp_model.CpModel()
    x: dict[int, list[list[cp_model.IntVar]]] = {}
    rest: dict[int, list[cp_model.IntVar]] = {}
    changed: list[cp_model.IntVar] = []
    cancelled: dict[int, list[cp_model.IntVar]] = {}
    late: dict[int, list[cp_model.IntVar]] = {}
    slacks: list[SoftSlack] = []
    late_days = policy.change_notice.late_change_days
    mode_used = "hard"
    for mode in ("hard", "soft"):
        mode_used = mode
        model = cp_model.CpModel()
        x, rest, changed, cancelled, late, slacks = {}, {}, [], {}, {}, []
        for i in people:
            timeline, assignment = marked.timeline(i, catalogue)
            base = assignment[lo:hi]
            x[i] = [
                [model.new_bool_var(f"x{i}_{d}_{s}") for s in range(len(catalogue))]
                for d in range(span)
            ]
            rest[i] = [model.new_bool_var(f"r{i}_{d}") for d in range(span)]
            cancelled[i], late[i] = [], []
            for d in range(span):
                model.add_exactly_one([*x[i][d], rest[i][d]])
                day = lo + d
                now_fixed = day < locked or day >= window_end or day in timeline.absent
                current = x[i][d][base[d]] if base[d] != REST else rest[i][d]
                if now_fixed:
                    model.add(current == 1)
                    continue
                change = model.new_bool_var(f"c{i}_{d}")
                model.add(change == 1 - current)
                changed.append(change)
                if base[d] == REST:
                    cancelled[i].append(change)
                if (marked.date_of(day) - now.date()).days < late_days:
                    late[i].append(change)
            window = Timeline(
                days=span,
                shifts=catalogue,
                cyclic=False,
                first_weekday=marked.date_of(lo).weekday(),
                first_date=marked.date_of(lo),
                absent=frozenset(d - lo for d in timeline.absent if lo <= d < hi),
                baseline=tuple(base),
                locked_days=max(0, locked - lo),
                label=timeline.label,
            )
            limits = [
                limit
                for limit in limits_for(window, policy, RULES_WHEN_CHANGING)
                # a limit over fixed days alone cannot be changed by re-rostering
                if any(locked <= lo + d < window_end for d, _, _ in limit.terms)
            ]

            def literal(
                day: int,
                shift: int,
                i: int = i,
                rest: dict[int, list[cp_model.IntVar]] = rest,
                x: dict[int, list[list[cp_model.IntVar]]] = x,
            ) -> cp_model.IntVar:
                return rest[i][day] if shift == REST else x[i][day][shift]

            slacks += constrain(model, limits, literal, soft=(mode == "soft"))
        if mode == "hard":
            probe = cp_model.CpSolver()
            probe.parameters.max_time_in_seconds = max(1.0, seconds / 4)
            probe.parameters.num_workers = workers
            if probe.solve(model) != cp_model.INFEASIBLE:
                break

    # cover in each hour of the window's changeable days, against the minimum
    published = _published_cover(roster, functions)
    short_vars = []
    hour_rows = []
    for function in functions:
        members = [i for i in people if marked.officers[i].function == function]
        terms: dict[int, list[cp_model.IntVar]] = {}
        for i in members:
            for d in range(span):
                for s, shift in enumerate(catalogue):
                    for hour in _hours_covered(shift):
                        terms.setdefault(d * 24 + hour, []).append(x[i][d][s])
        for absolute in range((locked - lo) * 24, (window_end - lo) * 24):
            when = datetime.combine(marked.date_of(lo), datetime.min.time()) + timedelta(
                hours=absolute
            )
            # restore the minimum, or what the published roster gave if that was already less:
            # re-rostering mends the absences, it does not redesign the roster
            published_cover = published.get((function, lo * 24 + absolute), 0)
            required = min(need[function][when.weekday() * 24 + when.hour], published_cover)
            if required == 0:
                continue
            short = model.new_int_var(0, required, f"short_{function}_{absolute}")
            model.add(short >= required - sum(terms.get(absolute, [])))
            short_vars.append(short)
            hour_rows.append((function, when, required, short, terms.get(absolute, [])))

    # spreading evenly: the k-th new one on an officer who already has h costs h + k, so two on
    # one officer cost more than one each on two officers with the same history (convex)
    spread_terms = []
    for i in people:
        officer = marked.officers[i]
        for history, new in (
            (officer.cancelled_rest_days, cancelled[i]),
            (officer.late_changes, late[i]),
        ):
            if not new:
                continue
            count = model.new_int_var(0, len(new), f"n{i}_{history}")
            model.add(count == sum(new))
            square = model.new_int_var(0, len(new) ** 2, f"sq{i}_{history}")
            model.add_multiplication_equality(square, [count, count])
            spread_terms.append(2 * history * count + square + count)
    stages_plan: list[tuple[str, Any, float]] = []
    if mode_used == "soft":
        stages_plan.append(("rule violation", sum(s.slack for s in slacks), 0.25))
    stages_plan += [
        ("officer-hours below minimum cover", sum(short_vars), 0.35),
        ("changes", sum(changed), 0.2),
        ("cancelled rest days and late changes spread evenly", sum(spread_terms), 0.1),
        (
            "cancelled rest days and late changes in all",
            sum(v for i in people for v in cancelled[i] + late[i]),
            0.1,
        ),
    ]
    decisions = [v for i in people for day in x[i] for v in day]
    for i in people:  # start from the published roster
        timeline, assignment = marked.timeline(i, catalogue)
        for d in range(span):
            for s, var in enumerate(x[i][d]):
                model.add_hint(var, int(assignment[lo + d] == s))
    stages, solver, _ = lexicographic(
        model, stages_plan, decisions, seconds, workers, random_seed, 0.0
    )
    if solver is None:
        return Reroster(
            marked,
            _changes(roster, marked, now, policy),
            pl.DataFrame(),
            tuple(stages),
            note="no proposal found within the time limit",
            absences=tuple(absences),
        )
    duties = [list(row) for row in marked.duties]
    officers = list(marked.officers)
    for i in people:
        for d in range(span):
            chosen = next((s for s, v in enumerate(x[i][d]) if solver.value(v)), REST)
            day = lo + d
            if isinstance(duties[i][day], str):
                continue
            duties[i][day] = None if chosen == REST else catalogue[chosen]
        officers[i] = replace(
            officers[i],
            cancelled_rest_days=officers[i].cancelled_rest_days
            + sum(solver.value(v) for v in cancelled[i]),
            late_changes=officers[i].late_changes + sum(solver.value(v) for v in late[i]),
        )
    proposed = marked.with_duties(duties, officers)
    uncovered = pl.DataFrame(
        [
            {
                "function": f,
                "hour": when,
                "minimum": req,
                "rostered": sum(solver.value(v) for v in terms),
                "short": solver.value(short),
            }
            for f, when, req, short, terms in hour_rows
            if solver.value(short) > 0
        ],
        schema={
            "function": pl.String,
            "hour": pl.Datetime("us"),
            "minimum": pl.Int64,
            "rostered": pl.Int64,
            "short": pl.Int64,
        },
    )
    relaxed = tuple(sorted({s.limit.rule for s in slacks if solver.value(s.slack) > 0}))
    note = ""
    if relaxed:
        note = (
            f"the published roster already breaks {', '.join(relaxed)} in the window; the "
            "proposal keeps those breaches as small as it can"
        )
    return Reroster(
        proposed,
        _changes(marked, proposed, now, policy),
        uncovered,
        tuple(stages),
        relaxed,
        note,
        (marked.date_of(locked), marked.date_of(window_end - 1)),
        tuple(absences),
    )


def _published_cover(roster: Roster, functions: Sequence[str]) -> dict[tuple[str, int], int]:
    """Officers on duty for the whole of each hour (hours from the roster's first midnight) in
    the roster as published, before any absence."""
    cover: dict[tuple[str, int], int] = {}
    for officer, row in zip(roster.officers, roster.duties, strict=True):
        if officer.function not in functions:
            continue
        for day, cell in enumerate(row):
            if isinstance(cell, Shift):
                for hour in _hours_covered(cell):
                    key = (officer.function, day * 24 + hour)
                    cover[key] = cover.get(key, 0) + 1
    return cover


def _changes(before: Roster, after: Roster, now: datetime, policy: RosteringPolicy) -> pl.DataFrame:
    """One row per changed duty, with when the officer is told and the notice that gives."""
    rows = []
    late_days = policy.change_notice.late_change_days
    for officer, old, new in zip(after.officers, before.duties, after.duties, strict=True):
        for day, (a, b) in enumerate(zip(old, new, strict=True)):
            if a == b or isinstance(b, str):
                continue
            when = after.date_of(day)
            midnight = datetime.combine(when, datetime.min.time())
            starts = [
                midnight + timedelta(minutes=c.start_minute) for c in (a, b) if isinstance(c, Shift)
            ]
            first_start = min(starts) if starts else midnight
            rows.append(
                {
                    "officer": officer.id,
                    "function": officer.function,
                    "date": when,
                    "before": cell_text(a),
                    "after": cell_text(b),
                    "kind": _kind(a, b),
                    "told_at": now,
                    "notice_hours": round((first_start - now).total_seconds() / 3600, 1),
                    "told_by_midnight_before": now < midnight,
                    "late_change": (when - now.date()).days < late_days,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            "officer": pl.String,
            "function": pl.String,
            "date": pl.Date,
            "before": pl.String,
            "after": pl.String,
            "kind": pl.String,
            "told_at": pl.Datetime("us"),
            "notice_hours": pl.Float64,
            "told_by_midnight_before": pl.Boolean,
            "late_change": pl.Boolean,
        },
    )


def _kind(before: Cell, after: Cell) -> str:
    if before is None:
        return "rest day cancelled"
    if after is None:
        return "shift stood down"
    return "shift moved"


__all__ = ["Absence", "Officer", "Reroster", "apply_absences", "reroster"]
