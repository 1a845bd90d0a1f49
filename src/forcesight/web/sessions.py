"""Server-side sessions with inactivity expiry, and the CSRF tokens tied to them.

The browser holds a random token in an HttpOnly, SameSite=Strict cookie; the store keeps only
its SHA-256, with the account and when it was last used. A session idle for longer than
``session_minutes`` is deleted on its next use. The CSRF token of a session is an HMAC of the
session id under the secret key: forms carry it in a hidden field, scripts in the
``X-CSRF-Token`` header.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine

from forcesight.web import audit, queries
from forcesight.web.accounts import User
from forcesight.web.clock import Clock

# last_seen_at is written at most this often per session, so browsing is mostly reads.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is making a request: the signed-in account, its session and its address."""

    username: str
    role: str
    session_id: str
    csrf_token: str
    ip: str
    staff_id: str | None = None  # the staff record the account belongs to, if linked


@dataclass(frozen=True)
class SessionLookup:
    principal: Principal | None
    expired: bool = False


def session_id_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Starts, finds and ends sessions in the store; time comes from ``clock``."""

    def __init__(self, engine: Engine, secret: bytes, idle_minutes: int, clock: Clock) -> None:
        self.engine = engine
        self.secret = secret
        self.idle = timedelta(minutes=idle_minutes)
        self.clock = clock

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self.secret, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def login_csrf_token(self, nonce: str) -> str:
        """CSRF token of the sign-in form, tied to a pre-session nonce cookie."""
        return hmac.new(self.secret, b"login:" + nonce.encode(), hashlib.sha256).hexdigest()

    def start(self, user: User, ip: str, user_agent: str | None) -> tuple[str, Principal]:
        """A new session for ``user``; returns the cookie token and the principal. Audited."""
        token = secrets.token_urlsafe(32)
        session_id = session_id_of(token)
        now = self.clock()
        with self.engine.begin() as connection:
            row = queries.user_by_name(connection, user.username)
            assert row is not None
            queries.insert_session(connection, session_id, row.id, now, ip, user_agent)
            audit.record(
                connection, user.username, "login", f"user:{user.username}", None, ip, at=now
            )
        return token, Principal(
            user.username, user.role, session_id, self.csrf_token(session_id), ip, row.staff_id
        )

    def resolve(self, token: str | None, ip: str) -> SessionLookup:
        """The principal of a cookie token, or None (and whether it had expired)."""
        if not token:
            return SessionLookup(None)
        session_id = session_id_of(token)
        now = self.clock()
        with self.engine.connect() as connection:
            row = queries.session_by_id(connection, session_id)
        if row is None:
            return SessionLookup(None)
        if not row.enabled:
            return SessionLookup(None)
        if now - row.last_seen_at > self.idle:
            with self.engine.begin() as connection:
                queries.delete_session(connection, session_id)
            return SessionLookup(None, expired=True)
        if now - row.last_seen_at > TOUCH_EVERY:
            with self.engine.begin() as connection:
                queries.touch_session(connection, session_id, now)
        return SessionLookup(
            Principal(
                row.username, row.role, session_id, self.csrf_token(session_id), ip, row.staff_id
            )
        )

    def end(self, principal: Principal) -> None:
        """Sign out: the session is deleted from the store. Audited."""
        with self.engine.begin() as connection:
            queries.delete_session(connection, principal.session_id)
            audit.record(
                connection,
                principal.username,
                "logout",
                f"user:{principal.username}",
                None,
                principal.ip,
                at=self.clock(),
            )

    def purge_idle(self) -> int:
        """Delete every session idle for longer than the limit; returns how many."""
        with self.engine.begin() as connection:
            return queries.delete_sessions_idle_since(connection, self.clock() - self.idle)


def secret_key(configured: str, data_dir: Path) -> bytes:
    """The configured key, else a random one kept (readable by its owner only) in ``data_dir``."""
    if configured:
        return configured.encode()
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip().encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key.encode()
