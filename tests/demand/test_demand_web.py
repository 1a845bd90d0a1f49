"""The demand pages and API on the hand-counted demand fixture plus real Home Office
rolling-year rows for Northamptonshire, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert

from forcesight.demand.home_office import read_rolling_year
from forcesight.store.engine import open_engine
from forcesight.store.reference import recorded_crime_rolling
from forcesight.web import accounts, audit
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NOW = datetime(2025, 1, 1, 12, 0)
ROLLING = (
    Path(__file__).resolve().parents[2]
    / "src/forcesight/data/home_office/recorded_crime_by_force_rolling_year.csv"
)
GROUPS = ("Robbery", "Drug offences")


@dataclass
class Site:
    client: TestClient
    engine: Engine
    app: object

    def as_role(self, role: str) -> str:
        self.client.cookies.clear()
        with self.engine.connect() as conn:
            user = next(u for u in accounts.list_users(conn) if u.username == f"{role}1")
        token, principal = self.app.state.web.sessions.start(user, "testclient", "tests")  # type: ignore[attr-defined]
        self.client.cookies.set("forcesight_session", token)
        return str(principal.csrf_token)

    def audited(self, action: str) -> list[audit.AuditEntry]:
        with self.engine.connect() as conn:
            return audit.entries(conn, audit.AuditFilter(action=action))[0]


def load_rolling(engine: Engine) -> pl.DataFrame:
    """Two real Northamptonshire offence groups, as the importer stores them."""
    frame = read_rolling_year(ROLLING).filter(
        (pl.col("force") == "Northamptonshire") & pl.col("offence_group").is_in(GROUPS)
    )
    with engine.begin() as c:
        c.execute(
            insert(recorded_crime_rolling),
            [
                {"period_end": r["period_end"], "force_area": r["force"], "region": r["region"],
                 "offence_group": r["offence_group"], "offences": r["offences"],
                 "import_run_id": 1, "source_line": i + 2}
                for i, r in enumerate(frame.iter_rows(named=True))
            ],
        )  # fmt: skip
    return frame


@pytest.fixture
def site(
    engine: Engine,
    load_demand_fixture: Callable[[Engine], None],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Site]:
    monkeypatch.setattr(
        accounts, "PASSWORD_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    load_demand_fixture(engine)
    load_rolling(engine)
    url = engine.url.render_as_string(hide_password=False)
    config = WebConfig(session_minutes=30, login_max_failures=3, login_lockout_minutes=15,
                       secure_cookies=False, max_upload_mb=2, secret_key="k",
                       data_dir=tmp_path / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    web_engine = open_engine(url)
    with web_engine.begin() as conn:
        for role in ("analyst", "supervisor", "investigator"):
            accounts.add_user(conn, f"{role}1", role, "correct horse battery", actor="t", ip="t",
                              now=NOW)  # fmt: skip
    with TestClient(app, base_url="http://testserver", follow_redirects=False) as client:
        yield Site(client, web_engine, app)
    web_engine.dispose()


def test_heat_map_and_trends_page_and_api(site: Site) -> None:
    site.as_role("analyst")
    page = site.client.get("/demand")
    assert page.status_code == 200, page.text
    assert page.text.count("<svg") == 2
    assert "2024-01-02" in page.text  # 365 days (2024 is a leap year)
    assert "Assault" in page.text
    crimes = site.client.get("/demand?source=crimes&measure=volume&freq=month")
    assert crimes.status_code == 200 and "Hour of week by offence group" in crimes.text
    cells = site.client.get("/api/v1/demand/heatmap").json()
    # Four incidents in 2024 (the 2023 one is last year's): hand count in tests/demand/conftest.py.
    assert sum(c["volume"] for c in cells["cells"]) == 4
    assert all(0 <= c["hour_of_week"] < 168 for c in cells["cells"])
    crime_cells = site.client.get("/api/v1/demand/heatmap?source=crimes").json()["cells"]
    assert round(sum(c["officer_hours"] for c in crime_cells)) == 198  # 20 + 8 + 150 + 20
    trends = site.client.get("/api/v1/demand/trends?source=incidents&freq=day").json()
    assert sum(r["y"] for r in trends["series"]) == 4
    empty = site.client.get("/demand?start=2020-01-01&to=2020-06-01")
    assert empty.status_code == 200 and "No incidents in the store" in empty.text
    backwards = site.client.get("/demand?start=2024-06-01&to=2024-01-01")
    assert backwards.status_code == 400 and "before the end" in backwards.text
    assert site.client.get("/api/v1/demand/heatmap?source=calls").status_code == 422


def test_forecast_page_draws_a_fan_chart_for_the_chosen_series(site: Site) -> None:
    site.as_role("supervisor")
    page = site.client.get("/demand/forecast?group=Robbery&horizon=8")
    assert page.status_code == 200, page.text
    assert "Northamptonshire | Robbery" in page.text and "<svg" in page.text
    assert '<option value="Drug offences">' in page.text
    assert "counting rule change" not in page.text  # stalking's harmonisation notes only
    api = site.client.get("/api/v1/demand/forecast?force=Northamptonshire&horizon=4").json()
    assert api["series"] == "Northamptonshire | All crime (excluding fraud)"
    steps = [r["step"] for r in api["forecast"]]
    assert sorted(steps) == [1, 2, 3, 4]
    for row in api["forecast"]:
        assert row["lo_95"] <= row["lo_80"] <= row["forecast"] <= row["hi_80"] <= row["hi_95"]
    last = max(r["ds"] for r in api["history"])
    assert min(r["ds"] for r in api["forecast"]) > last
    bad = site.client.get("/api/v1/demand/forecast?force=Atlantis")
    assert bad.status_code == 400 and bad.json()["error"] == "bad_forecast_input"
    assert site.client.get("/demand/forecast?force=Atlantis").status_code == 400


def test_hidden_demand_page_and_api_are_audited(site: Site) -> None:
    site.as_role("analyst")
    page = site.client.get("/demand/hidden")
    assert page.status_code == 200, page.text
    assert "Northamptonshire" in page.text and "V1" in page.text  # V1: two crimes in the window
    body = site.client.get("/api/v1/demand/hidden").json()
    assert body["force"] == "Northamptonshire"
    assert [r["victim_id"] for r in body["repeat_victims"]] == ["V1"]
    entries = site.audited("demand.hidden.view")
    assert len(entries) == 2
    assert {e.actor for e in entries} == {"analyst1"}
    assert entries[0].target == "force:Northamptonshire"


def test_investigators_are_refused(site: Site) -> None:
    site.as_role("investigator")
    for path in ("/demand", "/demand/forecast", "/demand/hidden", "/api/v1/demand/hidden"):
        assert site.client.get(path).status_code == 403
    assert site.audited("demand.hidden.view") == []
