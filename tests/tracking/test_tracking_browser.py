"""The clocks pages in Chromium (Playwright) against uvicorn on a loopback port: sign in as a
sergeant, filter the queue, record an event by keyboard through the form; screenshots of the
queue at 1280 px and of a record at tablet width go to test-artifacts/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from test_tracking_web import NOW, USERS, _clocks
from tracking_helpers import seed

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts
from forcesight.web.app import create_app
from forcesight.web.config import WebConfig

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("FORCESIGHT_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")
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
    config = WebConfig(session_minutes=30, login_max_failures=5, login_lockout_minutes=15,
                       secure_cookies=True, max_upload_mb=2, secret_key="k",
                       data_dir=folder / "data")  # fmt: skip
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(url, config=config, clock=lambda: NOW)
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


def test_queue_and_recording_an_event_in_the_browser(server: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        context = chromium.new_context(viewport={"width": 1280, "height": 900}, base_url=server)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto("/login")
        page.get_by_label("Username", exact=True).fill("S1")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login" not in u)
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
