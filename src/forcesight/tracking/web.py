"""Web pages and API for the statutory and policy clocks.

Pages and API call the service functions the CLI calls (``tracking.service``). Recording an
event is validated by ``service.submit_event_form`` as the signed-in user (the username is the
staff id whose stored rank the rules check); an accepted event and its audit record are written
in one transaction, a refused one writes nothing. Every page and route evaluates the clocks at
the app's clock (local wall-clock time, as the store keeps it) unless ``?at=`` says otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import polars as pl
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, BeforeValidator, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.reporting import charts
from forcesight.tracking import service
from forcesight.tracking.events import RecordedEvent
from forcesight.tracking.rules import RECORD_KINDS, load_clocks_policy
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal

NAV = (NavItem("Clocks", "/clocks", "clocks.view"),)
TEMPLATES = Path(__file__).parent / "templates"
LONDON = ZoneInfo("Europe/London")
MAX_ROWS = 500

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
Blank = BeforeValidator(lambda value: value or None)  # an empty form field means "not given"
At = Annotated[
    datetime | None,
    Blank,
    Query(description="Evaluate the clocks at this local time (default: now)."),
]
Kind = Annotated[Literal[RECORD_KINDS] | None, Blank, Query()]  # type: ignore[valid-type]
Team = Annotated[str | None, Query(max_length=40)]
Whose = Annotated[Literal["all", "mine", "my_team"], Query()]


def local_now(request: Request) -> datetime:
    """The app's clock (UTC) as local wall-clock time, the way the store keeps times."""
    utc = web_context(request).clock()
    return utc.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None, microsecond=0)


def evaluation_time(request: Request, at: datetime | None) -> datetime:
    return at.replace(tzinfo=None) if at is not None else local_now(request)


def rows(frame: pl.DataFrame, limit: int = MAX_ROWS) -> list[dict[str, Any]]:
    return frame.head(limit).to_dicts()


def record_as(request: Request, principal: Principal, form: dict[str, str]) -> RecordedEvent:
    """Record one event from a submitted form, audited in the event's transaction."""
    ip = client_ip(request)

    def audited(connection: Connection, stored: dict[str, Any]) -> None:
        detail = {
            "event": stored["event"],
            "occurred_at": stored["occurred_at"].isoformat(sep=" "),
            "actor_rank": stored["actor_rank"],
            "reason": stored["reason"],
            "backdated": bool((stored["detail"] or {}).get("backdated")),
            "event_id": stored["event_id"],
        }
        target = f"{stored['kind']}:{stored['ref']}"
        audit.record(connection, principal.username, "clock.record", target, detail, ip)

    return service.submit_event_form(
        web_context(request).engine,
        form,
        actor_id=principal.username,
        now=local_now(request),
        on_write=audited,
    )


def _queue_page(
    request: Request,
    principal: Principal,
    kind: str | None,
    team: str | None,
    overdue: bool,
    at: datetime | None,
    whose: str = "all",
) -> Response:
    engine = web_context(request).engine
    now = evaluation_time(request, at)
    kinds = [kind] if kind else None
    mine = principal.staff_id
    if whose == "my_team" and mine:
        team = service.team_of(engine, mine) or team
    scope: Literal["me", "team", "force"] = (
        "me" if whose == "mine" and mine else "team" if team else "force"
    )
    frame = service.queue(engine, now, scope, staff_id=mine, team_id=team or None,
                          overdue_only=overdue, kinds=kinds)  # fmt: skip
    return render(
        request, "clocks_queue.html", title="Clocks due and overdue", now=now,
        at=at.isoformat(timespec="minutes") if at else "", clocks=rows(frame),
        total=frame.height, overdue_total=frame.filter(pl.col("status") == "overdue").height,
        by_supervisor=rows(service.overdue_by_supervisor(engine, now)),
        repeat_missing=rows(service.repeat_missing_children(engine, now)),
        kinds=RECORD_KINDS, staff_id=mine, whose=whose if mine else "all",
        filters={"kind": kind or "", "team": team or "", "overdue": overdue},
    )  # fmt: skip


