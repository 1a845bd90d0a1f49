"""Web pages and API for the skills register and the skills gaps.

Pages and API call the same service functions as the CLI (``workforce.service`` and
``workforce.register``); changes to the register are audited in the web app's audit log in the
same transaction (``register`` calls ``forcesight.web.audit.record``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import polars as pl
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.reporting import charts
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal
from forcesight.workforce import register, service
from forcesight.workforce.policy import load_workforce_policy

NAV = (
    NavItem("Skills", "/workforce", "workforce.view"),
    NavItem("Skill gaps", "/workforce/gaps", "workforce.view"),
    NavItem("Absence", "/workforce/absence", "workforce.view"),
)
TEMPLATES = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")
MAX_ROWS = 500

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]


def local_now(request: Request) -> datetime:
    """The app's clock (UTC) as local wall-clock time, the way the store keeps times."""
    utc = web_context(request).clock()
    return utc.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None, microsecond=0)


def rows(frame: pl.DataFrame, limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    return frame.head(limit).to_dicts()


class SkillChangeIn(BaseModel):
    operation: Literal["add", "renew", "revoke"]
    staff_id: str = Field(min_length=1, max_length=40)
    skill: str = Field(min_length=1, max_length=60)
    on: date = Field(description="Award, renewal or revocation date.")
    expires_on: date | None = Field(default=None, description="Default: on + the validity.")
    reason: str | None = Field(default=None, max_length=2000)


def apply_change(
    request: Request, principal: Principal, body: SkillChangeIn
) -> register.SkillChange:
    context = web_context(request)
    actor = register.Actor(principal.username, client_ip(request))
    now = local_now(request)
    if body.operation == "revoke":
        return register.revoke_skill(
            context.engine, body.staff_id, body.skill, body.on, reason=body.reason or "",
            actor=actor, now=now,
        )  # fmt: skip
    change = register.add_skill if body.operation == "add" else register.renew_skill
    return change(
        context.engine, body.staff_id, body.skill, body.on, expires_on=body.expires_on,
        reason=body.reason, actor=actor, now=now,
    )  # fmt: skip


def _skills_page(
    request: Request,
    principal: Principal,
    skill: str | None,
    function: str | None,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    context = web_context(request)
    now = local_now(request)
    held = service.holdings(context.engine, now, skill=skill or None, function=function or None)
    soon, summary = service.expiring(context.engine, now, 90)
    return render(
        request,
        "workforce_skills.html",
        status,
        title="Skills register",
        now=now,
        held=rows(held),
        held_total=held.height,
        expiring=rows(summary),
        expiring_total=soon.height,
        spof=rows(service.single_points_of_failure(context.engine, now)),
        tutoring=rows(service.tutoring(context.engine, now)),
        skills=[s.name for s in load_workforce_policy().skills],
        filters={"skill": skill or "", "function": function or ""},
        can_manage=context.roles.allows(principal.role, "workforce.skills.manage"),
        error=error,
        done=done,
    )


@router.get("/workforce", include_in_schema=False, openapi_extra=action("workforce.view"))
def skills_page(
    request: Request,
    principal: Signed,
    skill: Annotated[str | None, Query(max_length=60)] = None,
    function: Annotated[str | None, Query(max_length=40)] = None,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _skills_page(request, principal, skill, function, done=done)


@router.post(
    "/workforce/skills", include_in_schema=False, openapi_extra=action("workforce.skills.manage")
)
async def skills_change(
    request: Request,
    principal: Signed,
    operation: Annotated[Literal["add", "renew", "revoke"], Form()],
    staff_id: Annotated[str, Form(min_length=1, max_length=40)],
    skill: Annotated[str, Form(min_length=1, max_length=60)],
    on: Annotated[date, Form()],
    expires_on: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        expiry = date.fromisoformat(expires_on) if expires_on.strip() else None
        body = SkillChangeIn(operation=operation, staff_id=staff_id.strip(), skill=skill.strip(),
                             on=on, expires_on=expiry, reason=reason.strip() or None)  # fmt: skip
        change = await run_in_threadpool(apply_change, request, principal, body)
    except (ForcesightError, ValueError) as error:
        message = str(error)
        return await run_in_threadpool(
            lambda: _skills_page(request, principal, None, None, error=message, status=400)
        )
    done = f"{change.action} {change.skill} for {change.staff_id}: recorded"
    return RedirectResponse(f"/workforce?done={done}", 303)


@router.get("/workforce/gaps", include_in_schema=False, openapi_extra=action("workforce.view"))
def gaps_page(request: Request, principal: Signed) -> Response:
    context = web_context(request)
    result = service.analyse_gaps(context.engine, local_now(request))
    deficits = result.gaps.filter(pl.col("status") == "deficit").head(20)
    chart = ""
    if deficits.height:
        shown = deficits.with_columns(
            (pl.col("function") + ": " + pl.col("skill")).alias("need"),
            (-pl.col("balance_hours")).alias("hours_short"),
        )
        chart = charts.bars(shown, "need", "hours_short", horizontal=True, x_title="",
                            y_title="Hours short", width=560)  # fmt: skip
    return render(
        request, "workforce_gaps.html", title="Skills gaps against demand", result=result,
        gaps=rows(result.gaps), chart=chart,
    )  # fmt: skip


ABSENCE_BY = {"function": ("function",), "rank": ("rank",), "both": ("function", "rank")}


def _rate_chart(frame: pl.DataFrame, by: tuple[str, ...], title: str) -> str:
    if frame.height == 0:
        return ""
    shown = frame.with_columns(
        pl.col("month").dt.strftime("%Y-%m").alias("month"),
        pl.concat_str([pl.col(c).fill_null("(none)") for c in by], separator=" / ").alias("group"),
    )
    return charts.lines(shown, "month", "rate", "group", x_title="Month", y_title=title,
                        y_format="%", width=560)  # fmt: skip


@router.get("/workforce/absence", include_in_schema=False, openapi_extra=action("workforce.view"))
def absence_page(
    request: Request,
    principal: Signed,
    by: Annotated[Literal["function", "rank", "both"], Query()] = "function",
    months: Annotated[int, Query(ge=1, le=36)] = 12,
) -> Response:
    """Sickness and restricted-duty rates over time, by function, rank or both."""
    context = web_context(request)
    columns = ABSENCE_BY[by]
    found = service.absence(context.engine, local_now(request), months=months, by=columns)
    return render(
        request, "workforce_absence.html", title="Sickness and restricted duty",
        by=by, months=months,
        sickness=rows(found.sickness), restricted=rows(found.restricted),
        sickness_chart=_rate_chart(found.sickness, columns, "Share of person-days off sick"),
        restricted_chart=_rate_chart(found.restricted, columns,
                                     "Share of person-days on restricted duty"),
    )  # fmt: skip


api = APIRouter(prefix="/api/v1/workforce", tags=["workforce"], responses=ERRORS)


@api.get("/skills", openapi_extra=action("workforce.view"))
def api_skills(
    request: Request,
    principal: Signed,
    skill: Annotated[str | None, Query(max_length=60)] = None,
    function: Annotated[str | None, Query(max_length=40)] = None,
    staff_id: Annotated[str | None, Query(max_length=40)] = None,
) -> dict[str, Any]:
    """Who holds which skill now (current awards; PIP levels from the staff record)."""
    held = service.holdings(web_context(request).engine, local_now(request), skill=skill,
                            function=function, staff_id=staff_id)  # fmt: skip
    return {"holdings": held.height, "held": held.to_dicts()}


@api.post("/skills", status_code=201, openapi_extra=action("workforce.skills.manage"))
def api_skill_change(request: Request, body: SkillChangeIn, principal: Signed) -> dict[str, Any]:
    """Add, renew or revoke an award (validated; audited)."""
    return apply_change(request, principal, body).to_dict()


@api.get("/expiring", openapi_extra=action("workforce.view"))
def api_expiring(
    request: Request, principal: Signed, days: Annotated[int, Query(ge=1, le=3650)] = 90
) -> dict[str, Any]:
    """Awards expiring within ``days``, and counts by function, team and skill."""
    soon, summary = service.expiring(web_context(request).engine, local_now(request), days)
    return {"days": days, "expiring": soon.height, "awards": soon.to_dicts(),
            "by_team": summary.to_dicts()}  # fmt: skip


@api.get("/gaps", openapi_extra=action("workforce.view"))
def api_gaps(request: Request, principal: Signed) -> dict[str, Any]:
    """Demand hours against productive hours by function and skill."""
    result = service.analyse_gaps(web_context(request).engine, local_now(request))
    return {"from": result.start, "to": result.end, "crime_hours_from": result.crime_hours_from,
            "notes": result.notes, "gaps": result.gaps.to_dicts()}  # fmt: skip


router.include_router(api)
