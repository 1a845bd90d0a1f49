"""Writing demand tables: CSV, Parquet or Excel, chosen by the file's suffix."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from forcesight.errors import ForecastInputError

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


def write_table(frame: pl.DataFrame, path: str | Path, sheet: str = "demand") -> Path:
    """Write ``frame`` to ``path`` (.csv, .parquet or .xlsx)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ForecastInputError("out", f"{target.name}: use one of {', '.join(TABLE_SUFFIXES)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        frame.write_csv(target)
    elif suffix == ".parquet":
        frame.write_parquet(target)
    else:
        frame.write_excel(target, worksheet=sheet[:31])
    return target


def sibling(path: str | Path, name: str) -> Path:
    """``forecast.csv`` -> ``forecast.<name>.csv``: companion tables written beside the main."""
    target = Path(path)
    return target.with_name(f"{target.stem}.{name}{target.suffix}")