@router.get("/clocks", include_in_schema=False, openapi_extra=action("clocks.view"))
def queue_page(
    request: Request,
    principal: Signed,
    kind: Kind = None,
    team: Team = None,
    overdue: bool = False,
    at: At = None,
    whose: Whose = "all",
) -> Response:
    return _queue_page(request, principal, kind, team, overdue, at, whose)


@router.get("/clocks/compliance", include_in_schema=False, openapi_extra=action("clocks.view"))
def compliance_page(request: Request, principal: Signed, at: At = None) -> Response:
    now = evaluation_time(request, at)
    table = service.compliance_table(web_context(request).engine, now)
    chart = ""
    if table.height:
        shown = table.with_columns(pl.col("period").dt.strftime("%Y-%m").alias("month"))
        chart = charts.lines(shown, "month", "rate", "clock", x_title="Month due",
                             y_title="Share met on time", y_format=".0%", width=620)  # fmt: skip
    return render(
        request, "clocks_compliance.html", title="Clock compliance", now=now, chart=chart,
        table=rows(table.with_columns(pl.col("period").dt.strftime("%Y-%m")), 2000),
    )  # fmt: skip


@router.get("/clocks/forensics", include_in_schema=False, openapi_extra=action("clocks.view"))
def forensics_page(request: Request, principal: Signed, at: At = None) -> Response:
    now = evaluation_time(request, at)
    frame = service.forensic_queue(web_context(request).engine, now)
    return render(request, "clocks_forensics.html", title="Digital forensic queue", now=now,
                  queue=rows(frame), total=frame.height)  # fmt: skip


