"""Accounts: adding, listing, disabling users; argon2 passwords; sign-in with lockout.

Sign-in throttling is computed from the append-only ``login_attempts`` table, the same way for
usernames that exist and those that do not, so the answers never reveal which accounts exist:
- a username is locked for ``login_lockout_minutes`` once ``login_max_failures`` failures follow
  its last success (or its last lock);
- an address (IP) is throttled for the same time after ``4 x login_max_failures`` failures within
  ``login_lockout_minutes``, whatever usernames it tried.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine

from forcesight.errors import (
    AccountError,
    BadUsernameError,
    LoginRefusedError,
    UnknownUserError,
    UserExistsError,
    WeakPasswordError,
)
from forcesight.web import audit, queries
from forcesight.web.roles import RolesPolicy, load_roles

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,79}$")
MIN_PASSWORD_LENGTH = 10
FAILURES = ("bad_password", "unknown_user", "disabled")
IP_FAILURE_FACTOR = 4

# argon2id with the library's defaults (RFC 9106 "low memory" profile: 64 MiB, 3 passes).
# Tests swap in cheaper parameters; a hash made with other parameters is upgraded at sign-in.
PASSWORD_HASHER = PasswordHasher()


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when the username is unknown, so a wrong username costs as much time
    as a wrong password and timing does not reveal which accounts exist."""
    return hasher.hash("forcesight-no-such-user")


@dataclass(frozen=True)
class User:
    """An account as shown to people and the API (never the password hash)."""

    username: str
    role: str
    enabled: bool
    created_at: datetime
    created_by: str
    last_login_at: datetime | None
    staff_id: str | None = None


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lockout_minutes: int


def _public(row: queries.UserRow) -> User:
    return User(
        username=row.username,
        role=row.role,
        enabled=row.enabled,
        created_at=row.created_at,
        created_by=row.created_by,
        last_login_at=row.last_login_at,
        staff_id=row.staff_id,
    )


