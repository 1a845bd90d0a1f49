"""The app in a real browser (Debian's Chromium through Playwright): sign in, import a real
data.police.uk file and see its reconciliation, a role that may not import is refused, sign
out; a screenshot of every page goes to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.browser_support import SHOTS, browser_config, launch, require_chromium, serve, sign_in
from web_support import DAMAGED, PASSWORD, ROLES, STREET

from forcesight.store.engine import open_engine
from forcesight.store.migrate import upgrade
from forcesight.web import accounts
from forcesight.web.clock import utc_now

pytestmark = pytest.mark.browser
playwright = pytest.importorskip("playwright.sync_api")

REAL = STREET / "2024-02" / "2024-02-northamptonshire-street.csv"
DESKTOP = {"width": 1280, "height": 900}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port, over a SQLite store."""
    require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'store.db'}"
    engine = open_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        for role in ROLES:
            accounts.add_user(
                connection, f"{role}1", role, PASSWORD, actor="test", ip="test", now=utc_now()
            )
    engine.dispose()
    config = browser_config(folder, max_upload_mb=20, secret_key="browser-test-key")
    with serve(url, config) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


class Visit:
    """A browser tab that records console errors and failed requests, and takes screenshots."""

    def __init__(self, browser: object, base: str, viewport: dict[str, int] = DESKTOP) -> None:
        self.context = browser.new_context(viewport=viewport, base_url=base)  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", self._request_failed)

    def _request_failed(self, request: Any) -> None:
        # A navigation cancels requests still in flight (the favicon, say): that is not a fault.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url}")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def sign_in(self, username: str) -> None:
        sign_in(self.page, username, PASSWORD)

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_url("**/login?signed_out=1")

    def close(self) -> None:
        self.context.close()


def _import(visit: Visit, path: Path) -> None:
    page = visit.page
    page.goto("/import")
    page.get_by_label("Source", exact=True).select_option("police-uk")
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url("**/import/jobs/*")
    # HTMX polls the job until the import finishes and swaps in the reconciliation.
    page.get_by_text("Imported.").wait_for(timeout=120_000)


def test_sign_in_import_reconcile_refuse_sign_out(server: str, browser: object) -> None:
    visit = Visit(browser, server)
    page = visit.page
    page.goto("/")
    assert "/login?next=%2F" in page.url
    visit.shot("01-login")
    visit.sign_in("analyst1")
    assert page.get_by_role("heading", name="Home").is_visible()
    cookie = next(c for c in visit.context.cookies() if c["name"] == "forcesight_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"

    _import(visit, REAL)
    lines = REAL.read_bytes().count(b"\n") - 1
    text = page.locator("#job-status").inner_text()
    assert f"read {lines:,} = stored" in text
    assert "Reconciles\nyes" in page.locator(".reconciliation").inner_text()
    visit.shot("02-import-job-done")

    _import(visit, DAMAGED)
    assert "quarantined 7" in page.locator("#job-status").inner_text()
    page.get_by_role("link", name="Import run").first.click()
    page.wait_for_url("**/import/runs/*")
    assert page.get_by_role("heading", name="Reconciliation").is_visible()
    visit.shot("03-import-run")
    page.get_by_role("link", name="Browse the quarantined rows").click()
    assert page.get_by_role("cell", name="2024-13", exact=True).is_visible()
    visit.shot("04-quarantine")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download all as CSV").click()
    assert download.value.suggested_filename.startswith("quarantine-run-")

    page.goto("/import")
    visit.shot("05-import")
    page.goto("/quality")
    assert page.locator("figure.chart svg").count() == 1
    visit.shot("06-quality")
    page.goto("/")
    assert REAL.name in page.content()
    visit.shot("07-home")
    visit.sign_out()
    assert page.get_by_text("You have signed out.").is_visible()
    page.goto("/import")
    assert "/login" in page.url  # the session really ended
    assert visit.problems == []
    visit.close()

    # A planner may look at imports but not run them; an investigator may not even look.
    planner = Visit(browser, server)
    planner.sign_in("planner1")
    planner.page.goto("/import")
    assert planner.page.get_by_text("may see imports but not run them").is_visible()
    assert planner.page.get_by_label("CSV file", exact=True).count() == 0
    csrf = planner.page.locator('input[name="csrf_token"]').first.get_attribute("value")
    refused = planner.page.request.post(
        "/import",
        multipart={
            "source": "police-uk",
            "csrf_token": csrf or "",
            "data": {"name": "x.csv", "mimeType": "text/csv", "buffer": b"a\n1\n"},
        },
    )
    assert refused.status == 403 and "may not do this" in refused.text()
    planner.close()
    investigator = Visit(browser, server)
    investigator.sign_in("investigator1")
    response = investigator.page.goto("/import")
    assert response is not None and response.status == 403
    assert investigator.page.get_by_text("Your role (investigator) may not do this").is_visible()
    investigator.shot("08-refused-investigator")
    investigator.close()


def test_admin_pages_and_tablet_width(server: str, browser: object) -> None:
    admin = Visit(browser, server)
    admin.sign_in("admin1")
    admin.page.goto("/users")
    admin.page.get_by_label("Username", exact=True).fill("pc-4821")
    admin.page.get_by_label("Role", exact=True).select_option("investigator")
    admin.page.get_by_label("Initial password").fill(PASSWORD)
    admin.page.get_by_role("button", name="Add user").click()
    assert admin.page.get_by_text("Added pc-4821.").is_visible()
    admin.page.get_by_role("button", name="Disable pc-4821").click()
    assert admin.page.get_by_text("Updated pc-4821.").is_visible()
    admin.shot("09-users")
    admin.page.goto("/audit")
    admin.page.get_by_label("Action", exact=True).select_option("user.add")
    admin.page.get_by_role("button", name="Filter").click()
    admin.page.wait_for_url("**/audit?*action=user.add*")
    rows = admin.page.locator("#audit-rows tbody tr")
    assert rows.count() >= 1 and "user:pc-4821" in rows.first.inner_text()
    admin.shot("10-audit")
    assert admin.problems == []
    admin.close()

    tablet = Visit(browser, server, TABLET)
    tablet.sign_in("analyst1")
    for path, name in (("/", "11-home-tablet"), ("/import", "12-import-tablet"),
                       ("/quality", "13-quality-tablet")):  # fmt: skip
        tablet.page.goto(path)
        width = tablet.page.evaluate("document.documentElement.scrollWidth")
        assert width <= TABLET["width"], f"{path} scrolls sideways at tablet width ({width}px)"
        tablet.shot(name)
    tablet.close()


def test_keyboard_only_sign_in_and_skip_link(server: str, browser: object) -> None:
    visit = Visit(browser, server)
    page = visit.page
    page.goto("/login")
    # The username field has focus on arrival; Tab reaches the password, Enter submits.
    page.keyboard.type("supervisor1")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda u: "/login" not in u)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every link and button in the header is reachable with Tab and shows a focus ring.
    page.keyboard.press("Shift+Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert visit.problems == []
    visit.close()
