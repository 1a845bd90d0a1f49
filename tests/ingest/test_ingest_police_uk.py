"""data.police.uk importer: real files, a damaged copy, re-imports and unreadable files."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, select

from forcesight.errors import MissingColumnsError, UnreadableFileError
from forcesight.ingest import run_import
from forcesight.store.reference import street_crimes
from forcesight.store.runs import import_runs, quarantine

ROOT = Path(__file__).resolve().parents[2]
STREET = ROOT / "data" / "police_uk" / "street"
SAMPLES = ROOT / "tests" / "data" / "police_uk"
CLEAN = SAMPLES / "2024-01-northamptonshire-street-sample.csv"
DAMAGED = SAMPLES / "2024-01-northamptonshire-street-damaged.csv"


def count(engine: Engine, table: object) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_clean_sample_stores_every_row(engine: Engine) -> None:
    result = run_import(engine, "police-uk", CLEAN)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (40, 40, 0)
    assert result.rows_duplicate == 0 and result.reconciles
    with engine.connect() as c:
        asb = c.execute(
            select(func.count()).where(street_crimes.c.crime_type == "Anti-social behaviour")
        ).scalar_one()
        assert (
            c.execute(select(func.count()).where(street_crimes.c.crime_id.is_(None))).scalar_one()
            == asb
        )
        row = c.execute(select(street_crimes).where(street_crimes.c.source_line == 2)).one()
    assert asb > 0
    assert row.crime_id == "99eff74178b96c39fdff4b9f6dd82691136c2db1c598ad6dbc3a97406ca93812"
    assert row.month.isoformat() == "2024-01-01"
    assert row.longitude == pytest.approx(-1.394138)
    assert row.lsoa_code == "E01019404"


def test_damaged_copy_quarantines_exactly_the_broken_rows(engine: Engine) -> None:
    result = run_import(engine, "police-uk", DAMAGED)
    assert result.rows_read == 42
    assert result.rows_quarantined == 7
    assert result.rows_duplicate == 1  # line 30 repeats line 3
    assert result.rows_stored == 34
    assert result.reconciles
    with engine.connect() as c:
        rows = c.execute(
            select(
                quarantine.c.line, quarantine.c.column_name, quarantine.c.value, quarantine.c.reason
            ).order_by(quarantine.c.line)
        ).all()
    assert [(r.line, r.column_name) for r in rows] == [
        (5, "Month"), (9, "Crime ID"), (12, "Crime type"), (15, "Longitude"), (20, "(row)"),
        (25, "LSOA code"), (43, "Latitude"),
    ]  # fmt: skip
    reasons = {r.line: r.reason for r in rows}
    assert "expected a month as YYYY-MM" in reasons[5]
    assert "required except for anti-social behaviour" in reasons[9]
    assert "'Shop lifting' expected one of" in reasons[12]
    assert "expected a number from -8.7 to 1.8" in reasons[15]
    assert reasons[20] == "expected 12 fields as in the header, found 11"
    assert "E0102843" in reasons[25]
    values = {r.line: r.value for r in rows}
    assert values[5] == "2024-13" and values[15] == "-181.5" and values[43] == "abc"
    # The repeated ASB row (line 42 repeats line 8) is a separate report, so it is stored.
    with engine.connect() as c:
        lines = c.execute(select(street_crimes.c.source_line)).scalars().all()
    assert 42 in lines and 8 in lines and 30 not in lines


def test_importing_the_same_file_twice_changes_no_data(engine: Engine) -> None:
    first = run_import(engine, "police-uk", DAMAGED)
    second = run_import(engine, "police-uk", DAMAGED)
    assert second.rows_stored == 0
    assert second.rows_duplicate == first.rows_stored + first.rows_duplicate
    assert second.rows_quarantined == first.rows_quarantined and second.reconciles
    assert count(engine, street_crimes) == first.rows_stored


@pytest.mark.parametrize(
    ("content", "error", "line", "words"),
    [
        (b"", UnreadableFileError, 1, "the file is empty"),
        (b"Crime ID,Month\nabc,2024-01\n", MissingColumnsError, 1, "missing column(s)"),
        (None, UnreadableFileError, 3, "not UTF-8"),
        (None, UnreadableFileError, 41, "truncated"),
    ],
    ids=["empty", "wrong-columns", "encoding", "truncated"],
)
def test_unreadable_files_change_nothing(
    engine: Engine,
    tmp_path: Path,
    content: bytes | None,
    error: type[Exception],
    line: int,
    words: str,
) -> None:
    clean = CLEAN.read_bytes()
    if content is None and words == "not UTF-8":
        lines = clean.split(b"\n")
        lines[2] = lines[2].replace(b"Northamptonshire", b"Northampt\xf3nshire")
        content = b"\n".join(lines)
    elif content is None:
        content = clean[: clean.rstrip(b"\n").rfind(b",") - 30]
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    run_import(engine, "police-uk", CLEAN)
    before = (count(engine, street_crimes), count(engine, import_runs), count(engine, quarantine))
    with pytest.raises(error) as excinfo:
        run_import(engine, "police-uk", path)
    message = str(excinfo.value)
    assert str(path) in message and f"line {line}" in message and words in message
    assert "Nothing was imported" in message
    after = (count(engine, street_crimes), count(engine, import_runs), count(engine, quarantine))
    assert after == before


def test_missing_columns_error_lists_what_was_found(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Crime ID,Month,Reported by\n")
    with pytest.raises(MissingColumnsError) as excinfo:
        run_import(engine, "police-uk", path)
    assert "Falls within" in excinfo.value.missing
    assert excinfo.value.available == ["Crime ID", "Month", "Reported by"]


@pytest.mark.slow
def test_every_shipped_street_file_imports_and_reconciles(sqlite_engine: Engine) -> None:
    files = sorted(STREET.glob("*/*.csv"))
    assert len(files) == 34
    totals = pl.DataFrame(
        [run_import(sqlite_engine, "police-uk", f).to_dict() for f in files]
    ).select("rows_read", "rows_stored", "rows_quarantined", "rows_duplicate", "reconciles")
    assert totals["reconciles"].all()
    assert totals["rows_read"].sum() == 238_499
    assert totals["rows_quarantined"].sum() == 0
    # data.police.uk repeats 17 crime rows verbatim inside their files (counted independently
    # with Polars: crime rows minus unique crime rows, file by file).
    assert totals["rows_duplicate"].sum() == 17
    assert count(sqlite_engine, street_crimes) == 238_499 - 17
