"""The response pages and API on SQLite and PostgreSQL: the Erlang staffing table for a
synthetic incident log, bounded runs of example and stored scenarios, comparison."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert
from tests.response.response_testkit import insert_synthetic_log, scenario_dict

from forcesight.response import catalogue
from forcesight.store.engine import open_engine
from forcesight.store.entities import scenarios
from forcesight.web import accounts, audit
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2026, 3, 1, 12, 0)


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


@pytest.fixture
def site(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    insert_synthetic_log(engine, tmp_path / "log.yaml", damaged=False, days=7)
    with engine.begin() as conn:
        for name, units in (("three a side", 3), ("four a side", 4)):
            roster = {"constant": [{"area": "north", "units": units},
                                   {"area": "south", "units": units}]}  # fmt: skip
            body = yaml.safe_dump(scenario_dict(name=name, roster=roster))
            conn.execute(insert(scenarios).values(kind=catalogue.KIND, name=name, body=body,
                                                  created_at=NOW, created_by="t"))  # fmt: skip
    url = engine.url.render_as_string(hide_password=False)
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    web_engine = open_engine(url)
    with web_engine.begin() as conn:
        for role in ("planner", "supervisor", "analyst"):
            accounts.add_user(conn, f"{role}1", role, "correct horse battery", actor="t", ip="t",
                              now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, web_engine, app)
    web_engine.dispose()


def test_staffing_page_shows_the_erlang_table_for_the_log(site: Site) -> None:
    site.as_role("supervisor")
    page = site.client.get("/response")
    assert page.status_code == 200
    assert "Erlang staffing table" in page.text and "<svg" in page.text
    assert "Mon" in page.text and "within target share 1" in page.text
    assert "Run simulation" not in page.text  # supervisors look, planners run
    api = site.client.get("/api/v1/response/staffing?method=erlang_c").json()
    assert api["method"] == "erlang_c" and len(api["hours"]) == 168
    assert all(h["units"] >= 1 and h["officers"] >= h["units"] for h in api["hours"])
    assert site.client.get("/api/v1/response/staffing?method=guess").status_code == 422


def test_scenarios_listed_from_examples_and_the_store(site: Site) -> None:
    site.as_role("analyst")
    refs = [s["ref"] for s in site.client.get("/api/v1/response/scenarios").json()["scenarios"]]
    assert "example:mmc" in refs and "stored:three a side" in refs and "stored:four a side" in refs
    assert not any(r.endswith("_grades") for r in refs)


def test_simulate_page_runs_a_stored_scenario(site: Site) -> None:
    site.as_role("planner")
    form = site.client.get("/response/simulate")
    assert form.status_code == 200 and 'label for="r-scenario"' in form.text
    page = site.client.get(
        "/response/simulate",
        params={"scenario": "stored:three a side", "replications": 2, "horizon_days": 2},
    )
    assert page.status_code == 200, page.text
    assert "three a side: 2 replications" in page.text
    assert "Utilisation heat map of response units" in page.text
    assert "Attendance by grade and hour" in page.text and page.text.count("<svg") >= 3
    assert "Erlang beside the simulation" in page.text


def test_simulate_api_is_bounded_and_shortens_the_horizon(site: Site) -> None:
    csrf = site.as_role("planner")
    headers = {"X-CSRF-Token": csrf}
    body = {"scenario": "example:mmc", "replications": 2, "horizon_days": 1, "seed": 5}
    result = site.client.post("/api/v1/response/simulate", json=body, headers=headers)
    assert result.status_code == 200, result.text
    data = result.json()
    assert data["replications"] == 2 and data["seeds"] == [5, 6] and data["horizon_days"] == 1
    # 384 incidents a day for one day, not the scenario's 365 days
    assert 250 < data["incidents"] < 520
    assert data["erlang_c_mean_wait"] == pytest.approx(6.14, abs=0.05)
    assert {r["grade"] for r in data["attendance_by_grade_and_hour"]} == {"1"}
    busy = [r["utilisation"] for r in data["utilisation_by_hour"] if r["utilisation"] is not None]
    assert len(busy) >= 24 and all(0 <= u <= 1 for u in busy)  # hours the one day covers
    too_many = {**body, "replications": catalogue.MAX_REPLICATIONS + 1}
    assert site.client.post("/api/v1/response/simulate", json=too_many,
                            headers=headers).status_code == 422  # fmt: skip
    unknown = site.client.post("/api/v1/response/simulate", json={"scenario": "stored:none"},
                               headers=headers)  # fmt: skip
    assert unknown.status_code == 400 and unknown.json()["error"] == "bad_scenario"


def test_compare_more_units_cut_the_wait(site: Site) -> None:
    csrf = site.as_role("planner")
    body = {"a": "stored:three a side", "b": "stored:four a side", "replications": 3,
            "horizon_days": 3}  # fmt: skip
    result = site.client.post("/api/v1/response/compare", json=body,
                              headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert result.status_code == 200, result.text
    data = result.json()
    assert data["common_random_numbers"] and data["replications"] == 3
    wait = next(d for d in data["differences"]
                if d["metric"] == "mean_wait_min" and d["grade"] == "1")  # fmt: skip
    assert wait["difference"] < 0 and wait["low"] <= wait["difference"] <= wait["high"]
    page = site.client.get("/response/compare", params={**body})
    assert page.status_code == 200 and "four a side minus three a side" in page.text
    assert "Differences with paired 95% intervals" in page.text


def test_analysts_may_not_run(site: Site) -> None:
    csrf = site.as_role("analyst")
    assert site.client.get("/response/simulate").status_code == 403
    body = {"scenario": "example:mmc"}
    assert site.client.post("/api/v1/response/simulate", json=body,
                            headers={"X-CSRF-Token": csrf}).status_code == 403  # fmt: skip


def test_a_planner_stores_a_scenario_and_a_bad_one_is_refused_naming_the_field(
    site: Site,
) -> None:
    csrf = site.as_role("planner")
    page = site.client.get("/response/scenarios")
    assert page.status_code == 200 and "stored:three a side" in page.text
    body = yaml.safe_dump(scenario_dict(name="night shift trial"))
    form = {"csrf_token": csrf, "name": "night trial", "body": body}
    stored = site.client.post("/response/scenarios", data=form)
    assert stored.status_code == 303
    assert stored.headers["location"] == "/response/simulate?scenario=stored%3Anight%20trial"
    refs = [s["ref"] for s in site.client.get("/api/v1/response/scenarios").json()["scenarios"]]
    assert "stored:night trial" in refs
    with site.engine.connect() as conn:
        saved = audit.entries(conn, audit.AuditFilter(action="response.scenario.save"))[0]
    assert [e.target for e in saved] == ["stored:night trial"]
    # A negative rate and an unknown grade: both named, nothing stored.
    bad = body.replace("grade: '1'", "grade: '9'", 1).replace(
        "incidents_per_day: ", "incidents_per_day: -", 1
    )
    refused = site.client.post("/response/scenarios", data=form | {"name": "broken", "body": bad})
    assert refused.status_code == 422 and "nothing was stored" in refused.text
    assert refused.text.count("<li><code>") >= 2
    refs = [s["ref"] for s in site.client.get("/api/v1/response/scenarios").json()["scenarios"]]
    assert "stored:broken" not in refs
    site.as_role("analyst")
    assert site.client.get("/response/scenarios").status_code == 403
