"""``roster check``: every rule a dated roster breaks, with the officer, the dates and the rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from forcesight.rostering.policy import RosteringPolicy
from forcesight.rostering.roster import Roster
from forcesight.rostering.rules import RULES, Timeline, check_assignment

BREACH_SCHEMA = {
    "officer": pl.String,
    "function": pl.String,
    "rule": pl.String,
    "from": pl.Date,
    "to": pl.Date,
    "detail": pl.String,
}


def locked_days(roster: Roster, now: datetime) -> int:
    """Days from the roster's start that can no longer change: an officer must be told by
    midnight the day before, so today and earlier days are fixed."""
    return max(0, min(roster.days, (now.date() - roster.start_date).days + 1))


def check_roster(
    roster: Roster,
    policy: RosteringPolicy,
    baseline: Roster | None = None,
    now: datetime | None = None,
    rules: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per breach (officer, function, rule, from, to, detail), in officer and date order.

    With a ``baseline`` (the published roster this one changes) and ``now`` (when the change is
    made), changes to days the officer could not be told of in time are breaches too.
    """
    catalogue = tuple(
        sorted(set(roster.catalogue()) | set(baseline.catalogue() if baseline is not None else ()))
    )
    base_rows: dict[str, list[int]] = {}
    if baseline is not None:
        for index, officer in enumerate(baseline.officers):
            base_rows[officer.id] = baseline.timeline(index, catalogue)[1]
    rows = []
    names = list(RULES) if rules is None else list(rules)
    for index, officer in enumerate(roster.officers):
        timeline, assignment = roster.timeline(index, catalogue)
        if baseline is not None and now is not None and officer.id in base_rows:
            published = base_rows[officer.id]
            offset = (roster.start_date - baseline.start_date).days
            aligned = tuple(
                published[d + offset] if 0 <= d + offset < len(published) else assignment[d]
                for d in range(roster.days)
            )
            timeline = Timeline(
                **{
                    **timeline.__dict__,
                    "baseline": aligned,
                    "locked_days": locked_days(roster, now),
                }
            )
        for breach in check_assignment(timeline, assignment, policy, names):
            rows.append(
                {
                    "officer": officer.id,
                    "function": officer.function,
                    "rule": breach.rule,
                    "from": timeline.date_of(breach.first_day),
                    "to": timeline.date_of(breach.last_day),
                    "detail": breach.message,
                }
            )
    frame = pl.DataFrame(rows, schema=BREACH_SCHEMA)
    return frame.unique(maintain_order=True).sort(["officer", "from", "rule"])
