"""Store access for the clocks: the only module in tracking/ that speaks SQL.

Reads return Polars frames in the clock engine's schemas (``clocks.RECORD_SCHEMA`` and
``clocks.EVENT_SCHEMA``); writes take plain values. Every function takes a SQLAlchemy Engine or
Connection, so a caller can put several writes in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Engine,
    Integer,
    Select,
    String,
    and_,
    cast,
    func,
    insert,
    or_,
    select,
    update,
)

from forcesight.store.entities import clock_events, clock_records, crimes, persons, staff, teams
from forcesight.tracking.clocks import EVENT_SCHEMA, RECORD_SCHEMA

RECORD_COLUMNS = [c for c in RECORD_SCHEMA]
EVENT_STORE_COLUMNS = [
    "id",
    "record_id",
    "event",
    "occurred_at",
    "recorded_at",
    "actor_id",
    "actor_rank",
    "reason",
]
# Closed records still matter for this long: a closed missing episode counts towards a child's
# repeat-missing flag, and a closed bail record's charge triggers the victim's notification.
RECENT_DAYS = 120
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S%.f"


def _record_filter(as_of: datetime | None, kinds: Iterable[str] | None) -> Any:
    """Records whose clocks can still be open at ``as_of``, plus the recently closed ones on
    which open clocks depend (same crime, same missing person)."""
    conditions = []
    if as_of is not None:
        recent = as_of - timedelta(days=RECENT_DAYS)
        open_at = or_(clock_records.c.closed_at.is_(None), clock_records.c.closed_at > as_of)
        open_crimes = (
            select(clock_records.c.crime_id)
            .where(clock_records.c.crime_id.is_not(None), open_at)
            .scalar_subquery()
        )
        conditions.append(
            or_(
                open_at,
                clock_records.c.closed_at > recent,
                clock_records.c.crime_id.in_(open_crimes),
            )
        )
    if kinds is not None:
        conditions.append(clock_records.c.kind.in_(list(kinds)))
    return and_(*conditions) if conditions else None


def _raw(column: Any, dtype: pl.DataType) -> Any:
    """A column selected in its raw form: datetimes as text and booleans as integers, so the
    driver and SQLAlchemy do no per-row conversion; Polars converts the whole column at once."""
    if isinstance(dtype, pl.Datetime):
        return cast(column, String).label(column.name)
    if isinstance(dtype, pl.Boolean):
        return cast(column, Integer).label(column.name)
    return column


def _columns(rows: list[Any], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """Rows of raw values -> a typed frame, converting whole columns at once."""
    raw_schema = {
        name: pl.String()
        if isinstance(d, pl.Datetime)
        else pl.Int64()
        if isinstance(d, pl.Boolean)
        else d
        for name, d in schema.items()
    }
    frame = pl.DataFrame(rows, schema=raw_schema, orient="row")
    conversions = []
    for name, dtype in schema.items():
        if isinstance(dtype, pl.Datetime):
            # PostgreSQL text has no fraction when it is zero; ISO text may carry a 'T'.
            conversions.append(
                pl.col(name)
                .str.replace("T", " ", literal=True)
                .str.to_datetime(DATETIME_FORMAT, time_unit="us")
            )
        elif isinstance(dtype, pl.Boolean):
            conversions.append(pl.col(name).cast(pl.Boolean))
    return frame.with_columns(conversions) if conversions else frame


def _fetch(conn: Connection, stmt: Select[Any]) -> list[Any]:
    """All rows as the driver returns them: the statement casts every column to a type the
    driver hands over as is, so SQLAlchemy's per-row processing is not needed."""
    result = conn.execute(stmt)
    rows = list(result.cursor.fetchall())
    result.close()
    return rows


def _records_select(
    as_of: datetime | None, kinds: Iterable[str] | None, ids: Iterable[int] | None = None
) -> Select[Any]:
    stmt = select(*[_raw(clock_records.c[n], RECORD_SCHEMA[n]) for n in RECORD_COLUMNS])
    where = _record_filter(as_of, kinds)
    if where is not None:
        stmt = stmt.where(where)
    if ids is not None:
        stmt = stmt.where(clock_records.c.id.in_(list(ids)))
    return stmt


