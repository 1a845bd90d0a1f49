"""Frame builders and store seeding shared by the clock tests (imported by name: the tests
directory is not a package)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Engine, insert

from forcesight.store.entities import crimes, persons, staff, teams
from forcesight.tracking.clocks import EVENT_SCHEMA, RECORD_SCHEMA, recompute
from forcesight.tracking.rules import ClocksPolicy

STAFF = {
    "C1": "PC",
    "S1": "Sergeant",
    "I1": "Inspector",
    "I2": "DI",
    "U1": "Superintendent",
    "X1": "Band C",  # police staff: may authorise nothing
}


def records_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    """Engine-shaped records; ids default to 1, 2, ..."""
    full = [{"id": i + 1, **row} for i, row in enumerate(rows)]
    return pl.DataFrame([{k: r.get(k) for k in RECORD_SCHEMA} for r in full], schema=RECORD_SCHEMA)


def events_frame(rows: Sequence[dict[str, Any]]) -> pl.DataFrame:
    full = [{"id": i + 1, **row} for i, row in enumerate(rows)]
    return pl.DataFrame([{k: r.get(k) for k in EVENT_SCHEMA} for r in full], schema=EVENT_SCHEMA)


def clocks_of(
    policy: ClocksPolicy,
    records: Sequence[dict[str, Any]],
    events: Sequence[dict[str, Any]],
    now: datetime,
) -> pl.DataFrame:
    return recompute(records_frame(records), events_frame(events), now, policy)


def one(clocks: pl.DataFrame, **where: Any) -> dict[str, Any]:
    """The single clock row matching ``where``."""
    frame = clocks
    for column, value in where.items():
        frame = frame.filter(pl.col(column) == value)
    assert frame.height == 1, f"expected one row for {where}, got {frame.height}"
    return frame.row(0, named=True)


def seed(engine: Engine) -> None:
    """Two teams, six staff of different ranks, four persons and four crimes."""
    origin = {"origin": "demo"}
    with engine.begin() as conn:
        conn.execute(
            insert(teams),
            [
                {"id": "T1", "name": "CID North", "function": "investigation", **origin},
                {
                    "id": "T2",
                    "name": "Public Protection",
                    "function": "public_protection",
                    **origin,
                },
            ],
        )
        conn.execute(
            insert(staff),
            [
                {
                    "id": sid,
                    "staff_type": "staff" if sid == "X1" else "officer",
                    "rank": rank,
                    "function": "investigation",
                    "team_id": "T1" if sid != "S1" else "T2",
                    "fte": 1.0,
                    "hours_per_week": 40.0,
                    "row_key": sid,
                    **origin,
                }
                for sid, rank in STAFF.items()
            ],
        )
        conn.execute(insert(persons), [{"id": f"P{i}", **origin} for i in range(1, 5)])
        conn.execute(
            insert(crimes),
            [
                {
                    "id": i,
                    "crime_ref": f"CR{i}",
                    "reported_at": datetime(2022, 1, 1),
                    "recorded_at": datetime(2022, 1, 1),
                    "offence_code": "8N",
                    "status": "allocated",
                    **origin,
                }
                for i in range(1, 5)
            ],
        )
