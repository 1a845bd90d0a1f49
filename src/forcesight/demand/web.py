"""Web pages and API for demand: the hour-of-week heat map and trends, Home Office forecast fan
charts, and hidden demand against peer forces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Engine

from forcesight.demand import queries, service
from forcesight.demand.hidden import force_key
from forcesight.demand.profiles import profile
from forcesight.errors import ForcesightError
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal
from forcesight.workforce.web import local_now, rows

NAV = (
    NavItem("Demand", "/demand", "demand.view"),
    NavItem("Forecast", "/demand/forecast", "demand.view"),
    NavItem("Hidden demand", "/demand/hidden", "demand.view"),
)
TEMPLATES = Path(__file__).parent / "templates"

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Source = Annotated[Literal["incidents", "crimes"], Query()]
Measure = Annotated[Literal["officer_hours", "volume"], Query()]
Freq = Annotated[Literal["day", "week", "month"], Query()]
Day = Annotated[date | None, Query(description="Default: a year before `to`.")]
ToDay = Annotated[date | None, Query(description="Exclusive; default: today.")]
Horizon = Annotated[int, Query(ge=1, le=24, description="Quarters ahead.")]
Name = Annotated[str | None, Query(max_length=120)]


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(request: Request, start: date | None, end: date | None) -> Window:
    """[start, end) as local datetimes: by default the 365 days to the start of today."""
    last = datetime.combine(end, time()) if end else datetime.combine(local_now(request), time())
    first = datetime.combine(start, time()) if start else last - timedelta(days=365)
    return Window(first, last)


def _profile(
    engine: Engine, span: Window, source: str, measure: str, freq: str
) -> tuple[service.HeatMap | None, pl.DataFrame, str]:
    """The heat map (None when nothing is in the window) and the trend series with its chart."""
    series, trend_svg = service.trends(
        engine, source, span.start, span.end, by="category" if source == "incidents"
        else "offence_group", freq=freq,
    )  # fmt: skip
    if series.height == 0:
        return None, series, ""
    return service.heat_map(engine, source, span.start, span.end, measure), series, trend_svg


def _group_by_category(table: pl.DataFrame) -> pl.DataFrame:
    """The heat map's rows summed over the hours of the week, largest first."""
    key = "category" if "category" in table.columns else "offence_group"
    return (
        table.group_by(key)
        .agg(pl.col("volume").sum(), pl.col("officer_hours").sum().round(1))
        .sort("officer_hours", key, descending=[True, False])
    )


@router.get("/demand", include_in_schema=False, openapi_extra=action("demand.view"))
def demand_page(
    request: Request,
    principal: Signed,
    source: Source = "incidents",
    measure: Measure = "officer_hours",
    freq: Freq = "week",
    start: Day = None,
    to: ToDay = None,
) -> Response:
    span = window(request, start, to)
    if span.start >= span.end:
        return render(request, "demand.html", 400, title="Demand", error="The start must be "
                      "before the end.", span=span, source=source, measure=measure, freq=freq,
                      heat=None, totals=[], trend_svg="")  # fmt: skip
    heat, _, trend_svg = _profile(web_context(request).engine, span, source, measure, freq)
    return render(
        request, "demand.html", title="Demand", span=span, source=source, measure=measure,
        freq=freq, heat=heat, totals=rows(_group_by_category(heat.table)) if heat else [],
        trend_svg=trend_svg, error=None,
    )  # fmt: skip


def _rolling(request: Request) -> pl.DataFrame:
    return queries.rolling_year(web_context(request).engine)


def _default_force(request: Request, forces: list[str]) -> str | None:
    home = queries.home_force(web_context(request).engine)
    match = [f for f in forces if home and force_key(f) == force_key(home)]
    return match[0] if match else (forces[0] if forces else None)


@router.get("/demand/forecast", include_in_schema=False, openapi_extra=action("demand.view"))
def forecast_page(
    request: Request,
    principal: Signed,
    force: Name = None,
    group: Name = None,
    horizon: Horizon = 16,
) -> Response:
    rolling = _rolling(request)
    forces, groups = service.home_office_choices(rolling)
    chosen_force = force or _default_force(request, forces)
    chosen_group = group or service.TOTAL_GROUP
    run, error = None, None
    if chosen_force:
        try:
            run = service.home_office_series_forecast(rolling, chosen_force, chosen_group, horizon)
        except ForcesightError as problem:
            error = str(problem)
    return render(
        request, "demand_forecast.html", 400 if error else 200, title="Demand forecast",
        forces=forces, groups=groups, force=chosen_force, group=chosen_group, horizon=horizon,
        run=run, error=error, forecast=rows(run.result.forecasts.drop("unique_id")) if run else [],
        selection=rows(run.result.selection) if run else [],
        breaks=rows(run.result.breaks.drop("unique_id")) if run else [],
        problems=rows(run.result.problems) if run else [],
        notes=rows(run.harmonisation) if run else [],
    )  # fmt: skip


