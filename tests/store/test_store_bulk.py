"""Bulk writes: every type round-trips on both backends, and conflicts are skipped and counted."""

from __future__ import annotations

from datetime import datetime

import polars as pl
from sqlalchemy import Engine, select

from forcesight.store.bulk import insert_frame
from forcesight.store.entities import incidents, teams
from forcesight.store.runs import import_runs


def _run(engine: Engine) -> int:
    with engine.begin() as c:
        return int(
            c.execute(
                import_runs.insert().values(
                    source="test",
                    file_name="f.csv",
                    file_sha256="0" * 64,
                    file_bytes=1,
                    started_at=datetime(2024, 1, 1),
                    status="completed",
                    rows_read=0,
                    rows_stored=0,
                    rows_quarantined=0,
                    rows_duplicate=0,
                )
            ).inserted_primary_key[0]
        )


def test_types_round_trip_and_defaults(engine: Engine) -> None:
    run_id = _run(engine)
    frame = pl.DataFrame(
        {
            "incident_ref": ["A1", "A2"],
            "received_at": [datetime(2024, 3, 1, 12, 30, 5, 123456), datetime(2024, 3, 2, 0, 0)],
            "grade": ["1", "2"],
            "category": ['Domestic, "quoted"', ""],
            "lsoa_code": ["E01000001", None],
            "vulnerable": [True, False],
            "units_required": [2, 1],
            "repeat_caller": [False, False],
            "domestic_abuse": [True, False],
            "mental_health": [False, True],
            "data_quality": [["late_arrival"], None],
            "import_run_id": [run_id, run_id],
            "source_line": [2, 3],
        }
    )
    with engine.begin() as c:
        assert insert_frame(c, incidents, frame) == 2
    with engine.connect() as c:
        rows = c.execute(select(incidents).order_by(incidents.c.incident_ref)).mappings().all()
    assert rows[0]["received_at"] == datetime(2024, 3, 1, 12, 30, 5, 123456)
    assert rows[0]["category"] == 'Domestic, "quoted"'
    assert rows[1]["category"] == ""
    assert rows[1]["lsoa_code"] is None
    assert rows[0]["vulnerable"] is True and rows[1]["vulnerable"] is False
    assert rows[0]["data_quality"] == ["late_arrival"]
    assert rows[0]["origin"] == "import"


def test_skip_conflicts_counts_only_new_rows(engine: Engine) -> None:
    first = pl.DataFrame({"id": ["T1", "T2"], "name": ["a", "b"], "function": ["response"] * 2})
    second = pl.DataFrame({"id": ["T2", "T3"], "name": ["b", "c"], "function": ["response"] * 2})
    with engine.begin() as c:
        assert insert_frame(c, teams, first, skip_conflicts=True) == 2
        assert insert_frame(c, teams, second, skip_conflicts=True) == 1
    with engine.connect() as c:
        assert c.execute(select(teams.c.id).order_by(teams.c.id)).scalars().all() == [
            "T1",
            "T2",
            "T3",
        ]
