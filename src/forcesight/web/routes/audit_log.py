"""The audit log (administrators): read, filter and export as CSV. Nothing here changes it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from forcesight.errors import BadFilterError
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS, AuditPage
from forcesight.web.sessions import Principal

NAV = (NavItem("Audit", "/audit", "audit.view"),)
PAGE_ENTRIES = 100

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Text = Annotated[str | None, Query(max_length=200)]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (UTC).")]


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilterError(name, value, "a date as YYYY-MM-DD") from None


def audit_filter(
    actor: str | None,
    action_name: str | None,
    target: str | None,
    since: str | None,
    until: str | None,
) -> audit.AuditFilter:
    """The filter from query values: days are whole UTC days, ``until`` included."""
    start, end = _day(since, "since"), _day(until, "until")
    return audit.AuditFilter(
        actor=actor or None,
        action=action_name or None,
        target=target or None,
        since=datetime.combine(start, datetime.min.time()) if start else None,
        until=datetime.combine(end + timedelta(days=1), datetime.min.time()) if end else None,
    )


@router.get("/audit", include_in_schema=False, openapi_extra=action("audit.view"))
def audit_page(
    request: Request,
    principal: Signed,
    actor: Text = None,
    action_name: Annotated[str | None, Query(alias="action", max_length=60)] = None,
    target: Text = None,
    since: Day = None,
    until: Day = None,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    context = web_context(request)
    values = {
        "actor": actor or "",
        "action": action_name or "",
        "target": target or "",
        "since": since or "",
        "until": until or "",
    }
    error = None
    try:
        where = audit_filter(actor, action_name, target, since, until)
    except BadFilterError as bad:
        where, error = audit.AuditFilter(), str(bad)
    with context.engine.connect() as connection:
        entries, total = audit.entries(connection, where, PAGE_ENTRIES, offset)
        actions = audit.actions(connection)
    fragment = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "audit_rows.html" if fragment else "audit.html",
        400 if error else 200,
        title="Audit log",
        entries=entries,
        total=total,
        offset=offset,
        page_entries=PAGE_ENTRIES,
        actions=actions,
        values=values,
        query=request.url.query,
        error=error,
        can_export=context.roles.allows(principal.role, "audit.export"),
    )


@router.get(
    "/audit.csv",
    tags=["audit"],
    summary="Export the audit log as CSV (the export itself is audited).",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
    openapi_extra=action("audit.export"),
)
def audit_export(
    request: Request,
    principal: Signed,
    actor: Text = None,
    action_name: Annotated[str | None, Query(alias="action", max_length=60)] = None,
    target: Text = None,
    since: Day = None,
    until: Day = None,
) -> Response:
    context = web_context(request)
    where = audit_filter(actor, action_name, target, since, until)
    with context.engine.begin() as connection:
        audit.record(
            connection,
            principal.username,
            "audit.export",
            "audit_log",
            {k: v for k, v in asdict(where).items() if v is not None},
            client_ip(request),
            at=context.clock(),
        )
    stamp = context.clock().strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        audit.audit_csv(context.engine, where),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )


@router.get(
    "/api/v1/audit",
    tags=["audit"],
    response_model=AuditPage,
    responses=ERRORS,
    openapi_extra=action("audit.view"),
)
def api_audit(
    request: Request,
    principal: Signed,
    actor: Text = None,
    action_name: Annotated[str | None, Query(alias="action", max_length=60)] = None,
    target: Text = None,
    since: Day = None,
    until: Day = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Any:
    """Audit entries, newest first, filtered; ``since``/``until`` are whole UTC days."""
    where = audit_filter(actor, action_name, target, since, until)
    with web_context(request).engine.connect() as connection:
        entries, total = audit.entries(connection, where, limit, offset)
    return {"total": total, "offset": offset, "entries": [asdict(e) for e in entries]}
