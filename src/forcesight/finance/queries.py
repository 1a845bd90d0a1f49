"""Store access for the finance domain: the only module in finance/ that speaks SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, delete, func, insert, select

from forcesight.finance.tables import benefit_measurements, cost_rates, investments
from forcesight.store.entities import clock_records, crimes, incidents, teams

RATE_SCHEMA: dict[str, Any] = {"rank": pl.String, "hourly_cost": pl.Float64, "source": pl.String}


def _frame(rows: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


# --- cost rates --------------------------------------------------------------------------------


def latest_rate_set(engine: Engine) -> tuple[str, pl.DataFrame] | None:
    """The most recently loaded rate set, or None when none was loaded."""
    with engine.connect() as conn:
        newest = conn.execute(
            select(cost_rates.c.rate_set)
            .order_by(cost_rates.c.loaded_at.desc(), cost_rates.c.id.desc())
            .limit(1)
        ).scalar()
        if newest is None:
            return None
        rows = conn.execute(
            select(cost_rates.c.rank, cost_rates.c.hourly_cost, cost_rates.c.source)
            .where(cost_rates.c.rate_set == newest)
            .order_by(cost_rates.c.rank)
        ).all()
    return str(newest), _frame(rows, RATE_SCHEMA)


def replace_rate_set(conn: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    conn.execute(delete(cost_rates).where(cost_rates.c.rate_set == name))
    conn.execute(insert(cost_rates), list(rows))


# --- demand and outcomes ---------------------------------------------------------------------


def missing_episodes(engine: Engine, start: datetime, end: datetime) -> int:
    query = select(func.count()).where(
        clock_records.c.kind == "missing_episode",
        clock_records.c.started_at >= start,
        clock_records.c.started_at < end,
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def grade_attendance(
    engine: Engine, grades: Sequence[str], start: datetime, end: datetime
) -> pl.DataFrame:
    """Incidents of ``grades`` received in [start, end): grade, received and first arrival."""
    query = select(incidents.c.grade, incidents.c.received_at, incidents.c.first_arrived_at).where(
        incidents.c.grade.in_(list(grades)),
        incidents.c.received_at >= start,
        incidents.c.received_at < end,
    )
    schema = {"grade": pl.String, "received_at": pl.Datetime("us"),
              "first_arrived_at": pl.Datetime("us")}  # fmt: skip
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), schema)


def crime_allocation_times(engine: Engine, start: datetime, until: datetime) -> pl.DataFrame:
    """Crimes recorded in [start, until] (both ends included): status, function of the team
    holding them, recorded and allocated times."""
    query = (
        select(crimes.c.status, teams.c.function, crimes.c.recorded_at, crimes.c.allocated_at)
        .select_from(crimes.outerjoin(teams, crimes.c.team_id == teams.c.id))
        .where(crimes.c.recorded_at >= start, crimes.c.recorded_at <= until)
    )
    schema = {"status": pl.String, "function": pl.String, "recorded_at": pl.Datetime("us"),
              "allocated_at": pl.Datetime("us")}  # fmt: skip
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), schema)


def team_functions(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {str(i): str(f) for i, f in conn.execute(select(teams.c.id, teams.c.function))}


# --- the benefits register -------------------------------------------------------------------

INVESTMENT_COLUMNS = [c.name for c in investments.columns]


def insert_investment(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(investments).values(**values).returning(investments.c.id))
    return int(result.scalar_one())


def investment_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(investments).where(investments.c.name == name)).mappings().first()
    return dict(row) if row else None


def load_investments(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(investments).order_by(investments.c.id)).mappings().all()
    return [dict(r) for r in rows]


def insert_measurement(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(
        insert(benefit_measurements).values(**values).returning(benefit_measurements.c.id)
    )
    return int(result.scalar_one())


def load_measurements(engine: Engine) -> pl.DataFrame:
    query = select(
        benefit_measurements.c.investment_id,
        benefit_measurements.c.measured_at,
        benefit_measurements.c.value,
        benefit_measurements.c.recorded_by,
    ).order_by(benefit_measurements.c.measured_at, benefit_measurements.c.id)
    schema = {"investment_id": pl.Int64, "measured_at": pl.Datetime("us"), "value": pl.Float64,
              "recorded_by": pl.String}  # fmt: skip
    with engine.connect() as conn:
        return _frame(conn.execute(query).all(), schema)
