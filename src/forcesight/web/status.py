"""The store's holdings for Home and ``/api/v1/status``, cached.

``forcesight.ingest.status.store_status`` counts every table (a full scan of the largest), which
is too slow to repeat for every page view by every user. The result is recomputed at once when
an import run is added or finishes (checked with one small query per request), and in the
background once it is older than ``MAX_AGE_SECONDS``, so that writes other than imports (the
demo force, allocations) show within about that time. Only one computation runs at a time;
requests meanwhile get the previous figures, or wait for the first ones.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import Engine, func, select

from forcesight.store.runs import import_runs

MAX_AGE_SECONDS = 30.0
RUNS_SHOWN = 10


def runs_fingerprint(engine: Engine) -> tuple[Any, ...]:
    """Changes whenever an import run is added or finishes."""
    with engine.connect() as connection:
        row = connection.execute(
            select(func.count(), func.max(import_runs.c.id), func.max(import_runs.c.finished_at))
        ).one()
    return tuple(row)


def compute_status(engine: Engine) -> dict[str, Any]:
    """What the store holds and its last import runs, without the store's address."""
    from forcesight.ingest.status import store_status

    status: dict[str, Any] = store_status(engine, runs=RUNS_SHOWN)
    status.pop("database", None)  # the server's file path or host is not for users
    return status


class StatusCache:
    """The last store status: recomputed when the import runs change, refreshed when old."""

    def __init__(self, max_age_seconds: float = MAX_AGE_SECONDS) -> None:
        self.max_age = max_age_seconds
        self._compute = threading.Lock()  # one computation at a time
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._at = 0.0
        self._status: dict[str, Any] | None = None
        self._refreshing = False

    def status(self, engine: Engine) -> dict[str, Any]:
        key = runs_fingerprint(engine)
        with self._lock:
            current, same = self._status, key == self._key
            stale = time.monotonic() - self._at >= self.max_age
            start_refresh = current is not None and same and stale and not self._refreshing
            if start_refresh:
                self._refreshing = True
        if current is not None and same:
            if start_refresh:
                threading.Thread(target=self._refresh, args=(engine, key), daemon=True).start()
            return current
        with self._compute:
            with self._lock:
                if self._status is not None and self._key == key:
                    return self._status  # another request computed it meanwhile
            return self._store(key, compute_status(engine))

    def _refresh(self, engine: Engine, key: tuple[Any, ...]) -> None:
        try:
            with self._compute:
                self._store(key, compute_status(engine))
        finally:
            with self._lock:
                self._refreshing = False

    def _store(self, key: tuple[Any, ...], status: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self._key, self._at, self._status = key, time.monotonic(), status
        return status

    def warm(self, engine: Engine) -> None:
        """Compute the first figures before anyone asks (at start-up, in the background)."""
        self.status(engine)
