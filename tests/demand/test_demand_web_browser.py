"""The demand pages in Debian's Chromium through Playwright, at desktop and tablet width, with a
screenshot of each into test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.browser_support import (
    PASSWORD,
    SHOTS,
    browser_config,
    launch,
    require_chromium,
    serve,
    sign_in,
)
from tests.demand.conftest import load_fixture
from tests.demand.test_demand_web import NOW, load_rolling

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("demand-browser")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    load_fixture(engine)
    load_rolling(engine)
    with engine.begin() as connection:
        accounts.add_user(connection, "analyst1", "analyst", PASSWORD, actor="t", ip="t", now=NOW)
    engine.dispose()
    with serve(url, browser_config(folder), clock=lambda: NOW) as base:
        yield base


@pytest.mark.parametrize("width", [1280, 768])
def test_demand_pages_in_a_browser(server: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        sign_in(page, "analyst1")
        page.get_by_role("link", name="Demand", exact=True).click()
        page.wait_for_url("**/demand")
        assert page.locator("figure.chart svg").count() == 2
        # Keyboard: choose crimes and submit without the mouse.
        page.get_by_label("Source").focus()
        page.keyboard.press("ArrowDown")
        page.get_by_role("button", name="Show").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/demand?source=crimes*")
        assert "Hour of week by offence group" in page.content()
        page.goto("/demand")
        page.screenshot(path=str(SHOTS / f"demand-{width}.png"), full_page=True)
        page.goto("/demand/forecast")
        page.get_by_label("Offence group").select_option("Robbery")
        page.get_by_role("button", name="Forecast").click()
        page.wait_for_url("**group=Robbery*")
        assert page.get_by_role("heading", name="Northamptonshire | Robbery").is_visible()
        page.screenshot(path=str(SHOTS / f"demand-forecast-{width}.png"), full_page=True)
        page.goto("/demand/hidden")
        page.screenshot(path=str(SHOTS / f"demand-hidden-{width}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, "the page scrolls sideways"
        assert problems == []
        browser.close()
