"""Dated rosters: who works which shift on which day, read from and written to an officer x day
grid (CSV or Excel), and made from a designed pattern.

The grid: optional ``# key: value`` lines at the top (``name``, ``published_on``), then a header
``officer,function[,team,area,skills,cancelled_rest_days,late_changes],YYYY-MM-DD,...`` with one
column per consecutive day, and one row per officer. A cell holds a shift (``07:00-17:00``; an
end at or before the start crosses midnight), ``RD`` or nothing for a rest day, or an absence
code (``SICK``, ``LEAVE``, ``ABS`` abstracted, ``TRAIN``).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from forcesight.errors import RosterFileError
from forcesight.rostering.design import Design
from forcesight.rostering.rules import REST, Timeline
from forcesight.rostering.shifts import Shift, ShiftFormatError

ABSENCE_CODES = {"SICK": "sick", "LEAVE": "leave", "ABS": "abstracted", "TRAIN": "training"}
REST_CODES = {"", "RD"}
OFFICER_COLUMNS = ("officer", "function")
OPTIONAL_COLUMNS = ("team", "area", "skills", "cancelled_rest_days", "late_changes")
Cell = Shift | str | None  # a shift, an absence code, or None for a rest day


@dataclass(frozen=True)
class Officer:
    """A rostered officer (pseudonymous id) and their running fairness counts."""

    id: str
    function: str
    team: str = ""
    area: str = ""
    skills: tuple[str, ...] = ()
    cancelled_rest_days: int = 0
    late_changes: int = 0


@dataclass(frozen=True)
class Roster:
    """Duties of each officer on each of ``days`` consecutive days from ``start_date``."""

    name: str
    start_date: date
    days: int
    officers: tuple[Officer, ...]
    duties: tuple[tuple[Cell, ...], ...]  # aligned with officers; each has ``days`` cells
    published_on: date | None = None

    def date_of(self, day: int) -> date:
        return self.start_date + timedelta(days=day)

    def dates(self) -> list[date]:
        return [self.date_of(d) for d in range(self.days)]

    def functions(self) -> list[str]:
        return sorted({o.function for o in self.officers})

    def catalogue(self) -> tuple[Shift, ...]:
        """Every distinct shift worked in the roster, in order."""
        return tuple(sorted({c for row in self.duties for c in row if isinstance(c, Shift)}))

    def timeline(
        self, index: int, catalogue: tuple[Shift, ...] | None = None
    ) -> tuple[Timeline, list[int]]:
        """The rules' view of one officer: their timeline and day-by-day assignment."""
        shifts = catalogue if catalogue is not None else self.catalogue()
        position = {s: i for i, s in enumerate(shifts)}
        row = self.duties[index]
        timeline = Timeline(
            days=self.days,
            shifts=shifts,
            cyclic=False,
            first_weekday=self.start_date.weekday(),
            first_date=self.start_date,
            published_on=self.published_on,
            absent=frozenset(d for d, c in enumerate(row) if isinstance(c, str)),
            label=self.officers[index].id,
        )
        return timeline, [position[c] if isinstance(c, Shift) else REST for c in row]

    def shift_rows(self) -> list[tuple[Officer, datetime, datetime]]:
        """(officer, start, end) for every shift worked."""
        out = []
        for officer, row in zip(self.officers, self.duties, strict=True):
            for day, cell in enumerate(row):
                if isinstance(cell, Shift):
                    start = datetime.combine(self.date_of(day), datetime.min.time()) + timedelta(
                        minutes=cell.start_minute
                    )
                    out.append((officer, start, start + timedelta(minutes=cell.length_minutes)))
        return out

    def grid(self) -> pl.DataFrame:
        """Officer x day grid, as written to CSV and Excel."""
        data: dict[str, list[Any]] = {
            "officer": [o.id for o in self.officers],
            "function": [o.function for o in self.officers],
            "team": [o.team for o in self.officers],
            "area": [o.area for o in self.officers],
            "skills": [";".join(o.skills) for o in self.officers],
            "cancelled_rest_days": [o.cancelled_rest_days for o in self.officers],
            "late_changes": [o.late_changes for o in self.officers],
        }
        for day, when in enumerate(self.dates()):
            data[when.isoformat()] = [cell_text(row[day]) for row in self.duties]
        return pl.DataFrame(data)

    def with_duties(self, duties: Sequence[Sequence[Cell]], officers: Sequence[Officer]) -> Roster:
        return replace(self, duties=tuple(tuple(r) for r in duties), officers=tuple(officers))


