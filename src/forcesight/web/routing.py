"""How a route says which action of the role table it performs, and the list of page modules.

Every route passes ``openapi_extra=action("import.run")``; the one guard dependency
(``forcesight.web.guard.guard``) reads it from the matched route and checks the role table. The
action also appears in the OpenAPI document as ``x-forcesight-action``.

A domain adds pages with a module that defines ``router`` (a FastAPI ``APIRouter``) and,
optionally, ``NAV`` (links for the navigation bar) and ``TEMPLATES`` (a folder of Jinja2
templates), then one line in ``ROUTER_MODULES`` and rows in ``policy/rules/roles.yaml``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

ACTION_KEY = "x-forcesight-action"

# One line per module of pages and API routes, in navigation order.
ROUTER_MODULES: tuple[str, ...] = (
    "forcesight.web.routes.health",
    "forcesight.web.routes.session",
    "forcesight.web.routes.home",
    "forcesight.web.routes.imports",
    "forcesight.web.routes.quality",
    "forcesight.workforce.web",
    "forcesight.finance.web",
    "forcesight.response.web",
    "forcesight.allocation.web",
    "forcesight.reporting.web",
    "forcesight.rostering.web",
    "forcesight.demand.web",
    "forcesight.tracking.web",
    "forcesight.web.routes.users",
    "forcesight.web.routes.audit_log",
)


def action(name: str) -> dict[str, Any]:
    """``openapi_extra`` for a route that performs ``name`` (a row of roles.yaml)."""
    return {ACTION_KEY: name}


def route_action(route: Any) -> str | None:
    """The action a matched route declared, or None if it declared none."""
    extra = getattr(route, "openapi_extra", None)
    if isinstance(extra, dict):
        value = extra.get(ACTION_KEY)
        return value if isinstance(value, str) else None
    return None


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation bar, shown to the roles that may perform ``action``."""

    label: str
    href: str
    action: str


@dataclass(frozen=True)
class RouteInfo:
    """One route of the app as a client sees it: full path, methods and declared action."""

    path: str
    methods: frozenset[str]
    action: str | None
    route: Any


def iter_routes(routes: Iterable[Any], prefix: str = "") -> Iterator[RouteInfo]:
    """Every route reachable in ``routes`` (e.g. ``app.routes``), with included routers opened.

    FastAPI may keep an included router as one wrapper route (``original_router`` plus its
    ``include_context``) rather than copying its routes; both shapes are handled.
    """
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = getattr(route, "include_context", None)
            yield from iter_routes(included.routes, prefix + getattr(context, "prefix", ""))
            continue
        methods = getattr(route, "methods", None)
        yield RouteInfo(
            path=prefix + str(getattr(route, "path", "")),
            methods=frozenset(methods) if methods else frozenset({"GET"}),
            action=route_action(route),
            route=route,
        )


def route_table_markdown(routes: Iterable[Any], roles: Any) -> str:
    """Every route with its action and the roles allowed, as the Markdown table in docs/web.md
    (a test checks that the docs hold exactly this table). ``roles`` is the RolesPolicy."""
    lines = ["| route | action | who may |", "|---|---|---|"]
    for info in iter_routes(routes):
        if info.action is None:
            continue
        rule = roles.rule(info.action)
        who = "anyone" if rule is None or rule.anonymous else ", ".join(rule.roles)
        for method in sorted(info.methods - {"HEAD"}):
            lines.append(f"| `{method} {info.path}` | `{info.action}` | {who} |")
    return "\n".join(lines)
