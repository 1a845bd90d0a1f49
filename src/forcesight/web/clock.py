"""Time for the web layer: injected, so tests can move it (session expiry, lockout)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current time in UTC as a naive datetime, the way the web tables store it."""
    return datetime.now(UTC).replace(tzinfo=None)