def cell_text(cell: Cell) -> str:
    if cell is None:
        return "RD"
    if isinstance(cell, Shift):
        return cell.label
    return cell


def parse_cell(text: str) -> Cell:
    """Raises ShiftFormatError for text that is neither a shift, rest nor an absence code."""
    value = text.strip().upper()
    if value in REST_CODES:
        return None
    if value in ABSENCE_CODES:
        return value
    return Shift.parse(value)


def write_roster_csv(roster: Roster, path: str | Path | None = None) -> str:
    """The roster as grid CSV text (also written to ``path`` if given)."""
    buffer = io.StringIO()
    buffer.write(f"# name: {roster.name}\n")
    if roster.published_on is not None:
        buffer.write(f"# published_on: {roster.published_on.isoformat()}\n")
    buffer.write(roster.grid().write_csv())
    text = buffer.getvalue()
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def write_roster_excel(roster: Roster, path: str | Path) -> None:
    """The officer x day grid as an Excel workbook (one sheet, header frozen)."""
    roster.grid().write_excel(
        path, worksheet="roster", autofit=True, freeze_panes=(1, 2), header_format={"bold": True}
    )


def read_roster_csv(path: str | Path, text: str | None = None) -> Roster:
    """Read a grid CSV; any bad line or field refuses the whole file, listing every problem."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise RosterFileError(
                str(path), [("(file)", f"cannot be read: {exc.strerror}")]
            ) from None
    lines = text.splitlines()
    meta: dict[str, str] = {}
    first = 0
    while first < len(lines) and (lines[first].startswith("#") or not lines[first].strip()):
        key, _, value = lines[first].lstrip("#").partition(":")
        if key.strip():
            meta[key.strip()] = value.strip()
        first += 1
    problems: list[tuple[str, str]] = []
    published_on = None
    if meta.get("published_on"):
        try:
            published_on = date.fromisoformat(meta["published_on"])
        except ValueError:
            problems.append(
                (
                    f"line {first}, published_on",
                    f"{meta['published_on']!r} is not a date YYYY-MM-DD",
                )
            )
    rows = list(csv.reader(lines[first:]))
    if not rows:
        raise RosterFileError(str(path), [("(file)", "has no header line")])
    header = [h.strip() for h in rows[0]]
    header_line = first + 1
    missing = [c for c in OFFICER_COLUMNS if c not in header]
    if missing:
        raise RosterFileError(
            str(path), [(f"line {header_line}", f"missing column(s) {', '.join(missing)}")]
        )
    dates: list[tuple[int, date]] = []
    for position, name in enumerate(header):
        if name in OFFICER_COLUMNS or name in OPTIONAL_COLUMNS:
            continue
        try:
            dates.append((position, date.fromisoformat(name)))
        except ValueError:
            problems.append(
                (
                    f"line {header_line}, column {name!r}",
                    "is neither an officer column nor a date YYYY-MM-DD",
                )
            )
    if not dates:
        problems.append((f"line {header_line}", "no date columns"))
    for (_, earlier), (_, later) in itertools.pairwise(dates):
        if (later - earlier).days != 1:
            problems.append(
                (
                    f"line {header_line}, column {later.isoformat()!r}",
                    f"dates must be consecutive days; follows {earlier.isoformat()}",
                )
            )
    if problems:
        raise RosterFileError(str(path), problems)
    col = {name: i for i, name in enumerate(header)}
    officers: list[Officer] = []
    duties: list[tuple[Cell, ...]] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[1:]):
        line = header_line + 1 + offset
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(
                (f"line {line}", f"has {len(row)} fields; the header has {len(header)}")
            )
            continue

        def field(name: str, row: list[str] = row) -> str:
            return row[col[name]].strip() if name in col else ""

        officer_id = field("officer")
        if not officer_id:
            problems.append((f"line {line}, officer", "is empty"))
        elif officer_id in seen:
            problems.append(
                (f"line {line}, officer", f"{officer_id!r} repeats line {seen[officer_id]}")
            )
        seen.setdefault(officer_id, line)
        if not field("function"):
            problems.append((f"line {line}, function", "is empty"))
        counts = {}
        for name in ("cancelled_rest_days", "late_changes"):
            raw = field(name) or "0"
            try:
                counts[name] = int(raw)
                if counts[name] < 0:
                    raise ValueError
            except ValueError:
                problems.append((f"line {line}, {name}", f"{raw!r} is not a whole number >= 0"))
                counts[name] = 0
        cells: list[Cell] = []
        for position, when in dates:
            raw = row[position]
            try:
                cells.append(parse_cell(raw))
            except ShiftFormatError:
                problems.append(
                    (
                        f"line {line}, {when.isoformat()}",
                        f"{raw!r} is not a shift such as 07:00-17:00, RD or one of "
                        f"{', '.join(ABSENCE_CODES)}",
                    )
                )
                cells.append(None)
        officers.append(
            Officer(
                id=officer_id,
                function=field("function"),
                team=field("team"),
                area=field("area"),
                skills=tuple(s.strip() for s in field("skills").split(";") if s.strip()),
                cancelled_rest_days=counts["cancelled_rest_days"],
                late_changes=counts["late_changes"],
            )
        )
        duties.append(tuple(cells))
    if not officers and not problems:
        problems.append(("(file)", "has no officer rows"))
    if problems:
        raise RosterFileError(str(path), problems)
    return Roster(
        name=meta.get("name") or path.stem,
        start_date=dates[0][1],
        days=len(dates),
        officers=tuple(officers),
        duties=tuple(duties),
        published_on=published_on,
    )


def instantiate(
    design: Design,
    start_date: date,
    weeks: int,
    name: str | None = None,
    published_on: date | None = None,
) -> Roster:
    """The dated roster a design gives from ``start_date`` for ``weeks`` weeks.

    Team t of a line works pattern week (t + c) mod cycle in calendar week c, counted from the
    design's start date (a Monday). Officer ids are made up (function prefix, line, team,
    member): pseudonymous, never real.
    """
    days = weeks * 7
    officers: list[Officer] = []
    duties: list[tuple[Cell, ...]] = []
    for f in design.functions:
        prefix = f.function[:3].upper()
        for line, size in enumerate(f.team_sizes):
            for team in range(f.cycle_weeks):
                team_name = f"{f.function} {line * f.cycle_weeks + team + 1}"
                for member in range(size):
                    officers.append(
                        Officer(
                            id=f"{prefix}-{line + 1}{team + 1:02d}-{member + 1:02d}",
                            function=f.function,
                            team=team_name,
                            area=f.area,
                            skills=f.skills,
                        )
                    )
                    row: list[Cell] = []
                    for day in range(days):
                        when = start_date + timedelta(days=day)
                        week = (when - design.start_date).days // 7
                        index = ((team + week) % f.cycle_weeks) * 7 + when.weekday()
                        s = f.pattern[line][index]
                        row.append(None if s == REST else f.shifts[s])
                    duties.append(tuple(row))
    return Roster(
        name=name or design.name,
        start_date=start_date,
        days=days,
        officers=tuple(officers),
        duties=tuple(duties),
        published_on=published_on if published_on is not None else design.published_on,
    )


def roster_to_dict(roster: Roster) -> dict[str, Any]:
    """The roster as plain data (stored as YAML)."""
    return {
        "name": roster.name,
        "published_on": roster.published_on.isoformat() if roster.published_on else None,
        "grid_csv": write_roster_csv(roster),
    }


def roster_from_dict(data: dict[str, Any], source: str = "stored roster") -> Roster:
    return read_roster_csv(Path(source), text=str(data["grid_csv"]))
