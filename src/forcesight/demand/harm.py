"""Harm weights supplied by the user: a CSV of (offence_code, weight), e.g. the ONS Crime
Severity Score. forcesight ships no weights and invents none; without a file, profiles carry
no harm column."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import polars as pl

from forcesight.errors import MappingError

WEIGHT_COLUMNS = ("offence_code", "weight")


def load_harm_weights(path: str | Path) -> pl.DataFrame:
    """Read and validate a weights file; the first problem raises MappingError naming the
    file, line and field."""
    name = str(path)
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as error:
        raise MappingError(name, "(file)", f"cannot be read: {error.strerror}") from None
    codes: list[str] = []
    weights: list[float] = []
    seen: dict[str, int] = {}
    with handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        for column in WEIGHT_COLUMNS:
            if column not in header:
                raise MappingError(
                    name,
                    column,
                    f"missing from the header (found: {', '.join(header) or 'none'})",
                    line=1,
                )
        at_code, at_weight = header.index("offence_code"), header.index("weight")
        for line, row in enumerate(reader, start=2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise MappingError(
                    name, "(row)", f"has {len(row)} fields, the header has {len(header)}", line
                )
            code, raw = row[at_code].strip(), row[at_weight].strip()
            if not code:
                raise MappingError(name, "offence_code", "is empty", line)
            if code in seen:
                raise MappingError(
                    name, "offence_code", f"{code!r} repeats line {seen[code]}", line
                )
            try:
                weight = float(raw)
            except ValueError:
                raise MappingError(
                    name, "weight", f"{raw!r} is not a number (expected a weight >= 0)", line
                ) from None
            if not math.isfinite(weight) or weight < 0:
                raise MappingError(name, "weight", f"{raw!r} must be a finite number >= 0", line)
            seen[code] = line
            codes.append(code)
            weights.append(weight)
    if not codes:
        raise MappingError(name, "(file)", "has no weights")
    return pl.DataFrame({"offence_code": codes, "weight": weights})


def add_harm(crimes: pl.DataFrame, weights: pl.DataFrame) -> pl.DataFrame:
    """Crimes with ``harm`` = the offence's weight (null where the file has no weight)."""
    return crimes.join(weights.rename({"weight": "harm"}), on="offence_code", how="left")
