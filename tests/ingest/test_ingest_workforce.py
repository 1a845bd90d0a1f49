"""Workforce-register importer: staff, skills and availability, clean and damaged samples,
updates from a later register, and malformed mapping files, on both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from forcesight.errors import MappingError
from forcesight.ingest import run_import
from forcesight.ingest.mapping import load_incident_mapping, load_workforce_mapping
from forcesight.store.entities import availability_spells, staff, staff_skills, teams
from forcesight.store.runs import quarantine

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "workforce"
MAPPINGS = ROOT / "examples" / "mappings"
STAFF = SAMPLES / "staff-register-2024-03.csv"
SKILLS = SAMPLES / "skills-2024-03.csv"
SPELLS = SAMPLES / "availability-2024-03.csv"
STAFF_MAP = MAPPINGS / "workforce-staff.yaml"
SKILLS_MAP = MAPPINGS / "workforce-skills.yaml"
SPELLS_MAP = MAPPINGS / "workforce-availability.yaml"


def damaged(path: Path) -> Path:
    return path.with_name(path.stem + "-damaged.csv")


def count(engine: Engine, table: object) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def quarantined(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as c:
        rows = c.execute(
            select(quarantine.c.line, quarantine.c.column_name, quarantine.c.reason).order_by(
                quarantine.c.import_run_id, quarantine.c.line
            )
        ).all()
    return [(r.line, r.column_name, r.reason) for r in rows]


def person(engine: Engine, staff_id: str) -> dict[str, object]:
    with engine.connect() as c:
        return dict(c.execute(select(staff).where(staff.c.id == staff_id)).one()._mapping)


def test_staff_register_stores_everyone_and_creates_their_teams(engine: Engine) -> None:
    result = run_import(engine, "workforce", STAFF, mapping=STAFF_MAP)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (34, 34, 0)
    assert result.reconciles and count(engine, staff) == 34
    with engine.connect() as c:
        made = {r.id: (r.name, r.function) for r in c.execute(select(teams))}
    assert len(made) == 6
    assert made["CID-NN"] == ("Northampton CID", "investigation")
    assert made["FCR-1"] == ("Force Control Room Watch 1", "contact")
    detective = person(engine, "NP74715")
    assert (detective["staff_type"], detective["rank"], detective["function"]) == (
        "officer", "constable", "investigation",
    )  # fmt: skip
    assert detective["pip_level"] == 2 and detective["joined_on"] == date(2022, 7, 15)
    assert len(str(detective["row_key"])) == 64
    handler = person(engine, "NP55818")  # hours only: FTE from a 40-hour week
    assert handler["fte"] == pytest.approx(37 / 40) and handler["hours_per_week"] == 37
    student = person(engine, "NP26538")
    assert student["is_student"] is True and student["tutor_id"] == "NP66926"
    assert student["tutoring_ends_on"] == date(2024, 3, 4)
    assert person(engine, "NP78205")["left_on"] == date(2024, 2, 29)
    special = person(engine, "NP40002")
    assert (special["staff_type"], special["fte"], special["hours_per_week"]) == ("special", 0, 16)
    assert person(engine, "NP40001")["staff_type"] == "pcso"


def test_damaged_staff_register_quarantines_exactly_the_broken_rows(engine: Engine) -> None:
    result = run_import(engine, "workforce", damaged(STAFF), mapping=STAFF_MAP)
    assert (result.rows_read, result.rows_stored, result.rows_quarantined) == (36, 24, 11)
    assert result.rows_duplicate == 1 and result.reconciles  # line 36 repeats line 20
    assert quarantined(engine) == [
        (3, "Start Date", "Start Date: '2018-01-03' expected a date as %d/%m/%Y (e.g. 31/01/2024)"),
        (7, "Staff Category", "Staff Category: 'Contractor' expected one of: 'Police Officer', "
            "'Police Staff', 'PCSO', 'Special Constable'"),
        (9, "Leave Date", "Leave Date: '01/01/2020' is before the date joined (Start Date)"),
        (11, "FTE", "FTE: '1.5' expected a number from 0 to 1"),
        (13, "PIP", "PIP: '5' expected a whole number from 0 to 4"),
        (16, "Pseudo ID", "Pseudo ID: 'NP 40408' expected a pseudonymous id of up to 40 letters, "
            "digits, '-', '_' or '/'"),
        (18, "Rank/Grade", "Rank/Grade: 'Sgt' expected one of: 'PC', 'DC', 'PS', 'DS', 'Insp', "
            "'DI', 'CI', 'Supt', 'S4', 'S5', 'SO1', 'PCSO', ..."),
        (25, "(row)", "expected 15 fields as in the header, found 14"),
        (32, "Tutor ID", "Tutor ID: 'NP99999' is not a staff id in this file or the store"),
        (33, "Tutor ID", "Tutor ID: 'NP88036' is the member of staff themselves"),
        (37, "Team Code", "Team Code: 'RESP-NN-A' differs from line 22, the same record; the "
            "first row is kept"),
    ]  # fmt: skip
    with engine.connect() as c:
        corby = c.execute(select(teams).where(teams.c.id == "NHT-COR")).one()
    assert corby.name == "Corby Neighbourhood Team" and corby.function == "neighbourhood"
    assert person(engine, "NP70924")["team_id"] == "NHT-KET"  # line 22, not line 37


def test_skills_and_spells_import_after_the_register(engine: Engine) -> None:
    run_import(engine, "workforce", STAFF, mapping=STAFF_MAP)
    skills = run_import(engine, "workforce", SKILLS, mapping=SKILLS_MAP)
    spells = run_import(engine, "workforce", SPELLS, mapping=SPELLS_MAP)
    assert (skills.rows_read, skills.rows_stored, skills.reconciles) == (72, 72, True)
    assert (spells.rows_read, spells.rows_stored, spells.reconciles) == (18, 18, True)
    with engine.connect() as c:
        held = {
            r.skill: (r.kind, r.awarded_on, r.expires_on)
            for r in c.execute(select(staff_skills).where(staff_skills.c.staff_id == "NP66926"))
        }
        maternity = c.execute(
            select(availability_spells).where(availability_spells.c.staff_id == "NP26246")
        ).one()
        open_spells = c.execute(
            select(func.count()).where(availability_spells.c.ends_on.is_(None))
        ).scalar_one()
    assert held == {
        "first aid": ("skill", date(2022, 4, 25), date(2025, 4, 24)),
        "response driving": ("accreditation", date(2022, 1, 20), date(2027, 1, 19)),
        "taser": ("accreditation", date(2020, 10, 1), date(2021, 10, 1)),
    }
    assert (maternity.kind, maternity.starts_on, maternity.ends_on) == (
        "maternity", date(2024, 2, 2), date(2024, 10, 29),
    )  # fmt: skip
    assert open_spells == 0
    recuperative = count(engine, availability_spells)
    assert recuperative == 18


def test_damaged_skills_and_spells_quarantine_exactly_the_broken_rows(engine: Engine) -> None:
    run_import(engine, "workforce", STAFF, mapping=STAFF_MAP)
    skills = run_import(engine, "workforce", damaged(SKILLS), mapping=SKILLS_MAP)
    spells = run_import(engine, "workforce", damaged(SPELLS), mapping=SPELLS_MAP)
    assert (skills.rows_read, skills.rows_stored, skills.rows_quarantined) == (74, 67, 6)
    assert skills.rows_duplicate == 1 and skills.reconciles
    assert (spells.rows_read, spells.rows_stored, spells.rows_quarantined) == (20, 14, 5)
    assert spells.rows_duplicate == 1 and spells.reconciles
    unknown = "Pseudo ID: 'NP00000' is not a staff id stored: import the staff register first"
    assert quarantined(engine) == [
        (4, "Expiry Date", "Expiry Date: '01/10/2019' is before the award date (Date Awarded)"),
        (6, "Pseudo ID", unknown),
        (8, "Skill / Qualification", "Skill / Qualification: 'Basket Weaving' expected one of: "
            "'Taser (CED)', 'Advanced Driver', 'Response Driver', 'PIP2 Accredited', "
            "'Public Order Level 2', 'First Aid', 'ABE Interview', 'Tutor Constable'"),
        (10, "Date Awarded", "Date Awarded: '19/13/2020' expected a date as %d/%m/%Y "
            "(e.g. 31/01/2024)"),
        (12, "Date Awarded", "Date Awarded: (empty) is required but empty"),
        (75, "Expiry Date", "Expiry Date: '09/01/2023' differs from line 5, the same record; "
            "the first row is kept"),
        (3, "To", "To: '01/01/2024' is before the start (From)"),
        (5, "Absence Type", "Absence Type: 'Gardening Leave' expected one of: 'Sickness', "
            "'Restricted Duties', 'Recuperative Duties', 'Annual Leave', 'Course', 'Maternity', "
            "'Suspended', 'Tutoring'"),
        (7, "Pseudo ID", unknown),
        (9, "From", "From: (empty) is required but empty"),
        (21, "To", "To: '08/03/2024' differs from line 4, the same record; the first row is kept"),
    ]  # fmt: skip


def test_skills_before_the_register_are_all_quarantined(engine: Engine) -> None:
    result = run_import(engine, "workforce", SKILLS, mapping=SKILLS_MAP)
    assert (result.rows_stored, result.rows_quarantined, result.reconciles) == (0, 72, True)
    assert all("import the staff register first" in r for _, _, r in quarantined(engine))


@pytest.mark.parametrize(
    ("sample", "mapping"),
    [(STAFF, STAFF_MAP), (damaged(STAFF), STAFF_MAP), (SKILLS, SKILLS_MAP), (SPELLS, SPELLS_MAP)],
    ids=["staff", "staff-damaged", "skills", "availability"],
)
def test_importing_the_same_file_twice_changes_no_data(
    engine: Engine, sample: Path, mapping: Path
) -> None:
    if sample != STAFF:
        run_import(engine, "workforce", STAFF, mapping=STAFF_MAP)
    first = run_import(engine, "workforce", sample, mapping=mapping)
    tables = (staff, teams, staff_skills, availability_spells)
    before = [count(engine, t) for t in tables]
    second = run_import(engine, "workforce", sample, mapping=mapping)
    assert second.rows_stored == 0 and second.reconciles and second.warnings == []
    assert second.rows_duplicate == first.rows_stored + first.rows_duplicate
    assert [count(engine, t) for t in tables] == before


def test_a_later_register_updates_the_people_who_changed(engine: Engine, tmp_path: Path) -> None:
    run_import(engine, "workforce", STAFF, mapping=STAFF_MAP)
    text = STAFF.read_text()
    later = tmp_path / "staff-register-2024-04.csv"
    # NP70924 moves to Corby; NP78205's leaving date is corrected.
    later.write_text(
        text.replace("NP70924,Police Officer,PC,Constable,Neighbourhood,NHT-KET,Kettering "
                     "Neighbourhood Team", "NP70924,Police Officer,PC,Constable,Neighbourhood,"
                     "NHT-COR,Corby Neighbourhood Team")
        .replace("29/02/2024", "01/03/2024")
    )  # fmt: skip
    result = run_import(engine, "workforce", later, mapping=STAFF_MAP)
    assert (result.rows_stored, result.rows_duplicate, result.reconciles) == (2, 32, True)
    assert result.warnings == [
        "2 staff record(s) already stored with different details were updated from this file"
    ]
    moved = person(engine, "NP70924")
    assert moved["team_id"] == "NHT-COR" and moved["import_run_id"] == result.run_id
    assert person(engine, "NP78205")["left_on"] == date(2024, 3, 1)
    assert count(engine, staff) == 34 and count(engine, teams) == 7


# --- mapping files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("loader", "text", "field", "line", "words"),
    [
        ("incident", "layout: unit\ncolumns:\n  incident_ref: A\n  received_at: B\n  grade: C\n"
         "  category: D\n", "columns", 3, "needs columns.unit_ref"),
        ("incident", "columns:\n  incident_ref: A\n  received_at: B\n  grade: C\n  category: D\n"
         "grades:\n  IMMEDIATE: '1'\n  SOON: '9'\n", "grades.SOON", 8, "not in the grades policy"),
        ("incident", "datetime_formats: ['%d/%m/%Y %H:%Q']\ncolumns:\n  incident_ref: A\n"
         "  received_at: B\n  grade: C\n  category: D\n", "datetime_formats.0", 1,
         "not a strftime format"),
        ("incident", "columns:\n  incident_ref: A\n  received_at: B\n  grade: C\n",
         "columns.category", 2, "Field required"),
        ("incident", "columns: [\n", "(syntax)", 2, "not valid YAML"),
        ("workforce", "record: rota\ncolumns: {}\n", "record", 1, "Input should be"),
        ("workforce", "record: staff\ncolumns:\n  staff_id: A\n  staff_type: B\n  rank: C\n"
         "  function: D\n", "columns", 3, "map at least one of fte and hours_per_week"),
        ("workforce", "record: availability\ncolumns:\n  staff_id: A\n  kind: B\n  starts_on: C\n"
         "values:\n  availability:\n    Hols: holiday\n", "values.availability.Hols", 8,
         "Input should be"),
        ("workforce", "record: skills\ncolumns:\n  staff_id: A\n  skill: B\n  awarded_on: C\n"
         "  colour: D\n", "columns.colour", 6, "Extra inputs are not permitted"),
    ],
    ids=["unit-without-unit", "unknown-grade", "bad-format", "no-category", "syntax",
         "unknown-record", "no-fte-or-hours", "unknown-kind", "unknown-field"],
)  # fmt: skip
def test_malformed_mappings_name_file_line_and_field(
    tmp_path: Path, loader: str, text: str, field: str, line: int, words: str
) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    load = load_incident_mapping if loader == "incident" else load_workforce_mapping
    with pytest.raises(MappingError) as excinfo:
        load(path)
    error = excinfo.value
    assert type(error) is MappingError and error.code == "bad_mapping"
    assert (error.path, error.field, error.line) == (str(path), field, line)
    assert words in str(error)


def test_every_example_mapping_loads() -> None:
    for path in sorted(MAPPINGS.glob("*.yaml")):
        if path.name.startswith("workforce-"):
            assert load_workforce_mapping(path).record in {"staff", "skills", "availability"}
        else:
            assert load_incident_mapping(path).layout in {"unit", "incident"}
