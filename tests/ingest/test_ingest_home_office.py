"""Home Office readers: real files, damaged copies, re-imports."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from forcesight.errors import UnreadableFileError
from forcesight.ingest import run_import
from forcesight.store.reference import (
    offence_codes,
    recorded_crime_by_offence,
    recorded_crime_rolling,
    workforce_statistics,
)
from tests.ingest.helpers import quarantined, rows_in

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "src" / "forcesight" / "data" / "home_office"
SAMPLES = ROOT / "tests" / "data" / "home_office"
EXTRACTS = SHIPPED / "workforce" / "csv_extracts"


def test_rolling_year_damaged_copy(engine: Engine) -> None:
    result = run_import(engine, "home-office-crime", SAMPLES / "rolling_year_damaged.csv")
    assert (result.rows_read, result.rows_quarantined, result.rows_duplicate) == (33, 6, 1)
    assert result.rows_stored == 26 and result.reconciles
    problems = quarantined(engine, result.run_id)
    assert [(line, column) for line, column, _ in problems] == [
        (4, "12 months ending"), (6, "Rolling year total number of offences"), (8, "PFA"),
        (12, "12 months ending"), (33, "PFA"), (34, "(row)"),
    ]  # fmt: skip
    reasons = dict((line, reason) for line, _, reason in problems)
    assert "expected a date as DD-MM-YYYY" in reasons[4]
    assert "expected the last day of a month" in reasons[12]
    assert "repeats the PFA, Offence, 12 months ending of line 5" in reasons[33]
    assert any("lines 10-10: period end 30-03-2003" in w for w in result.warnings)
    assert any("1 negative figure(s)" in w and "14" in w for w in result.warnings)
    with engine.connect() as c:
        ends = set(c.execute(select(recorded_crime_rolling.c.period_end)).scalars())
    assert ends == {date(2003, 3, 31)}


def test_rolling_year_real_file_and_reimport(engine: Engine) -> None:
    path = SHIPPED / "recorded_crime_by_force_rolling_year.csv"
    first = run_import(engine, "home-office-crime", path)
    assert (first.rows_read, first.rows_stored, first.rows_quarantined) == (13_702, 13_702, 0)
    again = run_import(engine, "home-office-crime", path)
    assert (again.rows_stored, again.rows_duplicate) == (0, 13_702)
    with engine.connect() as c:
        northants = c.execute(
            select(recorded_crime_rolling.c.offences).where(
                recorded_crime_rolling.c.force_area == "Northamptonshire",
                recorded_crime_rolling.c.offence_group == "Residential burglary",
                recorded_crime_rolling.c.period_end == date(2018, 12, 31),
            )
        ).scalar_one()
    assert northants > 0


def test_offence_counts_damaged_copy_keeps_repeated_published_figures(engine: Engine) -> None:
    result = run_import(engine, "home-office-offences", SAMPLES / "offences_damaged.csv")
    assert (result.rows_read, result.rows_quarantined, result.rows_duplicate) == (26, 4, 0)
    assert result.rows_stored == 22
    assert [(line, column) for line, column, _ in quarantined(engine, result.run_id)] == [
        (3, "Financial_Year"), (5, "Financial_Quarter"), (7, "Number_of_Offences"),
        (9, "Offence_Code"),
    ]  # fmt: skip
    # Line 27 repeats line 2: in this table repeated rows are separate figures (occurrence 1).
    with engine.connect() as c:
        assert c.execute(select(func.max(recorded_crime_by_offence.c.occurrence))).scalar_one() == 1


def test_offence_real_files_match_the_published_total(engine: Engine) -> None:
    lookup = run_import(engine, "home-office-offences", SHIPPED / "offence_code_mapping.csv")
    counts = run_import(
        engine, "home-office-offences", SHIPPED / "recorded_crime_by_offence_code_2017_18.csv"
    )
    assert (lookup.rows_stored, counts.rows_stored) == (132, 23_068)
    assert rows_in(engine, offence_codes) == 132
    with engine.connect() as c:
        total = c.execute(
            select(func.sum(recorded_crime_by_offence.c.offences)).where(
                recorded_crime_by_offence.c.force_name == "Northamptonshire"
            )
        ).scalar_one()
    assert total == 54_640  # FACTS.md: Northamptonshire recorded crime 2017/18


def test_offences_file_of_another_shape_is_refused(engine: Engine) -> None:
    with pytest.raises(UnreadableFileError, match="neither the offence-code counts"):
        run_import(engine, "home-office-offences", SAMPLES / "rolling_year_sample.csv")


def test_workforce_tables_by_force_and_national_series(engine: Engine) -> None:
    officers = run_import(
        engine, "home-office-workforce", EXTRACTS / "police-workforce-sep19__Table_1.csv"
    )
    assert officers.rows_quarantined == 0 and officers.reconciles
    series = run_import(
        engine, "home-office-workforce", EXTRACTS / "police-workforce-sep19__Table_6.csv"
    )
    assert series.rows_read == 14 and series.rows_stored == 14
    with engine.connect() as c:
        rows = c.execute(
            select(workforce_statistics.c.area_type, workforce_statistics.c.value)
            .where(
                workforce_statistics.c.table_name == "Table 1",
                workforce_statistics.c.area == "West Midlands",
                workforce_statistics.c.as_at == date(2019, 9, 30),
            )
            .order_by(workforce_statistics.c.value)
        ).all()
        northants = c.execute(
            select(workforce_statistics.c.value).where(
                workforce_statistics.c.area == "Northamptonshire",
                workforce_statistics.c.table_name == "Table 1",
                workforce_statistics.c.as_at == date(2019, 9, 30),
            )
        ).scalar_one()
        national = c.execute(
            select(workforce_statistics.c.value).where(
                workforce_statistics.c.table_name == "Table 6",
                workforce_statistics.c.measure == "Police officers",
                workforce_statistics.c.as_at == date(2012, 9, 30),
            )
        ).scalar_one()
    # "West Midlands" is a region and a force: both kept, told apart.
    assert [r.area_type for r in rows] == ["force", "region"]
    assert northants == pytest.approx(1254.68)  # FACTS.md
    assert national == pytest.approx(131838.79, abs=0.01)  # the row is "30 September 20122"


def test_workforce_not_available_rows_and_damage(engine: Engine, tmp_path: Path) -> None:
    text = (EXTRACTS / "police-workforce-sep19__Table_1.csv").read_text().split("\n")
    line = next(i for i, t in enumerate(text) if t.startswith("Northamptonshire,"))
    text[line] = text[line].replace("1254.68", "12x4.68")
    damaged = tmp_path / "Table_1_damaged.csv"
    damaged.write_text("\n".join(text))
    result = run_import(engine, "home-office-workforce", damaged)
    assert quarantined(engine, result.run_id) == [
        (line + 1, "Sep-19", "Sep-19: '12x4.68' expected a number or '..'"),
    ]
    designated = run_import(
        engine, "home-office-workforce", EXTRACTS / "police-workforce-sep19__Table_3.csv"
    )
    reasons = {reason for _, _, reason in quarantined(engine, designated.run_id)}
    assert reasons == {"(row): '..' no figure is published in this row"}
    assert designated.rows_quarantined == 13 and designated.reconciles


def test_workforce_index_sheet_is_refused(engine: Engine) -> None:
    with pytest.raises(
        UnreadableFileError, match="does not start with a Home Office workforce table title"
    ):
        run_import(engine, "home-office-workforce", EXTRACTS / "police-workforce-sep19__Index.csv")
