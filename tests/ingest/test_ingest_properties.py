"""Properties of every importer under random corruption, and the framework bugs they found.

Whatever is done to a valid file (lines dropped, repeated or cut short, separators deleted or
added, bytes garbled, fields swapped, values blanked, quotes inserted), an import either stores
a run whose counts reconcile (rows read = stored + quarantined + duplicates, and rows read is
the number of non-blank data lines whenever that is well defined) or stops with a documented
``ForcesightError``, leaving the store as it was.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from sqlalchemy import Engine, select, update

from forcesight.store.entities import teams
from forcesight.store.runs import import_runs
from forcesight.store.sink import write_transaction

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
