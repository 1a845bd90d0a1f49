"""Rosters in the interchange form: one row per shift of one unit.

Columns (``ROSTER_SCHEMA``): ``unit_id`` (str), ``function`` (str), ``area`` (str, base area),
``skills`` (str, ';'-separated, may be empty), ``start`` and ``end`` (datetime, local time).
Rostering (issue 6) produces this; a scenario may also give a rotating team pattern or constant
staffing, both expanded here into the same frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from forcesight.response.scenario import ConstantUnits, PatternSpec

ROSTER_SCHEMA: dict[str, pl.DataType] = {
    "unit_id": pl.Utf8(),
    "function": pl.Utf8(),
    "area": pl.Utf8(),
    "skills": pl.Utf8(),
    "start": pl.Datetime("us"),
    "end": pl.Datetime("us"),
}

Problem = tuple[str, str]


def empty_roster() -> pl.DataFrame:
    return pl.DataFrame(schema=ROSTER_SCHEMA)


def read_roster_csv(path: Path) -> tuple[pl.DataFrame, list[Problem]]:
    """Read a roster CSV; problems name the line (header is line 1) and column."""
    label = path.name
    try:
        raw = pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        return empty_roster(), [(f"roster.csv ({label})", f"cannot be read: {exc}")]
    missing = [c for c in ROSTER_SCHEMA if c not in raw.columns]
    if missing:
        return empty_roster(), [
            (
                f"roster.csv ({label}, line 1)",
                f"missing column(s) {', '.join(missing)}; the header has {', '.join(raw.columns)}",
            )
        ]
    problems: list[Problem] = []
    parsed = raw.with_row_index("line", offset=2).select(
        pl.col("line"),
        pl.col("unit_id").fill_null(""),
        pl.col("function").fill_null("response"),
        pl.col("area").fill_null(""),
        pl.col("skills").fill_null(""),
        pl.col("start").str.to_datetime(strict=False, time_unit="us").alias("start"),
        pl.col("end").str.to_datetime(strict=False, time_unit="us").alias("end"),
    )
    for column in ("start", "end"):
        bad = parsed.with_row_index("i").filter(pl.col(column).is_null())["i"].to_list()
        for i in bad[:20]:
            value = raw[column][i]
            problems.append(
                (f"roster.csv ({label}, line {i + 2}.{column})", f"{value!r} is not a datetime")
            )
    parsed = parsed.filter(pl.col("start").is_not_null() & pl.col("end").is_not_null())
    for field, why in shift_problems(parsed):
        problems.append((f"roster.csv ({label}, {field})", why))
    return parsed.drop("line").cast(ROSTER_SCHEMA), problems  # type: ignore[arg-type]


def validate_roster(
    roster: pl.DataFrame,
    *,
    known_areas: Sequence[str] | None = None,
    known_skills: Sequence[str] | None = None,
    line_offset: int = 0,
) -> list[Problem]:
    """Every problem of a roster frame: empty ids, shifts ending before they start, a unit on
    two shifts at once, unknown areas or skills. ``line_offset`` turns row numbers into lines."""
    return shift_problems(roster, line_offset=line_offset) + reference_problems(
        roster, known_areas=known_areas, known_skills=known_skills
    )


def shift_problems(roster: pl.DataFrame, *, line_offset: int = 0) -> list[Problem]:
    """Empty unit ids, shifts that end at or before their start, a unit on two shifts at once."""
    problems: list[Problem] = []
    # A frame read from a file carries its file line in "line"; otherwise rows are numbered.
    has_lines = "line" in roster.columns
    rows = roster.rename({"line": "row"}) if has_lines else roster.with_row_index("row")

    def where(row: int) -> str:
        if has_lines:
            return f"line {row}"
        return f"line {row + line_offset}" if line_offset else f"row {row}"

    for row in rows.filter(pl.col("unit_id").str.strip_chars() == "")["row"].to_list()[:20]:
        problems.append((f"{where(row)}.unit_id", "is empty"))
    backwards = rows.filter(pl.col("end") <= pl.col("start"))
    for rec in backwards.head(20).iter_rows(named=True):
        problems.append(
            (
                f"{where(rec['row'])}.end",
                f"shift of {rec['unit_id']} ends ({rec['end']}) at or before it starts "
                f"({rec['start']})",
            )
        )
    overlapping = (
        rows.filter(pl.col("end") > pl.col("start"))
        .sort("unit_id", "start")
        .with_columns(pl.col("end").shift(1).over("unit_id").alias("previous_end"))
        .filter(pl.col("previous_end") > pl.col("start"))
    )
    for rec in overlapping.head(20).iter_rows(named=True):
        problems.append(
            (
                f"{where(rec['row'])}.start",
                f"{rec['unit_id']} starts a shift at {rec['start']} before the previous one "
                f"ends ({rec['previous_end']})",
            )
        )
    return problems


def reference_problems(
    roster: pl.DataFrame,
    *,
    known_areas: Sequence[str] | None = None,
    known_skills: Sequence[str] | None = None,
) -> list[Problem]:
    """Areas and skills in the roster that the scenario and policy do not know."""
    problems: list[Problem] = []
    if known_areas is not None:
        unknown = sorted(set(roster["area"].unique().to_list()) - set(known_areas))
        for area in unknown:
            problems.append(("roster.area", f"{area!r} is not one of the scenario's areas"))
    if known_skills is not None:
        held = {s for cell in roster["skills"].to_list() for s in split_skills(cell)}
        for skill in sorted(held - set(known_skills)):
            problems.append(
                ("roster.skills", f"{skill!r} is not a known skill ({', '.join(known_skills)})")
            )
    return problems


def split_skills(cell: str | None) -> list[str]:
    return [s.strip() for s in (cell or "").split(";") if s.strip()]


def pattern_roster(
    patterns: Sequence[PatternSpec], run_start: datetime, run_end: datetime
) -> pl.DataFrame:
    """Expand rotating team patterns into shifts overlapping [run_start, run_end)."""
    rows: dict[str, list[object]] = {c: [] for c in ROSTER_SCHEMA}
    day0 = datetime(run_start.year, run_start.month, run_start.day)
    days = (run_end - day0).days + 1
    for p_index, pattern in enumerate(patterns):
        length = len(pattern.cycle)
        skill_of_unit: list[list[str]] = [[] for _ in range(pattern.units_per_team)]
        slot = 0
        for skill, count in pattern.skills.items():
            for _ in range(min(count, pattern.units_per_team)):
                skill_of_unit[slot % pattern.units_per_team].append(skill)
                slot += 1
        for team in range(pattern.teams):
            offset = team * length // pattern.teams
            for day in range(-1, days):
                code = pattern.cycle[(day + offset) % length]
                shift = pattern.shifts.get(code)
                if shift is None:
                    continue
                hh, mm = (int(x) for x in shift.start.split(":"))
                start = day0 + timedelta(days=day, hours=hh, minutes=mm)
                end = start + timedelta(hours=shift.hours)
                if end <= run_start or start >= run_end:
                    continue
                for unit in range(pattern.units_per_team):
                    rows["unit_id"].append(
                        f"{pattern.function}-{pattern.area}-p{p_index + 1}-t{team + 1}-u{unit + 1}"
                    )
                    rows["function"].append(pattern.function)
                    rows["area"].append(pattern.area)
                    rows["skills"].append(";".join(skill_of_unit[unit]))
                    rows["start"].append(start)
                    rows["end"].append(end)
    return pl.DataFrame(rows, schema=ROSTER_SCHEMA)


def constant_roster(
    groups: Sequence[ConstantUnits], run_start: datetime, run_end: datetime
) -> pl.DataFrame:
    """Units on duty for the whole run: one shift each from run_start to run_end."""
    rows: dict[str, list[object]] = {c: [] for c in ROSTER_SCHEMA}
    for g_index, group in enumerate(groups):
        for unit in range(group.units):
            rows["unit_id"].append(f"{group.function}-{group.area}-c{g_index + 1}-u{unit + 1}")
            rows["function"].append(group.function)
            rows["area"].append(group.area)
            rows["skills"].append(";".join(group.skills))
            rows["start"].append(run_start)
            rows["end"].append(run_end)
    return pl.DataFrame(rows, schema=ROSTER_SCHEMA)


def on_duty_by_hour_of_week(roster: pl.DataFrame) -> pl.DataFrame:
    """Mean units on duty by function and hour of week (0 = Monday 00:00) over the roster."""
    if roster.is_empty():
        return pl.DataFrame(
            schema={"function": pl.Utf8, "hour_of_week": pl.Int64, "units": pl.Float64}
        )
    first = roster["start"].min()
    last = roster["end"].max()
    assert isinstance(first, datetime) and isinstance(last, datetime)
    hours = pl.datetime_range(
        datetime(first.year, first.month, first.day), last, interval="1h", eager=True
    ).alias("hour")
    grid = pl.DataFrame(hours)
    out = []
    for function in sorted(roster["function"].unique().to_list()):
        shifts = roster.filter(pl.col("function") == function)
        starts = shifts["start"].sort().to_numpy()
        ends = shifts["end"].sort().to_numpy()
        at = grid["hour"].to_numpy()
        on = np.searchsorted(starts, at, side="right") - np.searchsorted(ends, at, side="right")
        out.append(
            grid.with_columns(
                pl.lit(function).alias("function"), pl.Series("units", on.astype(float))
            )
        )
    frame = pl.concat(out)
    return (
        frame.with_columns(
            ((pl.col("hour").dt.weekday().cast(pl.Int64) - 1) * 24 + pl.col("hour").dt.hour())
            .cast(pl.Int64)
            .alias("hour_of_week")
        )
        .group_by("function", "hour_of_week")
        .agg(pl.col("units").mean())
        .sort("function", "hour_of_week")
    )
