"""Web pages and API for response: the Erlang staffing table for the store's incident log,
bounded simulation runs of stored or example scenarios (attendance by grade and hour, the
utilisation heat map, Erlang beside simulation) and scenario comparison with intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ScenarioError
from forcesight.response import catalogue, service
from forcesight.response.staffing import METHODS
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal

NAV = (
    NavItem("Response", "/response", "response.view"),
    NavItem("Scenarios", "/response/scenarios", "response.run"),
)
TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Method = Annotated[str, Query(pattern="^(" + "|".join(METHODS) + ")$")]
Reps = Annotated[int, Query(ge=1, le=catalogue.MAX_REPLICATIONS)]
Days = Annotated[float, Query(gt=0, le=catalogue.MAX_HORIZON_DAYS)]
Ref = Annotated[str, Query(max_length=200)]
Seed = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


def _form_context(request: Request) -> dict[str, Any]:
    context = web_context(request)
    principal: Principal = request.state.principal
    return {
        "scenarios": catalogue.list_scenarios(context.engine),
        "can_run": context.roles.allows(principal.role, "response.run"),
        "max_replications": catalogue.MAX_REPLICATIONS,
        "max_horizon": catalogue.MAX_HORIZON_DAYS,
    }


def _simulation_view(sim: service.Simulation) -> dict[str, Any]:
    """What the simulate page shows: the service's figures and charts, by grade."""
    summary = sim.to_dict()
    attendance = service.attendance_by_grade_and_hour(sim.replications)
    utilisation = service.utilisation_by_hour(sim.replications)
    functions = sorted(set(utilisation["function"].to_list())) if utilisation.height else []
    return {
        "summary": summary,
        "grades": [
            {
                "grade": code,
                "within_target": m.get("within_target_share", {}).get("mean"),
                "low": m.get("within_target_share", {}).get("low"),
                "high": m.get("within_target_share", {}).get("high"),
                "mean_wait_min": m.get("mean_wait_min", {}).get("mean"),
                "p90_response_min": m.get("p90_response_min", {}).get("mean"),
            }
            for code, m in summary["grades"].items()
            if m.get("within_target_share", {}).get("mean") is not None
        ],
        "beside": [
            row
            for row in service.analytic_beside_simulated(sim).to_dicts()
            if row["simulated_within_target_share"] is not None
        ],
        "heatmaps": [(f, service.utilisation_heatmap_svg(utilisation, f)) for f in functions],
        "attendance_charts": [
            (code, service.attendance_chart_svg(attendance, code))
            for code in sim.model.grade_codes
            if attendance.filter(attendance["grade"] == code).height
        ],
        "attendance": attendance.to_dicts(),
    }


@router.get("/response", include_in_schema=False, openapi_extra=action("response.view"))
def response_page(request: Request, principal: Signed, method: Method = "priority") -> Response:
    engine = web_context(request).engine
    table = catalogue.staffing_from_log(engine, method)
    chart = catalogue.staffing_chart_svg(table)
    return render(
        request, "response.html", title="Response", staffing=table.to_dicts(), chart=chart,
        method=method, methods=METHODS, **_form_context(request),
    )  # fmt: skip


@router.get("/response/simulate", include_in_schema=False, openapi_extra=action("response.run"))
def simulate_page(
    request: Request,
    principal: Signed,
    scenario: Ref = "",
    replications: Reps = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: Days = catalogue.DEFAULT_HORIZON_DAYS,
    seed: Seed = None,
) -> Response:
    view: dict[str, Any] = {}
    if scenario:
        sim = catalogue.simulate_ref(
            web_context(request).engine, scenario, replications=replications,
            horizon_days=horizon_days, seed=seed,
        )  # fmt: skip
        view = _simulation_view(sim)
    return render(
        request, "response_simulate.html", title="Simulate a scenario", chosen=scenario,
        replications=replications, horizon_days=horizon_days, seed=seed, **view,
        **_form_context(request),
    )  # fmt: skip


MAX_SCENARIO_CHARS = 200_000


def _scenarios_page(
    request: Request,
    name: str = "",
    body: str = "",
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request, "response_scenarios.html", status, title="Response scenarios", name=name,
        body=body, problems=problems or [], max_chars=MAX_SCENARIO_CHARS,
        **_form_context(request),
    )  # fmt: skip


@router.get("/response/scenarios", include_in_schema=False, openapi_extra=action("response.run"))
def scenarios_page(request: Request, principal: Signed) -> Response:
    """The scenarios that can be run, and a form to store a new one."""
    return _scenarios_page(request)


