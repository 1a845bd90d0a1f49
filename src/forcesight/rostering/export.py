"""The roster interchange the response simulation reads: one row per shift.

Columns: ``unit_id`` (the officer, single-crewed), ``function``, ``area``, ``skills``
(';'-separated), ``start`` and ``end`` (datetimes; a night's end falls on the next day).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from forcesight.rostering.design import Design
from forcesight.rostering.roster import Roster, instantiate

SHIFTS_SCHEMA: pl.Schema = pl.Schema(
    {  # type: ignore[arg-type]
        "unit_id": pl.String,
        "function": pl.String,
        "area": pl.String,
        "skills": pl.String,
        "start": pl.Datetime("us"),
        "end": pl.Datetime("us"),
    }
)


def to_shifts(roster: Roster | Design, start_date: date, weeks: int) -> pl.DataFrame:
    """Every shift starting in the ``weeks`` weeks from ``start_date``, in start order.

    A design is first laid out as a dated roster from ``start_date``; a dated roster gives the
    shifts it holds in that window (none outside its own dates).
    """
    if isinstance(roster, Design):
        roster = instantiate(roster, start_date, weeks)
    first = datetime.combine(start_date, datetime.min.time())
    last = first + timedelta(weeks=weeks)
    rows = [
        {
            "unit_id": officer.id,
            "function": officer.function,
            "area": officer.area,
            "skills": ";".join(officer.skills),
            "start": start,
            "end": end,
        }
        for officer, start, end in roster.shift_rows()
        if first <= start < last
    ]
    return pl.DataFrame(rows, schema=SHIFTS_SCHEMA).sort(["start", "unit_id"])
