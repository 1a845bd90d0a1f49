"""What every browser test shares: the app served by uvicorn in a thread on a free loopback
port, Debian's Chromium launched through Playwright, and signing in through the login form.

Imported as ``tests.browser_support``; each browser test seeds its own store and accounts."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from forcesight.web.app import create_app
from forcesight.web.clock import Clock
from forcesight.web.config import WebConfig

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("FORCESIGHT_TEST_CHROMIUM", "/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    """Skip (with the install command) where Debian's Chromium is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium")


def browser_config(folder: Path, *, max_upload_mb: int = 2, secret_key: str = "k") -> WebConfig:
    """Settings for a test server: Secure cookies (Chromium accepts them from 127.0.0.1)."""
    return WebConfig(
        session_minutes=30,
        login_max_failures=5,
        login_lockout_minutes=15,
        secure_cookies=True,
        max_upload_mb=max_upload_mb,
        secret_key=secret_key,
        data_dir=folder / "data",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(url: str, config: WebConfig, clock: Clock | None = None) -> Iterator[str]:
    """The app over the store at ``url``, served until the block ends; yields its base URL."""
    app = create_app(url, config=config) if clock is None else create_app(url, config=config,
                                                                          clock=clock)  # fmt: skip
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def launch(playwright: Any) -> Any:
    """Headless Chromium from Debian's package (no browser download, no network)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait to leave it."""
    page.goto("/login")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login" not in u)
