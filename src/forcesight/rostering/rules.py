"""The working-time rules, each one named function stated once.

Each rule is a function ``rule(timeline, policy) -> Iterator[Limit]`` that states what it
forbids as linear limits over "works shift s on day d" and "rests on day d". The same limits are
both the CP-SAT constraints (:func:`forcesight.rostering.solve.constrain`) and the checker over a
finished roster (:func:`check_assignment`), so the solver and ``roster check`` cannot disagree.

A rule forbids exactly what it names: :func:`daily_rest` bans a shift B after shift A only when
the rest between them is short of the minimum, never "any shift the next day".
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.shifts import DAY_NAMES, Shift

REST = -1  # "not working that day" (a rest day, or a day the officer is absent)


@dataclass(frozen=True)
class Timeline:
    """The days one line of work runs over, as the rules see them.

    A pattern line is ``cyclic`` (its last day is followed by its first) and starts on a Monday;
    an officer's dated roster is not cyclic and knows its dates. ``shifts`` is the catalogue the
    day assignments index into.
    """

    days: int
    shifts: tuple[Shift, ...]
    cyclic: bool = False
    first_weekday: int = 0  # weekday of day 0; 0 = Monday
    first_date: date | None = None
    published_on: date | None = None
    absent: frozenset[int] = frozenset()  # days the officer is sick, on leave or abstracted
    baseline: tuple[int, ...] | None = None  # the published assignment, when changing one
    locked_days: int = 0  # days from day 0 that can no longer change (notice would be too late)
    contracted_hours_per_week: float | None = None  # overrides the policy's figure
    label: str = ""  # officer or line, for messages

    def day_name(self, day: int) -> str:
        day %= self.days
        if self.first_date is not None:
            when = self.first_date + timedelta(days=day)
            return f"{DAY_NAMES[when.weekday()]} {when.isoformat()}"
        week, weekday = divmod(day + self.first_weekday, 7)
        return f"week {week + 1} {DAY_NAMES[weekday]}"

    def date_of(self, day: int) -> date | None:
        return None if self.first_date is None else self.first_date + timedelta(days=day)


@dataclass(frozen=True)
class Limit:
    """``lower <= constant + sum(coef * literal(day, shift)) <= upper`` for one rule.

    ``shift`` is an index into the timeline's catalogue, or REST for "not working that day".
    """

    rule: str
    terms: tuple[tuple[int, int, int], ...]
    what: str
    first_day: int
    last_day: int
    lower: int | None = None
    upper: int | None = None
    constant: int = 0


@dataclass(frozen=True)
class Breach:
    """A limit a finished assignment does not keep."""

    rule: str
    label: str
    first_day: int
    last_day: int
    first: str  # day names (with dates when the timeline has them)
    last: str
    what: str
    value: int
    lower: int | None
    upper: int | None
    worked: tuple[str, ...] = field(default=())

    @property
    def message(self) -> str:
        bound = f"at least {self.lower}" if self.lower is not None else f"at most {self.upper}"
        if self.lower is not None and self.upper is not None:
            bound = f"between {self.lower} and {self.upper}"
        shown = f" ({'; '.join(self.worked)})" if self.worked else ""
        return f"{self.what}: {self.value}, {bound}{shown}"


RuleFunction = Callable[[Timeline, RosteringPolicy], Iterator[Limit]]


def _day(timeline: Timeline, day: int) -> int | None:
    """Day index, wrapped on a cyclic timeline; None when it falls outside a dated one."""
    if timeline.cyclic:
        return day % timeline.days
    return day if 0 <= day < timeline.days else None


def _windows(timeline: Timeline, length: int, step: int = 1) -> Iterator[list[int]]:
    """Runs of ``length`` consecutive days (wrapping on a cyclic timeline)."""
    if timeline.cyclic:
        # a run longer than the cycle counts each day as often as it recurs
        for start in range(0, timeline.days, step):
            yield [(start + k) % timeline.days for k in range(length)]
        return
    for start in range(0, timeline.days - length + 1, step):
        yield list(range(start, start + length))


def daily_rest(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """At least the minimum rest (11 h) between the end of one shift and the start of the next.

    For each shift A on each day, A and any successor B that starts too soon after A ends (on the
    next day or the day after) may not both be worked. Successors that leave enough rest are
    untouched: banning B after A forbids B, not every shift the next day.
    """
    need = round(policy.daily_rest.minimum_hours * 60)
    for day in range(timeline.days):
        for a, shift_a in enumerate(timeline.shifts):
            for gap in (1, 2):
                later = _day(timeline, day + gap)
                if later is None or (timeline.cyclic and gap >= timeline.days):
                    continue
                banned = [
                    b
                    for b, shift_b in enumerate(timeline.shifts)
                    if shift_a.rest_before(shift_b, gap) < need
                ]
                if not banned:
                    continue
                yield Limit(
                    rule="daily_rest",
                    terms=((day, a, 1), *((later, b, 1) for b in banned)),
                    upper=1,
                    first_day=day,
                    last_day=later,
                    what=f"rest between shifts short of {policy.daily_rest.minimum_hours:g} h",
                )


def weekly_rest_days(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """At least the weekly number of rest days (2) in each roster week, Monday to Sunday."""
    need = policy.weekly_rest_days.rest_days_per_week
    first_monday = (7 - timeline.first_weekday) % 7
    start = first_monday
    while start + 7 <= timeline.days or (timeline.cyclic and start < timeline.days):
        days = [d % timeline.days for d in range(start, start + 7)]
        yield Limit(
            rule="weekly_rest_days",
            terms=tuple((d, REST, 1) for d in days),
            lower=need,
            first_day=days[0],
            last_day=days[-1],
            what="rest days in the roster week",
        )
        start += 7


def rest_days_in_pairs(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """Where the force chooses, a rest day sits next to another rest day (no single rest days)."""
    if not policy.rest_days_in_pairs.required:
        return
    for day in range(timeline.days):
        before, after = _day(timeline, day - 1), _day(timeline, day + 1)
        if before is None or after is None:
            continue  # the neighbour lies outside the roster: nothing to judge it against
        yield Limit(
            rule="rest_days_in_pairs",
            terms=((before, REST, 1), (after, REST, 1), (day, REST, -1)),
            lower=0,
            first_day=before,
            last_day=after,
            what="a single rest day (rest days go in pairs)",
        )


def consecutive_shifts(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """No run of working days longer than the maximum: any maximum+1 days hold a rest day."""
    maximum = policy.consecutive_shifts.maximum
    for window in _windows(timeline, maximum + 1):
        yield Limit(
            rule="consecutive_shifts",
            terms=tuple((d, REST, 1) for d in window),
            lower=1,
            first_day=window[0],
            last_day=window[-1],
            what=f"rest days in {maximum + 1} consecutive days (at most {maximum} shifts in a row)",
        )


def night_shifts(shifts: Sequence[Shift], policy: RosteringPolicy) -> list[int]:
    """Indexes of the shifts that are night shifts under the policy's night time."""
    rule = policy.consecutive_nights
    start, end = rule.minutes(rule.night_start), rule.minutes(rule.night_end)
    need = round(rule.minimum_night_hours * 60)
    return [i for i, s in enumerate(shifts) if s.night_minutes(start, end) >= need]


