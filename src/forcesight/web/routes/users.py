"""Accounts (administrators): list, add, disable and enable users."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.web import accounts
from forcesight.web.context import WebContext, client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS, UserIn, UserOut
from forcesight.web.sessions import Principal

NAV = (NavItem("Users", "/users", "users.view"),)

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Username = Annotated[str, Path(min_length=1, max_length=80)]


def add_user(context: WebContext, principal: Principal, ip: str, body: UserIn) -> accounts.User:
    with context.engine.begin() as connection:
        return accounts.add_user(
            connection,
            body.username,
            body.role,
            body.password,
            actor=principal.username,
            ip=ip,
            now=context.clock(),
            roles=context.roles,
        )


def set_enabled(
    context: WebContext, principal: Principal, ip: str, username: str, enabled: bool
) -> accounts.User:
    with context.engine.begin() as connection:
        return accounts.set_enabled(
            connection, username, enabled, actor=principal.username, ip=ip, now=context.clock()
        )


def _users_page(
    request: Request,
    principal: Principal,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
) -> Response:
    context = web_context(request)
    with context.engine.connect() as connection:
        users = accounts.list_users(connection)
    return render(
        request,
        "users.html",
        status,
        title="Users",
        users=users,
        roles=context.roles.roles,
        can_manage=context.roles.allows(principal.role, "users.manage"),
        error=error,
        done=done,
        form=form or {},
    )


@router.get("/users", include_in_schema=False, openapi_extra=action("users.view"))
def users_page(
    request: Request, principal: Signed, added: str | None = None, changed: str | None = None
) -> Response:
    done = None
    if added:
        done = f"Added {added[:80]}."
    elif changed:
        done = f"Updated {changed[:80]}."
    return _users_page(request, principal, done=done)


@router.post("/users", include_in_schema=False, openapi_extra=action("users.manage"))
async def users_add(
    request: Request,
    principal: Signed,
    username: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    context = web_context(request)
    try:
        body = UserIn.model_construct(username=username.strip(), role=role, password=password)
        user = await run_in_threadpool(add_user, context, principal, client_ip(request), body)
    except ForcesightError as error:
        message = str(error)
        return await run_in_threadpool(
            lambda: _users_page(
                request,
                principal,
                error=message,
                status=400,
                form={"username": username, "role": role},
            )
        )
    return RedirectResponse(f"/users?added={user.username}", 303)


@router.post(
    "/users/{username}/disable", include_in_schema=False, openapi_extra=action("users.manage")
)
def users_disable(request: Request, username: Username, principal: Signed) -> Response:
    user = set_enabled(web_context(request), principal, client_ip(request), username, False)
    return RedirectResponse(f"/users?changed={user.username}", 303)


@router.post(
    "/users/{username}/enable", include_in_schema=False, openapi_extra=action("users.manage")
)
def users_enable(request: Request, username: Username, principal: Signed) -> Response:
    user = set_enabled(web_context(request), principal, client_ip(request), username, True)
    return RedirectResponse(f"/users?changed={user.username}", 303)


api = APIRouter(prefix="/api/v1", tags=["users"], responses=ERRORS)


@api.get("/users", response_model=list[UserOut], openapi_extra=action("users.view"))
def api_users(request: Request, principal: Signed) -> list[dict[str, Any]]:
    """Every account, its role and whether it is enabled."""
    with web_context(request).engine.connect() as connection:
        return [asdict(u) for u in accounts.list_users(connection)]


@api.post("/users", status_code=201, response_model=UserOut, openapi_extra=action("users.manage"))
def api_add_user(request: Request, body: UserIn, principal: Signed) -> dict[str, Any]:
    """Add an account (audited)."""
    return asdict(add_user(web_context(request), principal, client_ip(request), body))


@api.post("/users/{username}/disable", response_model=UserOut, openapi_extra=action("users.manage"))
def api_disable_user(request: Request, username: Username, principal: Signed) -> dict[str, Any]:
    """Disable an account and end its sessions (audited)."""
    context = web_context(request)
    return asdict(set_enabled(context, principal, client_ip(request), username, False))


@api.post("/users/{username}/enable", response_model=UserOut, openapi_extra=action("users.manage"))
def api_enable_user(request: Request, username: Username, principal: Signed) -> dict[str, Any]:
    """Enable an account (audited)."""
    context = web_context(request)
    return asdict(set_enabled(context, principal, client_ip(request), username, True))


router.include_router(api)
