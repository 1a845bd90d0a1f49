"""Properties of every importer under random corruption, and the framework bugs they found.

Whatever is done to a valid file (lines dropped, repeated or cut short, separators deleted or
added, bytes garbled, fields swapped, values blanked, quotes inserted), an import either stores
a run whose counts reconcile (rows read = stored + quarantined + duplicates, and rows read is
the number of non-blank data lines whenever that is well defined) or stops with a documented
``ForcesightError``, leaving the store as it was.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, update

from forcesight.errors import ForcesightError, UnreadableFileError
from forcesight.ingest import run_import
from forcesight.ingest.csvfile import read_csv_table
from forcesight.store.engine import open_engine
from forcesight.store.entities import (
    availability_spells,
    deployments,
    incidents,
    staff,
    staff_skills,
    teams,
)
from forcesight.store.migrate import upgrade
from forcesight.store.reference import street_crimes
from forcesight.store.runs import import_runs, quarantine
from forcesight.store.sink import close_import_connections, write_transaction

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
MAPPINGS = ROOT / "examples" / "mappings"
POLICE_UK = DATA / "police_uk" / "2024-01-northamptonshire-street-sample.csv"

# --- regressions found while building the mapped importers --------------------------------------


def test_sqlite_fetch_reads_a_column_null_in_its_first_thousand_rows(sqlite_engine: Engine) -> None:
    """ADBC typed a result column from its first 1,024 rows: NULL there and text later failed
    with "Type mismatch in column"."""
    frame = pl.DataFrame(
        {
            "id": [f"T{i:05d}" for i in range(1500)],
            "name": ["team"] * 1500,
            "function": ["response"] * 1500,
            "area": [None] * 1400 + ["Corby"] * 100,
        }
    )
    with write_transaction(sqlite_engine) as sink:
        sink.insert(teams, frame)
        fetched = sink.fetch(select(teams.c.id, teams.c.area).order_by(teams.c.id))
    assert fetched.height == 1500
    assert fetched["area"].null_count() == 1400 and fetched["area"][-1] == "Corby"


def test_sink_statements_bind_json_and_awkward_text(engine: Engine) -> None:
    """The SQLite sink rendered values into the SQL: a JSON value (an import's warnings) could
    not be rendered at all, and the file's own text became part of the statement."""
    awkward = ["it's", 'say "hi"', "semi;colon", "back\\slash", "percent%s", "ünï"]
    with write_transaction(engine) as sink:
        run_id = sink.insert_returning_id(
            import_runs,
            dict(
                source="test", file_name="f.csv", file_sha256="0" * 64, file_bytes=1,
                started_at=datetime(2024, 3, 4, 5, 6, 7), status="running", rows_read=0,
                rows_stored=0, rows_quarantined=0, rows_duplicate=0,
            ),
        )  # fmt: skip
        sink.execute(
            update(import_runs)
            .where(import_runs.c.id == run_id)
            .values(warnings=["a warning", "another"], finished_at=datetime(2024, 3, 4, 6, 0))
        )
        sink.insert(
            teams,
            pl.DataFrame({"id": awkward, "name": awkward, "function": ["response"] * 6}),
        )
        found = sink.fetch(select(teams.c.id).where(teams.c.id.in_(awkward[:-1])))
    assert sorted(found["id"].to_list()) == sorted(awkward[:-1])
    with engine.connect() as c:
        row = c.execute(select(import_runs).where(import_runs.c.id == run_id)).one()
    assert row.warnings == ["a warning", "another"]
    assert row.finished_at == datetime(2024, 3, 4, 6, 0)


def test_a_failed_statement_rolls_back_and_the_store_stays_usable(sqlite_engine: Engine) -> None:
    """After a failed statement with parameters the ADBC cursor refused the ROLLBACK, leaving
    the kept connection inside a transaction."""
    frame = pl.DataFrame({"id": ["T1"], "name": ["a"], "function": ["response"]})
    with pytest.raises(Exception, match="NOT NULL"), write_transaction(sqlite_engine) as sink:
        sink.insert(teams, frame)
        sink.execute(teams.insert().values(id="T2", name=None, function="response"))
    with write_transaction(sqlite_engine) as sink:
        sink.insert(teams, frame)
    with sqlite_engine.connect() as c:
        assert c.execute(select(teams.c.id)).scalars().all() == ["T1"]


def test_text_after_a_closing_quote_is_read_not_raised(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    """Polars refuses a field such as '""x' or '"x"y'; the error escaped read_csv_table as a
    Polars ComputeError instead of the line being read as the csv module reads it."""
    lines = POLICE_UK.read_bytes().split(b"\n")
    lines[2] = b'""' + lines[2]
    lines[5] = b'"x"' + lines[5]
    path = tmp_path / "quoted.csv"
    path.write_bytes(b"\n".join(lines))
    table = read_csv_table(path, ["Crime ID"])
    assert table.rows_read == 40
    assert table.frame.filter(pl.col("source_line") == 6)["Crime ID"][0].startswith("x")
    result = run_import(sqlite_engine, "police-uk", path)
    assert result.reconciles and result.rows_read == 40


def test_a_nul_byte_refuses_the_file_on_both_backends(engine: Engine, tmp_path: Path) -> None:
    """A NUL byte is valid UTF-8, so a garbled file reached PostgreSQL's COPY, which refused it
    with a driver error instead of a ForcesightError naming the file and line."""
    lines = POLICE_UK.read_bytes().split(b"\n")
    lines[6] = lines[6].replace(b"Northamptonshire", b"Northampton\x00shire", 1)
    path = tmp_path / "nul.csv"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(UnreadableFileError, match="line 7: holds a NUL byte"):
        run_import(engine, "police-uk", path)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(import_runs)).scalar_one() == 0


# --- random corruption never loses a row --------------------------------------------------------


KINDS = [
    "drop_line", "duplicate_line", "truncate", "delete_separator", "insert_separator",
    "garble_bytes", "swap_fields", "blank_value", "insert_quote",
]  # fmt: skip
corruption = st.tuples(
    st.sampled_from(KINDS),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.binary(min_size=1, max_size=3),
)
SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def corrupt(data: bytes, how: tuple[str, int, int, bytes]) -> bytes:
    """``data`` with one corruption applied; ``a`` and ``b`` pick where."""
    kind, a, b, junk = how
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    lines = data.split(newline)
    body = range(1, max(len(lines) - 1, 2))  # data lines (the header is line 0)
    i = body[a % len(body)] if len(lines) > 1 else 0
    fields = lines[i].split(b",")
    j, k = a % len(fields), b % len(fields)
    if kind == "drop_line" and len(lines) > 2:
        del lines[i]
    elif kind == "duplicate_line":
        lines.insert(body[b % len(body)], lines[i])
    elif kind == "truncate":
        return data[: a % (len(data) + 1)]
    elif kind == "delete_separator" and len(fields) > 1:
        lines[i] = b",".join(
            [*fields[:j], fields[j] + fields[(j + 1) % len(fields)], *fields[j + 2 :]]
        )
    elif kind == "insert_separator":
        at = b % (len(lines[i]) + 1)
        lines[i] = lines[i][:at] + b"," + lines[i][at:]
    elif kind == "garble_bytes":
        at = a % max(len(data), 1)
        return data[:at] + junk + data[at + len(junk) :]
    elif kind == "swap_fields":
        fields[j], fields[k] = fields[k], fields[j]
        lines[i] = b",".join(fields)
    elif kind == "blank_value":
        fields[j] = b""
        lines[i] = b",".join(fields)
    elif kind == "insert_quote":
        at = b % (len(lines[i]) + 1)
        lines[i] = lines[i][:at] + b'"' + lines[i][at:]
    return newline.join(lines)


def data_lines(data: bytes) -> int | None:
    """Non-blank lines after the header, when that is the number of records: the file is UTF-8
    and has no quotes (a quote can join lines into one record)."""
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return None
    if '"' in text:
        return None
    lines = text.split("\n")[1:]
    return sum(1 for line in lines if line.strip())


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Migrated SQLite stores to copy for each example: empty, and with the staff register."""
    folder = tmp_path_factory.mktemp("templates")
    empty, staffed = folder / "empty.db", folder / "staffed.db"
    engine = open_engine(f"sqlite:///{empty}")
    upgrade(engine)
    engine.dispose()
    shutil.copy(empty, staffed)
    engine = open_engine(f"sqlite:///{staffed}")
    run_import(engine, "workforce", DATA / "workforce" / "staff-register-2024-03.csv",
               mapping=MAPPINGS / "workforce-staff.yaml")  # fmt: skip
    engine.dispose()
    close_import_connections()
    return {"empty": empty, "staffed": staffed}


def snapshot(engine: Engine) -> tuple[int, ...]:
    tables = [street_crimes, incidents, deployments, staff, staff_skills, availability_spells,
              teams, import_runs, quarantine]  # fmt: skip
    with engine.connect() as c:
        return tuple(
            int(c.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables
        )


CASES = {
    "police-uk": ("police-uk", POLICE_UK, None, "empty"),
    "incidents-unit": ("incidents", DATA / "incidents" / "storm-units-2024-03-04.csv",
                       MAPPINGS / "storm-units.yaml", "empty"),
    "incidents-summary": ("incidents", DATA / "incidents" / "cad-summary-2024-03-04.csv",
                          MAPPINGS / "cad-summary.yaml", "empty"),
    "workforce-staff": ("workforce", DATA / "workforce" / "staff-register-2024-03.csv",
                        MAPPINGS / "workforce-staff.yaml", "empty"),
    "workforce-skills": ("workforce", DATA / "workforce" / "skills-2024-03.csv",
                         MAPPINGS / "workforce-skills.yaml", "staffed"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@SETTINGS
@given(damage=st.lists(corruption, min_size=1, max_size=4))
def test_corruption_never_loses_a_row(
    case: str, damage: list[tuple[str, int, int, bytes]], templates: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:  # fmt: skip
    source, clean, mapping, template = CASES[case]
    data = clean.read_bytes()
    for how in damage:
        data = corrupt(data, how)
    folder = tmp_path_factory.mktemp("example")
    path = folder / clean.name
    path.write_bytes(data)
    shutil.copy(templates[template], folder / "store.db")
    engine = open_engine(f"sqlite:///{folder / 'store.db'}")
    try:
        before = snapshot(engine)
        try:
            result = run_import(engine, source, path, mapping=mapping)
        except ForcesightError:
            assert snapshot(engine) == before
            return
        assert result.reconciles
        expected = data_lines(data)
        if expected is not None:
            assert result.rows_read == expected
        if source == "police-uk":
            assert snapshot(engine)[0] == before[0] + result.rows_stored
    finally:
        engine.dispose()
        close_import_connections()
        shutil.rmtree(folder)
