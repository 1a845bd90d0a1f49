"""The clocks pages in Chromium (Playwright) against uvicorn on a loopback port: sign in as a
sergeant, filter the queue, record an event by keyboard through the form; screenshots of the
queue at 1280 px and of a record at tablet width go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_tracking_web import NOW, USERS, _clocks
from tests.browser_support import (
    PASSWORD,
    SHOTS,
    browser_config,
    launch,
    require_chromium,
    serve,
    sign_in,
)
from tracking_helpers import seed

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("clocks-browser")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    seed(engine)
    _clocks(engine)
    with engine.begin() as conn:
        for name, role in USERS.items():
            accounts.add_user(conn, name, role, PASSWORD, actor="t", ip="t", now=NOW)
    engine.dispose()
    with serve(url, browser_config(folder), clock=lambda: NOW) as base:
        yield base


def test_queue_and_recording_an_event_in_the_browser(server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        chromium = launch(p)
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        sign_in(page, "S1")
        page.goto("/clocks")
        assert page.get_by_role("heading", name="Clocks due and overdue").is_visible()
        page.screenshot(path=str(SHOTS / "clocks-queue.png"), full_page=True)
        page.get_by_label("Kind", exact=True).select_option("investigation")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**kind=investigation*")
        assert page.get_by_role("link", name="INV1").first.is_visible()
        page.goto("/clocks/records/R1")
        page.set_viewport_size({"width": 768, "height": 1024})
        # By keyboard: choose the event and submit.
        page.get_by_label("Event", exact=True).focus()
        page.keyboard.press("Home")
        page.get_by_label("Event", exact=True).select_option("rui_review")
        page.get_by_role("button", name="Record the event").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**done=*")
        assert page.get_by_text("rui_review recorded").is_visible()
        page.screenshot(path=str(SHOTS / "clocks-record-tablet.png"), full_page=True)
        context.close()
        chromium.close()
    assert problems == []
