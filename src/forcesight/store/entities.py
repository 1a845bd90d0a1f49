"""The force's own records: workforce, incidents, crimes, persons and the clock records.

Persons and staff are pseudonymous: ids only, never names. Times are local wall-clock time in
Europe/London as the force's systems export them (naive datetimes); see docs/data-model.md.
Every row carries its lineage: the import run (NULL for rows created in forcesight itself, such
as the demo force or a skill added in the web app, whose origin is in ``origin``) and the line.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
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
    UniqueConstraint,
)

from forcesight.store.metadata import metadata


def _lineage() -> list[Column[object]]:
    return [
        Column("import_run_id", ForeignKey("import_runs.id"), index=True),
        Column("source_line", Integer),
        Column("origin", String(20), nullable=False, default="import"),  # import|demo|app
    ]


teams = Table(
    "teams",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", Text, nullable=False),
    Column("function", String(40), nullable=False, index=True),
    Column("area", Text),  # local authority code or base name the team covers
    *_lineage(),
)

# Officers, staff, PCSOs and special constables. pip_level 0 means not accredited.
staff = Table(
    "staff",
    metadata,
    Column("id", String(40), primary_key=True),  # pseudonymous id, e.g. "P004217"
    Column("staff_type", String(20), nullable=False),  # officer|staff|pcso|special
    Column("rank", String(40), nullable=False),  # rank for officers, grade for staff
    Column("role", Text),
    Column("function", String(40), nullable=False, index=True),
    Column("team_id", ForeignKey("teams.id"), index=True),
    Column("fte", Float, nullable=False),
    Column("hours_per_week", Float, nullable=False),
    Column("pip_level", Integer, nullable=False, default=0),
    Column("joined_on", Date),
    Column("left_on", Date),
    Column("is_student", Boolean, nullable=False, default=False),
    Column("tutor_id", ForeignKey("staff.id"), index=True),
    Column("tutoring_ends_on", Date),
    Column("row_key", String(64), nullable=False, unique=True),
    *_lineage(),
)

# Skills and accreditations held, each with award and expiry dates.
staff_skills = Table(
    "staff_skills",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False, index=True),
    Column("skill", String(60), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # skill|accreditation
    Column("awarded_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("revoked_on", Date),
    Column("revoked_reason", Text),
    Column("row_key", String(64), nullable=False, unique=True),
    *_lineage(),
)

# Availability spells: sickness, restricted or recuperative duty, leave, training, tutoring...
availability_spells = Table(
    "availability_spells",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("staff_id", ForeignKey("staff.id"), nullable=False, index=True),
    Column("kind", String(30), nullable=False, index=True),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),  # NULL: open-ended
    Column("note", Text),
    Column("row_key", String(64), nullable=False, unique=True),
    *_lineage(),
)

# Pseudonymous persons: victims, suspects, missing and wanted people.
persons = Table(
    "persons",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("year_of_birth", Integer),
    Column("vulnerable", Boolean, nullable=False, default=False),
    Column("vulnerability", Text),  # free-text category, never a narrative
    *_lineage(),
)

# Calls for service from the command-and-control log. Times are the first unit's.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_ref", String(60), nullable=False, unique=True),
    Column("received_at", DateTime, nullable=False, index=True),
    Column("graded_at", DateTime),
    Column("grade", String(10), nullable=False, index=True),
    Column("category", String(60), nullable=False, index=True),
    Column("first_dispatched_at", DateTime),
    Column("first_arrived_at", DateTime),
    Column("cleared_at", DateTime),
    Column("lsoa_code", String(9), index=True),
    Column("beat", String(40)),
    Column("area", String(40)),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("units_required", Integer, nullable=False, default=1),
    Column("skill_required", String(40)),
    Column("vulnerable", Boolean, nullable=False, default=False),
    Column("repeat_caller", Boolean, nullable=False, default=False),
    Column("domestic_abuse", Boolean, nullable=False, default=False),
    Column("mental_health", Boolean, nullable=False, default=False),
    Column(
        "data_quality", JSON
    ),  # list of issue codes found on import, e.g. ["arrived_before_dispatched"]
    *_lineage(),
)

# One row per unit deployed to an incident (several units per incident are common).
deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("incident_id", ForeignKey("incidents.id"), nullable=False, index=True),
    Column("unit_ref", String(40), nullable=False),
    Column("dispatched_at", DateTime),
    Column("arrived_at", DateTime),
    Column("cleared_at", DateTime),
    UniqueConstraint("incident_id", "unit_ref", "dispatched_at"),
    *_lineage(),
)

# Recorded crimes, with victim, flags, the eight solvability factors and allocation state.
crimes = Table(
    "crimes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crime_ref", String(60), nullable=False, unique=True),
    Column("incident_id", ForeignKey("incidents.id"), index=True),
    Column("reported_at", DateTime, nullable=False, index=True),
    Column("recorded_at", DateTime, nullable=False),
    Column("offence_code", String(10), nullable=False, index=True),
    Column("police_uk_category", Text),
    Column("lsoa_code", String(9), index=True),
    Column("area", String(40)),
    Column("victim_id", ForeignKey("persons.id"), index=True),
    Column("suspect_id", ForeignKey("persons.id"), index=True),
    Column("linked_crime_ref", String(60)),
    Column("domestic_abuse", Boolean, nullable=False, default=False),
    Column("hate", Boolean, nullable=False, default=False),
    Column("cse", Boolean, nullable=False, default=False),
    Column("modern_slavery", Boolean, nullable=False, default=False),
    Column("child_victim", Boolean, nullable=False, default=False),
    Column("vulnerable_victim", Boolean, nullable=False, default=False),
    Column("repeat_victim", Boolean, nullable=False, default=False),
    # Kent's evidence-based investigative tool: the eight solvability factors.
    Column("sf_victim_supports", Boolean, nullable=False, default=False),
    Column("sf_named_suspect", Boolean, nullable=False, default=False),
    Column("sf_witness", Boolean, nullable=False, default=False),
    Column("sf_cctv", Boolean, nullable=False, default=False),
    Column("sf_police_witness", Boolean, nullable=False, default=False),
    Column("sf_forensics", Boolean, nullable=False, default=False),
    Column("sf_linked", Boolean, nullable=False, default=False),
    Column("sf_reported_within_28d", Boolean, nullable=False, default=False),
    Column(
        "status", String(20), nullable=False, index=True
    ),  # unallocated|allocated|screened_out|closed
    Column("route", String(30)),  # screen_out|desk|appointment|team
    Column("team_id", ForeignKey("teams.id")),
    Column("allocated_to", ForeignKey("staff.id"), index=True),
    Column("allocated_at", DateTime),
    Column("closed_at", DateTime),
    Column("outcome", Text),
    *_lineage(),
)

# Every allocation, re-allocation and override of a crime: who, when, by whom, why.
crime_allocations = Table(
    "crime_allocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crime_id", ForeignKey("crimes.id"), nullable=False, index=True),
    Column("staff_id", ForeignKey("staff.id"), index=True),
    Column("team_id", ForeignKey("teams.id")),
    Column("allocated_at", DateTime, nullable=False),
    Column("allocated_by", String(80), nullable=False),
    Column("kind", String(20), nullable=False),  # proposal|override|reallocation|handover|import
    Column("reason", Text),
    Column("breaches", JSON),  # rules an override broke, e.g. ["accreditation:PIP2"]
    Column("ended_at", DateTime),
    *_lineage(),
)

# Clock records: one row per thing that starts a statutory or policy clock. kind is one of
# bail | rui | victim_care | missing_episode | wanted | forensic_submission | investigation.
clock_records = Table(
    "clock_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("ref", String(60), nullable=False),
    Column("crime_id", ForeignKey("crimes.id"), index=True),
    Column("person_id", ForeignKey("persons.id"), index=True),
    Column("owner_id", ForeignKey("staff.id"), index=True),  # officer in the case / supervisor
    Column("team_id", ForeignKey("teams.id")),
    Column("started_at", DateTime, nullable=False, index=True),
    Column("risk_level", String(30)),  # missing episodes
    Column("enhanced", Boolean),  # victims' code
    Column("agency", String(20)),  # bail: police|FCA|HMRC|NCA|SFO
    Column("devices", Integer),  # forensic submissions
    Column("is_child", Boolean),
    Column("closed_at", DateTime),
    Column("close_reason", Text),
    UniqueConstraint("kind", "ref"),
    Index("ix_clock_records_open", "kind", "closed_at"),
    *_lineage(),
)

# Events on a clock record: satisfy, extend or stop a clock. Append-only.
clock_events = Table(
    "clock_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("record_id", ForeignKey("clock_records.id"), nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("recorded_at", DateTime, nullable=False),
    Column("actor_id", String(40)),
    Column("actor_rank", String(40)),
    Column("reason", Text),
    Column("detail", JSON),
    *_lineage(),
)

# Named, stored what-if inputs (scenarios, shift patterns, specifications) as their YAML text.
scenarios = Table(
    "scenarios",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(30), nullable=False),
    Column("name", String(120), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80)),
    UniqueConstraint("kind", "name"),
)
