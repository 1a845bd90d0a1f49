"""Incident-log importer: two export layouts, clean and damaged samples, re-imports, conflicts
with the store and unreadable files, on both backends."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from forcesight.errors import MissingColumnsError, UnreadableFileError
from forcesight.ingest import run_import
from forcesight.store.entities import deployments, incidents
from forcesight.store.runs import import_runs, quarantine

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "incidents"
MAPPINGS = ROOT / "examples" / "mappings"
STORM = SAMPLES / "storm-units-2024-03-04.csv"
STORM_DAMAGED = SAMPLES / "storm-units-2024-03-04-damaged.csv"
STORM_MAP = MAPPINGS / "storm-units.yaml"
CAD = SAMPLES / "cad-summary-2024-03-04.csv"
CAD_DAMAGED = SAMPLES / "cad-summary-2024-03-04-damaged.csv"
CAD_MAP = MAPPINGS / "cad-summary.yaml"


def count(engine: Engine, table: object) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def incident(engine: Engine, ref: str) -> dict[str, object]:
    with engine.connect() as c:
        row = c.execute(select(incidents).where(incidents.c.incident_ref == ref)).one()
    return dict(row._mapping)


def quarantined(engine: Engine) -> list[tuple[int, str, str | None, str]]:
    with engine.connect() as c:
        rows = c.execute(
            select(quarantine.c.line, quarantine.c.column_name, quarantine.c.value,
                   quarantine.c.reason).order_by(quarantine.c.line)
        ).all()  # fmt: skip
    return [(r.line, r.column_name, r.value, r.reason) for r in rows]


def at(hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2024, 3, 4, hour, minute, second)


def test_unit_layout_makes_one_incident_per_number_and_one_deployment_per_unit(
    engine: Engine,
) -> None:
    result = run_import(engine, "incidents", STORM, mapping=STORM_MAP)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (47, 47, 0)
    assert result.rows_duplicate == 0 and result.reconciles
    # 40 incidents; 6 resolved by telephone have no unit, the others 41 units between them.
    assert (count(engine, incidents), count(engine, deployments)) == (40, 41)
    first = incident(engine, "NP-20240304-0001")
    assert first["grade"] == "1" and first["category"] == "missing person"
    assert first["received_at"] == at(0, 11, 52) and first["graded_at"] == at(0, 15, 28)
    # Three units: earliest dispatch and arrival, latest clear.
    assert first["first_dispatched_at"] == at(0, 18, 4)
    assert first["first_arrived_at"] == at(0, 22, 25)
    assert first["cleared_at"] == at(1, 12, 44)
    assert first["units_required"] == 3 and first["data_quality"] is None
    assert first["source_line"] == 2 and first["lsoa_code"] == "E01027511"
    assert first["beat"] == "WB-02" and first["area"] == "Wellingborough"
    assert first["latitude"] == pytest.approx(52.57566)
    # A short time without seconds reads with the mapping's second format.
    assert incident(engine, "NP-20240304-0011")["first_dispatched_at"] == at(5, 42)
    resolved = incident(engine, "NP-20240304-0014")
    assert resolved["grade"] == "4" and resolved["first_dispatched_at"] is None
    assert resolved["units_required"] == 1 and resolved["data_quality"] is None
    # The mess of a real log, kept and flagged.
    assert incident(engine, "NP-20240304-0022")["data_quality"] == ["arrival_missing"]
    zero = incident(engine, "NP-20240304-0029")
    assert zero["data_quality"] == ["zero_time_on_scene"] and zero["cleared_at"] is None
    assert zero["first_arrived_at"] == at(13, 11, 44)
    assert incident(engine, "NP-20240304-0037")["data_quality"] == ["clear_missing"]
    assert result.warnings == [
        "data-quality flags on incidents: arrival_missing 1, zero_time_on_scene 1, clear_missing 1"
    ]
    with engine.connect() as c:
        domestic = c.execute(
            select(incidents.c.category).where(incidents.c.domestic_abuse)
        ).scalars().all()  # fmt: skip
        units = c.execute(
            select(deployments.c.unit_ref, deployments.c.arrived_at, deployments.c.cleared_at)
            .join(incidents)
            .where(incidents.c.incident_ref == "NP-20240304-0022")
            .order_by(deployments.c.unit_ref)
        ).all()
    assert domestic and set(domestic) == {"domestic incident"}
    assert [tuple(u) for u in units] == [
        ("DV71", None, at(10, 57, 10)),
        ("NC14", at(10, 5, 29), at(10, 14)),
    ]


def test_damaged_unit_export_quarantines_exactly_the_broken_rows(engine: Engine) -> None:
    result = run_import(engine, "incidents", STORM_DAMAGED, mapping=STORM_MAP)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (50, 42, 7)
    assert result.rows_duplicate == 1  # line 49 repeats line 26
    assert result.reconciles
    rows = quarantined(engine)
    assert [(line, column) for line, column, _, _ in rows] == [
        (6, "Grade"), (10, "Unit Arrived"), (13, "Opening Code"), (30, "(row)"),
        (37, "Latitude"), (40, "Callsign"), (51, "Unit Cleared"),
    ]  # fmt: skip
    reasons = {line: reason for line, _, _, reason in rows}
    assert reasons[6] == (
        "Grade: 'URGENT' expected one of: 'IMMEDIATE', 'PRIORITY', 'SCHEDULED', 'RESOLUTION'"
    )
    assert reasons[10] == (
        "Unit Arrived: '04/03/2024 25:16:53' expected a date and time as %d/%m/%Y %H:%M:%S or "
        "%d/%m/%Y %H:%M (e.g. 31/01/2024 23:59:58)"
    )
    assert reasons[13] == (
        "Opening Code: 'ASSLT' differs from line 12, an earlier row of incident "
        "NP-20240304-0008; the first row is kept"
    )
    assert reasons[30] == "expected 18 fields as in the header, found 17"
    assert reasons[37] == "Latitude: '5.23' expected a number from 49.8 to 60.9"
    assert reasons[40] == "Callsign: (empty) is required on a row with unit times"
    assert reasons[51] == (
        "Unit Cleared: '04/03/2024 16:45:00' differs from line 50, the same unit and dispatch "
        "time of incident NP-20240304-0034; the first row is kept"
    )
    # Times out of order: the row is kept, the impossible stage NULLed and flagged.
    early = incident(engine, "NP-20240304-0002")
    assert early["data_quality"] == ["dispatched_before_received"]
    assert early["first_dispatched_at"] is None and early["first_arrived_at"] == at(3, 26, 54)
    late = incident(engine, "NP-20240304-0009")
    assert late["data_quality"] == ["arrived_before_dispatched"]
    assert late["first_arrived_at"] is None and late["cleared_at"] == at(5, 32, 19)
    backwards = incident(engine, "NP-20240304-0015")
    assert backwards["data_quality"] == ["cleared_before_arrived"]
    assert backwards["cleared_at"] is None
    # Incidents whose only rows were quarantined are absent; line 50 added a unit to 0034.
    assert count(engine, incidents) == 36 and count(engine, deployments) == 36
    thirty_four = incident(engine, "NP-20240304-0034")
    assert thirty_four["units_required"] == 2 and thirty_four["cleared_at"] == at(17, 31, 31)


def test_damaged_incident_export_quarantines_exactly_the_broken_rows(engine: Engine) -> None:
    result = run_import(engine, "incidents", CAD_DAMAGED, mapping=CAD_MAP)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (42, 35, 6)
    assert result.rows_duplicate == 1 and result.reconciles  # line 42 repeats line 11
    rows = quarantined(engine)
    assert [(line, column, value) for line, column, value, _ in rows] == [
        (5, "Priority", "5"), (9, "Created", "2024-03-04 06:10"),
        (13, "Vulnerability Flag", "Maybe"), (17, "Units", "0"), (21, "LSOA Code", "E0102712"),
        (43, "Call Type", "BURG"),
    ]  # fmt: skip
    reasons = {line: reason for line, _, _, reason in rows}
    assert reasons[5] == "Priority: '5' expected one of: '1', '2', '3', '4'"
    assert "expected a date and time as %Y-%m-%dT%H:%M:%S" in reasons[9]
    assert reasons[13] == "Vulnerability Flag: 'Maybe' expected one of: 'Yes', 'No'"
    assert reasons[17] == "Units: '0' expected a whole number from 1 to 100"
    assert reasons[43].endswith("differs from line 12, an earlier row of incident "
                                "CAD/20240304-0011; the first row is kept")  # fmt: skip
    zero = incident(engine, "CAD/20240304-0024")
    assert zero["data_quality"] == ["zero_time_on_scene"] and zero["cleared_at"] is None
    first = incident(engine, "CAD/20240304-0001")
    assert first["units_required"] == 3 and first["category"] == "missing person"
    assert first["vulnerable"] is False and first["repeat_caller"] is False
    # The incident layout maps no unit: no deployments.
    assert count(engine, deployments) == 0


@pytest.mark.parametrize(
    ("sample", "mapping"),
    [(STORM, STORM_MAP), (STORM_DAMAGED, STORM_MAP), (CAD_DAMAGED, CAD_MAP)],
    ids=["units", "units-damaged", "summary-damaged"],
)
def test_importing_the_same_file_twice_changes_no_data(
    engine: Engine, sample: Path, mapping: Path
) -> None:
    first = run_import(engine, "incidents", sample, mapping=mapping)
    before = (count(engine, incidents), count(engine, deployments))
    second = run_import(engine, "incidents", sample, mapping=mapping)
    assert second.rows_stored == 0 and second.reconciles
    assert second.rows_duplicate == first.rows_stored + first.rows_duplicate
    assert second.rows_quarantined == first.rows_quarantined
    assert (count(engine, incidents), count(engine, deployments)) == before


def test_an_incident_stored_with_other_content_is_kept_and_the_new_rows_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    run_import(engine, "incidents", STORM, mapping=STORM_MAP)
    lines = STORM.read_bytes().split(b"\r\n")
    for i in (1, 2, 3):  # incident 0001's three unit rows: another category
        assert lines[i].startswith(b"NP-20240304-0001,")
        lines[i] = lines[i].replace(b",MISPER,", b",CONC-WELF,")
    assert lines[46].startswith(b"NP-20240304-0039,") and b",KT42," in lines[46]
    lines[46] = lines[46].replace(b"17:52:09", b"17:53:09")  # one unit's clear, not the last
    lines.insert(-1, lines[18].replace(b"NP-20240304-0014", b"NP-20240304-0041"))
    lines.insert(10, lines[9].replace(b",NC11,", b",DG95,"))  # a second unit for 0006
    revised = tmp_path / "storm-units-2024-03-04-revised.csv"
    revised.write_bytes(b"\r\n".join(lines))
    result = run_import(engine, "incidents", revised, mapping=STORM_MAP)
    assert result.reconciles and result.rows_read == 49
    assert (result.rows_stored, result.rows_quarantined, result.rows_duplicate) == (1, 6, 42)
    rows = quarantined(engine)
    assert [(line, column) for line, column, _, _ in rows] == [
        (2, "Opening Code"), (3, "Opening Code"), (4, "Opening Code"),
        (10, "Incident No"), (11, "Incident No"), (48, "Unit Cleared"),
    ]  # fmt: skip
    reasons = {line: reason for line, _, _, reason in rows}
    assert reasons[2] == (
        "Opening Code: 'CONC-WELF' differs from incident NP-20240304-0001 as stored by import "
        "run 1 (category differs); the stored incident is kept"
    )
    assert "(units_required differs)" in reasons[10]
    assert reasons[48] == (
        "Unit Cleared: '04/03/2024 17:53:09' differs from the stored deployment of unit KT42 to "
        "incident NP-20240304-0039 dispatched at the same time; the stored one is kept"
    )
    assert incident(engine, "NP-20240304-0001")["category"] == "missing person"
    assert incident(engine, "NP-20240304-0041")["source_line"] == 50
    assert count(engine, incidents) == 41 and count(engine, deployments) == 41


@pytest.mark.parametrize(
    ("content", "error", "line", "words"),
    [
        (b"", UnreadableFileError, 1, "the file is empty"),
        (b"Incident No,Grade\nNP-1,IMMEDIATE\n", MissingColumnsError, 1, "missing column(s)"),
        (None, UnreadableFileError, 48, "truncated"),
    ],
    ids=["empty", "wrong-columns", "truncated"],
)
def test_unreadable_files_change_nothing(
    engine: Engine, tmp_path: Path, content: bytes | None, error: type[Exception], line: int,
    words: str,
) -> None:  # fmt: skip
    if content is None:
        clean = STORM.read_bytes()
        content = clean[: clean.rstrip(b"\r\n").rfind(b",") - 30]
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    run_import(engine, "incidents", CAD, mapping=CAD_MAP)
    before = (count(engine, incidents), count(engine, import_runs), count(engine, quarantine))
    with pytest.raises(error) as excinfo:
        run_import(engine, "incidents", path, mapping=STORM_MAP)
    message = str(excinfo.value)
    assert str(path) in message and f"line {line}" in message and words in message
    after = (count(engine, incidents), count(engine, import_runs), count(engine, quarantine))
    assert after == before


def test_missing_columns_error_names_the_mapped_columns(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Incident No,Date/Time Received,Grade\nNP-1,04/03/2024 10:00:00,PRIORITY\n")
    with pytest.raises(MissingColumnsError) as excinfo:
        run_import(engine, "incidents", path, mapping=STORM_MAP)
    assert "Opening Code" in excinfo.value.missing and "Callsign" in excinfo.value.missing
    assert excinfo.value.available == ["Incident No", "Date/Time Received", "Grade"]


def test_a_source_needs_its_mapping(engine: Engine) -> None:
    with pytest.raises(UnreadableFileError, match="needs a column mapping"):
        run_import(engine, "incidents", STORM)
