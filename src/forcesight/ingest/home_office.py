"""Home Office police recorded crime and the offence-code lookup.

Three published shapes, one reader each:

* rolling 12-month recorded crime by police force area and offence group (source
  ``home-office-crime``; columns ``12 months ending`` (DD-MM-YYYY), ``PFA``, ``Region``,
  ``Offence``, ``Rolling year total number of offences``);
* recorded crime by force x offence code x financial quarter (source ``home-office-offences``);
* the offence-code lookup, code -> group, subgroup and police.uk category (also source
  ``home-office-offences``: the reader tells the two apart by their header).

Treatments: negative figures are published net adjustments (crimes cancelled after being
counted in an earlier period) and are kept, with a warning giving how many. A period end that
is a date near, but not on, the last day of its month (the open data has one "30-12-2017") is
read as that month's last day, with a warning naming the lines; any other date is quarantined.
A row repeating an earlier row's key with the same figure is a duplicate; with a different
figure it is quarantined with the earlier line named.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import polars as pl

from forcesight.errors import UnreadableFileError
from forcesight.ingest.checks import (
    Check,
    matches,
    number_between,
    quarantine_rows,
    required,
    split_repeats,
)
from forcesight.ingest.csvfile import LINE, read_csv_table
from forcesight.ingest.runner import Parsed, Stored
from forcesight.store.reference import (
    offence_codes,
    recorded_crime_by_offence,
    recorded_crime_rolling,
)
from forcesight.store.sink import Sink, not_stored

ROLLING_RENAMES = {
    "12 months ending": "period_end",
    "PFA": "force_area",
    "Region": "region",
    "Offence": "offence_group",
    "Rolling year total number of offences": "offences",
}

OFFENCES_RENAMES = {
    "Financial_Year": "financial_year",
    "Financial_Quarter": "quarter",
    "Force_Name": "force_name",
    "Offence_Code": "offence_code",
    "Offence_Description": "offence_description",
    "Offence_Group": "offence_group",
    "Offence_Subgroup": "offence_subgroup",
    "Policeuk_Cat": "police_uk_category",
    "Number_of_Offences": "offences",
}

MAPPING_RENAMES = {
    "Offence_Code": "offence_code",
    "Offence_Description": "description",
    "Offence_Group": "offence_group",
    "Offence_Subgroup": "offence_subgroup",
    "Police.uk_Cat": "police_uk_category",
}

MAX_OFFENCES = 10_000_000  # more than any force records in a year


def negative_figures(frame: pl.DataFrame) -> list[str]:
    negative = frame.filter(pl.col("offences") < 0)
    if negative.height == 0:
        return []
    return [
        f"{negative.height} negative figure(s) kept as published net adjustments "
        f"(lines {', '.join(str(x) for x in negative[LINE].head(10).to_list())}"
        f"{', ...' if negative.height > 10 else ''})"
    ]


def _rolling_checks() -> list[Check]:
    return [
        matches("12 months ending", r"^\d{2}-\d{2}-\d{4}$", "a date as DD-MM-YYYY", optional=False),
        Check(
            "12 months ending",
            "is not a date",
            pl.col("12 months ending").str.to_date("%d-%m-%Y", strict=False).is_null(),
        ),
        required("PFA"),
        required("Offence"),
        matches(
            "Rolling year total number of offences",
            r"^-?\d+$",
            "a whole number of offences (negative for net cancellations)",
            optional=False,
        ),
    ]


def read_rolling_year(
    path: Path, raw: bytes | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, int, list[str]]:
    """(valid rows named as ``recorded_crime_rolling``, quarantine, rows read, warnings)."""
    table = read_csv_table(path, list(ROLLING_RENAMES), raw=raw)
    good, quarantined = quarantine_rows(table, _rolling_checks())
    frame = (
        good.select([*ROLLING_RENAMES, LINE])
        .rename(ROLLING_RENAMES)
        .with_columns(
            pl.col("period_end").str.to_date("%d-%m-%Y"),
            pl.col("offences").cast(pl.Int64),
        )
    )
    month_end = pl.col("period_end").dt.month_end()
    near_end = (month_end - pl.col("period_end")).dt.total_days() <= 3
    off_end = frame.filter(pl.col("period_end") != month_end)
    near = (
        off_end.filter(near_end)
        .group_by("period_end")
        .agg(pl.len().alias("n"), pl.col(LINE).min().alias("a"), pl.col(LINE).max().alias("b"))
        .sort("period_end")
    )
    warnings = [
        f"{n} row(s), lines {a}-{b}: period end {d:%d-%m-%Y} read as the end of its month"
        for d, n, a, b in near.iter_rows()
    ]
    far = off_end.filter(~near_end)
    if far.height:
        extra = pl.DataFrame(
            {
                "line": far[LINE],
                "column_name": ["12 months ending"] * far.height,
                "value": far["period_end"].dt.strftime("%d-%m-%Y"),
                "reason": ["12 months ending: expected the last day of a month (a quarter end)"]
                * far.height,
                "raw": [None] * far.height,
            },
            schema=quarantined.schema,
        ).with_columns(pl.col("raw").fill_null("{}"))
        quarantined = pl.concat([quarantined, extra]).sort("line")
        frame = frame.filter(~pl.col(LINE).is_in(far[LINE].implode()))
    frame = frame.with_columns(month_end.alias("period_end"))
    return frame, quarantined, table.rows_read, warnings + negative_figures(frame)


class RollingYearReader:
    source = "home-office-crime"
    needs_mapping = False
    description = (
        "Home Office recorded crime, rolling 12 months by police force area and offence group"
    )
    key: ClassVar[list[str]] = ["force_area", "offence_group", "period_end"]

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        frame, quarantined, rows_read, warnings = read_rolling_year(path, raw)
        names = {v: k for k, v in ROLLING_RENAMES.items()}
        first, duplicates, conflicts = split_repeats(frame, self.key, names)
        quarantined = pl.concat([quarantined, conflicts]).sort("line")
        return Parsed(rows_read, quarantined, rows=first, duplicates=duplicates, warnings=warnings)

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        fresh = not_stored(sink, recorded_crime_rolling, parsed.rows, self.key, ["force_area"])
        stored = sink.insert(
            recorded_crime_rolling, fresh.with_columns(pl.lit(run_id).alias("import_run_id"))
        )
        return Stored(stored, parsed.duplicates + parsed.rows.height - fresh.height)


class OffencesReader:
    """Offence-code quarterly counts, or the offence-code lookup: told apart by the header."""

    source = "home-office-offences"
    needs_mapping = False
    description = (
        "Home Office recorded crime by offence code and quarter, or the offence-code lookup"
    )
    counts_key: ClassVar[list[str]] = [
        "force_name", "financial_year", "quarter", "offence_code", "offence_description",
        "occurrence",
    ]  # fmt: skip

    def parse(self, path: Path, raw: bytes, mapping: Path | None) -> Parsed:
        header = raw.split(b"\n", 1)[0]
        if b"Number_of_Offences" in header:
            return self._parse_counts(path, raw)
        if b"Police.uk_Cat" in header:
            return self._parse_lookup(path, raw)
        raise UnreadableFileError(
            str(path),
            "is neither the offence-code counts file (has Number_of_Offences) nor the "
            "offence-code lookup (has Police.uk_Cat)",
            line=1,
            expected=list(OFFENCES_RENAMES),
        )

    def _parse_counts(self, path: Path, raw: bytes) -> Parsed:
        table = read_csv_table(path, list(OFFENCES_RENAMES), raw=raw)
        checks = [
            matches(
                "Financial_Year",
                r"^\d{4}/\d{2}$",
                "a financial year such as 2017/18",
                optional=False,
            ),
            matches("Financial_Quarter", r"^[1-4]$", "a quarter from 1 to 4", optional=False),
            required("Force_Name"),
            required("Offence_Code"),
            required("Offence_Description"),
            number_between("Number_of_Offences", -MAX_OFFENCES, MAX_OFFENCES, optional=False),
            matches(
                "Number_of_Offences",
                r"^-?\d+$",
                "a whole number (negative for net cancellations)",
                optional=False,
            ),
        ]
        good, quarantined = quarantine_rows(table, checks)
        frame = (
            good.select([*OFFENCES_RENAMES, LINE])
            .rename(OFFENCES_RENAMES)
            .with_columns(
                pl.col("quarter").cast(pl.Int64),
                pl.col("offences").cast(pl.Int64),
            )
        )
        # Rows sharing force, quarter and code are separate published figures (homicide has
        # four per force and quarter); number them so each keeps its identity.
        frame = frame.with_columns(
            pl.int_range(pl.len()).over(self.counts_key[:-1]).cast(pl.Int64).alias("occurrence")
        )
        return Parsed(
            table.rows_read,
            quarantined,
            rows=frame,
            kind="counts",
            warnings=negative_figures(frame),
        )

    def _parse_lookup(self, path: Path, raw: bytes) -> Parsed:
        table = read_csv_table(path, list(MAPPING_RENAMES), raw=raw)
        checks = [
            required("Offence_Code"),
            required("Offence_Description"),
            required("Offence_Group"),
        ]
        good, quarantined = quarantine_rows(table, checks)
        frame = good.select([*MAPPING_RENAMES, LINE]).rename(MAPPING_RENAMES)
        names = {v: k for k, v in MAPPING_RENAMES.items()}
        first, duplicates, conflicts = split_repeats(frame, ["offence_code"], names)
        quarantined = pl.concat([quarantined, conflicts]).sort("line")
        return Parsed(
            table.rows_read, quarantined, rows=first, duplicates=duplicates, kind="lookup"
        )

    def store(self, sink: Sink, parsed: Parsed, run_id: int) -> Stored:
        if parsed.kind == "lookup":
            table, key, scope = offence_codes, ["offence_code"], None
        else:
            table, key, scope = recorded_crime_by_offence, self.counts_key, ["force_name"]
        fresh = not_stored(sink, table, parsed.rows, key, scope)
        stored = sink.insert(table, fresh.with_columns(pl.lit(run_id).alias("import_run_id")))
        return Stored(stored, parsed.duplicates + parsed.rows.height - fresh.height)
