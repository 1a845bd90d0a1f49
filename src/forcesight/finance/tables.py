"""The finance domain's tables: the force's cost rates, and the benefits register.

``cost_rates`` holds the rate table a user loaded (``forcesight finance rates load FILE.csv``);
the newest loaded set is the one used. Without one, the demo defaults in
``policy/rules/finance.yaml`` are used and every figure says so.
``investments`` is the benefits register: each investment with its baseline, expected benefit
and date; ``benefit_measurements`` keeps each measurement of the actual taken from the store.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from forcesight.store.metadata import metadata

cost_rates = Table(
    "cost_rates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("rate_set", String(80), nullable=False),  # the name the set was loaded under
    Column("rank", String(40), nullable=False),  # rank for officers, grade for staff
    Column("hourly_cost", Float, nullable=False),  # fully loaded cost of an hour [GBP/h]
    Column("source", Text),
    Column("file_name", Text),
    Column("source_line", Integer),
    Column("loaded_at", DateTime, nullable=False),
    Column("loaded_by", String(80), nullable=False),
    UniqueConstraint("rate_set", "rank"),
)

investments = Table(
    "investments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(120), nullable=False, unique=True),
    Column("function", String(40), nullable=False),
    Column("metric", String(60), nullable=False),  # a named metric (finance/metrics.py)
    Column("baseline_value", Float, nullable=False),
    Column("baseline_on", Date, nullable=False),
    Column("expected_value", Float, nullable=False),
    Column("expected_by", Date, nullable=False),
    Column("cost_gbp", Float),
    Column("owner", String(80)),
    Column("notes", Text),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
)

benefit_measurements = Table(
    "benefit_measurements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("investment_id", ForeignKey("investments.id"), nullable=False, index=True),
    Column("measured_at", DateTime, nullable=False),
    Column("value", Float),  # NULL: the metric had no data then
    Column("recorded_by", String(80), nullable=False),
)
