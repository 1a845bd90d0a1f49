"""The web app's tables: accounts, server-side sessions, login attempts and the audit log.

Times are UTC (naive datetimes). The audit log is append-only: the migration installs triggers
on SQLite and PostgreSQL that refuse UPDATE and DELETE on it, and no route edits it.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from forcesight.store.metadata import metadata

# People who sign in. Passwords are argon2 hashes; usernames are the only identity kept.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(80), nullable=False),
    Column("password_changed_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
    # The staff record this account belongs to (a pseudonymous staff id), for "my clocks".
    Column("staff_id", String(40)),
)

# Server-side sessions. ``id`` is the SHA-256 of the cookie's token, so a copy of the store does
# not hand out live sessions.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=False),
    Column("ip", String(64), nullable=False),
    Column("user_agent", Text),
)

# Every sign-in attempt, for throttling and lockout. outcome is one of
# success | bad_password | unknown_user | disabled | locked | throttled | lockout (the moment a
# username was locked).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(80), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("outcome", String(20), nullable=False),
    Index("ix_login_attempts_username_at", "username", "at"),
    Index("ix_login_attempts_ip_at", "ip", "at"),
)

# Who did what, when and from where. Append-only.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("actor", String(80), nullable=False, index=True),
    Column("action", String(60), nullable=False, index=True),
    Column("target", Text, nullable=False),
    Column("detail", Text),
    Column("ip", String(64), nullable=False),
)