def check_password(password: str, username: str) -> str:
    """The password if it is acceptable, else WeakPasswordError saying why."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"it must have at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise WeakPasswordError("it must not start or end with spaces")
    if username.lower() in password.lower():
        raise WeakPasswordError("it must not contain the username")
    return password


def hash_password(password: str) -> str:
    return PASSWORD_HASHER.hash(password)


def add_user(
    connection: Connection,
    username: str,
    role: str,
    password: str,
    *,
    actor: str,
    ip: str,
    now: datetime,
    roles: RolesPolicy | None = None,
) -> User:
    """Create an account; audited. Raises for a bad name, unknown role, weak password, clash."""
    if not USERNAME.match(username):
        raise BadUsernameError(username)
    (roles or load_roles()).check_role(role)
    check_password(password, username)
    if queries.user_by_name(connection, username) is not None:
        raise UserExistsError(username)
    queries.insert_user(connection, username, role, hash_password(password), actor, now)
    audit.record(connection, actor, "user.add", f"user:{username}", {"role": role}, ip, at=now)
    row = queries.user_by_name(connection, username)
    assert row is not None
    return _public(row)


def list_users(connection: Connection) -> list[User]:
    return [_public(r) for r in queries.all_users(connection)]


def link_staff(
    connection: Connection,
    username: str,
    staff_id: str | None,
    *,
    actor: str,
    ip: str,
    now: datetime,
) -> User:
    """Link an account to the staff record of the person who uses it (``None`` unlinks), so
    the clocks pages can show "my clocks" and "my team's"; audited. The staff id must exist."""
    from sqlalchemy import select

    from forcesight.store.entities import staff

    row = queries.user_by_name(connection, username)
    if row is None:
        raise UnknownUserError(username)
    if staff_id is not None:
        found = connection.execute(select(staff.c.id).where(staff.c.id == staff_id)).first()
        if found is None:
            raise AccountError(
                f"No staff record {staff_id!r}: import the workforce file first, or check the id."
            )
    queries.set_user_staff(connection, row.id, staff_id)
    audit.record(connection, actor, "user.link_staff", f"user:{username}",
                 {"staff_id": staff_id}, ip, at=now)  # fmt: skip
    updated = queries.user_by_name(connection, username)
    assert updated is not None
    return _public(updated)


def set_enabled(
    connection: Connection, username: str, enabled: bool, *, actor: str, ip: str, now: datetime
) -> User:
    """Disable (ending every session of the account) or enable an account; audited."""
    row = queries.user_by_name(connection, username)
    if row is None:
        raise UnknownUserError(username)
    if not enabled and username == actor:
        raise AccountError("You cannot disable your own account; ask another administrator.")
    queries.set_user_enabled(connection, row.id, enabled)
    if not enabled:
        queries.delete_sessions_of_user(connection, row.id)
    action = "user.enable" if enabled else "user.disable"
    audit.record(connection, actor, action, f"user:{username}", None, ip, at=now)
    updated = queries.user_by_name(connection, username)
    assert updated is not None
    return _public(updated)


def _refuse(
    connection: Connection,
    username: str,
    ip: str,
    now: datetime,
    outcome: str,
    message: str,
    wait: timedelta,
) -> LoginRefusedError:
    queries.insert_login_attempt(connection, username, ip, now, outcome)
    return LoginRefusedError(message, retry_after_seconds=max(1, int(wait.total_seconds())))


def _gate(
    connection: Connection, username: str, ip: str, now: datetime, policy: LoginPolicy
) -> LoginRefusedError | None:
    """The refusal if this address is throttled or this username locked, else None."""
    window = timedelta(minutes=policy.lockout_minutes)
    ip_failures = queries.count_attempts(connection, FAILURES, now - window, ip=ip)
    if ip_failures >= policy.max_failures * IP_FAILURE_FACTOR:
        first = queries.earliest_attempt_at(connection, FAILURES, now - window, ip)
        wait = (first + window - now) if first else window
        audit.record(connection, username, "login.throttled", f"ip:{ip}", None, ip, at=now)
        return _refuse(
            connection,
            username,
            ip,
            now,
            "throttled",
            f"Too many failed sign-ins from this address. Try again in {_minutes(wait)} minute(s).",
            wait,
        )
    locked_at = queries.latest_attempt_at(connection, username, ["lockout"])
    if locked_at is not None and locked_at > now - window:
        wait = locked_at + window - now
        return _refuse(
            connection,
            username,
            ip,
            now,
            "locked",
            f"Too many failed sign-ins for this account: it is locked for {_minutes(wait)} "
            "more minute(s).",
            wait,
        )
    return None


def authenticate(
    engine: Engine, username: str, password: str, *, ip: str, now: datetime, policy: LoginPolicy
) -> User:
    """The account if ``password`` is right and sign-in is allowed; else LoginRefusedError.

    Every attempt is recorded (the refusal is committed before it is raised); failed sign-ins,
    locks and throttling are audited.
    """
    username = username.strip()[:80]
    with engine.begin() as connection:
        refusal = _gate(connection, username, ip, now, policy)
        row = queries.user_by_name(connection, username)
    if refusal is not None:
        raise refusal

    # Verification is slow on purpose (argon2): keep it outside any transaction.
    ok = _verify(row.password_hash if row else _dummy_hash(PASSWORD_HASHER), password) and (
        row is not None
    )

    with engine.begin() as connection:
        if ok and row is not None and row.enabled:
            queries.insert_login_attempt(connection, username, ip, now, "success")
            queries.set_last_login(connection, row.id, now)
            if PASSWORD_HASHER.check_needs_rehash(row.password_hash):
                queries.set_user_password(connection, row.id, hash_password(password), now)
            return _public(row)
        outcome = "unknown_user" if row is None else ("disabled" if ok else "bad_password")
        queries.insert_login_attempt(connection, username, ip, now, outcome)
        audit.record(connection, username, "login.failed", f"user:{username}", outcome, ip, at=now)
        last_reset = queries.latest_attempt_at(connection, username, ["success", "lockout"])
        failures = queries.count_attempts(
            connection, FAILURES, last_reset or datetime.min, username=username
        )
        if failures >= policy.max_failures:
            queries.insert_login_attempt(connection, username, ip, now, "lockout")
            audit.record(connection, username, "login.locked", f"user:{username}", None, ip, at=now)
    if outcome == "disabled":
        raise LoginRefusedError("This account is disabled. Ask an administrator to enable it.")
    raise LoginRefusedError("Wrong username or password.")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _minutes(delta: timedelta) -> int:
    return max(1, -(-int(delta.total_seconds()) // 60))


def demo_password(seed: int, role: str) -> str:
    """A password for the demo account of ``role``, the same for the same seed."""
    digest = hmac.new(f"forcesight-demo-{seed}".encode(), role.encode(), hashlib.sha256)
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    value = int.from_bytes(digest.digest(), "big")
    chars = []
    for _ in range(16):
        value, index = divmod(value, len(alphabet))
        chars.append(alphabet[index])
    word = "".join(chars)
    return f"{word[:4]}-{word[4:8]}-{word[8:12]}-{word[12:]}"


def ensure_demo_users(
    engine: Engine, seed: int, now: datetime | None = None
) -> list[tuple[str, str, str]]:
    """One enabled account per role, ``demo-<role>``, with a password derived from ``seed``.

    Existing demo accounts get their password reset to the seed's, so the printed logins work.
    Returns (role, username, password) per role.
    """
    from forcesight.web.clock import utc_now

    at = now or utc_now()
    roles = load_roles()
    logins: list[tuple[str, str, str]] = []
    with engine.begin() as connection:
        for role in roles.role_names:
            username = f"demo-{role}"
            password = demo_password(seed, role)
            row = queries.user_by_name(connection, username)
            if row is None:
                add_user(
                    connection,
                    username,
                    role,
                    password,
                    actor="demo",
                    ip="local",
                    now=at,
                    roles=roles,
                )
            else:
                queries.set_user_password(connection, row.id, hash_password(password), at)
                queries.set_user_enabled(connection, row.id, True)
                audit.record(
                    connection, "demo", "user.reset", f"user:{username}", None, "local", at=at
                )
            logins.append((role, username, password))
    return logins
