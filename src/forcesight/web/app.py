"""The FastAPI application: pages and the JSON API over the same service functions."""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from forcesight.errors import ForcesightError
from forcesight.store.engine import open_engine
from forcesight.web.clock import Clock, utc_now
from forcesight.web.config import WebConfig
from forcesight.web.context import WebContext
from forcesight.web.guard import AccessRefusedError, NotSignedInError, guard
from forcesight.web.imports import ImportJobs
from forcesight.web.middleware import SecurityHeaders
from forcesight.web.pages import make_templates, render
from forcesight.web.quality import ChartCache, warm_chart_renderer
from forcesight.web.roles import load_roles
from forcesight.web.routing import ROUTER_MODULES, NavItem
from forcesight.web.sessions import SessionStore, secret_key
from forcesight.web.status import StatusCache

STATIC = Path(__file__).parent / "static"
API_PREFIX = "/api/"
# Room for the multipart envelope and the small form fields around an upload.
FORM_OVERHEAD_BYTES = 2 * 1024 * 1024


def create_app(
    url: str,
    *,
    config: WebConfig | None = None,
    clock: Clock = utc_now,
    router_modules: tuple[str, ...] = ROUTER_MODULES,
) -> FastAPI:
    """The web app over the store at ``url``. ``clock`` gives the time (UTC, naive)."""
    config = config or WebConfig.from_settings()
    engine = open_engine(url)
    roles = load_roles(config.policy_dir)
    modules = [importlib.import_module(name) for name in router_modules]
    nav: list[NavItem] = [item for module in modules for item in getattr(module, "NAV", ())]
    template_dirs = [Path(module.TEMPLATES) for module in modules if hasattr(module, "TEMPLATES")]
    jobs = ImportJobs(engine, config.upload_dir, clock)
    status = StatusCache()

    def warm() -> None:
        warm_chart_renderer()
        with contextlib.suppress(SQLAlchemyError):  # no store yet: /healthz says so
            status.warm(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The chart renderer takes seconds to start the first time: warm it in the background.
        warming = threading.Thread(target=warm, name="forcesight-warm", daemon=True)
        warming.start()
        yield
        jobs.shutdown()
        # Background work must finish before the store's connections close: a thread that
        # checked a connection out after dispose() would leave it open until collected.
        warming.join(timeout=60)
        for hook in app.state.shutdown_hooks:
            hook()
        engine.dispose()

    app = FastAPI(
        title="forcesight",
        version=_version(),
        summary="Demand, capacity and capability for a police force.",
        description=(
            "Sign in with `POST /api/v1/session`; the session cookie then authenticates every "
            "call. State-changing calls must send the session's CSRF token in the "
            "`X-CSRF-Token` header. Each operation's `x-forcesight-action` names its row in "
            "the role table (policy/rules/roles.yaml)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(guard)],
        lifespan=lifespan,
        max_body_size=config.max_upload_bytes + FORM_OVERHEAD_BYTES,
    )
    app.state.web = WebContext(
        engine=engine,
        config=config,
        clock=clock,
        roles=roles,
        sessions=SessionStore(
            engine, secret_key(config.secret_key, config.data_dir), config.session_minutes, clock
        ),
        jobs=jobs,
        charts=ChartCache(),
        status=status,
        templates=make_templates(template_dirs),
        nav=nav,
    )
    # Domains that start their own background workers register how to stop them here.
    app.state.shutdown_hooks = []
    for module in modules:
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    _add_error_handlers(app)
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("forcesight")
    except PackageNotFoundError:
        return "0"


def is_api(request: Request) -> bool:
    """Whether errors get the JSON shape: API paths, and documented operations outside /api/
    (the CSV exports) unless a browser asks for HTML; pages get an error page."""
    path = request.url.path
    if path.startswith(API_PREFIX) or path == "/healthz":
        return True
    documented = getattr(request.scope.get("route"), "include_in_schema", False)
    return bool(documented) and "text/html" not in request.headers.get("accept", "")


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AccessRefusedError)
    async def refused(request: Request, exc: AccessRefusedError) -> Response:
        if is_api(request):
            return JSONResponse({"error": exc.code, "detail": str(exc)}, status_code=exc.status)
        if isinstance(exc, NotSignedInError):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            expired = "&expired=1" if exc.expired else ""
            return RedirectResponse(f"/login?next={quote(target, safe='')}{expired}", 303)
        return render(request, "error.html", exc.status, title="Not allowed", message=str(exc))

    @app.exception_handler(ForcesightError)
    async def forcesight_error(request: Request, exc: ForcesightError) -> Response:
        status = int(getattr(exc, "http_status", 400))
        if is_api(request):
            return JSONResponse(exc.to_dict(), status_code=status)
        return render(request, "error.html", status, title="That did not work", message=str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers: dict[str, Any] = dict(exc.headers or {})
        if is_api(request):
            code = "not_found" if exc.status_code == 404 else f"http_{exc.status_code}"
            return JSONResponse(
                {"error": code, "detail": str(exc.detail)}, exc.status_code, headers=headers
            )
        title = "Not found" if exc.status_code == 404 else "Request refused"
        response = render(
            request, "error.html", exc.status_code, title=title, message=str(exc.detail)
        )
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if is_api(request):
            return JSONResponse({"detail": _plain(exc.errors())}, status_code=422)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}"
            for e in exc.errors()
        )
        return render(request, "error.html", 422, title="Please check the form", message=problems)


def _plain(errors: Any) -> Any:
    """Validation errors with only JSON-safe values (pydantic may include exceptions)."""
    cleaned = []
    for error in errors:
        item = {k: v for k, v in error.items() if k in ("loc", "msg", "type", "input")}
        if "input" in item and not isinstance(item["input"], str | int | float | bool | None):
            item["input"] = str(item["input"])
        cleaned.append(item)
    return cleaned
