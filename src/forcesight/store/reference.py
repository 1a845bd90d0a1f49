"""Public reference data: data.police.uk street crime, Home Office recorded crime and
workforce statistics, the offence-code lookup and ONS geography and population."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
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

# data.police.uk street-level crime and anti-social behaviour (ASB). ASB rows have no Crime ID:
# they are stored here with crime_id NULL and crime_type 'Anti-social behaviour'. A row's identity
# is its twelve fields plus ``occurrence``: its number among identical rows of the same file
# (0 for the first), because identical ASB rows are separate reports. See ingest/police_uk.py.
street_crimes = Table(
    "street_crimes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("crime_id", String(64)),
    Column("month", Date, nullable=False),
    Column("reported_by", Text, nullable=False),
    Column("falls_within", Text, nullable=False),
    Column("longitude", Float),
    Column("latitude", Float),
    Column("location", Text),
    Column("lsoa_code", String(9)),
    Column("lsoa_name", Text),
    Column("crime_type", Text, nullable=False),
    Column("last_outcome", Text),
    Column("context", Text),
    Column("occurrence", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
    # One index only: each extra index cost about a fifth of import speed when measured. The
    # (reported_by, month) index serves the duplicate check and the usual force-month queries.
    Index("ix_street_crimes_force_month", "reported_by", "month"),
)

# Home Office open data: rolling 12-month recorded crime by police force area and offence group.
recorded_crime_rolling = Table(
    "recorded_crime_rolling",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("period_end", Date, nullable=False),
    Column("force_area", Text, nullable=False),
    Column("region", Text),
    Column("offence_group", Text, nullable=False),
    Column("offences", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
    UniqueConstraint("force_area", "offence_group", "period_end"),
)

# Home Office recorded crime by force x offence code x financial quarter. Some codes (homicide,
# "1/4.1/4.10/4.2") have several rows per force and quarter: ``occurrence`` numbers them.
recorded_crime_by_offence = Table(
    "recorded_crime_by_offence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("financial_year", String(7), nullable=False),
    Column("quarter", Integer, nullable=False),
    Column("force_name", Text, nullable=False, index=True),
    Column("offence_code", String(20), nullable=False, index=True),
    Column("offence_description", Text, nullable=False),
    Column("offence_group", Text),
    Column("offence_subgroup", Text),
    Column("police_uk_category", Text),
    Column("offences", Integer, nullable=False),
    Column("occurrence", Integer, nullable=False),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
    UniqueConstraint(
        "force_name",
        "financial_year",
        "quarter",
        "offence_code",
        "offence_description",
        "occurrence",
    ),
)

# Home Office offence code -> group, subgroup and police.uk category.
offence_codes = Table(
    "offence_codes",
    metadata,
    Column("offence_code", String(20), primary_key=True),
    Column("description", Text, nullable=False),
    Column("offence_group", Text, nullable=False),
    Column("offence_subgroup", Text),
    Column("police_uk_category", Text),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
)

# Home Office police workforce statistics in long form: one figure per (table, area, measure).
workforce_statistics = Table(
    "workforce_statistics",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("table_name", Text, nullable=False),
    Column("as_at", Date, nullable=False),
    Column("area", Text, nullable=False, index=True),
    # region | force | total | national: "West Midlands" is both a region and a force.
    Column("area_type", String(10), nullable=False),
    Column("measure", Text, nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(20), nullable=False),  # fte | headcount
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
    UniqueConstraint("table_name", "area_type", "area", "measure", "as_at"),
)

# ONS: LSOA -> MSOA -> local authority -> region -> police force.
lsoas = Table(
    "lsoas",
    metadata,
    Column("lsoa_code", String(9), primary_key=True),
    Column("lsoa_name", Text, nullable=False),
    Column("msoa_code", String(9)),
    Column("msoa_name", Text),
    Column("la_code", String(9), index=True),
    Column("la_name", Text),
    Column("region_code", String(9)),
    Column("region_name", Text),
    Column("police_force", Text, index=True),
    # "file" when the lookup names the force; "lad_lookup" when forcesight filled it from the ONS
    # local authority -> police force area lookup (Dec 2016), because the file leaves it empty.
    Column("police_force_from", String(12)),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
)

# ONS: Census 2011 usual residents, area and households by LSOA.
lsoa_population = Table(
    "lsoa_population",
    metadata,
    Column("lsoa_code", String(9), primary_key=True),
    Column("lsoa_name", Text, nullable=False),
    Column("la_code", String(9), index=True),
    Column("census_year", Integer, nullable=False),
    Column("residents", Integer, nullable=False),
    Column("hectares", Float),
    Column("households", Integer),
    Column("import_run_id", ForeignKey("import_runs.id"), nullable=False),
    Column("source_line", Integer, nullable=False),
)
