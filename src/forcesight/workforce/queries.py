"""Store access for the workforce domain: the only module in workforce/ that speaks SQL.

Reads return Polars frames with fixed schemas; writes take plain values and run on the
caller's connection, so a caller can put a write and its audit entry in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, Float, and_, case, cast, func, insert, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.sql.elements import ColumnElement

from forcesight.store.entities import (
    availability_spells,
    crimes,
    deployments,
    incidents,
    staff,
    staff_skills,
    teams,
)
from forcesight.workforce.tables import skill_events

STAFF_SCHEMA: dict[str, Any] = {
    "id": pl.String,
    "staff_type": pl.String,
    "rank": pl.String,
    "function": pl.String,
    "team_id": pl.String,
    "team_name": pl.String,
    "fte": pl.Float64,
    "hours_per_week": pl.Float64,
    "pip_level": pl.Int64,
    "joined_on": pl.Date,
    "left_on": pl.Date,
    "is_student": pl.Boolean,
    "tutor_id": pl.String,
    "tutoring_ends_on": pl.Date,
}
SKILL_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "staff_id": pl.String,
    "skill": pl.String,
    "kind": pl.String,
    "awarded_on": pl.Date,
    "expires_on": pl.Date,
    "revoked_on": pl.Date,
    "revoked_reason": pl.String,
    "origin": pl.String,
}
SPELL_SCHEMA: dict[str, Any] = {
    "staff_id": pl.String,
    "kind": pl.String,
    "starts_on": pl.Date,
    "ends_on": pl.Date,
}
CRIME_DEMAND_SCHEMA: dict[str, Any] = {
    "offence_code": pl.String,
    "function": pl.String,
    "rank": pl.String,
    "child_victim": pl.Boolean,
    "cse": pl.Boolean,
    "modern_slavery": pl.Boolean,
    "domestic_abuse": pl.Boolean,
    "hate": pl.Boolean,
    "crimes": pl.Int64,
}
INCIDENT_HOURS_SCHEMA: dict[str, Any] = {
    "category": pl.String,
    "grade": pl.String,
    "skill_required": pl.String,
    "incidents": pl.Int64,
    "unit_hours": pl.Float64,
}
CRIME_FLAGS = ("child_victim", "cse", "modern_slavery", "domestic_abuse", "hate")


def _frame(rows: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def hours_between(later: Any, earlier: Any, dialect: str) -> ColumnElement[Any]:
    """(later - earlier) in hours, in SQL, on SQLite and PostgreSQL."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return cast(func.extract("epoch", later - earlier), Float) / 3600.0


def load_staff(engine: Engine | Connection) -> pl.DataFrame:
    """Every staff member with their team's name."""
    query = (
        select(
            staff.c.id,
            staff.c.staff_type,
            staff.c.rank,
            staff.c.function,
            staff.c.team_id,
            teams.c.name,
            staff.c.fte,
            staff.c.hours_per_week,
            staff.c.pip_level,
            staff.c.joined_on,
            staff.c.left_on,
            staff.c.is_student,
            staff.c.tutor_id,
            staff.c.tutoring_ends_on,
        )
        .select_from(staff.outerjoin(teams, staff.c.team_id == teams.c.id))
        .order_by(staff.c.id)
    )
    with _connect(engine) as conn:
        return _frame(conn.execute(query).all(), STAFF_SCHEMA)


def load_skills(engine: Engine | Connection, staff_id: str | None = None) -> pl.DataFrame:
    """Every award in the register (revoked and expired ones too)."""
    query = select(*(staff_skills.c[name] for name in SKILL_SCHEMA)).order_by(staff_skills.c.id)
    if staff_id is not None:
        query = query.where(staff_skills.c.staff_id == staff_id)
    with _connect(engine) as conn:
        return _frame(conn.execute(query).all(), SKILL_SCHEMA)


def load_spells(engine: Engine | Connection, start: date, end: date) -> pl.DataFrame:
    """Availability spells that overlap [start, end]."""
    query = select(*(availability_spells.c[name] for name in SPELL_SCHEMA)).where(
        availability_spells.c.starts_on <= end,
        or_(availability_spells.c.ends_on.is_(None), availability_spells.c.ends_on >= start),
    )
    with _connect(engine) as conn:
        return _frame(conn.execute(query).all(), SPELL_SCHEMA)


