"""The allocation pages and API on a small force (SQLite and PostgreSQL): the queue and
backlog, proposals with reasons, accept and override (CSRF, audited, reason required, a
second decision refused with a clear message) and investigator workload."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, select

from forcesight.store.entities import crime_allocations, crimes
from forcesight.web import accounts, audit
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2024, 3, 1, 12, 0)  # UTC; London is on GMT that day
SOLVABLE = {"sf_named_suspect": True, "sf_cctv": True, "sf_witness": True}


@dataclass
class Site:
    client: TestClient
    engine: Engine
    app: Any

    def as_role(self, role: str) -> str:
        """Start a session for ``<role>1`` directly; its CSRF token."""
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == f"{role}1")
        token, principal = self.app.state.web.sessions.start(user, "testclient", "tests")
        self.client.cookies.set("forcesight_session", token)
        return str(principal.csrf_token)

    def audited(self, action: str) -> list[audit.AuditEntry]:
        with self.engine.connect() as conn:
            return audit.entries(conn, audit.AuditFilter(action=action))[0]

    def proposal_ids(self) -> dict[str, int]:
        proposals = self.client.get("/api/v1/allocation/proposals").json()["proposals"]
        return {p["crime_ref"]: p["id"] for p in proposals}


@pytest.fixture
def site(
    small_force: Callable[..., Engine], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    engine = small_force(
        ("CR-RAPE", "19C", {"victim_id": "V1", **SOLVABLE}),
        ("CR-DESK", "46", SOLVABLE),
        ("CR-SHOP", "46", {}),
        ("CR-TEAM", "ZZ1", SOLVABLE),
        ("CR-SLAVE", "106", SOLVABLE),
    )
    url = engine.url.render_as_string(hide_password=False)
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    with engine.begin() as conn:
        for role in ("supervisor", "investigator", "analyst", "planner"):
            accounts.add_user(conn, f"{role}1", role, "correct horse battery", actor="t",
                              ip="t", now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, engine, app)


def test_pages_show_the_queue_proposals_with_reasons_and_workload(site: Site) -> None:
    csrf = site.as_role("supervisor")
    page = site.client.get("/allocation")
    assert page.status_code == 200
    assert "Queue (5 crimes" in page.text
    for ref in ("CR-RAPE", "CR-DESK", "CR-SHOP", "CR-TEAM", "CR-SLAVE"):
        assert ref in page.text
    assert "<svg" in page.text and "Propose allocations" in page.text
    assert "No proposals yet" in site.client.get("/allocation/proposals").text

    made = site.client.post("/allocation/proposals", data={"csrf_token": csrf})
    assert made.status_code == 303
    shown = site.client.get(made.headers["location"])
    assert "proposed" in shown.text
    assert "CR-RAPE: allocation to DC3 (PPU)" in shown.text
    assert (
        "skills gap: no PIP2+ investigator holds modern_slavery_investigation valid on 2024-03-01"
        in shown.text
    )
    assert "Accept CR-RAPE" in shown.text and "Accept CR-SLAVE" not in shown.text
    assert 'for="o' in shown.text  # override fields are labelled
    assert [e.target for e in site.audited("allocation.propose")] == ["proposal_batch:1"]

    workload = site.client.get("/allocation/workload")
    assert workload.status_code == 200
    assert all(s in workload.text for s in ("DC1", "DC3", "CM1")) and "<svg" in workload.text

    site.as_role("investigator")
    seen = site.client.get("/allocation/proposals")
    assert seen.status_code == 200 and "CR-RAPE" in seen.text
    assert "Accept CR-RAPE" not in seen.text and "Propose a new batch" not in seen.text
    site.as_role("planner")
    assert site.client.get("/allocation").status_code == 403


def test_accept_is_audited_and_a_second_accept_is_refused_clearly(site: Site) -> None:
    csrf = site.as_role("supervisor")
    site.client.post("/allocation/proposals", data={"csrf_token": csrf})
    ids = site.proposal_ids()
    no_token = site.client.post(f"/allocation/proposals/{ids['CR-RAPE']}/accept")
    assert no_token.status_code == 403

    done = site.client.post(
        f"/allocation/proposals/{ids['CR-RAPE']}/accept", data={"csrf_token": csrf}
    )
    assert done.status_code == 303
    assert "CR-RAPE: accepted to DC3" in site.client.get(done.headers["location"]).text
    with site.engine.connect() as conn:
        row = conn.execute(
            select(crimes.c.status, crimes.c.allocated_to).where(crimes.c.crime_ref == "CR-RAPE")
        ).one()
    assert tuple(row) == ("allocated", "DC3")
    entries = site.audited("allocation.accepted")
    assert [(e.actor, e.target) for e in entries] == [("supervisor1", "crime:CR-RAPE")]
    assert "DC3" in str(entries[0].detail)

    again = site.client.post(
        f"/allocation/proposals/{ids['CR-RAPE']}/accept", data={"csrf_token": csrf}
    )
    assert again.status_code == 409
    assert "is no longer waiting" in again.text and "Nothing was changed" in again.text
    assert len(site.audited("allocation.accepted")) == 1

    api = site.client.post(
        f"/api/v1/allocation/proposals/{ids['CR-RAPE']}/accept", headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == 409 and api.json()["error"] == "already_decided"


def test_override_needs_a_reason_and_records_the_breaches(site: Site) -> None:
    csrf = site.as_role("supervisor")
    site.client.post("/allocation/proposals", data={"csrf_token": csrf})
    ids = site.proposal_ids()
    url = f"/allocation/proposals/{ids['CR-RAPE']}/override"

    refused = site.client.post(url, data={"csrf_token": csrf, "staff_id": "DC2", "reason": " "})
    assert refused.status_code == 400 and "needs a stated reason" in refused.text
    api = site.client.post(
        f"/api/v1/allocation/proposals/{ids['CR-RAPE']}/override",
        json={"staff_id": "DC2", "reason": ""},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 400 and api.json()["error"] == "override_reason_required"
    with site.engine.connect() as conn:
        assert conn.execute(select(crime_allocations)).first() is None
    assert site.audited("allocation.overridden") == []

    done = site.client.post(
        url, data={"csrf_token": csrf, "staff_id": "DC2", "reason": "DC3 is at court all week"}
    )
    assert done.status_code == 303
    message = site.client.get(done.headers["location"]).text
    assert (
        "CR-RAPE: overridden to DC2 "
        "(breaks accreditation:PIP2, skill:sexual_offences_investigation)" in message
    )
    with site.engine.connect() as conn:
        allocation = conn.execute(select(crime_allocations)).one()
    assert allocation.kind == "override" and allocation.staff_id == "DC2"
    assert allocation.breaches == ["accreditation:PIP2", "skill:sexual_offences_investigation"]
    [entry] = site.audited("allocation.overridden")
    assert entry.target == "crime:CR-RAPE" and "DC3 is at court all week" in str(entry.detail)


def test_api_routes(site: Site) -> None:
    csrf = site.as_role("supervisor")
    queue = site.client.get("/api/v1/allocation/queue").json()
    assert queue["crimes"] == 5
    assert {r["crime_ref"] for r in queue["queue"]} >= {"CR-RAPE", "CR-SLAVE"}
    made = site.client.post("/api/v1/allocation/proposals", headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    assert made.json()["summary"]["screened_out"] == 1
    listed = site.client.get("/api/v1/allocation/proposals").json()
    assert listed["batch_id"] == made.json()["batch_id"] and len(listed["proposals"]) == 5
    desk = next(p for p in listed["proposals"] if p["crime_ref"] == "CR-DESK")
    accepted = site.client.post(
        f"/api/v1/allocation/proposals/{desk['id']}/accept",
        json={"reason": "agreed"},
        headers={"X-CSRF-Token": csrf},
    )
    assert accepted.status_code == 200
    assert accepted.json() | {"allocation_id": 0} == {
        "proposal_id": desk["id"], "crime_ref": "CR-DESK", "outcome": "accepted",
        "staff_id": "CM1", "allocation_id": 0, "breaches": [],
    }  # fmt: skip
    backlog = site.client.get("/api/v1/allocation/backlog").json()
    assert backlog["unallocated"] == 4
    workload = site.client.get("/api/v1/allocation/workload").json()
    cm1 = next(w for w in workload["workload"] if w["staff_id"] == "CM1")
    assert cm1["open_cases"] == 1
    missing = site.client.post(
        "/api/v1/allocation/proposals/9999/accept", headers={"X-CSRF-Token": csrf}
    )
    assert missing.status_code == 404 and missing.json()["error"] == "unknown_record"
    site.as_role("investigator")
    assert site.client.get("/api/v1/allocation/workload").status_code == 200
    refused = site.client.post("/api/v1/allocation/proposals", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
