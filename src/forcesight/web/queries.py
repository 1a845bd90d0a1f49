"""Every read and write the web layer makes on the store, as small query functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, func, insert, select, update

from forcesight.store.runs import import_runs, quarantine
from forcesight.web.tables import audit_log, login_attempts, users, web_sessions


@dataclass(frozen=True)
class UserRow:
    id: int
    username: str
    role: str
    password_hash: str
    enabled: bool
    created_at: datetime
    created_by: str
    password_changed_at: datetime
    last_login_at: datetime | None
    staff_id: str | None = None


def _user(row: Any) -> UserRow:
    return UserRow(
        id=row.id,
        username=row.username,
        role=row.role,
        password_hash=row.password_hash,
        enabled=bool(row.enabled),
        created_at=row.created_at,
        created_by=row.created_by,
        password_changed_at=row.password_changed_at,
        last_login_at=row.last_login_at,
        staff_id=row.staff_id,
    )


# --- users --------------------------------------------------------------------------------------


def insert_user(
    connection: Connection,
    username: str,
    role: str,
    password_hash: str,
    created_by: str,
    now: datetime,
) -> int:
    result = connection.execute(
        insert(users).values(
            username=username,
            role=role,
            password_hash=password_hash,
            enabled=True,
            created_at=now,
            created_by=created_by,
            password_changed_at=now,
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def user_by_name(connection: Connection, username: str) -> UserRow | None:
    row = connection.execute(select(users).where(users.c.username == username)).first()
    return None if row is None else _user(row)


def all_users(connection: Connection) -> list[UserRow]:
    return [_user(r) for r in connection.execute(select(users).order_by(users.c.username))]


def set_user_enabled(connection: Connection, user_id: int, enabled: bool) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(enabled=enabled))


def set_user_staff(connection: Connection, user_id: int, staff_id: str | None) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(staff_id=staff_id))


def set_user_password(
    connection: Connection, user_id: int, password_hash: str, now: datetime
) -> None:
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=password_hash, password_changed_at=now)
    )


def set_last_login(connection: Connection, user_id: int, now: datetime) -> None:
    connection.execute(update(users).where(users.c.id == user_id).values(last_login_at=now))


# --- login attempts -----------------------------------------------------------------------------


def insert_login_attempt(
    connection: Connection, username: str, ip: str, at: datetime, outcome: str
) -> None:
    connection.execute(
        insert(login_attempts).values(username=username, ip=ip, at=at, outcome=outcome)
    )


def latest_attempt_at(
    connection: Connection, username: str, outcomes: Sequence[str]
) -> datetime | None:
    value = connection.execute(
        select(func.max(login_attempts.c.at)).where(
            login_attempts.c.username == username, login_attempts.c.outcome.in_(outcomes)
        )
    ).scalar()
    return value if isinstance(value, datetime) else None


def count_attempts(
    connection: Connection,
    outcomes: Sequence[str],
    since: datetime,
    *,
    username: str | None = None,
    ip: str | None = None,
) -> int:
    conditions = [login_attempts.c.outcome.in_(outcomes), login_attempts.c.at > since]
    if username is not None:
        conditions.append(login_attempts.c.username == username)
    if ip is not None:
        conditions.append(login_attempts.c.ip == ip)
    return int(
        connection.execute(
            select(func.count()).select_from(login_attempts).where(*conditions)
        ).scalar_one()
    )


def earliest_attempt_at(
    connection: Connection, outcomes: Sequence[str], since: datetime, ip: str
) -> datetime | None:
    value = connection.execute(
        select(func.min(login_attempts.c.at)).where(
            login_attempts.c.ip == ip,
            login_attempts.c.outcome.in_(outcomes),
            login_attempts.c.at > since,
        )
    ).scalar()
    return value if isinstance(value, datetime) else None


# --- sessions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    id: str
    user_id: int
    username: str
    role: str
    enabled: bool
    created_at: datetime
    last_seen_at: datetime
    staff_id: str | None = None


def insert_session(
    connection: Connection,
    session_id: str,
    user_id: int,
    now: datetime,
    ip: str,
    user_agent: str | None,
) -> None:
    connection.execute(
        insert(web_sessions).values(
            id=session_id,
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            ip=ip,
            user_agent=(user_agent or "")[:400],
        )
    )


def session_by_id(connection: Connection, session_id: str) -> SessionRow | None:
    row = connection.execute(
        select(
            web_sessions.c.id,
            web_sessions.c.user_id,
            users.c.username,
            users.c.role,
            users.c.enabled,
            web_sessions.c.created_at,
            web_sessions.c.last_seen_at,
            users.c.staff_id,
        )
        .join(users, users.c.id == web_sessions.c.user_id)
        .where(web_sessions.c.id == session_id)
    ).first()
    if row is None:
        return None
    return SessionRow(
        id=row.id,
        user_id=row.user_id,
        username=row.username,
        role=row.role,
        enabled=bool(row.enabled),
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        staff_id=row.staff_id,
    )


def touch_session(connection: Connection, session_id: str, now: datetime) -> None:
    connection.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=now)
    )


def delete_session(connection: Connection, session_id: str) -> None:
    connection.execute(delete(web_sessions).where(web_sessions.c.id == session_id))


def delete_sessions_of_user(connection: Connection, user_id: int) -> None:
    connection.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))


def delete_sessions_idle_since(connection: Connection, before: datetime) -> int:
    result = connection.execute(delete(web_sessions).where(web_sessions.c.last_seen_at < before))
    return int(result.rowcount or 0)


# --- audit log ----------------------------------------------------------------------------------


def insert_audit(
    connection: Connection,
    at: datetime,
    actor: str,
    action: str,
    target: str,
    detail: str | None,
    ip: str,
) -> int:
    result = connection.execute(
        insert(audit_log).values(
            at=at, actor=actor, action=action, target=target, detail=detail, ip=ip
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass(frozen=True)
class AuditFilter:
    """Which audit entries to show: every field is optional; text matches are substrings."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_where(query: Select[Any], where: AuditFilter) -> Select[Any]:
    conditions = []
    if where.actor:
        conditions.append(audit_log.c.actor == where.actor)
    if where.action:
        conditions.append(audit_log.c.action == where.action)
    if where.target:
        conditions.append(audit_log.c.target.contains(where.target, autoescape=True))
    if where.since is not None:
        conditions.append(audit_log.c.at >= where.since)
    if where.until is not None:
        conditions.append(audit_log.c.at < where.until)
    return query.where(and_(*conditions)) if conditions else query


