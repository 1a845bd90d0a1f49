"""What the store holds: row counts, how fresh each kind of data is, and the import runs with
their reconciliation. Pages, the API and ``forcesight status`` all call ``store_status``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, Table, desc, func, select

from forcesight.store import entities, reference
from forcesight.store.migrate import current_heads
from forcesight.store.runs import import_runs, quarantine

#: (label, table, column whose latest value says how fresh the data is)
HOLDINGS: tuple[tuple[str, Table, str | None], ...] = (
    ("Street-level crime (data.police.uk)", reference.street_crimes, "month"),
    (
        "Recorded crime by force, rolling year (Home Office)",
        reference.recorded_crime_rolling,
        "period_end",
    ),
    ("Recorded crime by offence code (Home Office)", reference.recorded_crime_by_offence, None),
    ("Offence codes (Home Office)", reference.offence_codes, None),
    ("Workforce statistics (Home Office)", reference.workforce_statistics, "as_at"),
    ("LSOA lookup (ONS)", reference.lsoas, None),
    ("LSOA population (ONS Census)", reference.lsoa_population, None),
    ("Teams", entities.teams, None),
    ("Officers and staff", entities.staff, "joined_on"),
    ("Skills and accreditations", entities.staff_skills, "awarded_on"),
    ("Availability spells", entities.availability_spells, "starts_on"),
    ("Persons (pseudonymous)", entities.persons, None),
    ("Incidents", entities.incidents, "received_at"),
    ("Deployments", entities.deployments, "dispatched_at"),
    ("Crimes", entities.crimes, "reported_at"),
    ("Crime allocations", entities.crime_allocations, "allocated_at"),
    ("Clock records", entities.clock_records, "started_at"),
    ("Clock events", entities.clock_events, "occurred_at"),
)


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return None if value is None else str(value)


def store_status(engine: Engine, *, runs: int = 20) -> dict[str, Any]:
    """Counts and freshness per kind of data, the latest import runs, and quarantine totals."""
    holdings = []
    with engine.connect() as connection:
        for label, table, fresh in HOLDINGS:
            columns: list[Any] = [func.count()]
            if fresh is not None:
                columns += [func.min(table.c[fresh]), func.max(table.c[fresh])]
            row = connection.execute(select(*columns).select_from(table)).one()
            holdings.append(
                {
                    "data": label,
                    "table": table.name,
                    "rows": int(row[0]),
                    "earliest": _iso(row[1]) if fresh else None,
                    "latest": _iso(row[2]) if fresh else None,
                }
            )
        recent = (
            connection.execute(select(import_runs).order_by(desc(import_runs.c.id)).limit(runs))
            .mappings()
            .all()
        )
        totals = connection.execute(
            select(
                func.count(),
                func.coalesce(func.sum(import_runs.c.rows_read), 0),
                func.coalesce(func.sum(import_runs.c.rows_stored), 0),
                func.coalesce(func.sum(import_runs.c.rows_quarantined), 0),
                func.coalesce(func.sum(import_runs.c.rows_duplicate), 0),
            )
        ).one()
        by_reason = connection.execute(
            select(quarantine.c.source, func.count()).group_by(quarantine.c.source)
        ).all()
    return {
        "database": engine.url.render_as_string(hide_password=True),
        "schema_version": current_heads(engine),
        "holdings": holdings,
        "import_runs": [_run_dict(r) for r in recent],
        "import_totals": {
            "runs": int(totals[0]),
            "rows_read": int(totals[1]),
            "rows_stored": int(totals[2]),
            "rows_quarantined": int(totals[3]),
            "rows_duplicate": int(totals[4]),
        },
        "quarantine_by_source": {source: int(n) for source, n in by_reason},
    }


def _run_dict(run: Any) -> dict[str, Any]:
    read, stored = run["rows_read"], run["rows_stored"]
    quarantined, duplicate = run["rows_quarantined"], run["rows_duplicate"]
    return {
        "run_id": run["id"],
        "source": run["source"],
        "file_name": run["file_name"],
        "file_sha256": run["file_sha256"],
        "started_at": _iso(run["started_at"]),
        "finished_at": _iso(run["finished_at"]),
        "status": run["status"],
        "user": run["user_name"],
        "rows_read": read,
        "rows_stored": stored,
        "rows_quarantined": quarantined,
        "rows_duplicate": duplicate,
        "reconciles": read == stored + quarantined + duplicate,
        "warnings": run["warnings"] or [],
    }