EVENT_RAW_SCHEMA: dict[str, pl.DataType] = {
    **{name: EVENT_SCHEMA[name] for name in EVENT_STORE_COLUMNS},
    "detail": pl.String(),
}


def _events_frame(rows: list[Any]) -> pl.DataFrame:
    raw = _columns(rows, EVENT_RAW_SCHEMA)
    return raw.with_columns(
        pl.col("detail").str.json_path_match("$.risk_level").alias("risk_level"),
        pl.col("detail").str.json_path_match("$.about").alias("about"),
    ).select(list(EVENT_SCHEMA))


def _events_select() -> Select[Any]:
    return select(
        *[_raw(clock_events.c[n], EVENT_SCHEMA[n]) for n in EVENT_STORE_COLUMNS],
        cast(clock_events.c.detail, String).label("detail"),
    )


def load_frames(
    conn: Engine | Connection,
    *,
    as_of: datetime | None = None,
    kinds: Iterable[str] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records, events) for the clock engine. With ``as_of``, only the records open at that
    time and the recently closed ones their clocks depend on; without it, every record."""
    record_stmt = _records_select(as_of, kinds)
    ids = select(clock_records.c.id)
    where = _record_filter(as_of, kinds)
    if where is not None:
        ids = ids.where(where)
    event_stmt = _events_select().where(clock_events.c.record_id.in_(ids.scalar_subquery()))
    with _Connected(conn) as c:
        records = _columns(_fetch(c, record_stmt), RECORD_SCHEMA)
        events = _events_frame(_fetch(c, event_stmt))
    return records, events


def load_record_frames(
    conn: Engine | Connection, record_ids: Iterable[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(records, events) for the given records and every record sharing a crime with them."""
    wanted = list(record_ids)
    with _Connected(conn) as c:
        crime_ids = select(clock_records.c.crime_id).where(
            clock_records.c.id.in_(wanted), clock_records.c.crime_id.is_not(None)
        )
        stmt = _records_select(None, None).where(
            or_(clock_records.c.id.in_(wanted), clock_records.c.crime_id.in_(crime_ids))
        )
        records = _columns(_fetch(c, stmt), RECORD_SCHEMA)
        person_ids = [p for p in records["person_id"].drop_nulls().unique().to_list()]
        if person_ids:
            siblings = _records_select(None, None).where(
                clock_records.c.kind == "missing_episode",
                clock_records.c.person_id.in_(person_ids),
            )
            more = _columns(_fetch(c, siblings), RECORD_SCHEMA)
            records = pl.concat([records, more]).unique("id").sort("id")
        event_stmt = _events_select().where(clock_events.c.record_id.in_(records["id"].to_list()))
        events = _events_frame(_fetch(c, event_stmt))
    return records, events


class _Connected:
    """Use a Connection as is, or open (and close) one on an Engine."""

    def __init__(self, conn: Engine | Connection) -> None:
        self.conn = conn
        self.owned: Connection | None = None

    def __enter__(self) -> Connection:
        if isinstance(self.conn, Connection):
            return self.conn
        self.owned = self.conn.connect()
        return self.owned

    def __exit__(self, *exc: object) -> None:
        if self.owned is not None:
            self.owned.close()


def record_by_ref(conn: Connection, kind: str, ref: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(clock_records).where(clock_records.c.kind == kind, clock_records.c.ref == ref)
    ).first()
    return dict(row._mapping) if row is not None else None


def records_by_ref(conn: Connection, ref: str) -> list[dict[str, Any]]:
    rows = conn.execute(select(clock_records).where(clock_records.c.ref == ref)).all()
    return [dict(r._mapping) for r in rows]


def record_by_id(conn: Connection, record_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(clock_records).where(clock_records.c.id == record_id)).first()
    return dict(row._mapping) if row is not None else None


