"""Store access for the response engine: the incident log and its deployments."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine, func, select

from forcesight.store.entities import deployments, incidents

INCIDENT_LOG_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64(),
    "incident_ref": pl.Utf8(),
    "received_at": pl.Datetime("us"),
    "grade": pl.Utf8(),
    "category": pl.Utf8(),
    "first_dispatched_at": pl.Datetime("us"),
    "first_arrived_at": pl.Datetime("us"),
    "cleared_at": pl.Datetime("us"),
    "area": pl.Utf8(),
    "units_required": pl.Int64(),
    "skill_required": pl.Utf8(),
    "vulnerable": pl.Boolean(),
}

DEPLOYMENT_SCHEMA: dict[str, pl.DataType] = {
    "incident_id": pl.Int64(),
    "unit_ref": pl.Utf8(),
    "dispatched_at": pl.Datetime("us"),
    "arrived_at": pl.Datetime("us"),
    "cleared_at": pl.Datetime("us"),
}


def load_incident_log(
    engine: Engine, start: datetime | None = None, end: datetime | None = None
) -> pl.DataFrame:
    """Incidents received in [start, end), oldest first, in ``INCIDENT_LOG_SCHEMA``."""
    query = select(*(incidents.c[name] for name in INCIDENT_LOG_SCHEMA)).order_by(
        incidents.c.received_at, incidents.c.id
    )
    if start is not None:
        query = query.where(incidents.c.received_at >= start)
    if end is not None:
        query = query.where(incidents.c.received_at < end)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=INCIDENT_LOG_SCHEMA, orient="row")


def load_deployments(
    engine: Engine, start: datetime | None = None, end: datetime | None = None
) -> pl.DataFrame:
    """Deployments of incidents received in [start, end)."""
    query = (
        select(*(deployments.c[name] for name in DEPLOYMENT_SCHEMA))
        .join(incidents, incidents.c.id == deployments.c.incident_id)
        .order_by(deployments.c.dispatched_at)
    )
    if start is not None:
        query = query.where(incidents.c.received_at >= start)
    if end is not None:
        query = query.where(incidents.c.received_at < end)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pl.DataFrame([tuple(r) for r in rows], schema=DEPLOYMENT_SCHEMA, orient="row")


def incident_log_span(engine: Engine) -> tuple[datetime | None, datetime | None, int]:
    """First and last received time and the number of incidents in the log."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.min(incidents.c.received_at),
                func.max(incidents.c.received_at),
                func.count(),
            )
        ).one()
    return row[0], row[1], int(row[2])
