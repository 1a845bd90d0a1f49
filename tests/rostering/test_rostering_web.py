"""The rostering pages and API on a seeded store (both backends): the stored list, the officer x
day grid, cover against demand as SVG, rule breaches, and unknown names."""

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

    def as_role(self, role: str) -> None:
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == f"{role}1")
        token, _ = self.app.state.web.sessions.start(user, "testclient", "tests")
        self.client.cookies.set("forcesight_session", token)


@pytest.fixture
def site(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
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


def test_the_list_names_every_stored_pattern_and_roster(site: Site) -> None:
    site.as_role("supervisor")
    page = site.client.get("/rosters")
    assert page.status_code == 200
    assert 'href="/rosters/days"' in page.text and 'href="/rosters/grind"' in page.text
    api = site.client.get("/api/v1/rosters").json()
    assert {r["name"]: (r["pattern"], r["roster"], r["spec"]) for r in api["stored"]} == {
        "days": (True, True, False),
        "grind": (True, True, False),
    }


def test_a_roster_page_shows_grid_cover_chart_and_no_breach(site: Site) -> None:
    site.as_role("analyst")
    page = site.client.get("/rosters/days")
    assert page.status_code == 200
    text = page.text
    assert "<svg" in text and "Cover against demand: days" in text
    assert "No rule is breached." in text
    # 3 officers x 14 days: 8 shift days each (Mon-Thu twice), the rest blank
    assert text.count('<td class="nowrap">07:00-17:00</td>') == 3 * 8
    assert text.count('<td class="nowrap">RD</td>') == 3 * 6
    # Fri-Sun 08:00-18:00 (2 short) and Mon-Thu 17:00-18:00 (2 short) are below cover
    assert "34 function-hours a week below required cover (68.0 officer-hours)" in text
    assert "Sat 08:00" in text


def test_breaches_are_listed_on_the_page_and_in_the_api(site: Site) -> None:
    site.as_role("planner")
    page = site.client.get("/rosters/grind")
    assert page.status_code == 200 and "breaches of the rostering rules" in page.text
    body = site.client.get("/api/v1/rosters/grind").json()
    breaches = body["roster"]["breaches"]
    assert breaches and {b["officer"] for b in breaches} == {
        r["officer"] for r in body["roster"]["grid"]
    }
    assert len(body["roster"]["grid"]) == 2 and body["roster"]["days"] == 14
    assert len(body["pattern"]["cover"]) == 168
    days = site.client.get("/api/v1/rosters/days").json()
    assert days["roster"]["breaches"] == []
    assert days["pattern"]["functions"][0]["shortfall_officer_hours"] == pytest.approx(
        3 * 10 * 2 + 4 * 1 * 2
    )


def test_unknown_names_and_refused_roles(site: Site) -> None:
    site.as_role("planner")
    missing = site.client.get("/api/v1/rosters/nights")
    assert missing.status_code == 404
    assert "No stored pattern or roster named 'nights'" in missing.json()["detail"]
    assert site.client.get("/rosters/nights").status_code == 404
    site.as_role("investigator")
    assert site.client.get("/rosters").status_code == 403
    assert site.client.get("/api/v1/rosters/days").status_code == 403