def crime_demand(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Crimes reported in [start, end), counted by offence code, the function and rank of the
    team or investigator holding them (NULL when nobody holds them), and the skill flags."""
    holder = staff.alias("holder")
    function = func.coalesce(teams.c.function, holder.c.function)
    flags = [crimes.c[f] for f in CRIME_FLAGS]
    query = (
        select(crimes.c.offence_code, function, holder.c.rank, *flags, func.count())
        .select_from(
            crimes.outerjoin(teams, crimes.c.team_id == teams.c.id).outerjoin(
                holder, crimes.c.allocated_to == holder.c.id
            )
        )
        .where(crimes.c.reported_at >= start, crimes.c.reported_at < end)
        .group_by(crimes.c.offence_code, function, holder.c.rank, *flags)
    )
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), CRIME_DEMAND_SCHEMA)


def incident_hours(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Incidents received in [start, end) and their unit-hours, by category, grade and skill.

    Unit-hours are each deployment's dispatch to clear; an incident with no deployment rows
    counts its first dispatch to clear times ``units_required``. Rows with a missing or
    negative span contribute no hours (they are counted in ``incidents``)."""
    dialect = engine.dialect.name
    span = hours_between(deployments.c.cleared_at, deployments.c.dispatched_at, dialect)
    per_incident = (
        select(
            deployments.c.incident_id,
            func.sum(case((span > 0, span), else_=0.0)).label("hours"),
        )
        .group_by(deployments.c.incident_id)
        .subquery()
    )
    own = hours_between(incidents.c.cleared_at, incidents.c.first_dispatched_at, dialect)
    fallback = case((own > 0, own * incidents.c.units_required), else_=0.0)
    hours = func.coalesce(per_incident.c.hours, fallback, 0.0)
    query = (
        select(
            incidents.c.category,
            incidents.c.grade,
            incidents.c.skill_required,
            func.count(),
            func.sum(hours),
        )
        .select_from(
            incidents.outerjoin(per_incident, per_incident.c.incident_id == incidents.c.id)
        )
        .where(incidents.c.received_at >= start, incidents.c.received_at < end)
        .group_by(incidents.c.category, incidents.c.grade, incidents.c.skill_required)
    )
    with engine.connect() as conn:
        rows = [(*r[:4], float(r[4] or 0.0)) for r in conn.execute(query).all()]
    return _frame(rows, INCIDENT_HOURS_SCHEMA)


# --- writes ----------------------------------------------------------------------------------


def staff_row(conn: Connection, staff_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(staff).where(staff.c.id == staff_id)).mappings().first()
    return dict(row) if row else None


def current_award(conn: Connection, staff_id: str, skills: Sequence[str]) -> dict[str, Any] | None:
    """The latest award of any of ``skills`` (a name and its aliases) to ``staff_id`` that is
    not revoked, locked for update where the backend supports it."""
    query = (
        select(staff_skills)
        .where(
            and_(
                staff_skills.c.staff_id == staff_id,
                staff_skills.c.skill.in_(list(skills)),
                staff_skills.c.revoked_on.is_(None),
            )
        )
        .order_by(staff_skills.c.awarded_on.desc(), staff_skills.c.id.desc())
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def insert_award(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(staff_skills).values(**values).returning(staff_skills.c.id))
    return int(result.scalar_one())


def revoke_award(conn: Connection, award_id: int, on: date, reason: str) -> None:
    conn.execute(
        sql_update(staff_skills)
        .where(staff_skills.c.id == award_id)
        .values(revoked_on=on, revoked_reason=reason)
    )


def insert_event(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(skill_events).values(**values).returning(skill_events.c.id))
    return int(result.scalar_one())


def load_events(engine: Engine, staff_id: str | None = None) -> pl.DataFrame:
    query = select(
        skill_events.c.id,
        skill_events.c.staff_skill_id,
        skill_events.c.staff_id,
        skill_events.c.skill,
        skill_events.c.action,
        skill_events.c.effective_on,
        skill_events.c.recorded_at,
        skill_events.c.actor,
        skill_events.c.reason,
    ).order_by(skill_events.c.id)
    if staff_id is not None:
        query = query.where(skill_events.c.staff_id == staff_id)
    schema = {
        "id": pl.Int64,
        "staff_skill_id": pl.Int64,
        "staff_id": pl.String,
        "skill": pl.String,
        "action": pl.String,
        "effective_on": pl.Date,
        "recorded_at": pl.Datetime("us"),
        "actor": pl.String,
        "reason": pl.String,
    }
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), schema)


@contextmanager
def _connect(target: Engine | Connection) -> Iterator[Connection]:
    """A new connection from an Engine (closed afterwards), or the Connection given."""
    if isinstance(target, Connection):
        yield target
        return
    with target.connect() as conn:
        yield conn


def unallocated_ages(engine: Engine, now: datetime) -> pl.DataFrame:
    """Crimes unallocated at ``now``: offence code and age in days since recording."""
    query = select(crimes.c.offence_code, crimes.c.recorded_at).where(
        crimes.c.status == "unallocated", crimes.c.recorded_at <= now
    )
    with engine.connect() as conn:
        rows = [(code, (now - at).total_seconds() / 86400.0) for code, at in conn.execute(query)]
    return _frame(rows, {"offence_code": pl.String, "age_days": pl.Float64})


def first_allocations_between(engine: Engine, start: datetime, end: datetime) -> int:
    """Crimes first allocated to an investigator in [start, end)."""
    query = select(func.count()).where(crimes.c.allocated_at >= start, crimes.c.allocated_at < end)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
