"""The design form and the compare view through the app (both backends): the form refuses bad
fields naming each, runs a real design in the background and stores it; the compare view runs
two stored rosters through a stored response scenario."""

from __future__ import annotations

import time

import pytest
from rostering_scenarios import CURRENT, PROPOSED, SCENARIO
from rostering_web_support import NOW, Site
from sqlalchemy import insert, select

from forcesight.rostering import queries
from forcesight.store.entities import scenarios
from forcesight.web.tables import audit_log

GOOD = {
    "name": "web nights", "function": "neighbourhood", "headcount": "6", "teams": "3",
    "cycle_weeks": "3", "shift_lengths": "8, 10", "start_hours": "7, 8", "area": "south",
    "skills": "", "rest_days_in_pairs": "on", "max_consecutive_shifts": "7",
    "max_consecutive_nights": "4", "cover": "pattern:days", "time_limit": "2",
}  # fmt: skip


def test_the_form_re_renders_with_an_error_naming_each_bad_field(site: Site) -> None:
    csrf = site.as_role("planner")
    page = site.client.get("/rosters/design")
    assert page.status_code == 200 and 'value="pattern:days"' in page.text
    bad = GOOD | {"name": "", "headcount": "lots", "teams": "4", "shift_lengths": "8, 30",
                  "start_hours": "", "time_limit": "600", "cover": "pattern:nowhere"}  # fmt: skip
    response = site.client.post("/rosters/design", data=bad | {"csrf_token": csrf})
    assert response.status_code == 422
    text = response.text
    assert "7 fields to correct" in text
    for field, message in (
        ("name", "is required"),
        ("headcount", "&#39;lots&#39; is not a whole number"),
        ("teams", "must be a multiple of the cycle&#39;s 3 weeks; got 4"),
        ("shift_lengths", "30: each must be a whole number 1 to 24"),
        ("start_hours", "give at least one number"),
        ("time_limit", "must be 1 to 120 seconds; got 600"),
        ("cover", "choose one of the listed sources of required cover"),
    ):
        assert f'<span id="d-{field}-error" class="hint field-error"><strong>Error:</strong> ' \
               f"{message}" in text, field  # fmt: skip
        assert f'id="d-{field}"' in text and f'href="#d-{field}"' in text
    assert 'aria-invalid="true"' in text and 'value="lots"' in text  # the input is kept
    # a well-formed form whose function the chosen cover lacks is refused on the cover field
    wrong = site.client.post(
        "/rosters/design", data=GOOD | {"function": "response", "csrf_token": csrf}
    )
    assert wrong.status_code == 422
    assert "pattern &#39;days&#39; has no &#39;response&#39;" in wrong.text
    taken = site.client.post("/rosters/design", data=GOOD | {"name": "days", "csrf_token": csrf})
    assert taken.status_code == 422 and "is stored already" in taken.text
    site.as_role("analyst")
    assert site.client.get("/rosters/design").status_code == 403


def test_a_submitted_design_runs_in_the_background_and_is_stored(site: Site) -> None:
    csrf = site.as_role("planner")
    response = site.client.post("/rosters/design", data=GOOD | {"csrf_token": csrf})
    assert response.status_code == 303
    job = response.headers["location"]
    deadline = time.monotonic() + 120
    while (page := site.client.get(job)).status_code == 200:
        assert "Nothing was stored" not in page.text, page.text
        assert time.monotonic() < deadline, "the design did not finish"
        time.sleep(0.2)
    assert page.status_code == 303 and page.headers["location"] == "/rosters/web%20nights"
    result = site.client.get("/rosters/web%20nights")
    assert result.status_code == 200
    text = result.text
    assert "<svg" in text and "Officer x day grid" in text and "Rules that bind" in text
    assert "weighted under-cover" in text and "bound" in text
    stored = {n for n, _ in queries.list_named(site.engine, queries.KIND_SPEC)}
    assert "web nights" in stored
    spec = queries.load_named(site.engine, queries.KIND_SPEC, "web nights")
    assert "rest days in pairs: yes" in spec["description"]
    assert spec["functions"][0]["headcount"] == 6
    with site.engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action, audit_log.c.target).where(audit_log.c.actor == "planner1")
        ).all()
    assert ("roster.design", "roster:web nights") in actions


@pytest.fixture
def stored_pair(site: Site) -> Site:
    queries.save_named(site.engine, queries.KIND_PATTERN, "current", CURRENT.to_dict(), NOW)
    queries.save_named(site.engine, queries.KIND_PATTERN, "proposed", PROPOSED.to_dict(), NOW)
    with site.engine.begin() as conn:
        conn.execute(
            insert(scenarios).values(
                kind="response_scenario", name="nights", body=SCENARIO, created_at=NOW
            )
        )
    return site


def test_the_compare_view_runs_both_rosters_through_a_scenario(stored_pair: Site) -> None:
    site = stored_pair
    site.as_role("planner")
    query = "a=pattern:current&b=pattern:proposed&scenario=stored:nights&replications=3"
    page = site.client.get(f"/rosters/compare?{query}")
    assert page.status_code == 200, page.text
    assert "Grade 1:" in page.text and "which the run tells apart" in page.text
    assert "Cover: current and proposed against required" in page.text  # the chart
    body = site.client.get(f"/api/v1/rosters/compare?{query}&seed=5").json()
    sim = body["simulation"]
    assert sim["seeds"] == [5, 6, 7] and sim["a"]["units"] == sim["b"]["units"] == 6
    grade1 = sim["shares"][0]
    assert grade1["grade"] == "1" and grade1["difference"]["low"] > 0
    assert {r["function"] for r in body["cover"]["summary"]} == {"response"}
    # Stored for the statement: the same seeds give the same numbers as the API's run.
    csrf = site.as_role("planner")
    form = {"csrf_token": csrf, "a": "pattern:current", "b": "pattern:proposed",
            "scenario": "stored:nights", "replications": "3", "seed": "5",
            "name": "fms"}  # fmt: skip
    saved = site.client.post("/rosters/compare/save", data=form)
    assert saved.status_code == 303 and "saved=fms" in saved.headers["location"]
    record = queries.load_named(site.engine, queries.KIND_COMPARISON, "fms")
    assert record["simulation"]["shares"] == sim["shares"]
    assert record["current"] == "pattern:current" and record["cover"]["summary"]
    bad = site.client.post("/rosters/compare/save", data=form | {"name": "no spaces"})
    assert bad.status_code == 422
    with site.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action, audit_log.c.target)).all()
    assert ("roster.compare.save", "comparison:fms") in actions
    site.as_role("supervisor")
    assert site.client.get(f"/rosters/compare?{query}").status_code == 403