def consecutive_nights(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """No run of night shifts longer than the maximum (days off break a run)."""
    nights = night_shifts(timeline.shifts, policy)
    maximum = policy.consecutive_nights.maximum
    if not nights:
        return
    for window in _windows(timeline, maximum + 1):
        yield Limit(
            rule="consecutive_nights",
            terms=tuple((d, s, 1) for d in window for s in nights),
            upper=maximum,
            first_day=window[0],
            last_day=window[-1],
            what=f"night shifts in {maximum + 1} consecutive days",
        )


def _minutes_terms(timeline: Timeline, days: Sequence[int]) -> tuple[tuple[int, int, int], ...]:
    return tuple(
        (d, s, shift.length_minutes) for d in days for s, shift in enumerate(timeline.shifts)
    )


def average_weekly_hours(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """Average hours a week at most the maximum (48 h) over the reference period.

    The reference period is the whole cycle of a pattern; for a dated roster, 17-week windows
    (or the whole roster when it is shorter).
    """
    rule = policy.average_weekly_hours
    if timeline.cyclic:
        windows: list[list[int]] = [list(range(timeline.days))]
    else:
        length = min(timeline.days, rule.reference_weeks * 7)
        windows = list(_windows(timeline, length, step=7))
    for window in windows:
        yield Limit(
            rule="average_weekly_hours",
            terms=_minutes_terms(timeline, window),
            upper=math.floor(rule.maximum_hours * 60 * len(window) / 7),
            first_day=window[0],
            last_day=window[-1],
            what=f"minutes worked over {len(window)} days (average {rule.maximum_hours:g} h/week)",
        )


def contracted_hours(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """A pattern gives each officer their contracted hours a week on average over its cycle.

    Within the force's tolerance. A design rule: dated rosters, with overtime and absences, are
    held to the 48-hour average instead.
    """
    if not timeline.cyclic:
        return
    rule = policy.contracted_hours
    hours = timeline.contracted_hours_per_week or rule.hours_per_week
    weeks = timeline.days / 7
    yield Limit(
        rule="contracted_hours",
        terms=_minutes_terms(timeline, range(timeline.days)),
        lower=math.ceil((hours - rule.tolerance_hours) * 60 * weeks),
        upper=math.floor((hours + rule.tolerance_hours) * 60 * weeks),
        first_day=0,
        last_day=timeline.days - 1,
        what=f"minutes worked over the {weeks:g}-week cycle ({hours:g} h/week contracted)",
    )


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later (the month's last day if it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def publication_notice(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """A roster starts at least one month after it is published."""
    if timeline.first_date is None or timeline.published_on is None:
        return
    earliest = add_months(timeline.published_on, policy.publication_notice.months)
    yield Limit(
        rule="publication_notice",
        terms=(),
        constant=(timeline.first_date - earliest).days,
        lower=0,
        first_day=0,
        last_day=0,
        what=(
            f"days between the earliest start ({earliest.isoformat()}, "
            f"{policy.publication_notice.months} month(s) after publication on "
            f"{timeline.published_on.isoformat()}) and the roster's start"
        ),
    )


def change_notice(timeline: Timeline, policy: RosteringPolicy) -> Iterator[Limit]:
    """A published duty changes only if the officer is told by midnight the day before.

    Days up to and including today (``locked_days``) keep their published duty.
    """
    if timeline.baseline is None:
        return
    for day in range(min(timeline.locked_days, timeline.days)):
        yield Limit(
            rule="change_notice",
            terms=((day, timeline.baseline[day], 1),),
            lower=1,
            first_day=day,
            last_day=day,
            what="a change without notice by midnight the day before (published duty kept)",
        )


RULES: Mapping[str, RuleFunction] = {
    "daily_rest": daily_rest,
    "weekly_rest_days": weekly_rest_days,
    "rest_days_in_pairs": rest_days_in_pairs,
    "consecutive_shifts": consecutive_shifts,
    "consecutive_nights": consecutive_nights,
    "average_weekly_hours": average_weekly_hours,
    "contracted_hours": contracted_hours,
    "publication_notice": publication_notice,
    "change_notice": change_notice,
}


def limits_for(
    timeline: Timeline, policy: RosteringPolicy, rules: Sequence[str] | None = None
) -> list[Limit]:
    """Every limit the named rules (all by default) put on this timeline."""
    names = list(RULES) if rules is None else list(rules)
    return [limit for name in names for limit in RULES[name](timeline, policy)]


def limit_value(limit: Limit, assignment: Sequence[int]) -> int:
    """The limit's expression for a finished day-by-day assignment (shift index or REST)."""
    return limit.constant + sum(
        coef for day, shift, coef in limit.terms if assignment[day] == shift
    )


def keeps(limit: Limit, value: int) -> bool:
    return (limit.lower is None or value >= limit.lower) and (
        limit.upper is None or value <= limit.upper
    )


def check_assignment(
    timeline: Timeline,
    assignment: Sequence[int],
    policy: RosteringPolicy,
    rules: Sequence[str] | None = None,
) -> list[Breach]:
    """Every limit the assignment breaks, with the days and the shifts worked in them."""
    breaches = []
    for limit in limits_for(timeline, policy, rules):
        value = limit_value(limit, assignment)
        if keeps(limit, value):
            continue
        worked = tuple(
            f"{timeline.shifts[assignment[d]].label} on {timeline.day_name(d)}"
            for d in sorted(
                {day for day, _, _ in limit.terms},
                key=lambda d: (d - limit.first_day) % timeline.days,
            )
            if assignment[d] != REST and limit.rule in {"daily_rest", "consecutive_nights"}
        )
        breaches.append(
            Breach(
                rule=limit.rule,
                label=timeline.label,
                first_day=limit.first_day,
                last_day=limit.last_day,
                first=timeline.day_name(limit.first_day),
                last=timeline.day_name(limit.last_day),
                what=limit.what,
                value=value,
                lower=limit.lower,
                upper=limit.upper,
                worked=worked,
            )
        )
    return breaches
