"""The clock engine: clock records and their events in, one row per clock (and cycle) out.

``recompute(records, events, now, policy)`` is vectorised over Polars frames: every rule in the
policy is applied to all the records it governs at once, so a force's 200,000 open clocks
recompute in a few seconds. Four shapes cover every clock:

- deadline: one due time from the start (bail, written information, PNC circulation), optionally
  extended one step at a time by an extension event (bail);
- recurring: due again a fixed interval after each satisfying event (RUI, missing-person and
  supervisory reviews, monthly victim updates); the interval may depend on the risk level;
- triggered: each trigger event on the same crime (arrest, charge, bail...) opens a deadline
  for a notification to the victim;
- queue: a deadline plus a place in a first-come queue and a forecast start date from capacity.

Status of each row: running, due_soon, overdue, met, met_late or stopped. Nothing here reads the
clock on the wall: ``now`` is always an argument, and events after ``now`` are ignored, so the
same function answers "what was due at 09:00 last Tuesday".
"""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from forcesight.tracking.calendar import WorkingCalendar, add_duration, add_fixed
from forcesight.tracking.rules import ClockRule, ClocksPolicy, Duration
from forcesight.tracking.schema import (
    CLOCK_SCHEMA,
    DT,
    EVENT_SCHEMA,
    OPEN_STATUSES,
    RECORD_SCHEMA,
    STATUSES,
    empty_clocks,
    empty_events,
    empty_records,
)

__all__ = [
    "CLOCK_SCHEMA",
    "DT",
    "EVENT_SCHEMA",
    "OPEN_STATUSES",
    "RECORD_SCHEMA",
    "STATUSES",
    "empty_clocks",
    "empty_events",
    "empty_records",
    "extension_ladder",
    "governed",
    "recompute",
    "rules_by_id",
]


