"""The one dependency every route runs: who is asking, and may their role do this?

It finds the action the matched route declared (``forcesight.web.routing.action``), resolves
the session cookie, checks the role table, and for state-changing requests made with a session
checks the CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``). Refusals are
exceptions that the app turns into a redirect to the sign-in page (pages, not signed in), a
403 page, or a JSON error under ``/api/``.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from forcesight.web.context import client_ip, web_context
from forcesight.web.routing import route_action
from forcesight.web.sessions import Principal

SESSION_COOKIE = "forcesight_session"
LOGIN_NONCE_COOKIE = "forcesight_login"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class AccessRefusedError(Exception):
    """A request the guard refuses; ``status`` and ``code`` shape the response."""

    status = 403
    code = "forbidden"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class NotSignedInError(AccessRefusedError):
    status = 401
    code = "not_signed_in"

    def __init__(self, expired: bool = False) -> None:
        self.expired = expired
        super().__init__(
            "Your session has expired: sign in again." if expired else "Sign in first."
        )


class RoleRefusedError(AccessRefusedError):
    code = "forbidden"


class CsrfRefusedError(AccessRefusedError):
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__(
            "The form's security token is missing or wrong. Reload the page and try again."
        )


async def guard(request: Request) -> Principal | None:
    """Resolve and authorise the request; returns the principal (None on public routes)."""
    context = web_context(request)
    action = route_action(request.scope.get("route"))
    rule = context.roles.rule(action) if action else None
    if rule is None:
        # A route without a row in the role table is refused to everyone: fail closed.
        raise RoleRefusedError(
            f"No role may use this page (action {action!r} is not in roles.yaml)."
        )
    if rule.anonymous:
        request.state.principal = None
        return None
    lookup = await run_in_threadpool(
        context.sessions.resolve, request.cookies.get(SESSION_COOKIE), client_ip(request)
    )
    principal = lookup.principal
    request.state.principal = principal
    if principal is None:
        raise NotSignedInError(expired=lookup.expired)
    if principal.role not in rule.roles:
        raise RoleRefusedError(
            f"Your role ({principal.role}) may not do this. {rule.description.rstrip('.')} "
            f"({rule.action}) is for: {', '.join(rule.roles)}."
        )
    if request.method not in SAFE_METHODS and not await _csrf_ok(request, principal):
        raise CsrfRefusedError()
    return principal


async def _csrf_ok(request: Request, principal: Principal) -> bool:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    return sent is not None and hmac.compare_digest(sent, principal.csrf_token)


def signed_in(principal: Annotated[Principal | None, Depends(guard)]) -> Principal:
    """The principal of a route that needs one (the guard already refused anonymous users)."""
    if principal is None:
        raise NotSignedInError()
    return principal
