"""``/healthz``: is the store reachable, and at which schema version (no sign-in)."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from forcesight.store.migrate import current_heads, expected_heads
from forcesight.web.context import web_context
from forcesight.web.routing import action
from forcesight.web.schemas import Health

router = APIRouter(tags=["health"])

# The migrations shipped with this forcesight do not change while it runs.
shipped_heads = cache(expected_heads)


@router.get(
    "/healthz",
    response_model=Health,
    responses={503: {"model": Health, "description": "Store unreachable or out of date."}},
    openapi_extra=action("public"),
)
def healthz(request: Request) -> JSONResponse:
    """Store reachability and schema version; 503 unless both are right."""
    engine = web_context(request).engine
    expected = shipped_heads()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = current_heads(engine)
    except SQLAlchemyError as error:
        health = Health(
            status="unavailable",
            store="unreachable",
            schema_version=[],
            expected_schema_version=expected,
            schema_current=False,
            detail=type(error).__name__,
        )
        return JSONResponse(health.model_dump(), status_code=503)
    current_ok = current == expected
    health = Health(
        status="ok" if current_ok else "unavailable",
        store="reachable",
        schema_version=current,
        expected_schema_version=expected,
        schema_current=current_ok,
        detail=None if current_ok else "Run `forcesight init` to migrate the store.",
    )
    return JSONResponse(health.model_dump(), status_code=200 if current_ok else 503)
