"""Helpers for the rostering web tests: a seeded store behind the app, signed in by role."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import Engine

from forcesight.rostering import queries
from forcesight.rostering.design import Design, FunctionDesign
from forcesight.rostering.roster import instantiate, roster_to_dict
from forcesight.rostering.rules import REST
from forcesight.rostering.shifts import Shift
from forcesight.store.engine import open_engine
from forcesight.web import accounts
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 1, 20, 9, 0)
EARLY = Shift.parse("07:00-17:00")


def pattern(name: str, line: tuple[int, ...], team: int) -> Design:
    """Neighbourhood needs 2 officers 08:00-18:00 every day; one team works ``line``."""
    return Design(
        name=name,
        start_date=date(2026, 3, 2),
        published_on=date(2026, 1, 20),
        functions=(
            FunctionDesign(
                function="neighbourhood", area="south", skills=(), cycle_weeks=1,
                team_sizes=(team,), spare_officers=0, shifts=(EARLY,), pattern=(line,),
                required=tuple(2 if 8 <= h % 24 < 18 else 0 for h in range(168)),
            ),
        ),
    )  # fmt: skip


def seed(engine: Engine, design: Design, weeks: int) -> None:
    """Store pattern and roster the way `forcesight roster design --save NAME` does."""
    roster = instantiate(design, design.start_date, weeks)
    queries.save_named(engine, queries.KIND_PATTERN, design.name, design.to_dict(), NOW)
    queries.save_named(engine, queries.KIND_ROSTER, design.name, roster_to_dict(roster), NOW)


@dataclass
class Site:
    client: TestClient
    engine: Engine
    app: FastAPI

    def as_role(self, role: str) -> str:
        """Sign in as ``<role>1``; returns the session's CSRF token."""
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == f"{role}1")
        token, principal = self.app.state.web.sessions.start(user, "testclient", "tests")
        self.client.cookies.set("forcesight_session", token)
        return str(principal.csrf_token)


def site_fixture(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(store_url, config=config, clock=lambda: NOW)
    engine = open_engine(store_url)
    # "days": four 07:00-17:00 days then three rest days; no breach, short Fri-Sun.
    seed(engine, pattern("days", (0, 0, 0, 0, REST, REST, REST), 3), 2)
    # "grind": every day on, no rest day: breaches the weekly rest-day rule.
    seed(engine, pattern("grind", (0,) * 7, 2), 2)
    with engine.begin() as conn:
        for role in ("planner", "supervisor", "analyst", "investigator"):
            accounts.add_user(conn, f"{role}1", role, "correct horse battery", actor="t", ip="t",
                              now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, engine, app)
    engine.dispose()
