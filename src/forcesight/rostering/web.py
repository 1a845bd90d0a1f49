"""Web pages and API for shift patterns and rosters: the stored list, the officer x day grid,
cover against demand (server-side SVG) and rule breaches.

Pages and API call the same service functions as the CLI (``rostering.service``); patterns and
rosters are stored by ``forcesight roster design SPEC --save NAME``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from forcesight.errors import UnknownRosterError
from forcesight.rostering import queries, service, web_compare, web_design
from forcesight.rostering.shifts import hour_label
from forcesight.web.context import web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal

NAV = (NavItem("Rosters", "/rosters", "roster.view"),)
TEMPLATES = Path(__file__).parent / "templates"
MAX_OFFICERS = 500
OFFICER_FIELDS = ("officer", "function", "team", "area", "skills", "cancelled_rest_days",
                  "late_changes")  # fmt: skip

router = APIRouter()
# The compare view and the design form first: their paths would otherwise match /rosters/{name}.
router.include_router(web_compare.router)
router.include_router(web_design.router)
Signed = Annotated[Principal, Depends(signed_in)]
Name = Annotated[str, PathParam(min_length=1, max_length=120)]


def _stored(engine: Any) -> dict[str, list[dict[str, Any]]]:
    listed = service.list_stored(engine)
    return {
        "patterns": listed[queries.KIND_PATTERN],
        "rosters": listed[queries.KIND_ROSTER],
        "specs": listed[queries.KIND_SPEC],
    }


def _names(engine: Any) -> list[dict[str, Any]]:
    """One row per stored name: whether a pattern, a roster and a specification exist."""
    listed = _stored(engine)
    names: dict[str, dict[str, Any]] = {}
    for kind, singular in (("patterns", "pattern"), ("rosters", "roster"), ("specs", "spec")):
        for item in listed[kind]:
            row = names.setdefault(item["name"], {"name": item["name"], "pattern": False,
                                                  "roster": False, "spec": False,
                                                  "created_at": item["created_at"]})  # fmt: skip
            row[singular] = True
            row["created_at"] = max(row["created_at"], item["created_at"])
    return sorted(names.values(), key=lambda r: (r["created_at"], r["name"]), reverse=True)


def _under_hours(cover: pl.DataFrame) -> pl.DataFrame:
    return (
        cover.filter(pl.col("under") > 0)
        .with_columns(
            pl.col("hour_of_week").map_elements(hour_label, return_dtype=pl.String).alias("hour")
        )
        .select("function", "hour", "required", "rostered", "under")
    )


def roster_view(engine: Any, name: str) -> dict[str, Any]:
    """Everything stored under ``name``: pattern summary and cover, roster grid and breaches.
    404 if neither a pattern nor a roster has that name."""
    view: dict[str, Any] = {"name": name, "pattern": None, "roster": None}
    try:
        design = service.load_design(engine, name)
    except UnknownRosterError:
        pass
    else:
        cover, svg = service.design_cover(engine, name)
        view["pattern"] = {
            "start_date": design.start_date,
            "published_on": design.published_on,
            "functions": [
                {
                    "function": f.function,
                    "area": f.area,
                    "cycle_weeks": f.cycle_weeks,
                    "teams": f.lines * f.cycle_weeks,
                    "officers": sum(f.team_sizes) * f.cycle_weeks,
                    "spare_officers": f.spare_officers,
                    "shortfall_officer_hours": round(f.shortfall_officer_hours(), 1),
                    "over_officer_hours": round(f.over_officer_hours(), 1),
                }
                for f in design.functions
            ],
            "solver": [
                {"function": f.function} | stage.to_dict()
                for f in design.functions
                for stage in f.stages
            ],
            "rules": [
                {
                    "function": f.function,
                    "rule": r.rule,
                    "binds": "undecided" if r.binds is None else ("yes" if r.binds else "no"),
                    "tight_limits": f"{r.tight} of {r.limits}",
                    "effect": r.effect,
                }
                for f in design.functions
                for r in f.rules
            ],
            "binding": sorted({r.rule for f in design.functions for r in f.rules if r.binds}),
            "undecided": any(r.binds is None for f in design.functions for r in f.rules),
            "conflict": [(f.function, f.conflict, f.note) for f in design.functions if f.note],
            "cover": cover,
            "chart": svg,
            "under": _under_hours(cover),
        }
    try:
        roster = service.load_roster(engine, name)
    except UnknownRosterError:
        pass
    else:
        view["roster"] = {
            "start_date": roster.start_date,
            "days": roster.days,
            "published_on": roster.published_on,
            "officers": len(roster.officers),
            "grid": roster.grid(),
            "breaches": service.roster_breaches(engine, name),
        }
    if view["pattern"] is None and view["roster"] is None:
        known = ", ".join(n["name"] for n in _names(engine)) or "none stored"
        raise HTTPException(404, f"No stored pattern or roster named {name!r}. Stored: {known}.")
    return view


def _grid_rows(grid: pl.DataFrame) -> tuple[list[date], list[dict[str, Any]]]:
    days = [date.fromisoformat(c) for c in grid.columns if c not in OFFICER_FIELDS]
    out = []
    for row in grid.head(MAX_OFFICERS).iter_rows(named=True):
        out.append({"officer": row["officer"], "function": row["function"], "team": row["team"],
                    "cells": [row[d.isoformat()] for d in days]})  # fmt: skip
    return days, out


@router.get("/rosters", include_in_schema=False, openapi_extra=action("roster.view"))
def rosters_page(request: Request, principal: Signed) -> Response:
    context = web_context(request)
    return render(
        request, "rosters.html", title="Shift patterns and rosters", names=_names(context.engine),
        can_design=context.roles.allows(principal.role, "roster.design"),
        can_compare=context.roles.allows(principal.role, "roster.compare"),
    )  # fmt: skip


@router.get("/rosters/{name}", include_in_schema=False, openapi_extra=action("roster.view"))
def roster_page(request: Request, principal: Signed, name: Name) -> Response:
    view = roster_view(web_context(request).engine, name)
    days: list[date] = []
    grid: list[dict[str, Any]] = []
    breaches: list[dict[str, Any]] = []
    if view["roster"] is not None:
        days, grid = _grid_rows(view["roster"]["grid"])
        breaches = view["roster"]["breaches"].head(MAX_OFFICERS).to_dicts()
    under = view["pattern"]["under"].to_dicts() if view["pattern"] is not None else []
    return render(
        request, "roster.html", title=f"Roster {name}", view=view, days=days, grid=grid,
        breaches=breaches, under=under, max_officers=MAX_OFFICERS,
    )  # fmt: skip


api = APIRouter(prefix="/api/v1/rosters", tags=["rostering"], responses=ERRORS)


@api.get("", openapi_extra=action("roster.view"))
def api_rosters(request: Request, principal: Signed) -> dict[str, Any]:
    """Stored names with whether each has a pattern, a roster and a specification."""
    return {"stored": _names(web_context(request).engine)}


@api.get("/{name}", openapi_extra=action("roster.view"))
def api_roster(request: Request, principal: Signed, name: Name) -> dict[str, Any]:
    """A stored pattern's cover against demand and a stored roster's grid and breaches."""
    view = roster_view(web_context(request).engine, name)
    out: dict[str, Any] = {"name": name, "pattern": None, "roster": None}
    if view["pattern"] is not None:
        pattern = view["pattern"]
        out["pattern"] = {
            "start_date": pattern["start_date"], "published_on": pattern["published_on"],
            "functions": pattern["functions"], "cover": pattern["cover"].to_dicts(),
        }  # fmt: skip
    if view["roster"] is not None:
        roster = view["roster"]
        out["roster"] = {
            "start_date": roster["start_date"], "days": roster["days"],
            "published_on": roster["published_on"], "grid": roster["grid"].to_dicts(),
            "breaches": roster["breaches"].to_dicts(),
        }  # fmt: skip
    return out


router.include_router(api)
