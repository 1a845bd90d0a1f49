"""Store access for the demo force: find, check and delete it, and line up ids.

Every demo row has ``origin = 'demo'``. Replacing the demo force deletes those rows and the
rows that hang off them (skills, spells, deployments, allocations and clock events of demo
people, incidents, crimes and clocks, whatever their origin, e.g. an allocation accepted in
the web app on a demo crime). Rows that are not demo data but point at demo rows (an imported
crime allocated to a demo officer) stop the rebuild with ``DemoForceInUseError``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Integer,
    Table,
    and_,
    func,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError

from forcesight.errors import DemoForceInUseError
from forcesight.store.entities import (
    availability_spells,
    clock_events,
    clock_records,
    crime_allocations,
    crimes,
    deployments,
    incidents,
    persons,
    staff,
    staff_skills,
    teams,
)

DEMO = "demo"

# tables in the order they are written (parents first); deleted in reverse
TABLES: tuple[Table, ...] = (
    teams,
    staff,
    staff_skills,
    availability_spells,
    persons,
    incidents,
    deployments,
    crimes,
    crime_allocations,
    clock_records,
    clock_events,
)
# tables whose integer ids the demo assigns itself (other rows point at them)
ID_TABLES: tuple[Table, ...] = (incidents, crimes, clock_records)


def _in_demo(column: Column[Any], parent: Table) -> ColumnElement[bool]:
    return column.in_(select(parent.c.id).where(parent.c.origin == DEMO))


def demo_row_counts(connection: Connection) -> dict[str, int]:
    """Rows with origin 'demo' in each demo table."""
    return {
        t.name: int(connection.execute(select(func.count()).where(t.c.origin == DEMO)).scalar_one())
        for t in TABLES
    }


def foreign_references(connection: Connection) -> list[tuple[str, str, int]]:
    """Rows that are not demo data but point at demo rows (and would be orphaned)."""
    not_demo = {t.name: t.c.origin != DEMO for t in TABLES}
    checks = [
        (staff, "belong to a demo team or have a demo tutor",
         or_(_in_demo(staff.c.team_id, teams), _in_demo(staff.c.tutor_id, staff))),
        (crimes, "point at a demo incident, person, team or officer",
         or_(_in_demo(crimes.c.incident_id, incidents), _in_demo(crimes.c.victim_id, persons),
             _in_demo(crimes.c.suspect_id, persons), _in_demo(crimes.c.team_id, teams),
             _in_demo(crimes.c.allocated_to, staff))),
        (crime_allocations, "allocate a crime that is not demo data to a demo officer or team",
         and_(not_(_in_demo(crime_allocations.c.crime_id, crimes)),
              or_(_in_demo(crime_allocations.c.staff_id, staff),
                  _in_demo(crime_allocations.c.team_id, teams)))),
        (clock_records, "point at a demo crime, person, officer or team",
         or_(_in_demo(clock_records.c.crime_id, crimes),
             _in_demo(clock_records.c.person_id, persons),
             _in_demo(clock_records.c.owner_id, staff), _in_demo(clock_records.c.team_id, teams))),
    ]  # fmt: skip
    found = []
    for table, why, condition in checks:
        n = connection.execute(
            select(func.count()).select_from(table).where(not_demo[table.name], condition)
        ).scalar_one()
        if n:
            found.append((table.name, why, int(n)))
    return found


def delete_demo_force(connection: Connection) -> dict[str, int]:
    """Delete the demo force and the rows hanging off it; returns rows deleted per table.
    Raises DemoForceInUseError (and deletes nothing) if other data points at it."""
    only_demo = _only_demo(connection)
    if not only_demo:
        references = foreign_references(connection)
        if references:
            raise DemoForceInUseError(references)
    counts = demo_row_counts(connection)
    if only_demo and connection.dialect.name == "postgresql" and _truncate(connection):
        return counts
    dependents = {
        clock_events.name: _in_demo(clock_events.c.record_id, clock_records),
        crime_allocations.name: _in_demo(crime_allocations.c.crime_id, crimes),
        deployments.name: _in_demo(deployments.c.incident_id, incidents),
        availability_spells.name: _in_demo(availability_spells.c.staff_id, staff),
        staff_skills.name: _in_demo(staff_skills.c.staff_id, staff),
    }
    deleted: dict[str, int] = {}
    helper_indexes = [] if only_demo else _create_helper_indexes(connection)
    for table in reversed(TABLES):
        condition: ColumnElement[bool] = table.c.origin == DEMO
        if table.name in dependents and not only_demo:
            condition = or_(condition, dependents[table.name])
        if table is staff:  # students point at their tutors: drop those links first
            connection.execute(staff.update().where(condition).values(tutor_id=None))
        statement = table.delete() if only_demo else table.delete().where(condition)
        deleted[table.name] = int(connection.execute(statement).rowcount)
    for name in helper_indexes:
        connection.execute(text(f'DROP INDEX IF EXISTS "{name}"'))
    return deleted


def _only_demo(connection: Connection) -> bool:
    """Whether every row of the demo tables is demo data."""
    return not any(
        connection.execute(select(t.c.id).where(t.c.origin != DEMO).limit(1)).first()
        for t in TABLES
    )


def _truncate(connection: Connection) -> bool:
    """TRUNCATE the demo tables together (PostgreSQL): much faster than deleting row by row.
    False (and nothing changed) if another table references them and so would need CASCADE."""
    names = ", ".join(f'"{t.name}"' for t in TABLES)
    savepoint = connection.begin_nested()
    try:
        connection.execute(text(f"TRUNCATE {names}"))
    except DBAPIError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


# Foreign keys without an index on the referencing column. Deleting a parent row makes the
# database look for referencing rows; PostgreSQL then scans the child table (dead rows
# included) once per deleted parent, which turns a rebuild into hours. Indexes that live only
# for the rebuild's transaction keep it to seconds.
_UNINDEXED_REFERENCES = (("crimes", "incident_id"), ("crimes", "suspect_id"), ("staff", "tutor_id"))


def _create_helper_indexes(connection: Connection) -> list[str]:
    if connection.dialect.name != "postgresql":
        return []
    names = []
    for table, column in _UNINDEXED_REFERENCES:
        name = f"fs_demo_rebuild_{table}_{column}"
        connection.execute(text(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'))
        names.append(name)
    return names


def next_ids(connection: Connection) -> dict[str, int]:
    """The largest id in use in each table whose ids the demo assigns (0 if empty)."""
    return {
        t.name: int(connection.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one())
        for t in ID_TABLES
    }


def advance_sequences(connection: Connection) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past them so that
    rows added later (by an import or the web app) do not collide."""
    if connection.dialect.name != "postgresql":
        return
    for table in TABLES:
        if not isinstance(table.c.id.type, Integer):
            continue
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{table.name}"), 0) + 1, false)'
            )
        )
