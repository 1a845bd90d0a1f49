"""The audit log: every write, every export and every view of a person-level record.

Other domains call :func:`record` inside the same transaction as the thing they audit, so an
action and its audit entry are stored together or not at all::

    with engine.begin() as connection:
        ...  # the write
        audit.record(connection, principal.username, "crime.allocate", f"crime:{ref}",
                     {"to": officer_id}, principal.ip)

The log is append-only: nothing in forcesight updates or deletes it, and the store refuses to
(triggers on SQLite and PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from forcesight.web import queries
from forcesight.web.clock import utc_now
from forcesight.web.exports import csv_stream
from forcesight.web.queries import AuditFilter

CSV_COLUMNS = ("id", "at_utc", "actor", "action", "target", "detail", "ip")

__all__ = ["AuditEntry", "AuditFilter", "audit_csv", "entries", "record"]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime  # UTC
    actor: str
    action: str
    target: str
    detail: str | None
    ip: str


def record(
    connection: Connection,
    actor: str,
    action: str,
    target: str,
    detail: str | Mapping[str, Any] | None,
    ip: str,
    *,
    at: datetime | None = None,
) -> int:
    """Append one entry: ``actor`` did ``action`` to ``target`` from ``ip``; returns its id.

    ``action`` is a dotted verb such as ``import.run`` or ``person.view``; ``target`` names what
    was acted on (``import_run:12``, ``user:alice``); ``detail`` is free text or a mapping, kept
    as JSON. ``at`` defaults to now (UTC).
    """
    text = detail if isinstance(detail, str) or detail is None else _json(detail)
    return queries.insert_audit(
        connection,
        at or utc_now(),
        actor[:80],
        action[:60],
        target,
        text,
        ip[:64] or "unknown",
    )


def _json(detail: Mapping[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, default=str)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target=row.target,
        detail=row.detail,
        ip=row.ip,
    )


def entries(
    connection: Connection, where: AuditFilter, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEntry], int]:
    """The newest entries matching ``where`` (a page of them) and how many match in all."""
    rows = queries.audit_rows(connection, where, limit, offset)
    return [_entry(r) for r in rows], queries.audit_count(connection, where)


def actions(connection: Connection) -> list[str]:
    """Every action that appears in the log, for filter menus."""
    return queries.audit_actions(connection)


def audit_csv(engine: Engine, where: AuditFilter) -> Iterator[str]:
    """The matching entries as CSV text (formula-safe), header first, newest first."""
    with engine.connect() as connection:
        rows = queries.audit_rows(connection, where, limit=None)
    yield from csv_stream(
        CSV_COLUMNS,
        ((r.id, r.at.isoformat(), r.actor, r.action, r.target, r.detail or "", r.ip) for r in rows),
    )