def audit_rows(
    connection: Connection, where: AuditFilter, limit: int | None, offset: int = 0
) -> list[Any]:
    query = _audit_where(select(audit_log), where).order_by(audit_log.c.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(connection.execute(query))


def audit_count(connection: Connection, where: AuditFilter) -> int:
    query = _audit_where(select(func.count()).select_from(audit_log), where)
    return int(connection.execute(query).scalar_one())


def audit_actions(connection: Connection) -> list[str]:
    query = select(audit_log.c.action).distinct().order_by(audit_log.c.action)
    return [r[0] for r in connection.execute(query)]


# --- import runs and quarantine -----------------------------------------------------------------


def import_run_rows(connection: Connection, limit: int) -> list[Any]:
    query = select(import_runs).order_by(import_runs.c.id.desc()).limit(limit)
    return list(connection.execute(query))


def import_run_row(connection: Connection, run_id: int) -> Any | None:
    return connection.execute(select(import_runs).where(import_runs.c.id == run_id)).first()


def quarantine_rows(
    connection: Connection,
    run_id: int,
    reason: str | None,
    limit: int | None,
    offset: int = 0,
) -> list[Any]:
    query = select(
        quarantine.c.line,
        quarantine.c.column_name,
        quarantine.c.value,
        quarantine.c.reason,
        quarantine.c.raw,
    ).where(quarantine.c.import_run_id == run_id)
    if reason:
        query = query.where(quarantine.c.reason == reason)
    query = query.order_by(quarantine.c.line, quarantine.c.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(connection.execute(query))


def quarantine_reason_counts(connection: Connection, run_id: int) -> list[tuple[str, int]]:
    query = (
        select(quarantine.c.reason, func.count())
        .where(quarantine.c.import_run_id == run_id)
        .group_by(quarantine.c.reason)
        .order_by(func.count().desc(), quarantine.c.reason)
    )
    return [(r[0], int(r[1])) for r in connection.execute(query)]


def quarantine_totals(connection: Connection) -> list[tuple[str, str, datetime, int]]:
    """(source, reason, quarantined_at, rows): one row per import run's batch of a reason."""
    query = select(
        quarantine.c.source, quarantine.c.reason, quarantine.c.quarantined_at, func.count()
    ).group_by(quarantine.c.source, quarantine.c.reason, quarantine.c.quarantined_at)
    return [(r[0], r[1], r[2], int(r[3])) for r in connection.execute(query)]


def rows_read_by_source(connection: Connection) -> dict[str, int]:
    query = (
        select(import_runs.c.source, func.sum(import_runs.c.rows_read))
        .where(import_runs.c.status == "completed")
        .group_by(import_runs.c.source)
    )
    return {r[0]: int(r[1] or 0) for r in connection.execute(query)}


def quarantine_fingerprint(connection: Connection) -> tuple[int, int]:
    """(row count, highest id) of the quarantine: changes whenever rows are added."""
    row = connection.execute(select(func.count(), func.max(quarantine.c.id))).one()
    return int(row[0]), int(row[1] or 0)