def events_of(conn: Connection, record_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(clock_events)
        .where(clock_events.c.record_id == record_id)
        .order_by(clock_events.c.occurred_at, clock_events.c.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def crime_event_times(conn: Connection, crime_id: int) -> list[tuple[str, datetime]]:
    """(event, occurred_at) of every event on every record of one crime, plus each record's
    start (as its kind's start event is implied by the record itself)."""
    rows = conn.execute(
        select(clock_events.c.event, clock_events.c.occurred_at)
        .join(clock_records, clock_records.c.id == clock_events.c.record_id)
        .where(clock_records.c.crime_id == crime_id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def crime_records(conn: Connection, crime_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(clock_records).where(clock_records.c.crime_id == crime_id)).all()
    return [dict(r._mapping) for r in rows]


def staff_rank(conn: Connection, staff_id: str) -> str | None:
    """The rank the store holds for a staff member, or None if the id is unknown."""
    return conn.execute(select(staff.c.rank).where(staff.c.id == staff_id)).scalar_one_or_none()


def exists(conn: Connection, what: str, key: object) -> bool:
    """Whether a crime (by id), person, staff member or team exists."""
    column = {
        "crime": crimes.c.id,
        "person": persons.c.id,
        "staff": staff.c.id,
        "team": teams.c.id,
    }[what]
    return conn.execute(select(func.count()).where(column == key)).scalar_one() > 0


def crime_id_by_ref(conn: Connection, crime_ref: str) -> int | None:
    return conn.execute(
        select(crimes.c.id).where(crimes.c.crime_ref == crime_ref)
    ).scalar_one_or_none()


def staff_team(conn: Connection, staff_id: str) -> str | None:
    return conn.execute(select(staff.c.team_id).where(staff.c.id == staff_id)).scalar_one_or_none()


def insert_record(conn: Connection, values: Mapping[str, Any]) -> int:
    result = conn.execute(insert(clock_records).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def insert_event(conn: Connection, values: Mapping[str, Any]) -> int:
    result = conn.execute(insert(clock_events).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def close_record(conn: Connection, record_id: int, at: datetime, reason: str) -> None:
    conn.execute(
        update(clock_records)
        .where(clock_records.c.id == record_id)
        .values(closed_at=at, close_reason=reason)
    )


def count_events(conn: Engine | Connection, record_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(clock_events)
    if record_id is not None:
        stmt = stmt.where(clock_events.c.record_id == record_id)
    with _Connected(conn) as c:
        return int(c.execute(stmt).scalar_one())


def bulk_insert_frames(
    engine: Engine, records: pl.DataFrame, events: pl.DataFrame, origin: str = "demo"
) -> None:
    """Write engine-shaped frames to the store in bulk (benchmarks, demo data, imports that
    already passed ``imports.validate_clock_records``). Referenced crimes, persons, staff and
    teams must exist unless those columns are null."""
    record_rows = (
        records.select([c for c in RECORD_COLUMNS if c in records.columns])
        .with_columns(pl.lit(origin).alias("origin"))
        .to_dicts()
    )
    event_cols = [c for c in EVENT_STORE_COLUMNS if c in events.columns]
    event_frame = events.select(event_cols)
    if "recorded_at" not in event_cols:
        event_frame = event_frame.with_columns(pl.col("occurred_at").alias("recorded_at"))
    detail = None
    if "risk_level" in events.columns or "about" in events.columns:
        detail = events.select(
            pl.struct([pl.col(c) for c in ("risk_level", "about") if c in events.columns]).alias(
                "d"
            )
        )["d"].to_list()
    event_rows = event_frame.with_columns(pl.lit(origin).alias("origin")).to_dicts()
    if detail is not None:
        for row, d in zip(event_rows, detail, strict=True):
            kept = {k: v for k, v in d.items() if v is not None}
            row["detail"] = kept or None
    with engine.begin() as conn:
        for start in range(0, len(record_rows), 20_000):
            conn.execute(insert(clock_records), record_rows[start : start + 20_000])
        for start in range(0, len(event_rows), 20_000):
            conn.execute(insert(clock_events), event_rows[start : start + 20_000])
