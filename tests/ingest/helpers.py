"""Shared assertions for importer tests."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from forcesight.store.runs import quarantine


def quarantined(engine: Engine, run_id: int) -> list[tuple[int, str, str]]:
    """(line, column, reason) of a run's quarantined rows, by line."""
    with engine.connect() as c:
        rows = c.execute(
            select(quarantine.c.line, quarantine.c.column_name, quarantine.c.reason)
            .where(quarantine.c.import_run_id == run_id)
            .order_by(quarantine.c.line)
        ).all()
    return [(r.line, r.column_name, r.reason) for r in rows]


def rows_in(engine: Engine, table: object) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]
