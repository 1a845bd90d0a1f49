"""What the web tests share besides fixtures: the movable clock and the app handle."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import Engine

from forcesight.web import accounts
from forcesight.web.roles import load_roles

with warnings.catch_warnings():
    # Starlette 1.x prefers httpx2 for its TestClient; httpx (installed) works the same.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
STREET = ROOT / "data" / "police_uk" / "street"
ROLES = load_roles().role_names
PASSWORD = "correct horse battery"
START = datetime(2026, 3, 2, 9, 0, 0)


class MovableClock:
    """The app's clock: starts at START and moves only when a test says so."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class WebApp:
    app: FastAPI
    client: TestClient
    engine: Engine
    clock: MovableClock
    url: str

    def add_user(self, username: str, role: str, password: str = PASSWORD) -> None:
        with self.engine.begin() as connection:
            accounts.add_user(
                connection, username, role, password, actor="test", ip="test", now=self.clock()
            )

    def sign_in(self, username: str, password: str = PASSWORD) -> str:
        """Sign in through the API; returns the session's CSRF token."""
        response = self.client.post(
            "/api/v1/session", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["csrf_token"])

    def sign_out(self) -> None:
        self.client.cookies.clear()


SAMPLES = ROOT / "tests" / "data" / "police_uk"
DAMAGED = SAMPLES / "2024-01-northamptonshire-street-damaged.csv"


def upload(
    web: WebApp,
    csrf: str,
    path: Path,
    source: str = "police-uk",
    *,
    content: bytes | None = None,
    mapping: tuple[str, bytes] | None = None,
) -> dict[str, object]:
    """Upload ``path`` through the API and wait for its import job to finish; the job."""
    import time

    files = {"data": (path.name, path.read_bytes() if content is None else content, "text/csv")}
    if mapping is not None:
        files["mapping"] = (mapping[0], mapping[1], "application/yaml")
    response = web.client.post(
        "/api/v1/imports", data={"source": source}, files=files, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["id"]
    for _ in range(600):
        job = web.client.get(f"/api/v1/imports/jobs/{job_id}").json()
        if job["status"] in ("completed", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError(f"import job {job_id} did not finish")