def _hours(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_microseconds().cast(pl.Float64) / 3_600_000_000


def _conform(frame: pl.DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Select ``schema``'s columns in order, adding missing ones as nulls and casting types."""
    return frame.select(
        [
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        ]
    )


def governed(records: pl.DataFrame, rule: ClockRule) -> pl.DataFrame:
    """The records ``rule`` applies to: its kind, its start dates and its filters."""
    cond = pl.col("kind") == rule.record_kind
    day = pl.col("started_at").dt.date()
    if rule.valid_from is not None:
        cond &= day >= rule.valid_from
    if rule.valid_to is not None:
        cond &= day <= rule.valid_to
    if rule.when.enhanced is not None:
        cond &= pl.col("enhanced").fill_null(False) == rule.when.enhanced
    if rule.when.is_child is not None:
        cond &= pl.col("is_child").fill_null(False) == rule.when.is_child
    if rule.when.agency is not None:
        cond &= pl.col("agency").fill_null("police").is_in(rule.when.agency)
    return records.filter(cond)


class _Inputs:
    """The frames every shape reads, prepared once per recompute."""

    def __init__(
        self,
        records: pl.DataFrame,
        events: pl.DataFrame,
        now: datetime,
        policy: ClocksPolicy,
        calendar: WorkingCalendar,
    ) -> None:
        self.now = now
        self.policy = policy
        self.calendar = calendar
        records = _conform(records, RECORD_SCHEMA).filter(pl.col("started_at") <= now)
        self.records = records.with_columns(
            pl.when(pl.col("closed_at") <= now).then(pl.col("closed_at")).alias("closed_at")
        )
        events = _conform(events, EVENT_SCHEMA).filter(pl.col("occurred_at") <= now)
        start_names = {kind: spec.start_event for kind, spec in policy.record_kinds.items()}
        starts = self.records.select(
            pl.col("id").alias("record_id"),
            pl.col("kind").replace_strict(start_names, default=None).alias("event"),
            pl.col("started_at").alias("occurred_at"),
        )
        self.events = pl.concat([events, starts], how="diagonal_relaxed")
        self.crime_events = self.events.join(
            self.records.select(pl.col("id").alias("record_id"), "crime_id"), on="record_id"
        ).filter(pl.col("crime_id").is_not_null())

    def first_event(
        self, ids: pl.DataFrame, names: list[str], scope: str, out: str
    ) -> pl.DataFrame:
        """Per record in ``ids`` (id, crime_id): the first event named in ``names``."""
        if not names:
            return ids.select("id").with_columns(pl.lit(None, dtype=DT).alias(out))
        if scope == "crime":
            hits = (
                ids.join(self.crime_events.filter(pl.col("event").is_in(names)), on="crime_id")
                .group_by("id")
                .agg(pl.col("occurred_at").min().alias(out))
            )
            own = (
                self.events.filter(pl.col("event").is_in(names))
                .join(ids.select(pl.col("id").alias("record_id")), on="record_id")
                .group_by("record_id")
                .agg(pl.col("occurred_at").min().alias(out))
                .rename({"record_id": "id"})
            )
            hits = pl.concat([hits, own]).group_by("id").agg(pl.col(out).min())
        else:
            hits = (
                self.events.filter(pl.col("event").is_in(names))
                .join(ids.select(pl.col("id").alias("record_id")), on="record_id")
                .group_by("record_id")
                .agg(pl.col("occurred_at").min().alias(out))
                .rename({"record_id": "id"})
            )
        return ids.select("id").join(hits, on="id", how="left")

    def stop_times(self, recs: pl.DataFrame, rule: ClockRule) -> pl.DataFrame:
        """Per record: when the clock stopped (a stopping event or the record's closure),
        never before the record's start."""
        stops = self.first_event(
            recs.select("id", "crime_id"), rule.stopped_by, rule.stop_scope, "_stop"
        )
        return (
            recs.select("id", "started_at", "closed_at")
            .join(stops, on="id", how="left")
            .select(
                "id",
                pl.min_horizontal("_stop", "closed_at")
                .clip(lower_bound=pl.col("started_at"))
                .alias("stopped_at"),
            )
        )


def _deadline(inp: _Inputs, rule: ClockRule) -> pl.DataFrame:
    recs = governed(inp.records, rule)
    assert rule.due is not None
    sat = inp.first_event(
        recs.select("id", "crime_id"), rule.satisfied_by, "record", "satisfied_at"
    )
    frame = (
        recs.join(sat, on="id", how="left")
        .join(inp.stop_times(recs, rule), on="id", how="left")
        .with_columns(pl.col("started_at").alias("record_started_at"), pl.lit(0).alias("cycle"))
    )
    if rule.extensions and rule.extension_event is not None:
        counts = (
            inp.events.filter(pl.col("event") == rule.extension_event)
            .group_by("record_id")
            .agg(pl.len().cast(pl.Int64).alias("extensions"))
            .rename({"record_id": "id"})
        )
        frame = frame.join(counts, on="id", how="left").with_columns(
            pl.col("extensions").fill_null(0)
        )
        most = frame["extensions"].max()
        ladder = extension_ladder(rule, most if isinstance(most, int) else 0)
        frame = frame.with_columns(
            pl.col("extensions")
            .replace_strict({k: d.amount for k, d in enumerate(ladder)}, return_dtype=pl.Float64)
            .alias("_amount"),
            pl.col("extensions")
            .replace_strict({k: d.unit for k, d in enumerate(ladder)}, return_dtype=pl.String)
            .alias("_unit"),
        )
        frame = add_duration(frame, "started_at", "_amount", "_unit", inp.calendar, "due_at")
        return frame.drop("_amount", "_unit")
    return add_fixed(frame, "started_at", rule.due, inp.calendar, "due_at")


def extension_ladder(rule: ClockRule, steps: int) -> list[Duration]:
    """The limit after 0, 1, ..., ``steps`` extensions: the initial limit, the police ladder,
    then court steps up to the overall limit (court steps share the last step's unit)."""
    assert rule.due is not None
    ladder = [rule.due, *[s.to for s in rule.extensions]]
    while len(ladder) <= steps:
        if rule.court_step is None:
            ladder.append(ladder[-1])
            continue
        amount = ladder[-1].amount + rule.court_step.amount
        if rule.limit is not None:
            amount = min(amount, rule.limit.amount)
        ladder.append(Duration(amount=amount, unit=ladder[-1].unit))
    return ladder


def _recurring(inp: _Inputs, rule: ClockRule) -> pl.DataFrame:
    recs = governed(inp.records, rule)
    sats = (
        inp.events.filter(pl.col("event").is_in(rule.satisfied_by))
        .join(recs.select(pl.col("id").alias("record_id"), "started_at"), on="record_id")
        .sort("record_id", "occurred_at")
        .with_columns(
            (pl.int_range(pl.len()).over("record_id")).cast(pl.Int64).alias("cycle"),
            pl.col("occurred_at").shift(1).over("record_id").alias("_prev"),
        )
        .select(
            pl.col("record_id").alias("id"),
            "cycle",
            pl.coalesce("_prev", "started_at").alias("cycle_start"),
            pl.col("occurred_at").alias("satisfied_at"),
        )
    )
    last = sats.group_by("id").agg(
        (pl.col("cycle").max() + 1).alias("cycle"), pl.col("satisfied_at").max().alias("_last")
    )
    current = (
        recs.select("id", "started_at")
        .join(last, on="id", how="left")
        .select(
            "id",
            pl.col("cycle").fill_null(0).cast(pl.Int64),
            pl.coalesce("_last", "started_at").alias("cycle_start"),
            pl.lit(None, dtype=DT).alias("satisfied_at"),
        )
    )
    cycles = pl.concat([sats, current.with_columns()], how="vertical_relaxed")
    cycles = cycles.with_columns(pl.col("satisfied_at").is_null().alias("_current"))
    stops = inp.stop_times(recs, rule)
    frame = cycles.join(recs.rename({"started_at": "record_started_at"}), on="id", how="left").join(
        stops, on="id", how="left"
    )
    # A past cycle is never stopped: it ended when it was satisfied.
    frame = frame.with_columns(
        pl.when(pl.col("_current")).then(pl.col("stopped_at")).alias("stopped_at"),
        pl.col("cycle_start").alias("started_at"),
    )
    if rule.due_by_risk is not None:
        risk_events = (
            inp.events.filter(
                (pl.col("event") == "risk_changed") & pl.col("risk_level").is_not_null()
            )
            .select(
                pl.col("record_id").alias("id"),
                pl.col("occurred_at").alias("_at"),
                pl.col("risk_level").alias("_risk"),
            )
            .sort("_at")
        )
        frame = frame.sort("started_at").join_asof(
            risk_events,
            left_on="started_at",
            right_on="_at",
            by="id",
            strategy="backward",
            check_sortedness=False,
        )
        frame = frame.with_columns(pl.coalesce("_risk", "risk_level").alias("risk_level"))
        amounts = {k: d.amount for k, d in rule.due_by_risk.items()}
        units = {k: d.unit for k, d in rule.due_by_risk.items()}
        by_risk = rule.due_by_risk
        highest = min(by_risk, key=lambda k: by_risk[k].approx_hours())
        # An unknown risk level is treated as the highest (shortest interval): fail safe.
        level = pl.col("risk_level").fill_null(highest)
        frame = frame.with_columns(
            level.replace_strict(amounts, default=amounts[highest], return_dtype=pl.Float64).alias(
                "_amount"
            ),
            level.replace_strict(units, default=units[highest], return_dtype=pl.String).alias(
                "_unit"
            ),
        ).drop("_at", "_risk")
    else:
        assert rule.due is not None and rule.repeat is not None
        first, repeat = rule.due, rule.repeat
        frame = frame.with_columns(
            pl.when(pl.col("cycle") == 0)
            .then(first.amount)
            .otherwise(repeat.amount)
            .cast(pl.Float64)
            .alias("_amount"),
            pl.when(pl.col("cycle") == 0)
            .then(pl.lit(first.unit))
            .otherwise(pl.lit(repeat.unit))
            .alias("_unit"),
        )
    frame = add_duration(frame, "started_at", "_amount", "_unit", inp.calendar, "due_at")
    return frame.drop("_amount", "_unit").rename({"_current": "current"})


def _triggered(inp: _Inputs, rule: ClockRule) -> pl.DataFrame:
    recs = governed(inp.records, rule).filter(pl.col("crime_id").is_not_null())
    assert rule.due is not None
    triggers = (
        recs.select("id", "crime_id", "started_at")
        .join(
            inp.crime_events.filter(pl.col("event").is_in(rule.triggers)).select(
                "crime_id", pl.col("event").alias("trigger"), pl.col("occurred_at").alias("_at")
            ),
            on="crime_id",
        )
        .filter(pl.col("_at") >= pl.col("started_at"))
        .select("id", "trigger", "_at")
        .sort("_at")
    )
    notices = (
        inp.events.filter(pl.col("event") == rule.notify_event)
        .select(
            pl.col("record_id").alias("id"),
            pl.col("about").alias("trigger"),
            pl.col("occurred_at").alias("satisfied_at"),
        )
        .drop_nulls("trigger")
        .sort("satisfied_at")
    )
    frame = triggers.join_asof(
        notices,
        left_on="_at",
        right_on="satisfied_at",
        by=["id", "trigger"],
        strategy="forward",
        check_sortedness=False,
    )
    frame = frame.sort("id", "_at", "trigger").with_columns(
        pl.int_range(pl.len()).over("id").cast(pl.Int64).alias("cycle")
    )
    stops = inp.stop_times(recs, rule)
    frame = (
        frame.join(recs.rename({"started_at": "record_started_at"}), on="id", how="left")
        .join(stops, on="id", how="left")
        .rename({"_at": "started_at"})
    )
    return add_fixed(frame, "started_at", rule.due, inp.calendar, "due_at")


def _queue(inp: _Inputs, rule: ClockRule) -> pl.DataFrame:
    frame = _deadline(inp, rule)
    assert rule.capacity_devices_per_week is not None
    waiting = pl.col("satisfied_at").is_null() & pl.col("stopped_at").is_null()
    queue = (
        frame.filter(waiting)
        .sort("started_at", "id")
        .select(
            "id",
            (pl.int_range(pl.len()) + 1).cast(pl.Int64).alias("queue_position"),
            (pl.col("devices").fill_null(1).cum_sum() - pl.col("devices").fill_null(1))
            .cast(pl.Int64)
            .alias("devices_ahead"),
        )
    )
    weeks = pl.col("devices_ahead").cast(pl.Float64) / rule.capacity_devices_per_week
    return (
        frame.join(queue, on="id", how="left")
        .with_columns(
            (pl.lit(inp.now, dtype=DT) + pl.duration(seconds=(weeks * 7 * 86400).round(0))).alias(
                "forecast_start"
            )
        )
        .with_columns((pl.col("forecast_start") > pl.col("due_at")).alias("forecast_late"))
    )


_SHAPES = {"deadline": _deadline, "recurring": _recurring, "triggered": _triggered, "queue": _queue}


def _finish(frame: pl.DataFrame, rule: ClockRule, now: datetime) -> pl.DataFrame:
    """Status, lateness, escalation and the rule's identity on one rule's rows."""
    now_lit = pl.lit(now, dtype=DT)
    soon = timedelta(hours=rule.due_soon.approx_hours())
    if "current" not in frame.columns:
        frame = frame.with_columns(pl.lit(True).alias("current"))
    sat, stop, due = pl.col("satisfied_at"), pl.col("stopped_at"), pl.col("due_at")
    status = (
        pl.when(sat.is_not_null() & (stop.is_null() | (sat <= stop)))
        .then(pl.when(sat <= due).then(pl.lit("met")).otherwise(pl.lit("met_late")))
        .when(stop.is_not_null())
        .then(pl.lit("stopped"))
        .when(now_lit > due)
        .then(pl.lit("overdue"))
        .when(now_lit >= due - soon)
        .then(pl.lit("due_soon"))
        .otherwise(pl.lit("running"))
    )
    end = pl.coalesce(sat, stop, now_lit)
    frame = frame.with_columns(
        status.alias("status"),
        pl.lit(rule.record_kind).alias("kind"),
        pl.lit(rule.clock).alias("clock"),
        pl.lit(rule.id).alias("rule_id"),
        pl.lit(rule.label).alias("label"),
        pl.col("id").alias("record_id"),
        _hours(end - due).alias("_late"),
        _hours(end - pl.col("started_at")).alias("elapsed_hours"),
        (_hours(pl.coalesce("closed_at", now_lit) - pl.col("record_started_at")) / 24).alias(
            "age_days"
        ),
    )
    frame = frame.with_columns(
        pl.when(pl.col("status") == "overdue").then(pl.col("_late")).alias("overdue_hours"),
        pl.when(pl.col("_late") > 0).then(pl.col("_late")).alias("late_hours"),
    )
    escalate = pl.lit(None, dtype=pl.String)
    for step in sorted(rule.escalation, key=lambda s: s.after.approx_hours()):
        escalate = (
            pl.when(pl.col("overdue_hours") >= step.after.approx_hours())
            .then(pl.lit(step.to))
            .otherwise(escalate)
        )
    return frame.with_columns(escalate.alias("escalate_to"))


def _repeat_missing(records: pl.DataFrame, policy: ClocksPolicy) -> pl.DataFrame:
    """Per missing episode: episodes of the same person in the window ending at its start."""
    spec = policy.repeat_missing
    episodes = records.filter(
        (pl.col("kind") == "missing_episode") & pl.col("person_id").is_not_null()
    ).select("id", "person_id", "started_at", "is_child")
    pairs = episodes.join(
        episodes.select("person_id", pl.col("started_at").alias("_other")), on="person_id"
    ).filter(
        (pl.col("_other") <= pl.col("started_at"))
        & (pl.col("_other") > pl.col("started_at") - timedelta(days=spec.within_days))
    )
    counts = pairs.group_by("id").agg(pl.len().cast(pl.Int64).alias("episodes_in_window"))
    flagged = pl.col("episodes_in_window") >= spec.episodes
    if spec.children_only:
        flagged &= pl.col("is_child").fill_null(False)
    return episodes.join(counts, on="id", how="left").select(
        "id", "episodes_in_window", flagged.alias("repeat_missing")
    )


def recompute(
    records: pl.DataFrame,
    events: pl.DataFrame,
    now: datetime,
    policy: ClocksPolicy,
    calendar: WorkingCalendar | None = None,
) -> pl.DataFrame:
    """Every clock of every record as at ``now``: one row per clock, cycle and trigger.

    ``records`` has the columns of ``clock_records`` (RECORD_SCHEMA), ``events`` those of
    ``clock_events`` with ``risk_level`` and ``about`` taken from the event detail
    (EVENT_SCHEMA). Records that start after ``now`` and events that occur after it are
    ignored. The result has CLOCK_SCHEMA's columns, sorted by record, clock, cycle.
    """
    if calendar is None:
        calendar = WorkingCalendar(policy.calendar.country, policy.calendar.subdivision)
    inp = _Inputs(records, events, now, policy, calendar)
    parts = []
    present = set(inp.records["kind"].unique().to_list())
    for rule in policy.rules:
        if rule.record_kind not in present:
            continue
        part = _SHAPES[rule.shape](inp, rule)
        if part.height:
            parts.append(_conform(_finish(part, rule, now), CLOCK_SCHEMA))
    if not parts:
        return empty_clocks()
    clocks = pl.concat(parts)
    repeat = _repeat_missing(inp.records, policy)
    if repeat.height:
        clocks = (
            clocks.drop("episodes_in_window", "repeat_missing")
            .join(repeat.rename({"id": "record_id"}), on="record_id", how="left")
            .select(list(CLOCK_SCHEMA))
        )
    return clocks.sort("record_id", "clock", "cycle", "started_at", "trigger", nulls_last=True)


def rules_by_id(policy: ClocksPolicy) -> dict[str, ClockRule]:
    return {r.id: r for r in policy.rules}
