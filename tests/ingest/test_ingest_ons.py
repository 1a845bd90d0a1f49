"""ONS readers: the LSOA lookup and the Census 2011 population table."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select

from forcesight.ingest import run_import
from forcesight.store.reference import lsoa_population, lsoas
from tests.ingest.helpers import quarantined, rows_in

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "ons"
SHIPPED = ROOT / "src" / "forcesight" / "data" / "ons"


def test_lookup_damaged_copy(engine: Engine) -> None:
    result = run_import(engine, "ons-lsoa", SAMPLES / "lsoa_lookup_damaged.csv")
    assert (
        result.rows_read,
        result.rows_stored,
        result.rows_quarantined,
        result.rows_duplicate,
    ) == (22, 20 - 1, 2, 1)
    problems = quarantined(engine, result.run_id)
    assert [(line, column) for line, column, _ in problems] == [(4, "LSOA Code"), (23, "LSOA Code")]
    assert "repeats the LSOA Code of line 7" in problems[1][2]


def test_census_damaged_copy_reads_thousands_separators(engine: Engine) -> None:
    clean = run_import(engine, "ons-lsoa", SAMPLES / "census_sample.csv")
    assert clean.rows_stored == 20
    with engine.connect() as c:
        first = c.execute(
            select(lsoa_population).where(lsoa_population.c.lsoa_code == "E01020634")
        ).one()
    assert (first.residents, first.hectares, first.households) == (1563, 650.0, 666)
    damaged = run_import(engine, "ons-lsoa", SAMPLES / "census_damaged.csv")
    assert [(line, column) for line, column, _ in quarantined(engine, damaged.run_id)] == [
        (3, "Persons"),
        (5, "LSOA Code"),
        (7, "Hectares"),
    ]
    assert damaged.rows_duplicate == 21 - 3 and damaged.rows_stored == 0


def test_real_files(engine: Engine) -> None:
    lookup = run_import(engine, "ons-lsoa", SHIPPED / "lsoa_to_police_force.csv")
    census = run_import(engine, "ons-lsoa", SHIPPED / "census_2011_lsoa_population.csv")
    assert lookup.rows_quarantined == 0 and census.rows_quarantined == 0
    assert rows_in(engine, lsoas) == lookup.rows_stored == 32_844
    assert rows_in(engine, lsoa_population) == census.rows_stored == 34_753
    with engine.connect() as c:
        query = select(lsoas.c.police_force_from).where(lsoas.c.police_force == "Northamptonshire")
        northants = c.execute(query).scalars().all()
    # The file names Northamptonshire on 327 rows and leaves Daventry and South
    # Northamptonshire's 95 LSOAs empty: those come from the LAD lookup.
    assert len(northants) == 422
    assert northants.count("file") == 327 and northants.count("lad_lookup") == 95
    assert any("3335 LSOA(s) had no police force" in w for w in lookup.warnings)
