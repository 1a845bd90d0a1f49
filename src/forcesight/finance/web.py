"""Web pages and API for the cost of demand, spend against outcomes and the benefits register."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.finance import benefits, costs, metrics, outcomes
from forcesight.finance.policy import load_finance_policy
from forcesight.reporting import charts
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal
from forcesight.workforce.web import local_now, rows

NAV = (
    NavItem("Costs", "/finance/costs", "finance.view"),
    NavItem("Benefits", "/finance/benefits", "finance.view"),
)
TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]


class InvestmentIn(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    function: str = Field(min_length=1, max_length=40)
    metric: str = Field(min_length=1, max_length=60)
    baseline_value: float
    baseline_on: date
    expected_value: float
    expected_by: date
    cost_gbp: float | None = None
    owner: str | None = Field(default=None, max_length=80)
    notes: str | None = Field(default=None, max_length=2000)


def add_investment(request: Request, principal: Principal, body: InvestmentIn) -> int:
    context = web_context(request)
    item = benefits.Investment(**body.model_dump())
    new_id = benefits.register_investment(
        context.engine, item, created_by=principal.username, now=local_now(request)
    )
    with context.engine.begin() as connection:
        audit.record(connection, principal.username, "investment.add", f"investment:{new_id}",
                     body.model_dump(mode="json"), client_ip(request))  # fmt: skip
    return new_id


@router.get("/finance/costs", include_in_schema=False, openapi_extra=action("finance.view"))
def costs_page(request: Request, principal: Signed) -> Response:
    context = web_context(request)
    policy = load_finance_policy()
    result = costs.cost_of_demand(context.engine, local_now(request), policy)
    view, notes = outcomes.budgeting_view(context.engine, result, policy)
    by_function = result.by("function", "stream")
    priced = by_function.filter(pl.col("cost").is_not_null())
    chart = (
        charts.bars(priced, "function", "cost", color="stream", x_title="Function",
                    y_title="Cost (GBP)", width=560)
        if priced.height else ""
    )  # fmt: skip
    return render(
        request, "finance_costs.html", title="Cost of demand", result=result,
        by_function=rows(by_function), by_category=rows(result.by("stream", "category")),
        unpriced=rows(result.unpriced()), outcomes=rows(view), notes=notes, chart=chart,
    )  # fmt: skip


def _benefits_page(
    request: Request, *, error: str | None = None, done: str | None = None, status: int = 200
) -> Response:
    context = web_context(request)
    principal: Principal = request.state.principal
    view = benefits.register_view(context.engine, local_now(request))
    return render(
        request, "finance_benefits.html", status, title="Benefits register", register=rows(view),
        metrics=list(metrics.METRICS.values()), error=error, done=done,
        can_manage=context.roles.allows(principal.role, "finance.manage"),
    )  # fmt: skip


@router.get("/finance/benefits", include_in_schema=False, openapi_extra=action("finance.view"))
def benefits_page(
    request: Request, principal: Signed, done: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    return _benefits_page(request, done=done)


@router.post("/finance/benefits", include_in_schema=False, openapi_extra=action("finance.manage"))
async def benefits_add(
    request: Request,
    principal: Signed,
    name: Annotated[str, Form(min_length=1, max_length=120)],
    function: Annotated[str, Form(min_length=1, max_length=40)],
    metric: Annotated[str, Form(min_length=1, max_length=60)],
    baseline_value: Annotated[float, Form()],
    baseline_on: Annotated[date, Form()],
    expected_value: Annotated[float, Form()],
    expected_by: Annotated[date, Form()],
    cost_gbp: Annotated[str, Form(max_length=20)] = "",
    owner: Annotated[str, Form(max_length=80)] = "",
) -> Response:
    try:
        body = InvestmentIn(
            name=name.strip(), function=function.strip(), metric=metric,
            baseline_value=baseline_value, baseline_on=baseline_on,
            expected_value=expected_value, expected_by=expected_by,
            cost_gbp=float(cost_gbp) if cost_gbp.strip() else None, owner=owner.strip() or None,
        )  # fmt: skip
        await run_in_threadpool(add_investment, request, principal, body)
    except (ForcesightError, ValueError) as error:
        message = str(error)
        return await run_in_threadpool(lambda: _benefits_page(request, error=message, status=400))
    return RedirectResponse(f"/finance/benefits?done=Registered {body.name}", 303)


api = APIRouter(prefix="/api/v1/finance", tags=["finance"], responses=ERRORS)


@api.get("/costs", openapi_extra=action("finance.view"))
def api_costs(
    request: Request,
    principal: Signed,
    by: Annotated[
        str, Query(pattern=r"^(function|stream|category|rank)(,(function|stream|category|rank))*$")
    ] = "function,stream",
) -> dict[str, Any]:
    """Cost of demand over the year before now, by the given keys; unpriced ranks listed."""
    result = costs.cost_of_demand(web_context(request).engine, local_now(request))
    keys = list(dict.fromkeys(by.split(",")))
    return {
        "from": result.start, "to": result.end, "rate_set": result.rates.name,
        "rates_are_assumptions": result.rates.assumption, "hours": round(result.total_hours, 1),
        "cost": round(result.total_cost), "unpriced_hours": round(result.unpriced_hours, 1),
        "costs": result.by(*keys).to_dicts(), "unpriced": result.unpriced().to_dicts(),
    }  # fmt: skip


@api.get("/benefits", openapi_extra=action("finance.view"))
def api_benefits(request: Request, principal: Signed) -> dict[str, Any]:
    """Every investment with its actual measured from the store and its status."""
    view = benefits.register_view(web_context(request).engine, local_now(request))
    return {"investments": view.height, "register": view.to_dicts()}


@api.post("/benefits", status_code=201, openapi_extra=action("finance.manage"))
def api_benefits_add(request: Request, body: InvestmentIn, principal: Signed) -> dict[str, Any]:
    """Register an investment (validated; audited)."""
    return {"id": add_investment(request, principal, body), "investment": body.name}


router.include_router(api)
