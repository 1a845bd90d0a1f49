"""Home, data quality, users and health: pages and their API twins."""

from __future__ import annotations

import re
import time

from web_support import DAMAGED, PASSWORD, WebApp, upload


def test_healthz_reports_store_and_schema_without_sign_in(sqlite_web: WebApp) -> None:
    web = sqlite_web
    r = web.client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["store"] == "reachable"
    assert "0003_web_staff" in body["schema_version"]
    assert body["schema_version"] == body["expected_schema_version"]


def test_healthz_says_unavailable_when_the_store_is_not_migrated(tmp_path, web_config) -> None:  # type: ignore[no-untyped-def]
    from web_support import TestClient

    from forcesight.web.app import create_app

    app = create_app(f"sqlite:///{tmp_path / 'empty.db'}", config=web_config)
    with TestClient(app) as client:
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["store"] == "reachable" and r.json()["schema_current"] is False


def test_home_shows_holdings_and_last_runs(web: WebApp) -> None:
    csrf = web.sign_in("analyst1")
    run = upload(web, csrf, DAMAGED)["result"]
    assert isinstance(run, dict)
    page = web.client.get("/")
    assert page.status_code == 200
    assert "Street-level crime (data.police.uk)" in page.text
    assert DAMAGED.name in page.text
    assert re.search(r"<td class=\"num\">34</td><td class=\"nowrap\">2024-01-01</td>", page.text)
    assert "Not loaded yet: Recorded crime by force" in page.text
    status = web.client.get("/api/v1/status").json()
    assert status["import_totals"]["rows_read"] == 42
    assert "database" not in status  # the store's address is not shown to users


def test_investigator_home_has_no_links_it_may_not_follow(sqlite_web: WebApp) -> None:
    sqlite_web.sign_in("investigator1")
    page = sqlite_web.client.get("/")
    assert page.status_code == 200
    nav = page.text.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert 'href="/"' in nav
    for hidden in ("/import", "/quality", "/users", "/audit"):
        assert f'href="{hidden}"' not in nav


def test_quality_page_has_a_server_side_svg_chart(web: WebApp) -> None:
    csrf = web.sign_in("analyst1")
    empty = web.client.get("/quality")
    assert "No row has been quarantined yet" in empty.text and "<svg" not in empty.text
    upload(web, csrf, DAMAGED)
    page = web.client.get("/quality")
    assert page.status_code == 200
    assert "<svg" in page.text and "<script" not in page.text.split("<svg", 1)[1]
    quality = web.client.get("/api/v1/quality").json()
    assert quality["rows_quarantined"] == 7
    (source,) = quality["by_source"]
    assert (source["source"], source["rows_read"], source["rows_quarantined"]) == (
        "police-uk",
        42,
        7,
    )
    assert sum(r["rows"] for r in quality["by_reason"]) == 7
    assert [d["rows"] for d in quality["by_day"]] == [7]


def test_users_page_add_disable_enable(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("admin1")
    page = web.client.get("/users")
    assert page.status_code == 200 and "planner1" in page.text
    assert '<label for="new-password">' in page.text
    added = web.client.post(
        "/users",
        data={"username": "pc-1234", "role": "investigator", "password": PASSWORD,
              "csrf_token": csrf},
    )  # fmt: skip
    assert added.status_code == 303
    assert "Added pc-1234." in web.client.get(added.headers["location"]).text
    weak = web.client.post(
        "/users",
        data={"username": "pc-5678", "role": "analyst", "password": "short", "csrf_token": csrf},
    )
    assert weak.status_code == 400 and "at least 10 characters" in weak.text
    clash = web.client.post(
        "/api/v1/users",
        json={"username": "pc-1234", "role": "analyst", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert clash.status_code == 409
    role = web.client.post(
        "/api/v1/users",
        json={"username": "pc-9", "role": "chief", "password": PASSWORD},
        headers={"X-CSRF-Token": csrf},
    )
    assert role.status_code == 400 and role.json()["error"] == "unknown_role"
    off = web.client.post("/users/pc-1234/disable", data={"csrf_token": csrf})
    assert off.status_code == 303
    users = {u["username"]: u for u in web.client.get("/api/v1/users").json()}
    assert users["pc-1234"]["enabled"] is False and users["pc-1234"]["role"] == "investigator"
    assert "password_hash" not in users["pc-1234"]
    on = web.client.post("/api/v1/users/pc-1234/enable", headers={"X-CSRF-Token": csrf})
    assert on.json()["enabled"] is True
    missing = web.client.post("/api/v1/users/nobody/enable", headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 404
    self_off = web.client.post("/api/v1/users/admin1/disable", headers={"X-CSRF-Token": csrf})
    assert self_off.status_code == 400 and "your own account" in self_off.json()["detail"]


def test_pages_carry_security_headers_and_no_external_resources(sqlite_web: WebApp) -> None:
    sqlite_web.sign_in("admin1")
    for path in ("/", "/import", "/quality", "/users", "/audit", "/login"):
        r = sqlite_web.client.get(path, follow_redirects=True)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["cache-control"] == "no-store"
        assert not re.search(r"(src|href)=\"(https?:)?//", r.text), path
    css = sqlite_web.client.get("/static/forcesight.css").text
    assert "@import" not in css and "url(" not in css


def test_status_cache_follows_imports_and_refreshes_when_old(sqlite_web: WebApp) -> None:
    from forcesight.ingest import run_import
    from forcesight.web.status import StatusCache

    cache = StatusCache(max_age_seconds=3600)
    first = cache.status(sqlite_web.engine)
    assert cache.status(sqlite_web.engine) is first  # unchanged store: no recount
    run_import(sqlite_web.engine, "police-uk", DAMAGED)
    after = cache.status(sqlite_web.engine)
    assert after is not first
    assert after["import_totals"]["rows_read"] == first["import_totals"]["rows_read"] + 42
    old = StatusCache(max_age_seconds=0)
    figures = old.status(sqlite_web.engine)
    assert old.status(sqlite_web.engine) is figures  # stale figures are served at once...
    for _ in range(100):  # ...while a background refresh replaces them
        if old.status(sqlite_web.engine) is not figures:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the stale status was never refreshed")
