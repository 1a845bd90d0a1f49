"""Every read the demand engine makes from the store, as small functions returning frames."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, Select, func, select

from forcesight.store.entities import clock_records, crimes, deployments, incidents
from forcesight.store.reference import (
    lsoa_population,
    lsoas,
    offence_codes,
    recorded_crime_by_offence,
    recorded_crime_rolling,
)

BUNDLED_OFFENCE_CODES = (
    Path(__file__).resolve().parent.parent / "data" / "home_office" / "offence_code_mapping.csv"
)


def _frame(engine: Engine, statement: Select[Any], schema: dict[str, Any]) -> pl.DataFrame:
    with engine.connect() as connection:
        rows = [tuple(r) for r in connection.execute(statement)]
    return pl.DataFrame(rows, schema=schema, orient="row")


INCIDENT_SCHEMA = {
    "incident_id": pl.Int64,
    "received_at": pl.Datetime("us"),
    "grade": pl.String,
    "category": pl.String,
    "first_dispatched_at": pl.Datetime("us"),
    "first_arrived_at": pl.Datetime("us"),
    "cleared_at": pl.Datetime("us"),
    "lsoa_code": pl.String,
    "beat": pl.String,
    "area": pl.String,
    "domestic_abuse": pl.Boolean,
    "vulnerable": pl.Boolean,
    "mental_health": pl.Boolean,
}


def incidents_between(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Incidents received in [start, end)."""
    t = incidents.c
    statement = select(
        t.id,
        t.received_at,
        t.grade,
        t.category,
        t.first_dispatched_at,
        t.first_arrived_at,
        t.cleared_at,
        t.lsoa_code,
        t.beat,
        t.area,
        t.domestic_abuse,
        t.vulnerable,
        t.mental_health,
    ).where(t.received_at >= start, t.received_at < end)
    return _frame(engine, statement, INCIDENT_SCHEMA)


DEPLOYMENT_SCHEMA = {
    "incident_id": pl.Int64,
    "unit_ref": pl.String,
    "dispatched_at": pl.Datetime("us"),
    "arrived_at": pl.Datetime("us"),
    "cleared_at": pl.Datetime("us"),
}