def _record_page(
    request: Request,
    principal: Principal,
    ref: str,
    kind: str | None,
    at: datetime | None,
    *,
    error: str | None = None,
    done: str | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    context = web_context(request)
    now = evaluation_time(request, at)
    try:
        detail = service.record_detail(context.engine, ref, now, kind)
    except ForcesightError as problem:
        return render(request, "clocks_missing.html", 404, title="No such clock record",
                      message=str(problem))  # fmt: skip
    record = detail["record"]
    policy = load_clocks_policy()
    spec = policy.record_kinds[record["kind"]]
    clocks = detail["clocks"].select(
        "clock", "label", "trigger", "status", "started_at", "due_at", "satisfied_at", "stopped_at",
        "overdue_hours",
        "escalate_to", "current",
    )  # fmt: skip
    return render(
        request, "clocks_record.html", status, title=f"{record['kind']} {record['ref']}",
        now=now, record=record, events=detail["events"], clocks=rows(clocks),
        event_names=list(spec.events), risk_levels=policy.risk_levels.levels,
        form=form or {}, error=error, done=done,
        can_record=context.roles.allows(principal.role, "clocks.record") and not
        record["closed_at"], default_time=local_now(request).isoformat(timespec="minutes"),
    )  # fmt: skip


@router.get("/clocks/records/{ref}", include_in_schema=False, openapi_extra=action("clocks.view"))
def record_page(
    request: Request,
    principal: Signed,
    ref: str,
    kind: Kind = None,
    at: At = None,
    done: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    return _record_page(request, principal, ref, kind, at, done=done)


FORM_FIELDS = ("event", "occurred_at", "reason", "risk_level", "about", "actor_rank")


@router.post(
    "/clocks/records/{ref}", include_in_schema=False, openapi_extra=action("clocks.record")
)
async def record_event_form(request: Request, principal: Signed, ref: str) -> Response:
    submitted = await request.form()
    form = {n: str(submitted.get(n, "")) for n in FORM_FIELDS}
    kind = str(submitted.get("kind", "")) or None
    form.update(ref=ref, kind=kind or "")
    try:
        done = await run_in_threadpool(record_as, request, principal, form)
    except ForcesightError as problem:
        message = str(problem)
        return await run_in_threadpool(
            lambda: _record_page(
                request, principal, ref, kind, None, error=message, form=form, status=400
            )
        )
    note = f"{done.event} recorded" + (" (back-dated)" if done.backdated else "")
    query = urlencode({"kind": done.kind, "done": note})
    return RedirectResponse(f"/clocks/records/{quote(done.ref, safe='')}?{query}", 303)


api = APIRouter(prefix="/api/v1/clocks", tags=["clocks"], responses=ERRORS)


@api.get("/due", openapi_extra=action("clocks.view"))
def api_due(
    request: Request,
    principal: Signed,
    kind: Kind = None,
    team: Team = None,
    overdue: bool = False,
    at: At = None,
) -> dict[str, Any]:
    """Due-soon and overdue clocks for the force (or one team), most overdue first."""
    now = evaluation_time(request, at)
    frame = service.queue(web_context(request).engine, now, "team" if team else "force",
                          team_id=team or None, overdue_only=overdue,
                          kinds=[kind] if kind else None)  # fmt: skip
    return {"at": now, "clocks": frame.height, "rows": frame.to_dicts()}


@api.get("/overdue-by-supervisor", openapi_extra=action("clocks.view"))
def api_overdue_by_supervisor(request: Request, principal: Signed, at: At = None) -> dict[str, Any]:
    """Overdue supervisory reviews of investigations, per supervisor."""
    now = evaluation_time(request, at)
    frame = service.overdue_by_supervisor(web_context(request).engine, now)
    return {"at": now, "rows": frame.to_dicts()}


@api.get("/compliance", openapi_extra=action("clocks.view"))
def api_compliance(request: Request, principal: Signed, at: At = None) -> dict[str, Any]:
    """Share of clocks met on time per month due and clock."""
    now = evaluation_time(request, at)
    frame = service.compliance_table(web_context(request).engine, now)
    return {"at": now, "rows": frame.to_dicts()}


@api.get("/forensics", openapi_extra=action("clocks.view"))
def api_forensics(request: Request, principal: Signed, at: At = None) -> dict[str, Any]:
    """The digital forensic queue in order, with forecast start dates."""
    now = evaluation_time(request, at)
    frame = service.forensic_queue(web_context(request).engine, now)
    return {"at": now, "rows": frame.to_dicts()}


@api.get("/records/{ref}", openapi_extra=action("clocks.view"))
def api_record(
    request: Request, principal: Signed, ref: str, kind: Kind = None, at: At = None
) -> dict[str, Any]:
    """One record, its events and its clocks."""
    now = evaluation_time(request, at)
    detail = service.record_detail(web_context(request).engine, ref, now, kind)
    return {"at": now, "record": detail["record"], "events": detail["events"],
            "clocks": detail["clocks"].to_dicts()}  # fmt: skip


class EventIn(BaseModel):
    kind: str | None = Field(default=None, max_length=40)
    event: str = Field(min_length=1, max_length=40)
    occurred_at: datetime
    reason: str | None = Field(default=None, max_length=2000)
    risk_level: str | None = Field(default=None, max_length=20)
    about: str | None = Field(default=None, max_length=40)
    actor_rank: str | None = Field(default=None, max_length=40)


@api.post("/records/{ref}/events", status_code=201, openapi_extra=action("clocks.record"))
def api_record_event(
    request: Request, principal: Signed, ref: str, body: EventIn
) -> dict[str, Any]:
    """Record an event as the signed-in user (validated; refused with the reason; audited)."""
    form = {k: "" if v is None else str(v) for k, v in body.model_dump().items()}
    form["occurred_at"] = body.occurred_at.replace(tzinfo=None).isoformat()
    done = record_as(request, principal, {**form, "ref": ref})
    return {"event_id": done.event_id, "ref": done.ref, "kind": done.kind, "event": done.event,
            "occurred_at": done.occurred_at, "backdated": done.backdated,
            "closed_record": done.closed_record,
            "clocks": done.clocks.filter(pl.col("current")).to_dicts()}  # fmt: skip


router.include_router(api)
