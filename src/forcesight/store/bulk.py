"""Fast bulk writes of Polars frames into store tables, on SQLite and PostgreSQL.

SQLite gets a DB-API ``executemany`` of plain tuples (the fastest path sqlite3 has); PostgreSQL
gets ``COPY ... FROM STDIN`` of CSV written by Polars. With ``skip_conflicts`` rows whose unique
key is already stored are skipped and not counted, which is how imports recognise duplicates.
Both run on the caller's connection, inside the caller's transaction.
"""

from __future__ import annotations

import io
import json
from typing import Any

import polars as pl
from sqlalchemy import JSON, Boolean, Connection, Date, DateTime, Table

from forcesight.errors import SettingError

_SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S%.6f"


def prepare(table: Table, frame: pl.DataFrame, dialect: str) -> pl.DataFrame:
    """``frame`` as the driver for ``dialect`` wants it: scalar defaults filled, JSON as text,
    and for SQLite dates, times and booleans in SQLAlchemy's storage format."""
    frame = _json_to_text(table, _with_defaults(table, frame))
    return _sqlite_values(table, frame) if dialect == "sqlite" else frame


def _with_defaults(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    """Add columns the frame lacks that have a scalar Python-side default (e.g. origin)."""
    extra = []
    for column in table.columns:
        if column.name in frame.columns or column.default is None:
            continue
        arg = getattr(column.default, "arg", None)
        if isinstance(arg, str | int | float | bool):
            extra.append(pl.lit(arg).alias(column.name))
    return frame.with_columns(extra) if extra else frame


def _json_to_text(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name in frame.columns:
        column = table.columns.get(name)
        if column is None or not isinstance(column.type, JSON):
            continue
        if frame.schema[name] != pl.String:
            exprs.append(
                pl.col(name).map_elements(
                    lambda v: json.dumps(v.to_list() if isinstance(v, pl.Series) else v),
                    return_dtype=pl.String,
                    skip_nulls=True,
                )
            )
    return frame.with_columns(exprs) if exprs else frame


def _sqlite_values(table: Table, frame: pl.DataFrame) -> pl.DataFrame:
    exprs = []
    for name, dtype in frame.schema.items():
        column_type = table.columns[name].type
        if isinstance(column_type, DateTime) or dtype == pl.Datetime:
            if dtype != pl.String:
                exprs.append(pl.col(name).dt.strftime(_SQLITE_DATETIME))
        elif isinstance(column_type, Date) or dtype == pl.Date:
            if dtype != pl.String:
                exprs.append(pl.col(name).dt.strftime("%Y-%m-%d"))
        elif isinstance(column_type, Boolean) and dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.Int8))
    return frame.with_columns(exprs) if exprs else frame


def insert_frame(
    connection: Connection, table: Table, frame: pl.DataFrame, *, skip_conflicts: bool = False
) -> int:
    """Insert every row of ``frame`` (columns named as in ``table``); returns rows inserted."""
    if frame.height == 0:
        return 0
    unknown = [c for c in frame.columns if c not in table.columns]
    if unknown:
        raise KeyError(f"columns not in table {table.name}: {unknown}")
    dialect = connection.dialect.name
    frame = prepare(table, frame, dialect)
    if dialect == "sqlite":
        return _insert_sqlite(connection, table, frame, skip_conflicts)
    if dialect == "postgresql":
        return _insert_postgresql(connection, table, frame, frame.columns, skip_conflicts)
    raise SettingError(
        "database_url", f"uses {dialect!r}; forcesight supports sqlite and postgresql"
    )


def _insert_sqlite(
    connection: Connection, table: Table, frame: pl.DataFrame, skip_conflicts: bool
) -> int:
    raw: Any = connection.connection.driver_connection
    names = ", ".join(f'"{c}"' for c in frame.columns)
    marks = ", ".join("?" for _ in frame.columns)
    verb = "INSERT OR IGNORE" if skip_conflicts else "INSERT"
    before = raw.total_changes
    cursor = raw.cursor()
    try:
        cursor.executemany(f'{verb} INTO "{table.name}" ({names}) VALUES ({marks})', frame.rows())
    finally:
        cursor.close()
    return int(raw.total_changes - before)


def _insert_postgresql(
    connection: Connection,
    table: Table,
    frame: pl.DataFrame,
    columns: list[str],
    skip_conflicts: bool,
) -> int:
    raw: Any = connection.connection.driver_connection
    buffer = io.BytesIO()
    frame.write_csv(
        buffer,
        include_header=False,
        datetime_format="%Y-%m-%d %H:%M:%S%.6f",
        date_format="%Y-%m-%d",
        null_value="",
        quote_style="non_numeric",
    )
    names = ", ".join(f'"{c}"' for c in columns)
    data = buffer.getvalue()
    with raw.cursor() as cursor:
        if not skip_conflicts:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN WITH (FORMAT csv)') as cp:
                cp.write(data)
            return frame.height
        stage = f"_stage_{table.name}"
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" '
            f'(LIKE "{table.name}" INCLUDING DEFAULTS) ON COMMIT DROP'
        )
        cursor.execute(f'TRUNCATE "{stage}"')
        with cursor.copy(f'COPY "{stage}" ({names}) FROM STDIN WITH (FORMAT csv)') as cp:
            cp.write(data)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{stage}" '
            "ON CONFLICT DO NOTHING"
        )
        return int(cursor.rowcount)
