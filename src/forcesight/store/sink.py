"""One import's write transaction, on the fastest path each backend offers.

SQLite: an ADBC connection that binds Arrow columns in C (measured here: about 2.3x the rows a
second of sqlite3's ``executemany`` on the street-crime table; see bench/import_police_uk.py).
PostgreSQL: the SQLAlchemy connection, with ``COPY`` for bulk rows. Either way everything an
import writes (its run record, rows, quarantine, counts) commits or rolls back together.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import polars as pl
from sqlalchemy import Connection, Engine, Table, select, text, tuple_
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.sqltypes import TupleType
from sqlalchemy.types import TypeEngine

from forcesight.store.bulk import insert_frame, prepare


class Sink(Protocol):
    dialect: str

    def insert(self, table: Table, frame: pl.DataFrame) -> int:
        """Insert every row; returns the number inserted."""
        ...

    def fetch(self, statement: Executable) -> pl.DataFrame:
        """Run a SELECT inside this transaction."""
        ...

    def execute(self, statement: Executable) -> None: ...

    def insert_returning_id(self, table: Table, values: Mapping[str, Any]) -> int: ...


class SqlAlchemySink:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def insert(self, table: Table, frame: pl.DataFrame) -> int:
        return insert_frame(self.connection, table, frame)

    def fetch(self, statement: Executable) -> pl.DataFrame:
        result = self.connection.execute(statement)
        columns = list(result.keys())
        rows = result.fetchall()
        return pl.DataFrame(
            [tuple(r) for r in rows], schema=columns, orient="row", infer_schema_length=None
        )

    def execute(self, statement: Executable) -> None:
        self.connection.execute(statement)

    def insert_returning_id(self, table: Table, values: Mapping[str, Any]) -> int:
        key = self.connection.execute(table.insert().values(**values)).inserted_primary_key
        assert key is not None
        return int(key[0])


class SqliteAdbcSink:
    """Writes through ADBC; statements are compiled for SQLite with bound parameters."""

    dialect = "sqlite"
    _sqlite = sqlite_dialect.dialect(paramstyle="qmark")

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.cursor = connection.cursor()
        # The driver types each result column from its first batch (1,024 rows by default): a
        # column NULL there and text later fails to read. One batch sees every value.
        self.cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "1000000000"})

    def _sql(self, statement: Executable) -> tuple[str, list[Any]]:
        """SQL with ``?`` markers and the values, converted as SQLAlchemy would for SQLite (JSON
        as text, times as ISO text), so that any value binds (literal rendering cannot render a
        JSON value, and would put the file's text into the SQL)."""
        assert isinstance(statement, ClauseElement)
        compiled = statement.compile(
            dialect=self._sqlite, compile_kwargs={"render_postcompile": True}
        )
        assert isinstance(compiled, SQLCompiler)
        params = compiled.construct_params() or {}
        values = []
        for name in compiled.positiontup or []:
            bind_type = self._bind_type(compiled, name)
            processor = bind_type.dialect_impl(self._sqlite).bind_processor(self._sqlite)
            value = params[name]
            values.append(processor(value) if processor is not None else value)
        return str(compiled), values

    @staticmethod
    def _bind_type(compiled: SQLCompiler, name: str) -> TypeEngine[Any]:
        """The type of parameter ``name``. An expanded IN list binds its values as ``p_1``,
        ``p_2``, ... of the one parameter ``p``; a list of tuples as ``p_<row>_<position>``."""
        base = name
        while base not in compiled.binds:
            base = base.rsplit("_", 1)[0]
        bind_type: TypeEngine[Any] = compiled.binds[base].type
        if isinstance(bind_type, TupleType):
            bind_type = bind_type.types[int(name.rsplit("_", 1)[1]) - 1]
        return bind_type

    def insert(self, table: Table, frame: pl.DataFrame) -> int:
        if frame.height == 0:
            return 0
        frame = prepare(table, frame, "sqlite")
        self.cursor.adbc_ingest(table.name, frame.to_arrow(), mode="append")
        return frame.height

    def fetch(self, statement: Executable) -> pl.DataFrame:
        self.cursor.execute(*self._sql(statement))
        return pl.from_arrow(self.cursor.fetch_arrow_table())  # type: ignore[return-value]

    def execute(self, statement: Executable) -> None:
        self.cursor.execute(*self._sql(statement))

    def insert_returning_id(self, table: Table, values: Mapping[str, Any]) -> int:
        self.execute(table.insert().values(**values))
        self.cursor.execute("SELECT last_insert_rowid()")
        row = self.cursor.fetchone()
        return int(row[0])


_ADBC: dict[str, Any] = {}
_ADBC_LOCK = threading.Lock()


def _adbc_connection(database: str) -> Any:
    """One ADBC connection per SQLite file, kept open: closing the last connection to a WAL
    database checkpoints it, which cost more than the import itself when measured."""
    import adbc_driver_sqlite.dbapi as adbc

    connection = _ADBC.get(database)
    if connection is None:
        # Autocommit, so that the transaction is ours: BEGIN IMMEDIATE takes the write lock
        # before the duplicate check reads, so two imports cannot both miss each other's rows.
        connection = adbc.connect(database, autocommit=True)
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        # As on the SQLAlchemy side (store/engine.py): in WAL mode NORMAL is durable against
        # application crashes and syncs at checkpoints, not at every commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        _ADBC[database] = connection
    return connection


def close_import_connections() -> None:
    """Close the kept ADBC connections (tests call this before deleting a store)."""
    with _ADBC_LOCK:
        for connection in _ADBC.values():
            connection.close()
        _ADBC.clear()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Sink]:
    """A Sink whose writes commit together when the block ends, or roll back on error."""
    if engine.dialect.name == "sqlite":
        database = str(Path(engine.url.database or ":memory:").expanduser().resolve())
        with _ADBC_LOCK:
            connection = _adbc_connection(database)
            sink = SqliteAdbcSink(connection)
            # Its own cursor: after a failed statement with parameters, the driver refuses a
            # statement without any on that cursor, and the ROLLBACK must not be refused.
            control = connection.cursor()
            control.execute("BEGIN IMMEDIATE")
            try:
                yield sink
                control.execute("COMMIT")
            except BaseException:
                control.execute("ROLLBACK")
                raise
            finally:
                sink.cursor.close()
                control.close()
        return
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Imports of one source run one at a time, so duplicate checks see each other's rows.
            connection.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        yield SqlAlchemySink(connection)


