"""Named what-if inputs in the ``scenarios`` table (response scenarios, roster specifications,
patterns, rosters, comparisons): one body of text per (kind, name)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, delete, insert

from forcesight.store.entities import scenarios


def replace_named(
    engine: Engine, kind: str, name: str, body: str, now: datetime, created_by: str | None
) -> None:
    """Store ``body`` under (kind, name), replacing any earlier one of that name, in one
    transaction."""
    with engine.begin() as connection:
        connection.execute(
            delete(scenarios).where(scenarios.c.kind == kind, scenarios.c.name == name)
        )
        connection.execute(
            insert(scenarios).values(
                kind=kind, name=name, body=body, created_at=now, created_by=created_by
            )
        )