def _hidden(request: Request, principal: Principal, force: str | None) -> service.HiddenDemand:
    """Hidden demand at now; the view of repeat victims (person-level) is audited."""
    engine = web_context(request).engine
    found = service.hidden_demand(engine, local_now(request), force)
    with engine.begin() as connection:
        audit.record(
            connection, principal.username, "demand.hidden.view",
            f"force:{found.force or 'unknown'}",
            {"repeat_victims": found.repeat_victims.height}, client_ip(request),
        )  # fmt: skip
    return found


@router.get("/demand/hidden", include_in_schema=False, openapi_extra=action("demand.view"))
def hidden_page(request: Request, principal: Signed, force: Name = None) -> Response:
    found = _hidden(request, principal, force)
    flagged = (
        found.peers.filter(pl.col("possible_hidden_demand")).height
        if "possible_hidden_demand" in found.peers.columns else 0
    )  # fmt: skip
    return render(
        request, "demand_hidden.html", title="Hidden demand", found=found, flagged=flagged,
        peers=rows(found.peers.drop("evidence", "source", "force", strict=False)),
        evidence=rows(found.peers.select("type", "possible_hidden_demand", "evidence", "source"))
        if "evidence" in found.peers.columns else [],
        own_rates=rows(found.own_rates),
        repeat_victims=rows(found.repeat_victims), repeat_locations=rows(found.repeat_locations),
        repeat_trend=rows(found.repeat_trend),
    )  # fmt: skip


api = APIRouter(prefix="/api/v1/demand", tags=["demand"], responses=ERRORS)


def _bad(problem: ForcesightError) -> JSONResponse:
    return JSONResponse({"error": problem.code, "detail": str(problem)}, 400)


@api.get("/heatmap", openapi_extra=action("demand.view"))
def api_heatmap(
    request: Request,
    principal: Signed,
    source: Source = "incidents",
    start: Day = None,
    to: ToDay = None,
) -> dict[str, Any]:
    """Volumes and officer-hours by category (or offence group) x hour of week (0 = Monday
    00:00) in [start, to), with the same window a year earlier."""
    span = window(request, start, to)
    table = profile(
        web_context(request).engine, source,
        ["category" if source == "incidents" else "offence_group", "hour_of_week"],
        span.start, span.end,
    )  # fmt: skip
    return {"source": source, "from": span.start, "to": span.end, "cells": table.to_dicts()}


@api.get("/trends", openapi_extra=action("demand.view"))
def api_trends(
    request: Request,
    principal: Signed,
    source: Source = "incidents",
    freq: Freq = "week",
    start: Day = None,
    to: ToDay = None,
) -> dict[str, Any]:
    """Volumes per category (or offence group) per period; partial first and last weeks or
    months dropped."""
    span = window(request, start, to)
    series, _ = service.trends(
        web_context(request).engine, source, span.start, span.end,
        by="category" if source == "incidents" else "offence_group", freq=freq,
    )  # fmt: skip
    return {"source": source, "freq": freq, "from": span.start, "to": span.end,
            "series": series.to_dicts()}  # fmt: skip


@api.get("/forecast", openapi_extra=action("demand.view"), response_model=None)
def api_forecast(
    request: Request,
    principal: Signed,
    force: Name = None,
    group: Name = None,
    horizon: Horizon = 16,
) -> dict[str, Any] | JSONResponse:
    """One force x offence group of the Home Office rolling-year data loaded, harmonised and
    forecast ``horizon`` quarters ahead with 80% and 95% intervals, the model chosen by the
    series' own rolling-origin backtests, and the breaks detected."""
    rolling = _rolling(request)
    forces, groups = service.home_office_choices(rolling)
    chosen = force or _default_force(request, forces)
    if chosen is None:
        detail = "no Home Office rolling-year recorded crime loaded"
        return JSONResponse({"error": "no_data", "detail": detail}, 404)
    try:
        run = service.home_office_series_forecast(
            rolling, chosen, group or service.TOTAL_GROUP, horizon
        )
    except ForcesightError as problem:
        return _bad(problem)
    result = run.result
    return {
        "series": run.unique_id, "forces": forces, "groups": groups,
        "selection": result.selection.to_dicts(), "history": result.history.to_dicts(),
        "forecast": result.forecasts.to_dicts(), "breaks": result.breaks.to_dicts(),
        "problems": result.problems.to_dicts(), "harmonisation": run.harmonisation.to_dicts(),
    }  # fmt: skip


@api.get("/hidden", openapi_extra=action("demand.view"))
def api_hidden(request: Request, principal: Signed, force: Name = None) -> dict[str, Any]:
    """Under-reported crime against peer forces (flagged), vulnerability demand per 1,000,
    repeat victims and locations (the view is audited)."""
    found = _hidden(request, principal, force)
    return {
        "force": found.force, "peers": found.peers.to_dicts(),
        "own_rates": found.own_rates.to_dicts(),
        "repeat_victims": found.repeat_victims.to_dicts(),
        "repeat_locations": found.repeat_locations.to_dicts(),
        "repeat_trend": found.repeat_trend.to_dicts(), "missing": found.missing,
    }  # fmt: skip


router.include_router(api)