@router.post("/response/scenarios", include_in_schema=False, openapi_extra=action("response.run"))
async def scenarios_store(
    request: Request,
    principal: Signed,
    name: Annotated[str, Form(max_length=80)],
    body: Annotated[str, Form(max_length=MAX_SCENARIO_CHARS)],
) -> Response:
    """Check a scenario (every problem listed with its line and field) and store it."""
    context = web_context(request)

    def store() -> catalogue.ScenarioRef:
        now = context.clock()
        ref = catalogue.store_scenario(context.engine, name, body, now=now,
                                       user=principal.username)  # fmt: skip
        with context.engine.begin() as connection:
            audit.record(connection, principal.username, "response.scenario.save", ref.ref,
                         None, client_ip(request), at=now)  # fmt: skip
        return ref

    try:
        ref = await run_in_threadpool(store)
    except ScenarioError as error:
        return _scenarios_page(request, name, body, error.problems, status=422)
    return RedirectResponse(f"/response/simulate?scenario={quote(ref.ref)}", 303)


@router.get("/response/compare", include_in_schema=False, openapi_extra=action("response.run"))
def compare_page(
    request: Request,
    principal: Signed,
    a: Ref = "",
    b: Ref = "",
    replications: Reps = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: Days = catalogue.DEFAULT_HORIZON_DAYS,
    seed: Seed = None,
) -> Response:
    result: dict[str, Any] | None = None
    if a and b:
        comparison = catalogue.compare_refs(
            web_context(request).engine, a, b, replications=replications,
            horizon_days=horizon_days, seed=seed,
        )  # fmt: skip
        result = service.comparison_dict(comparison)
    return render(
        request, "response_compare.html", title="Compare two scenarios", a=a, b=b,
        replications=replications, horizon_days=horizon_days, seed=seed, result=result,
        **_form_context(request),
    )  # fmt: skip


api = APIRouter(prefix="/api/v1/response", tags=["response"], responses=ERRORS)


class RunIn(BaseModel):
    scenario: str = Field(max_length=200, description="example:<stem> or stored:<name>.")
    replications: int = Field(default=catalogue.DEFAULT_REPLICATIONS, ge=1,
                              le=catalogue.MAX_REPLICATIONS)  # fmt: skip
    horizon_days: float = Field(default=catalogue.DEFAULT_HORIZON_DAYS, gt=0,
                                le=catalogue.MAX_HORIZON_DAYS)  # fmt: skip
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


class CompareIn(BaseModel):
    a: str = Field(max_length=200, description="Scenario A: example:<stem> or stored:<name>.")
    b: str = Field(max_length=200, description="Scenario B, compared against A.")
    replications: int = Field(default=catalogue.DEFAULT_REPLICATIONS, ge=1,
                              le=catalogue.MAX_REPLICATIONS)  # fmt: skip
    horizon_days: float = Field(default=catalogue.DEFAULT_HORIZON_DAYS, gt=0,
                                le=catalogue.MAX_HORIZON_DAYS)  # fmt: skip
    seed: int | None = Field(default=None, ge=0, le=2**31 - 1)


@api.get("/staffing", openapi_extra=action("response.view"))
def api_staffing(
    request: Request, principal: Signed, method: Method = "priority"
) -> dict[str, Any]:
    """The Erlang table by hour of week for the store's incident log (empty if no incidents)."""
    table = catalogue.staffing_from_log(web_context(request).engine, method)
    return {"method": method, "hours": table.to_dicts()}


@api.get("/scenarios", openapi_extra=action("response.view"))
def api_scenarios(request: Request, principal: Signed) -> dict[str, Any]:
    """Scenarios that can be run: examples and those stored in the scenarios table."""
    found = catalogue.list_scenarios(web_context(request).engine)
    return {"scenarios": [{"ref": s.ref, "name": s.name, "origin": s.origin} for s in found]}


@api.post("/simulate", openapi_extra=action("response.run"))
def api_simulate(request: Request, body: RunIn, principal: Signed) -> dict[str, Any]:
    """Run a scenario (bounded replications and horizon); results with 95% intervals,
    attendance by grade and hour, utilisation by function and hour, Erlang beside simulation."""
    sim = catalogue.simulate_ref(
        web_context(request).engine, body.scenario, replications=body.replications,
        horizon_days=body.horizon_days, seed=body.seed,
    )  # fmt: skip
    return {
        **sim.to_dict(),
        "horizon_days": sim.scenario.scenario.horizon_days,
        "erlang_beside_simulated": service.analytic_beside_simulated(sim).to_dicts(),
        "attendance_by_grade_and_hour": service.attendance_by_grade_and_hour(
            sim.replications
        ).to_dicts(),
        "utilisation_by_hour": service.utilisation_by_hour(sim.replications).to_dicts(),
    }


@api.post("/compare", openapi_extra=action("response.run"))
def api_compare(request: Request, body: CompareIn, principal: Signed) -> dict[str, Any]:
    """B against A on the same seeds: differences with paired 95% intervals."""
    comparison = catalogue.compare_refs(
        web_context(request).engine, body.a, body.b, replications=body.replications,
        horizon_days=body.horizon_days, seed=body.seed,
    )  # fmt: skip
    return service.comparison_dict(comparison)


router.include_router(api)
