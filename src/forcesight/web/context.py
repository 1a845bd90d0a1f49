"""What every request handler shares: the store, settings, clock, role table and services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine

from forcesight.web.accounts import LoginPolicy
from forcesight.web.clock import Clock
from forcesight.web.config import WebConfig
from forcesight.web.roles import RolesPolicy
from forcesight.web.routing import NavItem
from forcesight.web.sessions import SessionStore

if TYPE_CHECKING:
    from forcesight.web.imports import ImportJobs
    from forcesight.web.quality import ChartCache
    from forcesight.web.status import StatusCache


@dataclass
class WebContext:
    engine: Engine
    config: WebConfig
    clock: Clock
    roles: RolesPolicy
    sessions: SessionStore
    jobs: ImportJobs
    charts: ChartCache
    status: StatusCache
    templates: Jinja2Templates
    nav: list[NavItem] = field(default_factory=list)

    @property
    def login_policy(self) -> LoginPolicy:
        return LoginPolicy(self.config.login_max_failures, self.config.login_lockout_minutes)


def web_context(request: Request) -> WebContext:
    context: WebContext = request.app.state.web
    return context


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
