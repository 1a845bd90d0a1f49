"""The clocks pages and API on a seeded store (SQLite and PostgreSQL): the queues render with
real clocks, an event recorded through the form is stored and audited in one transaction, and a
refused event shows the engine's reason and writes nothing."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select
from tracking_helpers import seed

from forcesight.errors import AccountError
from forcesight.store.entities import clock_events, clock_records
from forcesight.tracking.events import open_record, record_event
from forcesight.web import accounts, audit
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig
from forcesight.web.tables import audit_log

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 3, 2, 9, 0)  # GMT: local time equals UTC
USERS = {"C1": "investigator", "S1": "supervisor", "I1": "supervisor", "analyst1": "analyst",
         "planner1": "planner"}  # fmt: skip


@dataclass
class Site:
    client: TestClient
    engine: Engine
    app: Any

    def as_user(self, username: str) -> str:
        """Start a session for ``username`` directly; its CSRF token."""
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == username)
        token, principal = self.app.state.web.sessions.start(user, "testclient", "tests")
        self.client.cookies.set("forcesight_session", token)
        return str(principal.csrf_token)

    def audited(self, action: str) -> list[audit.AuditEntry]:
        with self.engine.connect() as conn:
            return audit.entries(conn, audit.AuditFilter(action=action))[0]

    def counts(self) -> tuple[int, int, int]:
        with self.engine.connect() as conn:
            return (
                conn.scalar(select(func.count()).select_from(clock_records)) or 0,
                conn.scalar(select(func.count()).select_from(clock_events)) or 0,
                conn.scalar(select(func.count()).select_from(audit_log)) or 0,
            )


def _clocks(engine: Engine) -> None:
    """An RUI due a review, an overdue investigation review, a forensic queue, a missing
    child and a bail that was met in the past (for compliance)."""
    open_record(engine, kind="rui", ref="R1", crime_id=1, owner_id="C1", team_id="T1",
                started_at=NOW - timedelta(days=27), now=NOW)  # fmt: skip
    open_record(engine, kind="investigation", ref="INV1", crime_id=2, owner_id="S1",
                team_id="T2", started_at=NOW - timedelta(days=20), now=NOW)  # fmt: skip
    for i, devices in enumerate([3, 5], start=1):
        open_record(engine, kind="forensic_submission", ref=f"F{i}", crime_id=3,
                    devices=devices, team_id="T1",
                    started_at=NOW - timedelta(days=40 - i), now=NOW)  # fmt: skip
    open_record(engine, kind="missing_episode", ref="M1", person_id="P1", risk_level="high",
                is_child=True, team_id="T2", started_at=NOW - timedelta(hours=30),
                now=NOW)  # fmt: skip
    open_record(engine, kind="bail", ref="B1", crime_id=4, owner_id="C1", team_id="T1",
                started_at=datetime(2025, 11, 3, 10), now=NOW)  # fmt: skip
    record_event(engine, ref="B1", event="charged", occurred_at=datetime(2025, 11, 20, 10),
                 now=datetime(2025, 11, 20, 11), actor_id="C1")  # fmt: skip


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    seed(engine)
    _clocks(engine)
    url = engine.url.render_as_string(hide_password=False)
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    with engine.begin() as conn:
        for name, role in USERS.items():
            accounts.add_user(conn, name, role, "correct horse battery", actor="t", ip="t",
                              now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, engine, app)


def test_queue_pages_render_the_clocks(site: Site) -> None:
    site.as_user("analyst1")
    page = site.client.get("/clocks")
    assert page.status_code == 200, page.text
    assert "INV1" in page.text and "M1" in page.text  # overdue review, high-risk child
    assert '<label for="f-kind">Kind</label>' in page.text
    only = site.client.get("/clocks", params={"kind": "investigation", "team": "", "at": ""})
    assert "INV1" in only.text and "/clocks/records/M1" not in only.text
    team = site.client.get("/clocks", params={"team": "T1"})
    assert "/clocks/records/INV1" not in team.text
    # Evaluated a month earlier, nothing had started: no clock due.
    before = site.client.get("/clocks", params={"at": "2026-01-01T09:00"})
    assert "No clock is due soon or overdue." in before.text
    forensics = site.client.get("/clocks/forensics")
    assert forensics.status_code == 200 and "F1" in forensics.text and "F2" in forensics.text
    compliance = site.client.get("/clocks/compliance")
    assert compliance.status_code == 200 and "<svg" in compliance.text
    assert "<td>2026-02</td><td>bail</td><td>bail_limit</td>" in compliance.text


def test_api_routes_answer_with_the_clocks(site: Site) -> None:
    site.as_user("S1")
    due = site.client.get("/api/v1/clocks/due").json()
    assert {r["ref"] for r in due["rows"]} >= {"INV1", "M1"}
    overdue = site.client.get("/api/v1/clocks/due", params={"overdue": True}).json()
    assert all(r["status"] == "overdue" for r in overdue["rows"]) and overdue["rows"]
    later = site.client.get("/api/v1/clocks/due", params={"at": "2026-06-01T09:00"}).json()
    assert later["at"].startswith("2026-06-01")
    by_sup = site.client.get("/api/v1/clocks/overdue-by-supervisor").json()
    assert any(r["owner_id"] == "S1" for r in by_sup["rows"])
    queue = site.client.get("/api/v1/clocks/forensics").json()
    assert [r["ref"] for r in queue["rows"]] == ["F1", "F2"]
    rates = site.client.get("/api/v1/clocks/compliance").json()
    assert rates["rows"]
    record = site.client.get("/api/v1/clocks/records/R1").json()
    assert record["record"]["kind"] == "rui" and record["clocks"]
    missing = site.client.get("/api/v1/clocks/records/NOPE")
    assert missing.status_code == 400 and missing.json()["error"] == "unknown_clock_subject"


def test_recording_an_event_through_the_form_is_stored_and_audited(site: Site) -> None:
    csrf = site.as_user("S1")
    page = site.client.get("/clocks/records/R1")
    assert page.status_code == 200 and "Record the event" in page.text
    records, events, _ = site.counts()
    answer = site.client.post(
        "/clocks/records/R1",
        data={
            "csrf_token": csrf,
            "kind": "rui",
            "event": "rui_review",
            "occurred_at": "2026-03-02T08:30",
            "reason": "",
        },
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("/clocks/records/R1?kind=rui")
    assert site.counts()[:2] == (records, events + 1)
    shown = site.client.get(answer.headers["location"])
    assert "rui_review recorded" in shown.text and "sergeant" in shown.text.lower()
    entries = site.audited("clock.record")
    assert len(entries) == 1
    assert entries[0].actor == "S1" and entries[0].target == "rui:R1"
    assert "rui_review" in str(entries[0].detail)


def test_a_refused_event_shows_the_reason_and_writes_nothing(site: Site) -> None:
    csrf = site.as_user("C1")  # a PC: an RUI review needs a sergeant
    before = site.counts()
    answer = site.client.post(
        "/clocks/records/R1",
        data={
            "csrf_token": csrf,
            "kind": "rui",
            "event": "rui_review",
            "occurred_at": "2026-03-02T08:30",
        },
    )
    assert answer.status_code == 400
    assert "Refused, nothing was recorded" in answer.text
    assert "must be recorded by a sergeant or above" in answer.text
    assert site.counts() == before
    assert site.audited("clock.record") == []
    # Back-dated without a reason, through the API: refused with the reason, nothing written.
    csrf = site.as_user("I1")
    api = site.client.post(
        "/api/v1/clocks/records/R1/events",
        json={"event": "rui_review", "occurred_at": "2026-02-20T09:00:00"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 400 and "needs a reason" in api.json()["detail"]
    assert site.counts()[:2] == before[:2]
    assert site.audited("clock.record") == []


def test_api_records_an_event_with_a_reason_when_back_dated(site: Site) -> None:
    csrf = site.as_user("I1")
    answer = site.client.post(
        "/api/v1/clocks/records/R1/events",
        json={
            "event": "rui_review",
            "occurred_at": "2026-02-28T09:00:00",
            "reason": "review on paper during the outage",
        },
        headers={"X-CSRF-Token": csrf},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["backdated"] is True and body["kind"] == "rui"
    entries = site.audited("clock.record")
    assert len(entries) == 1 and entries[0].actor == "I1"


def test_roles_that_may_not_record_see_no_form(site: Site) -> None:
    site.as_user("analyst1")
    page = site.client.get("/clocks/records/R1")
    assert page.status_code == 200 and "Record the event" not in page.text
    site.as_user("planner1")
    assert site.client.get("/clocks").status_code == 403


def test_a_linked_account_sees_its_own_and_its_team_s_clocks(site: Site) -> None:
    with site.engine.begin() as conn:
        linked = accounts.link_staff(conn, "C1", "C1", actor="admin1", ip="t", now=NOW)
    assert linked.staff_id == "C1"
    with pytest.raises(AccountError, match="No staff record 'NOBODY'"), site.engine.begin() as conn:
        accounts.link_staff(conn, "S1", "NOBODY", actor="admin1", ip="t", now=NOW)
    assert [e.target for e in site.audited("user.link_staff")] == ["user:C1"]
    site.as_user("C1")
    everyone = site.client.get("/clocks")
    assert 'id="f-whose"' in everyone.text and {"R1", "INV1", "M1"} <= _due(everyone.text)
    mine = site.client.get("/clocks", params={"whose": "mine"})
    assert mine.status_code == 200
    assert _due(mine.text) >= {"R1"} and "INV1" not in _due(mine.text)  # INV1 is S1's
    team = site.client.get("/clocks", params={"whose": "my_team"})  # C1 is in T1
    assert "R1" in _due(team.text) and not {"INV1", "M1"} & _due(team.text)  # both T2's
    site.as_user("analyst1")  # not linked: no choice offered, and told why
    page = site.client.get("/clocks", params={"whose": "mine"})
    assert 'id="f-whose"' not in page.text and "link-staff" in page.text
    assert {"R1", "INV1", "M1"} <= _due(page.text)  # the whole force, as before


def _due(html: str) -> set[str]:
    """The references in the page's "Due soon and overdue" table."""
    table = html.split('id="due-heading"', 1)[1].split("</section>", 1)[0]
    return set(re.findall(r">([A-Z]+[0-9]+)</a>", table))
