"""The column schemas of the clock engine's inputs (clock records, events) and its output."""

from __future__ import annotations

import polars as pl

DT = pl.Datetime("us")

RECORD_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "kind": pl.String(),
    "ref": pl.String(),
    "crime_id": pl.Int64(),
    "person_id": pl.String(),
    "owner_id": pl.String(),
    "team_id": pl.String(),
    "started_at": DT,
    "risk_level": pl.String(),
    "enhanced": pl.Boolean(),
    "agency": pl.String(),
    "devices": pl.Int64(),
    "is_child": pl.Boolean(),
    "closed_at": DT,
    "close_reason": pl.String(),
}

EVENT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "record_id": pl.Int64(),
    "event": pl.String(),
    "occurred_at": DT,
    "recorded_at": DT,
    "actor_id": pl.String(),
    "actor_rank": pl.String(),
    "reason": pl.String(),
    "risk_level": pl.String(),  # detail.risk_level of risk_changed events
    "about": pl.String(),  # detail.about of victim_notified: the event the victim was told of
}

CLOCK_SCHEMA: dict[str, pl.DataType] = {
    "record_id": pl.Int64(),
    "ref": pl.String(),
    "kind": pl.String(),
    "clock": pl.String(),
    "rule_id": pl.String(),
    "label": pl.String(),
    "cycle": pl.Int64(),
    "trigger": pl.String(),
    "crime_id": pl.Int64(),
    "person_id": pl.String(),
    "owner_id": pl.String(),
    "team_id": pl.String(),
    "record_started_at": DT,
    "started_at": DT,
    "due_at": DT,
    "satisfied_at": DT,
    "stopped_at": DT,
    "status": pl.String(),
    "current": pl.Boolean(),
    "overdue_hours": pl.Float64(),
    "late_hours": pl.Float64(),
    "elapsed_hours": pl.Float64(),
    "age_days": pl.Float64(),
    "escalate_to": pl.String(),
    "extensions": pl.Int64(),
    "risk_level": pl.String(),
    "enhanced": pl.Boolean(),
    "is_child": pl.Boolean(),
    "episodes_in_window": pl.Int64(),
    "repeat_missing": pl.Boolean(),
    "devices": pl.Int64(),
    "queue_position": pl.Int64(),
    "devices_ahead": pl.Int64(),
    "forecast_start": DT,
    "forecast_late": pl.Boolean(),
}

STATUSES = ("running", "due_soon", "overdue", "met", "met_late", "stopped")
OPEN_STATUSES = ("running", "due_soon", "overdue")


def empty_records() -> pl.DataFrame:
    return pl.DataFrame(schema=RECORD_SCHEMA)


def empty_events() -> pl.DataFrame:
    return pl.DataFrame(schema=EVENT_SCHEMA)


def empty_clocks() -> pl.DataFrame:
    return pl.DataFrame(schema=CLOCK_SCHEMA)
