"""Every route, for every role and for anonymous users: allowed or refused per roles.yaml."""

from __future__ import annotations

import httpx
import pytest
from starlette.routing import Mount
from web_support import ROLES, WebApp

from forcesight.web import accounts
from forcesight.web.roles import load_roles
from forcesight.web.routing import RouteInfo, action, iter_routes

PATH_VALUES = {
    "run_id": "1",
    "job_id": "0123456789abcdef",
    "username": "matrix-target",
    "name": "fms-20260101-000000.html",
    "ref": "R1",
    "proposal_id": "1",
}


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"no sample value for a parameter of {path}"
    return path


def _start_session(web: WebApp, role: str | None) -> str | None:
    """A fresh session for ``<role>1`` (started directly: no password hashing); its CSRF token."""
    web.client.cookies.clear()
    if role is None:
        return None
    with web.engine.connect() as connection:
        user = next(u for u in accounts.list_users(connection) if u.username == f"{role}1")
    token, principal = web.app.state.web.sessions.start(user, "testclient", "matrix")
    web.client.cookies.set("forcesight_session", token)
    return principal.csrf_token


def _refused_by_guard(response: httpx.Response) -> bool:
    """Whether the guard refused: a JSON refusal (API and downloads), a redirect to sign in
    (pages, anonymous), or the refusal page (pages, signed in)."""
    if response.headers.get("content-type", "").startswith("application/json"):
        if response.status_code in (401, 403):
            return response.json().get("error") in ("not_signed_in", "forbidden")
        return False
    if response.status_code == 303:
        return response.headers["location"].startswith("/login?next=")
    return response.status_code == 403 and "may not do this" in response.text


def _routes(web: WebApp) -> list[tuple[RouteInfo, str]]:
    return [
        (route, method)
        for route in iter_routes(web.app.routes)
        if not isinstance(route.route, Mount)
        for method in sorted(route.methods - {"HEAD"})
    ]


def test_every_route_declares_an_action_in_the_table(sqlite_web: WebApp) -> None:
    table = load_roles()
    routes = _routes(sqlite_web)
    assert len(routes) >= 30
    for route, method in routes:
        assert route.action is not None, f"{method} {route.path} declares no action"
        assert table.rule(route.action) is not None, f"{route.action} is not in roles.yaml"


def test_role_matrix_over_every_route(web: WebApp) -> None:
    """Walks app.routes: each (route, method) for anonymous and each role, against the table."""
    table = load_roles()
    web.add_user("matrix-target", "analyst")
    checked = 0
    for route, method in _routes(web):
        assert route.action is not None
        for role in [None, *ROLES]:
            csrf = _start_session(web, role)
            headers = {"X-CSRF-Token": csrf} if csrf else {}
            response = web.client.request(method, _url(route.path), headers=headers)
            allowed = table.allows(role, route.action)
            refused = _refused_by_guard(response)
            where = f"{method} {route.path} as {role or 'anonymous'} -> {response.status_code}"
            assert refused is not allowed, (
                f"{where}: expected {'allowed' if allowed else 'refused'}"
            )
            assert response.status_code < 500, where
            checked += 1
    assert checked == len(_routes(web)) * (len(ROLES) + 1)


def test_static_files_are_public(sqlite_web: WebApp) -> None:
    sqlite_web.client.cookies.clear()
    for name in ("forcesight.css", "htmx.min.js"):
        response = sqlite_web.client.get(f"/static/{name}")
        assert response.status_code == 200
        assert len(response.content) > 1000


def test_a_route_without_an_action_is_refused_to_everyone(sqlite_web: WebApp) -> None:
    sqlite_web.app.add_api_route("/forgotten", lambda: {"secret": True}, methods=["GET"])
    sqlite_web.app.add_api_route(
        "/not-in-table",
        lambda: {"secret": True},
        methods=["GET"],
        openapi_extra=action("nobody.knows"),
    )
    _start_session(sqlite_web, "admin")
    for path in ("/forgotten", "/not-in-table"):
        response = sqlite_web.client.get(path)
        assert response.status_code == 403
        assert "secret" not in response.text


@pytest.mark.parametrize("role", ["planner", "supervisor", "investigator"])
def test_roles_that_may_not_import_are_refused_upload(sqlite_web: WebApp, role: str) -> None:
    csrf = _start_session(sqlite_web, role)
    assert csrf
    response = sqlite_web.client.post(
        "/api/v1/imports",
        data={"source": "police-uk"},
        files={"data": ("x.csv", b"Crime ID\n", "text/csv")},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
