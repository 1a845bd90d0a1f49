"""The web pages and API of the skills register, gaps, costs, benefits and reports, on the
hand-counted fixture force: what each role sees, changes that are validated and audited."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from tests.workforce.force_fixture import NOW

from forcesight.store.engine import open_engine
from forcesight.web import accounts, audit
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig
from forcesight.workforce import queries

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@dataclass
class Site:
    client: TestClient
    engine: Engine
    app: object

    def as_role(self, role: str) -> str:
        """Start a session for ``<role>1`` directly; its CSRF token."""
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == f"{role}1")
        token, principal = self.app.state.web.sessions.start(user, "testclient", "tests")  # type: ignore[attr-defined]
        self.client.cookies.set("forcesight_session", token)
        return str(principal.csrf_token)

    def audited(self, action: str) -> list[audit.AuditEntry]:
        with self.engine.connect() as conn:
            return audit.entries(conn, audit.AuditFilter(action=action))[0]


@pytest.fixture
def site(force_sqlite: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    url = force_sqlite.url.render_as_string(hide_password=False)
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    engine = open_engine(url)
    with engine.begin() as conn:
        for role in ("planner", "supervisor", "analyst"):
            accounts.add_user(conn, f"{role}1", role, "correct horse battery", actor="t", ip="t",
                              now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, engine, app)
    engine.dispose()


def test_skills_page_by_role(site: Site) -> None:
    site.as_role("planner")
    page = site.client.get("/workforce")
    assert page.status_code == 200
    assert "Who holds which skill" in page.text and "abe_interviewing" in page.text
    assert "Add, renew or revoke a skill" in page.text
    site.as_role("supervisor")
    page = site.client.get("/workforce?skill=taser")
    assert page.status_code == 200 and "Add, renew or revoke a skill" not in page.text


def test_a_skill_added_in_the_web_app_is_validated_and_audited(site: Site) -> None:
    csrf = site.as_role("planner")
    form = {"csrf_token": csrf, "operation": "add", "staff_id": "R2", "skill": "first_aid",
            "on": "2026-03-01", "reason": "course"}  # fmt: skip
    response = site.client.post("/workforce/skills", data=form)
    assert response.status_code == 303
    events = queries.load_events(site.engine, "R2")
    assert events.row(0, named=True)["actor"] == "planner1"
    entry = site.audited("skill.add")[0]
    assert entry.actor == "planner1" and entry.ip == "testclient"
    refused = site.client.post("/workforce/skills", data={**form, "staff_id": "NOBODY"})
    assert refused.status_code == 400 and "no such staff member" in refused.text
    api = site.client.post(
        "/api/v1/workforce/skills",
        json={"operation": "revoke", "staff_id": "R3", "skill": "taser", "on": "2026-03-02",
              "reason": "restricted"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert api.status_code == 201 and api.json()["revoked_on"] == "2026-03-02"
    again = site.client.post(
        "/api/v1/workforce/skills",
        json={"operation": "revoke", "staff_id": "R3", "skill": "taser", "on": "2026-03-02",
              "reason": "again"},
        headers={"X-CSRF-Token": csrf},
    )  # fmt: skip
    assert again.status_code == 400 and again.json()["error"] == "skill_refused"
    site.as_role("supervisor")
    forbidden = site.client.post("/workforce/skills", data={**form, "csrf_token": csrf})
    assert forbidden.status_code == 403


def test_gaps_costs_and_benefits_pages(site: Site) -> None:
    csrf = site.as_role("planner")
    gaps = site.client.get("/workforce/gaps")
    assert gaps.status_code == 200 and "domestic_abuse_investigation" in gaps.text
    assert "<svg" in gaps.text
    # Sickness in February 2026, by function: response had R1 off 1-10 Feb (10 days) out of
    # 4 people x 28 days; the rate in the table is the share of those person-days.
    absence = site.client.get("/workforce/absence?by=function&months=2")
    assert absence.status_code == 200 and absence.text.count("<svg") >= 2
    assert any("2026-02-01" in row and "response" in row and f"{10 / 112:.2f}" in row
               for row in absence.text.split("<tr>"))  # fmt: skip
    assert site.client.get("/workforce/absence?months=99").status_code == 422
    costs = site.client.get("/finance/costs")
    assert costs.status_code == 200 and "Hours that are not priced" in costs.text
    data = site.client.get("/api/v1/finance/costs?by=rank").json()
    assert {r["rank"] for r in data["unpriced"]} == {"(no serving staff in function)"}
    added = site.client.post(
        "/finance/benefits",
        data={"csrf_token": csrf, "name": "Desk triage", "function": "investigation",
              "metric": "crimes_allocated_in_time", "baseline_value": "0.5",
              "baseline_on": "2025-09-16", "expected_value": "0.9", "expected_by": "2026-09-16"},
    )  # fmt: skip
    assert added.status_code == 303
    register = site.client.get("/api/v1/finance/benefits").json()["register"]
    assert register[0]["status"] == "on track"
    assert site.audited("investment.add")[0].actor == "planner1"
    site.as_role("supervisor")
    assert site.client.get("/finance/costs").status_code == 403


def test_build_and_open_the_latest_report(site: Site) -> None:
    csrf = site.as_role("analyst")
    missing = site.client.get("/reports/latest")
    assert missing.status_code == 404
    built = site.client.post("/reports", data={"csrf_token": csrf, "fmt": "html"})
    assert built.status_code == 303
    page = site.client.get("/reports")
    assert "Open the latest statement" in page.text
    latest = site.client.get("/reports/latest")
    assert latest.status_code == 303
    report = site.client.get(latest.headers["location"])
    assert report.status_code == 200 and "Force Management Statement" in report.text
    assert "style-src 'unsafe-inline'" in report.headers["content-security-policy"]
    assert site.audited("report.build") and site.audited("report.download")
    listed = site.client.get("/api/v1/reports").json()["reports"]
    assert {r["name"].rsplit(".", 1)[1] for r in listed} == {"html", "xlsx"}
    assert site.client.get("/reports/files/..%2Fsecret_key").status_code == 404
    site.as_role("supervisor")
    assert site.client.post("/reports", data={"csrf_token": csrf, "fmt": "html"}).status_code == 403
