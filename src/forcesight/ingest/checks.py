"""Vectorised row checks: each is a named rule over one column, in the manner of PyPSA's
consistency checks. A row that fails any check is quarantined with the first failing column,
its value and every reason; it is never silently dropped or repaired."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from forcesight.ingest.csvfile import LINE, CsvTable


@dataclass(frozen=True)
class Check:
    """``bad`` is True on rows that break the rule ``reason`` about ``column``."""

    column: str
    reason: str
    bad: pl.Expr


def required(column: str) -> Check:
    return Check(
        column,
        "is required but empty",
        pl.col(column).is_null() | (pl.col(column).str.strip_chars() == ""),
    )


def matches(column: str, pattern: str, expected: str, *, optional: bool = True) -> Check:
    value = pl.col(column)
    fails = ~value.str.contains(pattern)
    return Check(
        column,
        f"expected {expected}",
        (value.is_not_null() & fails) if optional else fails.fill_null(True),
    )


def one_of(column: str, allowed: Sequence[str], *, optional: bool = False) -> Check:
    value = pl.col(column)
    fails = ~value.is_in(list(allowed))
    shown = ", ".join(allowed[:8]) + (", ..." if len(allowed) > 8 else "")
    return Check(
        column,
        f"expected one of: {shown}",
        (value.is_not_null() & fails) if optional else fails.fill_null(True),
    )


def number_between(column: str, low: float, high: float, *, optional: bool = True) -> Check:
    value = pl.col(column).str.strip_chars().str.replace_all(",", "").cast(pl.Float64, strict=False)
    fails = value.is_null() | (value < low) | (value > high)
    present = pl.col(column).is_not_null() & (pl.col(column).str.strip_chars() != "")
    return Check(
        column,
        f"expected a number from {low:g} to {high:g}",
        (present & fails) if optional else fails,
    )


def quarantine_rows(table: CsvTable, checks: Sequence[Check]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split ``table.frame`` into rows passing every check and quarantine records
    (line, column_name, value, reason, raw) for the rest and for ragged rows."""
    frame = table.frame
    flags = (
        frame.select([c.bad.fill_null(False).alias(f"_bad{i}") for i, c in enumerate(checks)])
        if checks
        else pl.DataFrame()
    )
    any_bad = (
        flags.select(pl.any_horizontal(pl.all())).to_series()
        if checks
        else pl.Series([False] * frame.height)
    )
    good = frame.filter(~any_bad)
    bad_rows = frame.filter(any_bad)
    bad_flags = flags.filter(any_bad)
    records: list[dict[str, object]] = []
    header = table.header
    for row, flag_row in zip(bad_rows.iter_rows(named=True), bad_flags.iter_rows(), strict=True):
        failed = [checks[i] for i, failed_check in enumerate(flag_row) if failed_check]
        first = failed[0]
        value = row.get(first.column)
        reasons = "; ".join(
            f"{c.column}: {value_text(row.get(c.column))} {c.reason}" for c in failed
        )
        records.append(
            {
                "line": row[LINE],
                "column_name": first.column,
                "value": None if value is None else str(value),
                "reason": reasons,
                "raw": json.dumps({h: row.get(h) for h in header}),
            }
        )
    for ragged in table.ragged:
        records.append(
            {
                "line": ragged.line,
                "column_name": "(row)",
                "value": ragged.text[:500],
                "reason": f"expected {len(header)} fields as in the header, found {ragged.fields}",
                "raw": json.dumps({"text": ragged.text}),
            }
        )
    quarantined = pl.DataFrame(
        records,
        schema={
            "line": pl.Int64,
            "column_name": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "raw": pl.String,
        },
    ).sort("line")
    return good, quarantined


def value_text(value: object) -> str:
    return "(empty)" if value is None or value == "" else repr(value)


def empty_quarantine() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "line": pl.Int64,
            "column_name": pl.String,
            "value": pl.String,
            "reason": pl.String,
            "raw": pl.String,
        }
    )


def split_repeats(
    frame: pl.DataFrame, key: Sequence[str], source_names: dict[str, str]
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Rows repeating an earlier row's ``key``: identical ones are duplicates; ones that disagree
    are quarantined naming the earlier line. Returns (first rows, duplicates, quarantine)."""
    value_cols = [c for c in frame.columns if c != LINE]
    ranked = frame.with_columns(
        pl.int_range(pl.len()).over(list(key)).alias("_n"),
        pl.col(LINE).first().over(list(key)).alias("_first_line"),
        pl.int_range(pl.len()).over(value_cols).alias("_same"),
    )
    first = ranked.filter(pl.col("_n") == 0).drop("_n", "_first_line", "_same")
    repeats = ranked.filter(pl.col("_n") > 0)
    duplicates = repeats.filter(pl.col("_same") > 0)
    conflicts = repeats.filter(pl.col("_same") == 0)
    shown = ", ".join(source_names.get(k, k) for k in key)
    records = [
        {
            "line": row[LINE],
            "column_name": source_names.get(key[0], key[0]),
            "value": str(row[key[0]]),
            "reason": f"repeats the {shown} of line {row['_first_line']} with different values",
            "raw": json.dumps({source_names.get(c, c): _jsonable(row[c]) for c in value_cols}),
        }
        for row in conflicts.iter_rows(named=True)
    ]
    quarantined = pl.DataFrame(records, schema=empty_quarantine().schema)
    return first, duplicates.height, quarantined


def _jsonable(value: object) -> object:
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)
