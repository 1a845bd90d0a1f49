"""The compare view: a stored current roster against a stored proposed one, by cover against
the required cover stored with the patterns and, run through a response scenario, by the share
of emergencies reached within target (bounded replications and horizon, as the response pages).

Both the page and the API call ``compare_view``, which calls the rostering service and
``rostering.simulation`` as the CLI's ``roster compare --simulate`` does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from forcesight.response import catalogue
from forcesight.rostering import queries, service
from forcesight.rostering.compare import compare_rosters
from forcesight.rostering.simulation import SHARE_LABELS, comparison_record, simulate_rosters
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal

TEMPLATES = Path(__file__).parent / "templates"
MIN_REPLICATIONS = 2  # an interval needs two

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Ref = Annotated[str, Query(max_length=200)]
Reps = Annotated[int, Query(ge=MIN_REPLICATIONS, le=catalogue.MAX_REPLICATIONS)]
Days = Annotated[float, Query(gt=0, le=catalogue.MAX_HORIZON_DAYS)]
Seed = Annotated[int | None, Query(ge=0, le=2**31 - 1)]


def roster_refs(engine: Engine) -> list[dict[str, str]]:
    """Every stored pattern and roster as a reference the compare view takes."""
    out = []
    for kind, prefix, label in ((queries.KIND_ROSTER, "roster", "dated roster"),
                                (queries.KIND_PATTERN, "pattern", "pattern")):  # fmt: skip
        out += [
            {"ref": f"{prefix}:{name}", "label": f"{name} ({label})"}
            for name, _ in queries.list_named(engine, kind)
        ]
    return sorted(out, key=lambda r: r["label"])


def compare_view(
    engine: Engine,
    a: str,
    b: str,
    scenario: str = "",
    *,
    replications: int = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: float = catalogue.DEFAULT_HORIZON_DAYS,
    seed: int | None = None,
) -> dict[str, Any]:
    """Cover of A and B against the required cover their patterns hold (if they hold it for
    every function rostered) and, with a scenario, both run through it on the same seeds."""
    current, proposed = service.load_ref(engine, a), service.load_ref(engine, b)
    out: dict[str, Any] = {"a": a, "b": b, "cover": None, "simulation": None}
    cover = service.stored_cover(proposed, current)
    if cover is not None:
        comparison = compare_rosters(current, proposed, cover)
        out["cover"] = {**comparison.to_dict(), "hourly": comparison.hourly}
    if scenario:
        reps, days = catalogue.bounded(replications, horizon_days)
        path, text = catalogue.scenario_source(engine, scenario, horizon_days=days)
        result = simulate_rosters(
            current, proposed, path, text=text, engine=engine, replications=reps, seed=seed,
            executor="serial",
        )  # fmt: skip
        out["simulation"] = result.to_dict() | {"scenario_ref": scenario}
    return out


def _page_context(request: Request) -> dict[str, Any]:
    engine = web_context(request).engine
    return {
        "refs": roster_refs(engine),
        "scenarios": catalogue.list_scenarios(engine),
        "max_replications": catalogue.MAX_REPLICATIONS,
        "min_replications": MIN_REPLICATIONS,
        "max_horizon": catalogue.MAX_HORIZON_DAYS,
        "share_labels": SHARE_LABELS,
    }


@router.get("/rosters/compare", include_in_schema=False, openapi_extra=action("roster.compare"))
def compare_page(
    request: Request,
    principal: Signed,
    a: Ref = "",
    b: Ref = "",
    scenario: Ref = "",
    replications: Reps = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: Days = catalogue.DEFAULT_HORIZON_DAYS,
    seed: Seed = None,
    saved: Annotated[str, Query(max_length=80)] = "",
) -> Response:
    result: dict[str, Any] | None = None
    chart = ""
    if a and b:
        result = compare_view(
            web_context(request).engine, a, b, scenario, replications=replications,
            horizon_days=horizon_days, seed=seed,
        )  # fmt: skip
        if result["cover"] is not None:
            chart = service.compare_chart_svg(result["cover"]["hourly"])
    return render(
        request, "rosters_compare.html", title="Compare a current and a proposed roster",
        a=a, b=b, scenario=scenario, replications=replications, horizon_days=horizon_days,
        seed=seed, result=result, chart=chart, saved=saved, **_page_context(request),
    )  # fmt: skip


def _save(request: Request, principal: Principal, fields: dict[str, Any]) -> str:
    """Run the comparison again (the same seeds give the same numbers) and store it under
    ``name``; the Force Management Statement reports the newest stored comparison."""
    context = web_context(request)
    view = compare_view(
        context.engine, fields["a"], fields["b"], fields["scenario"],
        replications=fields["replications"], horizon_days=fields["horizon_days"],
        seed=fields["seed"],
    )  # fmt: skip
    payload: dict[str, Any] = {"simulation": view["simulation"]}
    if view["cover"] is not None:
        payload |= {k: v for k, v in view["cover"].items() if k != "hourly"}
    now = context.clock()
    record = comparison_record(fields["a"], fields["b"], fields["scenario"], payload, now)
    queries.save_named(context.engine, queries.KIND_COMPARISON, fields["name"], record, now,
                       principal.username)  # fmt: skip
    with context.engine.begin() as connection:
        audit.record(
            connection, principal.username, "roster.compare.save",
            f"comparison:{fields['name']}", {"a": fields["a"], "b": fields["b"],
                                             "scenario": fields["scenario"]},
            client_ip(request), at=now,
        )  # fmt: skip
    return str(fields["name"])


@router.post(
    "/rosters/compare/save", include_in_schema=False, openapi_extra=action("roster.compare")
)
async def compare_save(
    request: Request,
    principal: Signed,
    a: Annotated[str, Form(min_length=1, max_length=200)],
    b: Annotated[str, Form(min_length=1, max_length=200)],
    name: Annotated[str, Form(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")],
    scenario: Annotated[str, Form(max_length=200)] = "",
    replications: Annotated[
        int, Form(ge=MIN_REPLICATIONS, le=catalogue.MAX_REPLICATIONS)
    ] = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: Annotated[
        float, Form(gt=0, le=catalogue.MAX_HORIZON_DAYS)
    ] = catalogue.DEFAULT_HORIZON_DAYS,
    seed: Annotated[str, Form(max_length=12, pattern=r"^\d*$")] = "",
) -> Response:
    """Store the comparison on the page for the Force Management Statement."""
    fields = {"a": a, "b": b, "name": name, "scenario": scenario, "replications": replications,
              "horizon_days": horizon_days, "seed": int(seed) if seed else None}  # fmt: skip
    stored = await run_in_threadpool(_save, request, principal, fields)
    query = {k: v for k, v in fields.items() if k != "name" and v not in ("", None)}
    return RedirectResponse(f"/rosters/compare?{urlencode(query | {'saved': stored})}", 303)


api = APIRouter(prefix="/api/v1/rosters", tags=["rostering"], responses=ERRORS)


@api.get("/compare", openapi_extra=action("roster.compare"))
def api_compare(
    request: Request,
    principal: Signed,
    a: Ref,
    b: Ref,
    scenario: Ref = "",
    replications: Reps = catalogue.DEFAULT_REPLICATIONS,
    horizon_days: Days = catalogue.DEFAULT_HORIZON_DAYS,
    seed: Seed = None,
) -> dict[str, Any]:
    """A (current) against B (proposed), each ``pattern:NAME`` or ``roster:NAME``: cover gap by
    function and hour of week and, with ``scenario`` (a response scenario reference), the share
    of each grade reached within target under each on common random numbers, with 95%
    intervals and the paired difference."""
    view = compare_view(
        web_context(request).engine, a, b, scenario, replications=replications,
        horizon_days=horizon_days, seed=seed,
    )  # fmt: skip
    if view["cover"] is not None:
        view["cover"] = {k: v for k, v in view["cover"].items() if k != "hourly"}
    return view


router.include_router(api)
