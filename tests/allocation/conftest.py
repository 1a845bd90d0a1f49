"""A small force in a real store (SQLite and PostgreSQL) for the allocation tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from forcesight.store.entities import (
    availability_spells,
    crimes,
    persons,
    staff,
    staff_skills,
    teams,
)

DAY = date(2024, 3, 1)
AT = datetime(2024, 3, 1, 12, 0)


def add_team(conn: Any, team_id: str, function: str, area: str) -> None:
    conn.execute(
        insert(teams).values(id=team_id, name=team_id, function=function, area=area, origin="app")
    )


def add_staff(
    conn: Any,
    staff_id: str,
    team_id: str,
    function: str,
    pip_level: int,
    hours: float = 40.0,
    skills: tuple[tuple[str, date, date | None], ...] = (),
    spells: tuple[tuple[str, date, date | None], ...] = (),
    left_on: date | None = None,
) -> None:
    conn.execute(
        insert(staff).values(
            id=staff_id,
            staff_type="officer",
            rank="Detective Constable",
            function=function,
            team_id=team_id,
            fte=hours / 40.0,
            hours_per_week=hours,
            pip_level=pip_level,
            left_on=left_on,
            row_key=f"staff-{staff_id}",
            origin="app",
        )
    )
    for n, (skill, awarded, expires) in enumerate(skills):
        conn.execute(
            insert(staff_skills).values(
                staff_id=staff_id,
                skill=skill,
                kind="accreditation",
                awarded_on=awarded,
                expires_on=expires,
                row_key=f"skill-{staff_id}-{n}",
                origin="app",
            )
        )
    for n, (kind, starts, ends) in enumerate(spells):
        conn.execute(
            insert(availability_spells).values(
                staff_id=staff_id,
                kind=kind,
                starts_on=starts,
                ends_on=ends,
                row_key=f"spell-{staff_id}-{n}",
                origin="app",
            )
        )


def add_crime(conn: Any, crime_ref: str, offence_code: str, **values: Any) -> None:
    victim = values.pop("victim_id", None)
    known = conn.execute(select(persons.c.id).where(persons.c.id == victim)).first()
    if victim is not None and known is None:
        conn.execute(insert(persons).values(id=victim, origin="app"))
    defaults: dict[str, Any] = {
        "reported_at": datetime(2024, 2, 20, 9, 0),
        "recorded_at": datetime(2024, 2, 20, 10, 0),
        "area": "NORTH",
        "status": "unallocated",
        "origin": "app",
    }
    defaults.update(values)
    conn.execute(
        insert(crimes).values(
            crime_ref=crime_ref, offence_code=offence_code, victim_id=victim, **defaults
        )
    )


@pytest.fixture
def small_force(engine: Engine) -> Callable[..., Engine]:
    """Teams and investigators; call it to add crimes with ``add_crime`` keyword lists."""
    with engine.begin() as conn:
        add_team(conn, "CID-N", "investigation", "NORTH")
        add_team(conn, "CID-S", "investigation", "SOUTH")
        add_team(conn, "PPU", "public_protection", "NORTH")
        add_team(conn, "CMU", "crime_management", "NORTH")
        add_team(conn, "NPT-N", "neighbourhood", "NORTH")
        add_team(conn, "RESP", "response", "NORTH")
        add_staff(conn, "DC1", "CID-N", "investigation", 2)
        add_staff(conn, "DC2", "CID-S", "investigation", 1)
        add_staff(
            conn,
            "DC3",
            "PPU",
            "public_protection",
            2,
            skills=(
                ("child_abuse_investigation", date(2020, 1, 1), date(2026, 1, 1)),
                ("sexual_offences_investigation", date(2020, 1, 1), None),
                ("domestic_abuse_investigation", date(2020, 1, 1), None),
            ),
        )
        add_staff(conn, "CM1", "CMU", "crime_management", 1)
        add_staff(conn, "PC1", "NPT-N", "neighbourhood", 1)

    def build(*crime_rows: tuple[str, str, dict[str, Any]]) -> Engine:
        with engine.begin() as conn:
            for ref, code, values in crime_rows:
                add_crime(conn, ref, code, **values)
        return engine

    return build
