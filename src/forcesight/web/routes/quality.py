"""Data quality: quarantine by source and reason, over time."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from forcesight.web.context import web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.quality import quality_summary
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS, QualityOut
from forcesight.web.sessions import Principal

NAV = (NavItem("Data quality", "/quality", "quality.view"),)

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]


@router.get("/quality", include_in_schema=False, openapi_extra=action("quality.view"))
def quality_page(request: Request, principal: Signed) -> Response:
    context = web_context(request)
    summary = quality_summary(context.engine)
    chart = context.charts.quality_chart(context.engine, summary) if summary.by_day else ""
    return render(request, "quality.html", title="Data quality", summary=summary, chart=chart)


@router.get(
    "/api/v1/quality",
    tags=["quality"],
    response_model=QualityOut,
    responses=ERRORS,
    openapi_extra=action("quality.view"),
)
def api_quality(request: Request, principal: Signed) -> dict[str, Any]:
    """Quarantined rows by source (against rows read), by source and reason, and by day."""
    return quality_summary(web_context(request).engine).to_dict()
