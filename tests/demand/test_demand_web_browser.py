"""The demand pages in Debian's Chromium through Playwright, at desktop and tablet width, with a
screenshot of each into test-artifacts/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from tests.demand.conftest import load_fixture
from tests.demand.test_demand_web import NOW, load_rolling

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

CHROMIUM = os.environ.get("FORCESIGHT_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    folder = tmp_path_factory.mktemp("demand-browser")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    load_fixture(engine)
    load_rolling(engine)
    with engine.begin() as connection:
        accounts.add_user(connection, "analyst1", "analyst", PASSWORD, actor="t", ip="t", now=NOW)
    engine.dispose()
    config = WebConfig(session_minutes=30, login_max_failures=5, login_lockout_minutes=15,
                       secure_cookies=True, max_upload_mb=2, secret_key="k",
                       data_dir=folder / "data")  # fmt: skip
    app = create_app(url, config=config, clock=lambda: NOW)
    port = _free_port()
    uv = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=30)


@pytest.mark.parametrize("width", [1280, 768])
def test_demand_pages_in_a_browser(server: str, width: int) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto("/login")
        page.get_by_label("Username", exact=True).fill("analyst1")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
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
