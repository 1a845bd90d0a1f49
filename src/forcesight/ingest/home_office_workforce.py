"""Home Office "Police workforce, England and Wales" tables, as CSV extracts of the published
spreadsheet (source ``home-office-workforce``; one file per table, e.g.
``police-workforce-sep19__Table_1.csv``).

Two layouts are read:

* by police force area (Tables 1-5 and 7-13): a title line naming the table, its unit
  ("Full-time equivalents" or "Headcount") on the third line, a header row of dates
  (``,Sep-18,Mar-19,Sep-19,number,%,number,%``), one row per region, force or total, a blank
  line, then notes. The three dated figures of each row are stored; the change columns are
  derived and are not.
* the national series (Table 6): a header row of measures and one row per year
  (``30 September 2006,141385.14,...``), stored against the area "England and Wales".

Rows read are the data rows between the header row and the blank or "Source: Home Office" line
that ends the table (title, notes and blank lines are not data). ".." is the publication's mark
for a figure not available: that figure is skipped with a warning and the row's other figures
are stored. A row is quarantined, naming the cell, when a figure is neither a number nor "..",
or when it has no figure at all. Figures are stored in long form (table, area, measure, as-at
date, value, unit). Footnote numbers glued to words and years ("20122") are removed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import polars as pl

from forcesight.errors import UnreadableFileError
from forcesight.ingest.checks import empty_quarantine
from forcesight.ingest.csvfile import LINE, decode
from forcesight.ingest.runner import Parsed, Stored
from forcesight.store.reference import workforce_statistics
from forcesight.store.sink import Sink, not_stored

TITLE = re.compile(r"^Table (\d+):\s*(.+?),? (?:by police force area|England and Wales)", re.S)
UNITS = {"full-time equivalents": "fte", "headcount": "headcount"}
MONTH_COLUMN = re.compile(r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)-(\d{2})$")
# "30 September 20122": a footnote number glued to the year.
SERIES_ROW = re.compile(r"^(\d{1,2} [A-Z][a-z]+ \d{4})\d*$")
NOT_AVAILABLE = ".."
KEY = ["table_name", "area_type", "area", "measure", "as_at"]

#: Regions of England and Wales as the tables name them. Each region's row comes before its
#: forces; "West Midlands" and "London" name a region and (nearly) a force, so a name is a
#: region only the first time it appears.
REGIONS = frozenset({
    "North East", "North West", "Yorkshire and the Humber", "East Midlands", "West Midlands",
    "East of England", "East", "London", "South East", "South West", "Wales",
})  # fmt: skip


def area_type(name: str, seen_regions: set[str]) -> str:
    if name.lower().startswith("total") or name == "England and Wales":
        return "total"
    if name in REGIONS and name not in seen_regions:
        seen_regions.add(name)
        return "region"
    return "force"


def _month_end(label: str) -> date:
    parsed = datetime.strptime(label, "%b-%y")
    following = date(parsed.year + (parsed.month == 12), parsed.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _clean_measure(text: str) -> str:
    # Footnote numbers are glued to words in the published titles ("officers1", "s.391").
    text = re.sub(r"s\.39\d", "s.39", text)
    text = re.sub(r"(?<=[a-z)])\d\b", "", text)
    return " ".join(text.split())


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


def read_workforce_table(
    path: Path, raw: bytes | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int, list[str]]:
    """(figures in long form, quarantine records, data rows read, warnings) of one table."""
    text = decode(path, path.read_bytes() if raw is None else raw)
    records = list(csv.reader(io.StringIO(text)))
    if not records or not any(cell.strip() for row in records for cell in row):
        raise UnreadableFileError(str(path), "the file is empty", line=1)
    # Line numbers: csv records can span lines (quoted line breaks in the header), so track them.
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text))
    line = 1
    for _ in reader:
        starts.append(line)
        line = reader.line_num + 1
    title = records[0][0] if records[0] else ""
    match = TITLE.match(title)
    if not match:
        raise UnreadableFileError(
            str(path),
            "does not start with a Home Office workforce table title such as "
            "'Table 1: Police officers by police force area, ...'",
            line=1,
        )
    table_name = f"Table {match.group(1)}"
    measure = _clean_measure(match.group(2))
    unit_line = records[2] if len(records) > 2 else []
    unit_cell = next((c for c in reversed(unit_line) if c.strip()), "").strip().lower()
    unit = UNITS.get(unit_cell)
    if unit is None:
        raise UnreadableFileError(
            str(path),
            f"the unit line says {unit_cell!r}; expected 'Full-time equivalents' or 'Headcount'",
            line=starts[2] if len(starts) > 2 else 3,
        )
    header_index = next(
        (
            i
            for i, row in enumerate(records)
            if len(row) > 1
            and (
                MONTH_COLUMN.match(row[1].strip())
                or (row[0] == "" and i > 2 and all(c.strip() for c in row[1:3]))
            )
        ),
        None,
    )
    if header_index is None:
        raise UnreadableFileError(str(path), "has no header row of dates or measures", line=3)
    header = [c.strip() for c in records[header_index]]
    dated = [(i, _month_end(c)) for i, c in enumerate(header) if MONTH_COLUMN.match(c)]
    figures: list[dict[str, object]] = []
    bad: list[dict[str, object]] = []
    rows_read = 0
    warnings: list[str] = []
    seen_regions: set[str] = set()
    for index in range(header_index + 1, len(records)):
        row = records[index]
        if not row or not any(c.strip() for c in row):
            break  # the blank line that ends the table
        if not row[0].strip() and any(c.strip().startswith("Source") for c in row):
            break  # the source line that ends the table
        rows_read += 1
        line_no = starts[index]
        area = row[0].strip()
        if not area:
            bad.append(_bad(line_no, "(area)", "", "is required but empty", header, row))
            continue
        if dated:
            cells = [(when, measure, row[i] if i < len(row) else "") for i, when in dated]
            where = area
            kind = area_type(area, seen_regions)
        else:
            period = SERIES_ROW.match(area)
            if not period:
                bad.append(
                    _bad(
                        line_no,
                        "(period)",
                        area,
                        "expected a date such as 30 September 2006",
                        header,
                        row,
                    )
                )
                continue
            when = datetime.strptime(period.group(1), "%d %B %Y").date()
            cells = [
                (when, _clean_measure(header[i]), row[i] if i < len(row) else "")
                for i in range(1, len(header))
            ]
            where, kind = "England and Wales", "national"
        published = [
            (when, what, cell.strip())
            for when, what, cell in cells
            if cell.strip() != NOT_AVAILABLE
        ]
        values = [(_number(cell), when, what, cell) for when, what, cell in published]
        broken = next((v for v in values if v[0] is None), None)
        if broken is not None:
            column = broken[1].strftime("%b-%y") if dated else broken[2]
            bad.append(_bad(line_no, column, broken[3], "expected a number or '..'", header, row))
            continue
        if not values:
            bad.append(
                _bad(
                    line_no,
                    "(row)",
                    NOT_AVAILABLE,
                    "no figure is published in this row",
                    header,
                    row,
                )
            )
            continue
        if len(published) < len(cells):
            warnings.append(
                f"line {line_no}: {where}: {len(cells) - len(published)} figure(s) "
                "not available ('..')"
            )
        for value, when, what, _cell in values:
            figures.append(
                {
                    "table_name": table_name,
                    "area": where,
                    "area_type": kind,
                    "measure": what,
                    "as_at": when,
                    "value": value,
                    "unit": unit,
                    LINE: line_no,
                }
            )
    frame = pl.DataFrame(
        figures,
        schema={
            "table_name": pl.String,
            "area": pl.String,
            "area_type": pl.String,
            "measure": pl.String,
            "as_at": pl.Date,
            "value": pl.Float64,
            "unit": pl.String,
            LINE: pl.Int64,
        },
    )
    quarantined = pl.DataFrame(bad, schema=empty_quarantine().schema) if bad else empty_quarantine()
    return frame, quarantined, rows_read, warnings


def _bad(
    line: int, column: str, value: str, reason: str, header: list[str], row: list[str]
) -> dict[str, object]:
    return {
        "line": line,
        "column_name": column,
        "value": value,
        "reason": f"{column}: {value!r} {reason}" if value else f"{column} {reason}",
        "raw": json.dumps(
            dict(zip([h or f"column {i}" for i, h in enumerate(header)], row, strict=False))
        ),
    }


class WorkforceStatisticsReader:
    source = "home-office-workforce"
    needs_mapping = False
    description = "Home Office police workforce tables (CSV extract of one table)"

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        frame, quarantined, rows_read, warnings = read_workforce_table(path, raw)
        return Parsed(rows_read, quarantined, rows=frame, warnings=warnings)

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        figures = parsed.rows.unique(subset=KEY, keep="first", maintain_order=True)
        fresh = not_stored(sink, workforce_statistics, figures, KEY, ["table_name"])
        sink.insert(workforce_statistics, fresh.with_columns(pl.lit(run_id).alias("import_run_id")))
        # Reconciliation counts rows of the file: a row is stored if any of its figures is new.
        rows = figures[LINE].n_unique()
        new_rows = fresh[LINE].n_unique()
        return Stored(new_rows, rows - new_rows)
