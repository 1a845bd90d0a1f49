"""Every read and write of the store the allocation domain makes, as small functions.

Writes that decide a crime are conditional (``... WHERE status = 'unallocated'``) so that two
supervisors deciding the same crime at once produce exactly one decision: the second UPDATE
matches no row. Callers run the conditional UPDATE as the first statement of its transaction
(on SQLite a transaction that read first cannot upgrade to a writer after another commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, func, insert, or_, select, update

from forcesight.allocation.eligibility import Investigator, SkillRecord, Spell
from forcesight.allocation.tables import allocation_batches, allocation_proposals
from forcesight.store.entities import (
    availability_spells,
    clock_events,
    clock_records,
    crime_allocations,
    crimes,
    staff,
    staff_skills,
    teams,
)

CRIME_COLUMNS = [
    crimes.c.id,
    crimes.c.crime_ref,
    crimes.c.reported_at,
    crimes.c.recorded_at,
    crimes.c.offence_code,
    crimes.c.area,
    crimes.c.victim_id,
    crimes.c.linked_crime_ref,
    crimes.c.domestic_abuse,
    crimes.c.hate,
    crimes.c.cse,
    crimes.c.modern_slavery,
    crimes.c.child_victim,
    crimes.c.vulnerable_victim,
    crimes.c.repeat_victim,
    crimes.c.sf_victim_supports,
    crimes.c.sf_named_suspect,
    crimes.c.sf_witness,
    crimes.c.sf_cctv,
    crimes.c.sf_police_witness,
    crimes.c.sf_forensics,
    crimes.c.sf_linked,
    crimes.c.sf_reported_within_28d,
    crimes.c.status,
    crimes.c.route,
    crimes.c.team_id,
    crimes.c.allocated_to,
    crimes.c.allocated_at,
    teams.c.function.label("team_function"),
]

CRIME_SCHEMA: dict[str, Any] = {
    "id": pl.Int64,
    "crime_ref": pl.Utf8,
    "reported_at": pl.Datetime("us"),
    "recorded_at": pl.Datetime("us"),
    "offence_code": pl.Utf8,
    "area": pl.Utf8,
    "victim_id": pl.Utf8,
    "linked_crime_ref": pl.Utf8,
    **{
        c: pl.Boolean
        for c in (
            "domestic_abuse",
            "hate",
            "cse",
            "modern_slavery",
            "child_victim",
            "vulnerable_victim",
            "repeat_victim",
            "sf_victim_supports",
            "sf_named_suspect",
            "sf_witness",
            "sf_cctv",
            "sf_police_witness",
            "sf_forensics",
            "sf_linked",
            "sf_reported_within_28d",
        )
    },
    "status": pl.Utf8,
    "route": pl.Utf8,
    "team_id": pl.Utf8,
    "allocated_to": pl.Utf8,
    "allocated_at": pl.Datetime("us"),
    "team_function": pl.Utf8,
}


def _frame(rows: Iterable[Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([dict(r._mapping) for r in rows], schema=schema, orient="row")


def load_crimes(
    conn: Connection, statuses: Sequence[str], recorded_before: datetime | None = None
) -> pl.DataFrame:
    """Crimes in ``statuses`` (recorded by ``recorded_before`` if given), with the function of
    the team that holds them."""
    query = (
        select(*CRIME_COLUMNS)
        .select_from(crimes.outerjoin(teams, teams.c.id == crimes.c.team_id))
        .where(crimes.c.status.in_(statuses))
        .order_by(crimes.c.id)
    )
    if recorded_before is not None:
        query = query.where(crimes.c.recorded_at <= recorded_before)
    return _frame(conn.execute(query), CRIME_SCHEMA)


def load_crime(conn: Connection, crime_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(*CRIME_COLUMNS)
        .select_from(crimes.outerjoin(teams, teams.c.id == crimes.c.team_id))
        .where(crimes.c.id == crime_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def crime_id_by_ref(conn: Connection, crime_ref: str) -> int | None:
    value = conn.execute(select(crimes.c.id).where(crimes.c.crime_ref == crime_ref)).scalar()
    return int(value) if value is not None else None


def load_investigators(
    conn: Connection, functions: Sequence[str], open_hours: dict[str, tuple[float, int]]
) -> list[Investigator]:
    """Staff in ``functions`` with their skills, availability spells, team area and the open
    caseload ``open_hours[staff_id] = (hours, cases)``."""
    rows = conn.execute(
        select(
            staff.c.id,
            staff.c.function,
            staff.c.pip_level,
            staff.c.hours_per_week,
            staff.c.team_id,
            staff.c.joined_on,
            staff.c.left_on,
            teams.c.area,
        )
        .select_from(staff.outerjoin(teams, teams.c.id == staff.c.team_id))
        .where(staff.c.function.in_(functions))
        .order_by(staff.c.id)
    ).all()
    ids = [r.id for r in rows]
    skills: dict[str, list[SkillRecord]] = {i: [] for i in ids}
    spells: dict[str, list[Spell]] = {i: [] for i in ids}
    for chunk in _chunks(ids, 900):
        for s in conn.execute(
            select(
                staff_skills.c.staff_id,
                staff_skills.c.skill,
                staff_skills.c.awarded_on,
                staff_skills.c.expires_on,
                staff_skills.c.revoked_on,
            ).where(staff_skills.c.staff_id.in_(chunk))
        ):
            skills[s.staff_id].append(
                SkillRecord(s.skill, s.awarded_on, s.expires_on, s.revoked_on)
            )
        for a in conn.execute(
            select(
                availability_spells.c.staff_id,
                availability_spells.c.kind,
                availability_spells.c.starts_on,
                availability_spells.c.ends_on,
            ).where(availability_spells.c.staff_id.in_(chunk))
        ):
            spells[a.staff_id].append(Spell(a.kind, a.starts_on, a.ends_on))
    return [
        Investigator(
            staff_id=r.id,
            function=r.function,
            pip_level=int(r.pip_level or 0),
            hours_per_week=float(r.hours_per_week),
            team_id=r.team_id,
            area=r.area,
            open_hours=open_hours.get(r.id, (0.0, 0))[0],
            open_cases=open_hours.get(r.id, (0.0, 0))[1],
            skills=tuple(skills[r.id]),
            spells=tuple(spells[r.id]),
            joined_on=r.joined_on,
            left_on=r.left_on,
        )
        for r in rows
    ]


def _chunks(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def staff_exists(conn: Connection, staff_id: str) -> bool:
    return conn.execute(select(staff.c.id).where(staff.c.id == staff_id)).first() is not None


def staff_team(conn: Connection, staff_id: str) -> str | None:
    value = conn.execute(select(staff.c.team_id).where(staff.c.id == staff_id)).scalar()
    return str(value) if value is not None else None


# --- batches and proposals ---------------------------------------------------------------------


def insert_batch(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(allocation_batches).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def supersede_open_proposals(conn: Connection, crime_ids: Sequence[int]) -> None:
    for chunk in range(0, len(crime_ids), 900):
        conn.execute(
            update(allocation_proposals)
            .where(
                allocation_proposals.c.status == "open",
                allocation_proposals.c.crime_id.in_(crime_ids[chunk : chunk + 900]),
            )
            .values(status="superseded")
        )


def insert_proposals(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(allocation_proposals), list(rows))


def latest_batch_id(conn: Connection) -> int | None:
    value = conn.execute(select(func.max(allocation_batches.c.id))).scalar()
    return int(value) if value is not None else None


def load_batch(conn: Connection, batch_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(allocation_batches).where(allocation_batches.c.id == batch_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def load_proposals(
    conn: Connection, batch_id: int | None = None, statuses: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    query = select(allocation_proposals, crimes.c.crime_ref).join(
        crimes, crimes.c.id == allocation_proposals.c.crime_id
    )
    if batch_id is not None:
        query = query.where(allocation_proposals.c.batch_id == batch_id)
    if statuses is not None:
        query = query.where(allocation_proposals.c.status.in_(statuses))
    rows = conn.execute(query.order_by(allocation_proposals.c.id))
    return [dict(r._mapping) for r in rows]


def load_proposal(conn: Connection, proposal_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(allocation_proposals, crimes.c.crime_ref)
        .join(crimes, crimes.c.id == allocation_proposals.c.crime_id)
        .where(allocation_proposals.c.id == proposal_id)
    ).first()
    return dict(row._mapping) if row is not None else None


def close_proposal(
    conn: Connection,
    proposal_id: int,
    status: str,
    by: str,
    at: datetime,
    reason: str | None,
    allocation_id: int | None,
) -> None:
    conn.execute(
        update(allocation_proposals)
        .where(allocation_proposals.c.id == proposal_id)
        .values(
            status=status,
            decided_by=by,
            decided_at=at,
            decision_reason=reason,
            allocation_id=allocation_id,
        )
    )


# --- decisions: conditional writes -------------------------------------------------------------


def claim_unallocated(
    conn: Connection, crime_id: int, staff_id: str, team_id: str | None, route: str, at: datetime
) -> bool:
    """Allocate a crime still waiting; False if someone decided it first."""
    result = conn.execute(
        update(crimes)
        .where(crimes.c.id == crime_id, crimes.c.status == "unallocated")
        .values(
            status="allocated", allocated_to=staff_id, team_id=team_id, route=route, allocated_at=at
        )
    )
    return result.rowcount == 1


def transfer_allocated(
    conn: Connection,
    crime_id: int,
    from_staff: str,
    to_staff: str,
    team_id: str | None,
    at: datetime,
) -> bool:
    """Move an allocated crime from ``from_staff`` to ``to_staff``; False if it moved already."""
    result = conn.execute(
        update(crimes)
        .where(
            crimes.c.id == crime_id,
            crimes.c.status == "allocated",
            crimes.c.allocated_to == from_staff,
        )
        .values(allocated_to=to_staff, team_id=team_id, allocated_at=at)
    )
    return result.rowcount == 1


def screen_out(conn: Connection, crime_id: int) -> bool:
    result = conn.execute(
        update(crimes)
        .where(crimes.c.id == crime_id, crimes.c.status == "unallocated")
        .values(status="screened_out", route="screen_out")
    )
    return result.rowcount == 1


def end_open_allocations(conn: Connection, crime_id: int, at: datetime) -> None:
    conn.execute(
        update(crime_allocations)
        .where(crime_allocations.c.crime_id == crime_id, crime_allocations.c.ended_at.is_(None))
        .values(ended_at=at)
    )


def insert_allocation(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(crime_allocations).values(origin="app", **values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def start_victim_notification_clock(
    conn: Connection,
    crime: dict[str, Any],
    at: datetime,
    by: str,
    enhanced: bool,
    reason: str,
) -> int:
    """The hook for the clocks engine: a screened-out crime's victim must be told it will not be
    investigated. Ensures a ``victim_care`` clock record for the crime (ref = crime_ref) and
    appends a ``screened_out`` event; the clocks engine computes when the victim is due to be
    told from that event and its own policy."""
    existing = conn.execute(
        select(clock_records.c.id).where(
            clock_records.c.kind == "victim_care", clock_records.c.ref == crime["crime_ref"]
        )
    ).scalar()
    if existing is None:
        result = conn.execute(
            insert(clock_records).values(
                kind="victim_care",
                ref=crime["crime_ref"],
                crime_id=crime["id"],
                person_id=crime.get("victim_id"),
                team_id=crime.get("team_id"),
                started_at=at,
                enhanced=enhanced,
                is_child=bool(crime.get("child_victim")),
                origin="app",
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        existing = key[0]
    conn.execute(
        insert(clock_events).values(
            record_id=existing,
            event="screened_out",
            occurred_at=at,
            recorded_at=at,
            actor_id=by,
            reason=reason,
            detail={"notify": "victim told the crime will not be investigated further"},
            origin="app",
        )
    )
    return int(existing)


# --- history for the backlog ------------------------------------------------------------------


def load_allocation_history(conn: Connection, until: datetime) -> pl.DataFrame:
    rows = conn.execute(
        select(
            crime_allocations.c.crime_id,
            crime_allocations.c.staff_id,
            crime_allocations.c.team_id,
            crime_allocations.c.allocated_at,
            crime_allocations.c.allocated_by,
            crime_allocations.c.kind,
            crime_allocations.c.reason,
            crime_allocations.c.breaches,
            crimes.c.crime_ref,
            crimes.c.recorded_at,
        )
        .join(crimes, crimes.c.id == crime_allocations.c.crime_id)
        .where(crime_allocations.c.allocated_at <= until)
        .order_by(crime_allocations.c.crime_id, crime_allocations.c.allocated_at)
    )
    schema: dict[str, Any] = {
        "crime_id": pl.Int64,
        "staff_id": pl.Utf8,
        "team_id": pl.Utf8,
        "allocated_at": pl.Datetime("us"),
        "allocated_by": pl.Utf8,
        "kind": pl.Utf8,
        "reason": pl.Utf8,
        "breaches": pl.List(pl.Utf8),
        "crime_ref": pl.Utf8,
        "recorded_at": pl.Datetime("us"),
    }
    records = []
    for r in rows:
        record = dict(r._mapping)
        record["breaches"] = list(record["breaches"] or [])
        records.append(record)
    return pl.DataFrame(records, schema=schema, orient="row")


def load_open_caseload(conn: Connection) -> pl.DataFrame:
    """Allocated (open) crimes with their holder, offence code and victim."""
    rows = conn.execute(
        select(
            crimes.c.id,
            crimes.c.crime_ref,
            crimes.c.offence_code,
            crimes.c.victim_id,
            crimes.c.linked_crime_ref,
            crimes.c.allocated_to,
            crimes.c.team_id,
        ).where(crimes.c.status == "allocated", crimes.c.allocated_to.is_not(None))
    )
    schema: dict[str, Any] = {
        "id": pl.Int64,
        "crime_ref": pl.Utf8,
        "offence_code": pl.Utf8,
        "victim_id": pl.Utf8,
        "linked_crime_ref": pl.Utf8,
        "allocated_to": pl.Utf8,
        "team_id": pl.Utf8,
    }
    return _frame(rows, schema)


def load_staff_frame(conn: Connection) -> pl.DataFrame:
    rows = conn.execute(
        select(
            staff.c.id.label("staff_id"),
            staff.c.function,
            staff.c.team_id,
            staff.c.hours_per_week,
            staff.c.pip_level,
        )
    )
    schema: dict[str, Any] = {
        "staff_id": pl.Utf8,
        "function": pl.Utf8,
        "team_id": pl.Utf8,
        "hours_per_week": pl.Float64,
        "pip_level": pl.Int64,
    }
    return _frame(rows, schema)


def count_unallocated_on(conn: Connection, day: date) -> int:
    """Crimes recorded by ``day`` not allocated, screened out or closed by then (from history)."""
    end = datetime.combine(day, datetime.max.time())
    first_decision = (
        select(func.min(crime_allocations.c.allocated_at))
        .where(crime_allocations.c.crime_id == crimes.c.id)
        .scalar_subquery()
    )
    value = conn.execute(
        select(func.count())
        .select_from(crimes)
        .where(
            crimes.c.recorded_at <= end,
            or_(first_decision.is_(None), first_decision > end),
            or_(crimes.c.closed_at.is_(None), crimes.c.closed_at > end),
            and_(or_(crimes.c.status != "screened_out", first_decision.is_not(None))),
        )
    ).scalar()
    return int(value or 0)
