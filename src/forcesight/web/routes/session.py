"""Signing in and out: the sign-in page and form, and the same through the JSON API."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from forcesight.errors import LoginRefusedError
from forcesight.web.accounts import authenticate
from forcesight.web.context import WebContext, client_ip, web_context
from forcesight.web.guard import LOGIN_NONCE_COOKIE, SESSION_COOKIE, signed_in
from forcesight.web.pages import render
from forcesight.web.routing import action
from forcesight.web.schemas import ERRORS, Credentials, SessionInfo
from forcesight.web.sessions import Principal

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def _set_session_cookie(response: Response, context: WebContext, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        secure=context.config.secure_cookies,
        samesite="strict",
        path="/",
    )


def _login_page(
    request: Request,
    next_path: str,
    message: str | None,
    status: int,
    username: str = "",
    *,
    is_error: bool = True,
) -> Response:
    context = web_context(request)
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE) or secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status,
        title="Sign in",
        next_path=next_path,
        message=message,
        message_is_error=is_error,
        username=username,
        login_csrf=context.sessions.login_csrf_token(nonce),
    )
    response.set_cookie(
        LOGIN_NONCE_COOKIE,
        nonce,
        httponly=True,
        secure=context.config.secure_cookies,
        samesite="strict",
        path="/login",
    )
    return response


@router.get("/login", include_in_schema=False, openapi_extra=action("public"))
async def login_page(
    request: Request, next: str | None = None, expired: bool = False, signed_out: bool = False
) -> Response:
    context = web_context(request)
    lookup = await run_in_threadpool(
        context.sessions.resolve, request.cookies.get(SESSION_COOKIE), client_ip(request)
    )
    if lookup.principal is not None:
        return RedirectResponse(safe_next(next), 303)
    message = None
    if expired:
        message = "Your session expired after a period without use. Please sign in again."
    elif signed_out:
        message = "You have signed out."
    return _login_page(request, safe_next(next), message, 200, is_error=expired)


@router.post("/login", include_in_schema=False, openapi_extra=action("public"))
async def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    context = web_context(request)
    nonce = request.cookies.get(LOGIN_NONCE_COOKIE, "")
    expected = context.sessions.login_csrf_token(nonce) if nonce else ""
    if not nonce or not hmac.compare_digest(csrf_token, expected):
        return _login_page(
            request,
            safe_next(next),
            "The sign-in form had expired. Please try again.",
            403,
            username,
        )
    ip = client_ip(request)
    try:
        user = await run_in_threadpool(
            authenticate,
            context.engine,
            username,
            password,
            ip=ip,
            now=context.clock(),
            policy=context.login_policy,
        )
    except LoginRefusedError as refused:
        status = 429 if refused.retry_after_seconds else 401
        response = _login_page(request, safe_next(next), str(refused), status, username)
        if refused.retry_after_seconds:
            response.headers["Retry-After"] = str(refused.retry_after_seconds)
        return response
    token, _ = await run_in_threadpool(
        context.sessions.start, user, ip, request.headers.get("user-agent")
    )
    response = RedirectResponse(safe_next(next), 303)
    _set_session_cookie(response, context, token)
    response.delete_cookie(LOGIN_NONCE_COOKIE, path="/login")
    return response


@router.post("/logout", include_in_schema=False, openapi_extra=action("session.own"))
async def logout(request: Request, principal: Annotated[Principal, Depends(signed_in)]) -> Response:
    await run_in_threadpool(web_context(request).sessions.end, principal)
    response = RedirectResponse("/login?signed_out=1", 303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


api = APIRouter(prefix="/api/v1", tags=["session"], responses=ERRORS)


@api.post(
    "/session",
    response_model=SessionInfo,
    responses={429: {"description": "Too many failed sign-ins: wait and retry."}},
    openapi_extra=action("public"),
)
async def api_login(request: Request, credentials: Credentials) -> Response:
    """Sign in; the response sets the session cookie and gives the CSRF token."""
    context = web_context(request)
    ip = client_ip(request)
    try:
        user = await run_in_threadpool(
            authenticate,
            context.engine,
            credentials.username,
            credentials.password,
            ip=ip,
            now=context.clock(),
            policy=context.login_policy,
        )
    except LoginRefusedError as refused:
        headers = {}
        if refused.retry_after_seconds:
            headers["Retry-After"] = str(refused.retry_after_seconds)
        return JSONResponse(refused.to_dict(), status_code=429 if headers else 401, headers=headers)
    token, principal = await run_in_threadpool(
        context.sessions.start, user, ip, request.headers.get("user-agent")
    )
    response = JSONResponse(_info(principal))
    _set_session_cookie(response, context, token)
    return response


@api.get("/session", response_model=SessionInfo, openapi_extra=action("session.own"))
def api_session(principal: Annotated[Principal, Depends(signed_in)]) -> dict[str, Any]:
    """Who is signed in, and the session's CSRF token."""
    return _info(principal)


@api.delete("/session", status_code=204, openapi_extra=action("session.own"))
def api_logout(request: Request, principal: Annotated[Principal, Depends(signed_in)]) -> Response:
    """Sign out: the session ends on the server and the cookie is cleared."""
    web_context(request).sessions.end(principal)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api.get("/openapi.json", include_in_schema=False, openapi_extra=action("session.own"))
def openapi_document(request: Request) -> JSONResponse:
    """This API's OpenAPI document (signed-in users only)."""
    return JSONResponse(request.app.openapi())


def _info(principal: Principal) -> dict[str, Any]:
    return {
        "username": principal.username,
        "role": principal.role,
        "csrf_token": principal.csrf_token,
    }


router.include_router(api)
