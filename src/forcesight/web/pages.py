"""Rendering pages: every template gets the signed-in principal, its CSRF token and the links
its role may follow."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from forcesight.web.context import web_context
from forcesight.web.sessions import Principal

TEMPLATES = Path(__file__).parent / "templates"


def make_templates(extra_dirs: list[Path]) -> Jinja2Templates:
    """Templates from the web package and from each registered page module's folder."""
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in [TEMPLATES, *extra_dirs]]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["thousands"] = _thousands
    environment.filters["when"] = _when
    environment.filters["day"] = _day
    return Jinja2Templates(env=environment)


def _thousands(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def _when(value: Any) -> str:
    """A datetime (or its ISO text) as 'YYYY-MM-DD HH:MM'."""
    if value is None:
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _day(value: Any) -> str:
    """A date or datetime (or its ISO text) as 'YYYY-MM-DD'."""
    if value is None:
        return "–"
    return str(value)[:10]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the page's context plus who is signed in and their links."""
    web = web_context(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    nav = [
        item
        for item in web.nav
        if principal is not None and web.roles.allows(principal.role, item.action)
    ]
    return web.templates.TemplateResponse(
        request,
        template,
        {
            "principal": principal,
            "csrf_token": principal.csrf_token if principal else "",
            "nav": nav,
            "current_path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