def existing_keys(
    sink: Sink, table: Table, frame: pl.DataFrame, key: Sequence[str], scope: Sequence[str] | None
) -> pl.DataFrame:
    """Stored values of ``key`` for rows that share ``scope`` values with ``frame``."""
    statement = select(*[table.c[k] for k in key])
    if scope:
        values = frame.select(scope).unique().rows()
        if not values:
            return frame.select(key).clear()
        if len(scope) == 1:
            statement = statement.where(table.c[scope[0]].in_([v[0] for v in values]))
        else:
            statement = statement.where(tuple_(*[table.c[s] for s in scope]).in_(values))
    stored = sink.fetch(statement)
    if stored.height == 0:
        return frame.select(key).clear()
    return align_types(stored.select(key), dict(frame.select(key).schema))


def align_types(frame: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Cast stored values (SQLite gives dates and times back as text) to ``schema``."""
    exprs = []
    for name, dtype in schema.items():
        current = frame.schema[name]
        if current == dtype:
            continue
        if current == pl.String and dtype == pl.Date:
            exprs.append(pl.col(name).str.slice(0, 10).str.to_date("%Y-%m-%d"))
        elif current == pl.String and isinstance(dtype, pl.Datetime):
            exprs.append(pl.col(name).str.to_datetime(time_unit=dtype.time_unit))
        else:
            exprs.append(pl.col(name).cast(dtype, strict=False))
    return frame.with_columns(exprs) if exprs else frame


def not_stored(
    sink: Sink, table: Table, frame: pl.DataFrame, key: Sequence[str], scope: Sequence[str] | None
) -> pl.DataFrame:
    """Rows of ``frame`` (unique by ``key``) whose ``key`` is not already stored. ``scope``
    names columns that are part of the key and bound the lookup, e.g. (force, month)."""
    stored = existing_keys(sink, table, frame, key, scope)
    if stored.height == 0:
        return frame
    return frame.join(stored, on=list(key), how="anti", nulls_equal=True)


__all__ = ["Sink", "existing_keys", "not_stored", "write_transaction"]