def deployments_between(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Unit deployments to incidents received in [start, end)."""
    d, i = deployments.c, incidents.c
    statement = (
        select(d.incident_id, d.unit_ref, d.dispatched_at, d.arrived_at, d.cleared_at)
        .join_from(deployments, incidents, d.incident_id == i.id)
        .where(i.received_at >= start, i.received_at < end)
    )
    return _frame(engine, statement, DEPLOYMENT_SCHEMA)


CRIME_SCHEMA = {
    "crime_id": pl.Int64,
    "reported_at": pl.Datetime("us"),
    "offence_code": pl.String,
    "police_uk_category": pl.String,
    "lsoa_code": pl.String,
    "area": pl.String,
    "victim_id": pl.String,
    "domestic_abuse": pl.Boolean,
    "hate": pl.Boolean,
    "cse": pl.Boolean,
    "modern_slavery": pl.Boolean,
    "child_victim": pl.Boolean,
    "vulnerable_victim": pl.Boolean,
    "repeat_victim": pl.Boolean,
}


def crimes_between(engine: Engine, start: datetime, end: datetime) -> pl.DataFrame:
    """Crimes reported in [start, end)."""
    c = crimes.c
    statement = select(
        c.id,
        c.reported_at,
        c.offence_code,
        c.police_uk_category,
        c.lsoa_code,
        c.area,
        c.victim_id,
        c.domestic_abuse,
        c.hate,
        c.cse,
        c.modern_slavery,
        c.child_victim,
        c.vulnerable_victim,
        c.repeat_victim,
    ).where(c.reported_at >= start, c.reported_at < end)
    return _frame(engine, statement, CRIME_SCHEMA)


def activity_span(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """Earliest and latest incident or crime time in the store."""
    with engine.connect() as connection:
        i = connection.execute(
            select(func.min(incidents.c.received_at), func.max(incidents.c.received_at))
        ).one()
        c = connection.execute(
            select(func.min(crimes.c.reported_at), func.max(crimes.c.reported_at))
        ).one()
    lows = [v for v in (i[0], c[0]) if v is not None]
    highs = [v for v in (i[1], c[1]) if v is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)


def lsoa_areas(engine: Engine) -> pl.DataFrame:
    """LSOA -> local authority and police force, with Census 2011 usual residents."""
    t, p = lsoas.c, lsoa_population.c
    statement = select(t.lsoa_code, t.la_code, t.la_name, t.police_force, p.residents).join_from(
        lsoas, lsoa_population, t.lsoa_code == p.lsoa_code, isouter=True
    )
    return _frame(
        engine,
        statement,
        {
            "lsoa_code": pl.String,
            "la_code": pl.String,
            "la_name": pl.String,
            "police_force": pl.String,
            "population": pl.Int64,
        },
    )


def force_populations(engine: Engine) -> pl.DataFrame:
    """Census 2011 usual residents per police force area, summed over its LSOAs."""
    t, p = lsoas.c, lsoa_population.c
    statement = (
        select(t.police_force, func.sum(p.residents))
        .join_from(lsoas, lsoa_population, t.lsoa_code == p.lsoa_code)
        .where(t.police_force.is_not(None))
        .group_by(t.police_force)
    )
    return _frame(engine, statement, {"force": pl.String, "population": pl.Int64})


def offence_lookup(engine: Engine) -> pl.DataFrame:
    """Offence code -> group and subgroup: the store's table, else the bundled Home Office file."""
    t = offence_codes.c
    schema = {"offence_code": pl.String, "offence_group": pl.String, "offence_subgroup": pl.String}
    stored = _frame(engine, select(t.offence_code, t.offence_group, t.offence_subgroup), schema)
    if stored.height:
        return stored
    bundled = pl.read_csv(BUNDLED_OFFENCE_CODES, infer_schema=False)
    return bundled.select(
        pl.col("Offence_Code").alias("offence_code"),
        pl.col("Offence_Group").alias("offence_group"),
        pl.col("Offence_Subgroup").alias("offence_subgroup"),
    ).unique("offence_code")


def rolling_year(engine: Engine) -> pl.DataFrame:
    """Home Office rolling-year recorded crime, as ``home_office.read_rolling_year`` returns."""
    t = recorded_crime_rolling.c
    statement = select(t.period_end, t.force_area, t.region, t.offence_group, t.offences)
    return _frame(
        engine,
        statement,
        {
            "period_end": pl.Date,
            "force": pl.String,
            "region": pl.String,
            "offence_group": pl.String,
            "offences": pl.Int64,
        },
    )


def offences_by_force(engine: Engine) -> pl.DataFrame:
    """Home Office recorded crime by force and offence code, summed over the quarters held."""
    t = recorded_crime_by_offence.c
    statement = select(
        t.financial_year,
        t.force_name,
        t.offence_code,
        func.sum(t.offences),
        func.count(func.distinct(t.quarter)),
    ).group_by(t.financial_year, t.force_name, t.offence_code)
    return _frame(
        engine,
        statement,
        {
            "financial_year": pl.String,
            "force": pl.String,
            "offence_code": pl.String,
            "offences": pl.Int64,
            "quarters": pl.Int64,
        },
    )


def missing_episodes_between(engine: Engine, start: datetime, end: datetime) -> int:
    """Missing-person episodes started in [start, end)."""
    t = clock_records.c
    statement = select(func.count()).where(
        t.kind == "missing_episode", t.started_at >= start, t.started_at < end
    )
    with engine.connect() as connection:
        return int(connection.execute(statement).scalar_one())


def home_force(engine: Engine) -> str | None:
    """The police force most of the store's crimes and incidents fall in (via their LSOAs)."""
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in (crimes, incidents):
            statement = (
                select(lsoas.c.police_force, func.count())
                .join_from(table, lsoas, table.c.lsoa_code == lsoas.c.lsoa_code)
                .where(lsoas.c.police_force.is_not(None))
                .group_by(lsoas.c.police_force)
            )
            for force, n in connection.execute(statement):
                counts[str(force)] = counts.get(str(force), 0) + int(n)
    return max(counts, key=lambda k: counts[k]) if counts else None
