"""Signing in and out, session expiry, lockout and throttling, CSRF, cookies."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from web_support import PASSWORD, WebApp

from forcesight.web.config import WebConfig
from forcesight.web.tables import login_attempts


def _login_form(web: WebApp, next_path: str = "/") -> str:
    page = web.client.get(f"/login?next={next_path}")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, page.text
    return match.group(1)


def test_sign_in_page_then_home_then_sign_out(sqlite_web: WebApp) -> None:
    web = sqlite_web
    token = _login_form(web, "/import")
    response = web.client.post(
        "/login",
        data={"username": "analyst1", "password": PASSWORD, "csrf_token": token, "next": "/import"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/import"
    cookie = response.headers["set-cookie"]
    assert "forcesight_session=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    me = web.client.get("/api/v1/session")
    assert me.json()["username"] == "analyst1"
    csrf = me.json()["csrf_token"]
    out = web.client.post("/logout", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert out.headers["location"].startswith("/login")
    web.client.cookies.clear()
    # The old cookie no longer works: the session was deleted on the server.
    web.client.cookies.set("forcesight_session", cookie.split("=", 1)[1].split(";")[0])
    assert web.client.get("/api/v1/session").status_code == 401


def test_next_never_leaves_the_site(sqlite_web: WebApp) -> None:
    web = sqlite_web
    token = _login_form(web)
    response = web.client.post(
        "/login",
        data={
            "username": "analyst1",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/x",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def test_sign_in_form_without_its_csrf_token_is_refused(sqlite_web: WebApp) -> None:
    web = sqlite_web
    _login_form(web)
    response = web.client.post(
        "/login", data={"username": "analyst1", "password": PASSWORD, "csrf_token": "nope"}
    )
    assert response.status_code == 403
    assert "forcesight_session=" not in response.headers.get("set-cookie", "")


def test_wrong_password_and_unknown_user_get_the_same_answer(sqlite_web: WebApp) -> None:
    web = sqlite_web
    a = web.client.post("/api/v1/session", json={"username": "analyst1", "password": "wrong-one!"})
    b = web.client.post("/api/v1/session", json={"username": "nobody", "password": "wrong-one!"})
    assert a.status_code == b.status_code == 401
    assert (
        a.json() == b.json() == {"error": "login_refused", "detail": "Wrong username or password."}
    )


def test_lockout_after_failures_then_unlocks_after_the_lockout(web: WebApp) -> None:
    for _ in range(3):  # login_max_failures = 3
        r = web.client.post(
            "/api/v1/session", json={"username": "planner1", "password": "bad-pass-1"}
        )
        assert r.status_code == 401
    # Locked: even the right password is refused, with Retry-After.
    locked = web.client.post("/api/v1/session", json={"username": "planner1", "password": PASSWORD})
    assert locked.status_code == 429
    assert "locked" in locked.json()["detail"]
    assert 0 < int(locked.headers["retry-after"]) <= 15 * 60
    # Another account is not affected.
    web.sign_in("analyst1")
    web.clock.advance(minutes=14)
    still = web.client.post("/api/v1/session", json={"username": "planner1", "password": PASSWORD})
    assert still.status_code == 429
    web.clock.advance(minutes=1, seconds=1)
    assert web.sign_in("planner1")
    with web.engine.connect() as c:
        outcomes = [
            r[0]
            for r in c.execute(
                select(login_attempts.c.outcome)
                .where(login_attempts.c.username == "planner1")
                .order_by(login_attempts.c.id)
            )
        ]
    assert outcomes == ["bad_password"] * 3 + ["lockout", "locked", "locked", "success"]


def test_unknown_usernames_lock_the_same_way(sqlite_web: WebApp) -> None:
    web = sqlite_web
    for _ in range(3):
        web.client.post("/api/v1/session", json={"username": "ghost", "password": "bad-pass-1"})
    r = web.client.post("/api/v1/session", json={"username": "ghost", "password": "bad-pass-1"})
    assert r.status_code == 429
    assert "locked" in r.json()["detail"]


def test_one_address_trying_many_usernames_is_throttled(sqlite_web: WebApp) -> None:
    web = sqlite_web
    # 4 x login_max_failures failures from one address within the window.
    for i in range(12):
        r = web.client.post("/api/v1/session", json={"username": f"u{i}", "password": "bad-pass-1"})
        assert r.status_code == 401
    r = web.client.post("/api/v1/session", json={"username": "admin1", "password": PASSWORD})
    assert r.status_code == 429
    assert "this address" in r.json()["detail"]
    web.clock.advance(minutes=16)
    assert web.sign_in("admin1")


def test_session_expires_after_inactivity(web: WebApp) -> None:
    web.sign_in("analyst1")
    web.clock.advance(minutes=29)
    assert web.client.get("/api/v1/session").status_code == 200  # use renews it
    web.clock.advance(minutes=29)
    assert web.client.get("/api/v1/session").status_code == 200
    web.clock.advance(minutes=31)
    expired = web.client.get("/api/v1/session")
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]
    # A page sends the browser to sign in again, saying why.
    web.sign_in("analyst1")
    web.clock.advance(minutes=31)
    page = web.client.get("/quality")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fquality&expired=1"


def test_state_changing_calls_need_the_csrf_token(sqlite_web: WebApp) -> None:
    web = sqlite_web
    csrf = web.sign_in("admin1")
    body = {"username": "newbie", "role": "analyst", "password": "long enough pw"}
    missing = web.client.post("/api/v1/users", json=body)
    assert missing.status_code == 403
    assert missing.json()["error"] == "csrf_failed"
    wrong = web.client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    form = web.client.post("/users", data={**body, "csrf_token": "bad"})
    assert form.status_code == 403
    assert "security token" in form.text
    listed = web.client.get("/api/v1/users").json()
    assert "newbie" not in [u["username"] for u in listed]
    ok = web.client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    assert ok.json()["username"] == "newbie"
    assert "password" not in ok.text


def test_csrf_token_of_another_session_is_refused(sqlite_web: WebApp) -> None:
    web = sqlite_web
    other = web.sign_in("analyst1")
    web.sign_out()
    web.sign_in("admin1")
    r = web.client.post("/api/v1/users/planner1/disable", headers={"X-CSRF-Token": other})
    assert r.status_code == 403


def test_disabled_account_cannot_sign_in_and_loses_its_sessions(sqlite_web: WebApp) -> None:
    web = sqlite_web
    web.sign_in("planner1")
    planner_cookie = web.client.cookies.get("forcesight_session")
    web.sign_out()
    csrf = web.sign_in("admin1")
    r = web.client.post("/api/v1/users/planner1/disable", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["enabled"] is False
    web.sign_out()
    web.client.cookies.set("forcesight_session", planner_cookie)
    assert web.client.get("/api/v1/session").status_code == 401
    web.sign_out()
    refused = web.client.post(
        "/api/v1/session", json={"username": "planner1", "password": PASSWORD}
    )
    assert refused.status_code == 401
    assert "disabled" in refused.json()["detail"]


def test_secure_cookie_flag_follows_the_setting(sqlite_web: WebApp, web_config: WebConfig) -> None:
    from dataclasses import replace

    from forcesight.web.app import create_app

    app = create_app(
        sqlite_web.url, config=replace(web_config, secure_cookies=True), clock=sqlite_web.clock
    )
    with type(sqlite_web.client)(app, base_url="https://testserver") as client:
        r = client.post("/api/v1/session", json={"username": "analyst1", "password": PASSWORD})
        assert r.status_code == 200
        assert "; secure" in r.headers["set-cookie"].lower()


@pytest.mark.parametrize("path", ["/", "/import", "/audit"])
def test_pages_send_anonymous_users_to_sign_in(sqlite_web: WebApp, path: str) -> None:
    web = sqlite_web
    r = web.client.get(path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")
