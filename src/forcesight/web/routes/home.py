"""Home: what data is loaded, how fresh it is, and the last import runs with reconciliation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from forcesight.web.context import web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal

NAV = (NavItem("Home", "/", "home.view"),)

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]


def store_status(request: Request) -> dict[str, Any]:
    """The store's holdings and last import runs (see forcesight.web.status)."""
    context = web_context(request)
    return context.status.status(context.engine)


@router.get("/", include_in_schema=False, openapi_extra=action("home.view"))
def home_page(request: Request, principal: Signed) -> Response:
    status = store_status(request)
    return render(
        request,
        "home.html",
        title="Home",
        status=status,
        runs=status["import_runs"],
        can_view_runs=web_context(request).roles.allows(principal.role, "import.view"),
    )


@router.get(
    "/api/v1/status",
    tags=["status"],
    response_model=dict[str, Any],
    responses=ERRORS,
    openapi_extra=action("home.view"),
)
def api_status(request: Request, principal: Signed) -> dict[str, Any]:
    """What the store holds, how fresh it is, and import runs with their reconciliation."""
    return store_status(request)
