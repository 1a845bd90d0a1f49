"""The design form in Chromium (Playwright) against uvicorn on a loopback port: a planner
submits a bad form and sees each error beside its field, corrects it, watches the design job
and lands on the stored result with its grid and cover chart. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rostering_web_support import NOW, pattern, seed
from tests.browser_support import (
    PASSWORD,
    SHOTS,
    browser_config,
    launch,
    require_chromium,
    serve,
    sign_in,
)

from forcesight.rostering.rules import REST
from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("roster-browser")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    seed(engine, pattern("days", (0, 0, 0, 0, REST, REST, REST), 3), 2)
    with engine.begin() as conn:
        accounts.add_user(conn, "P1", "planner", PASSWORD, actor="t", ip="t", now=NOW)
    engine.dispose()
    with serve(url, browser_config(folder), clock=lambda: NOW) as base:
        yield base


def test_design_a_roster_in_the_browser(server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        chromium = launch(p)
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, "P1")
        page.goto("/rosters")
        page.get_by_role("link", name="Design a roster").click()
        page.wait_for_url("**/rosters/design")
        # First a form with two mistakes: no name, and teams that do not fit the cycle.
        page.get_by_label("Function", exact=True).fill("neighbourhood")
        page.get_by_label("Headcount (officers)").fill("6")
        page.get_by_label("Teams", exact=True).fill("4")
        page.get_by_label("Cycle weeks").fill("3")
        page.get_by_role("button", name="Design the roster").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", name="2 fields to correct").is_visible()
        teams = page.get_by_label("Teams", exact=True)
        assert teams.get_attribute("aria-invalid") == "true"
        # the error is the field's accessible description, and linked from the summary
        playwright.expect(teams).to_have_accessible_description(
            re.compile(r"Error: must be a multiple of the cycle's 3 weeks; got 4")
        )
        assert page.get_by_role("link", name="teams").get_attribute("href") == "#d-teams"
        page.screenshot(path=str(SHOTS / "roster-design-errors.png"), full_page=True)
        # Corrected: the design runs and opens the stored result.
        page.get_by_label("Name to store the design under").fill("browser nights")
        teams.fill("3")
        page.get_by_label("Area or base").fill("south")
        page.get_by_label("Shift lengths in hours (comma-separated)").fill("8, 10")
        page.get_by_label("Start times, hour of the day 0 to 23 (comma-separated)").fill("7, 8")
        page.get_by_label("Required cover from").select_option("pattern:days")
        page.get_by_label("Time limit in seconds (1 to 120)").fill("2")
        page.get_by_role("button", name="Design the roster").click()
        page.wait_for_url("**/rosters/browser%20nights", timeout=120_000)
        grid = page.get_by_role("region", name="Officer by day grid (scrolls sideways)")
        assert grid.locator("tbody tr").count() == 6
        assert page.locator("figure.chart svg").first.is_visible()
        assert page.get_by_role("heading", name="Rules that bind").is_visible()
        assert page.get_by_role(
            "heading", name="Solver: objective, proven bound and gap"
        ).is_visible()
        page.screenshot(path=str(SHOTS / "roster-design-result.png"), full_page=True)
        context.close()
        chromium.close()
    # the refused form comes back with status 422, which Chromium logs as a failed load
    assert [m for m in problems if "status of 422" not in m] == []
    assert len(problems) <= 1
