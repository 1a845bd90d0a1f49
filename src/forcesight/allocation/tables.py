"""Tables of the allocation domain: each propose run (a batch) and its proposals.

Decisions themselves go to the core ``crime_allocations`` table (who, when, by whom, kind,
reason, breaches); a proposal row records what the optimiser proposed, why, and what the
supervisor decided.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from forcesight.store.metadata import metadata

allocation_batches = Table(
    "allocation_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("at_day", Date, nullable=False),  # the day eligibility was judged on
    Column("method", String(60), nullable=False),
    Column("policy_version", String(40), nullable=False),
    Column("cases", Integer, nullable=False),  # crimes considered (excluding screen-outs)
    Column("proposed", Integer, nullable=False),
    Column("queued", Integer, nullable=False),
    Column("screened_out", Integer, nullable=False),
    Column("objective", Float),
    Column("bound", Float),
    Column("gap", Float),
    Column("rule_breaches", Integer, nullable=False),
    Column("seconds", Float),
    Column("warnings", JSON),  # data-quality warnings, e.g. unknown offence codes
)

# kind: allocation | reallocation | screen_out | queued (no one may take it; reasons say why)
# status: open | accepted | overridden | superseded | stale (crime changed before decision)
allocation_proposals = Table(
    "allocation_proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", ForeignKey("allocation_batches.id"), nullable=False, index=True),
    Column("crime_id", ForeignKey("crimes.id"), nullable=False, index=True),
    Column("kind", String(20), nullable=False),
    Column("route", String(30), nullable=False),
    Column("staff_id", ForeignKey("staff.id")),
    Column("team_id", ForeignKey("teams.id")),
    Column("previous_staff_id", ForeignKey("staff.id")),
    Column("priority", Float, nullable=False),
    Column("solvability", Float, nullable=False),
    Column("pip_level", Integer, nullable=False),
    Column("skills", JSON, nullable=False),
    Column("expected_hours", Float, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("status", String(20), nullable=False),
    Column("decided_by", String(80)),
    Column("decided_at", DateTime),
    Column("decision_reason", Text),
    Column("allocation_id", ForeignKey("crime_allocations.id")),
    Index("ix_allocation_proposals_status_kind", "status", "kind"),
)
