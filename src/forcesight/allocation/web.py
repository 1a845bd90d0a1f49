"""Web pages and API for crime allocation: the triaged queue and the backlog, proposals with
their reasons, accept and override, and investigator workload.

Pages and API call the same service functions as the CLI (``allocation.service`` and
``allocation.backlog``). Every decision is audited in the web app's audit log inside the
decision's own transaction (``on_decided``), so both are stored or neither.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import polars as pl
from fastapi import APIRouter, Depends, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from forcesight.allocation import service
from forcesight.allocation.backlog import backlog, backlog_json
from forcesight.errors import ForcesightError
from forcesight.reporting import charts
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal
from forcesight.workforce.web import local_now, rows

#: A proposal id: a positive 64-bit integer, so a larger number is refused (422), not overflowed.
ProposalId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]

NAV = (
    NavItem("Allocation", "/allocation", "allocation.view"),
    NavItem("Proposals", "/allocation/proposals", "allocation.view"),
    NavItem("Workload", "/allocation/workload", "allocation.view"),
)
TEMPLATES = Path(__file__).parent / "templates"
QUEUE_COLUMNS = (
    "crime_ref", "offence_code", "area", "age_days", "priority", "solvability", "route",
    "pip_level", "expected_hours",
)  # fmt: skip

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]


def _auditor(request: Request, principal: Principal) -> service.OnDecided:
    ip = client_ip(request)

    def record(connection: Connection, decided: dict[str, Any]) -> None:
        audit.record(connection, principal.username, f"allocation.{decided['outcome']}",
                     f"crime:{decided['crime_ref']}", decided, ip)  # fmt: skip

    return record


def run_propose(request: Request, principal: Principal) -> service.ProposalBatch:
    """Propose a batch as at the app's clock, audited."""
    context = web_context(request)
    batch = service.propose(context.engine, local_now(request), principal.username)
    with context.engine.begin() as connection:
        detail = {k: batch.summary[k] for k in ("method", "cases", "proposed", "queued",
                                                "screened_out", "reallocations")}  # fmt: skip
        audit.record(connection, principal.username, "allocation.propose",
                     f"proposal_batch:{batch.batch_id}", detail, client_ip(request))  # fmt: skip
    return batch


def decide(
    request: Request,
    principal: Principal,
    proposal_id: ProposalId,
    staff_id: str | None = None,
    reason: str | None = None,
) -> service.Decision:
    """Accept the proposal (``staff_id`` None) or override it to ``staff_id`` with ``reason``."""
    engine = web_context(request).engine
    now = local_now(request)
    hook = _auditor(request, principal)
    if staff_id is None:
        return service.accept_proposal(engine, proposal_id, principal.username, now,
                                       reason or None, on_decided=hook)  # fmt: skip
    return service.override_proposal(engine, proposal_id, staff_id, principal.username, now,
                                     reason or "", on_decided=hook)  # fmt: skip


def _queue_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    shown = [c for c in QUEUE_COLUMNS if c in frame.columns]
    return rows(frame.sort("priority", descending=True).select(shown))


@router.get("/allocation", include_in_schema=False, openapi_extra=action("allocation.view"))
def queue_page(request: Request, principal: Signed) -> Response:
    context = web_context(request)
    now = local_now(request)
    queue = service.triage_queue(context.engine, now)
    view = backlog(context.engine, now)
    ages = view.age_distribution
    chart = charts.bars(ages, "band", "crimes", x_title="Age", y_title="Crimes", width=480)
    return render(
        request, "allocation_queue.html", title="Allocation queue", now=now,
        queue=_queue_rows(queue), queue_total=queue.height, view=view, chart=chart,
        by_area=rows(view.unallocated_by_area), by_team=rows(view.time_to_allocation_by_team),
        breaches=rows(view.breaches_by_kind), flagged=rows(view.flagged.with_columns(
            pl.col("breaches").list.join(", "))),
        can_propose=context.roles.allows(principal.role, "allocation.propose"),
    )  # fmt: skip


def _proposals_page(
    request: Request,
    principal: Principal,
    *,
    error: str | None = None,
    done: str | None = None,
    status: int = 200,
) -> Response:
    context = web_context(request)
    proposals = service.list_proposals(
        context.engine, statuses=("open", "accepted", "overridden", "superseded")
    )
    return render(
        request, "allocation_proposals.html", status, title="Allocation proposals",
        proposals=proposals, batch_id=proposals[0]["batch_id"] if proposals else None,
        open_count=sum(1 for p in proposals if p["status"] == "open"),
        can_decide=context.roles.allows(principal.role, "allocation.decide"),
        can_propose=context.roles.allows(principal.role, "allocation.propose"),
        error=error, done=done,
    )  # fmt: skip


@router.get(
    "/allocation/proposals", include_in_schema=False, openapi_extra=action("allocation.view")
)
def proposals_page(request: Request, principal: Signed, done: str | None = None) -> Response:
    return _proposals_page(request, principal, done=done[:300] if done else None)


@router.post(
    "/allocation/proposals", include_in_schema=False, openapi_extra=action("allocation.propose")
)
async def propose_form(request: Request, principal: Signed) -> Response:
    batch = await run_in_threadpool(run_propose, request, principal)
    s = batch.summary
    done = (f"Batch {batch.batch_id}: {s['proposed']} proposed, {s['queued']} queued, "
            f"{s['screened_out']} to screen out")  # fmt: skip
    return RedirectResponse(f"/allocation/proposals?done={done}", 303)


async def _decide_form(
    request: Request, principal: Principal, proposal_id: int, staff_id: str | None, reason: str
) -> Response:
    try:
        decision = await run_in_threadpool(
            decide, request, principal, proposal_id, staff_id, reason.strip()
        )
    except ForcesightError as error:
        message = str(error)
        code = int(getattr(error, "http_status", 400))
        return await run_in_threadpool(
            lambda: _proposals_page(request, principal, error=message, status=code)
        )
    who = f" to {decision.staff_id}" if decision.staff_id else ""
    broken = f" (breaks {', '.join(decision.breaches)})" if decision.breaches else ""
    done = f"Crime {decision.crime_ref}: {decision.outcome}{who}{broken}"
    return RedirectResponse(f"/allocation/proposals?done={done}", 303)


@router.post(
    "/allocation/proposals/{proposal_id}/accept",
    include_in_schema=False,
    openapi_extra=action("allocation.decide"),
)
async def accept_form(
    request: Request,
    principal: Signed,
    proposal_id: ProposalId,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return await _decide_form(request, principal, proposal_id, None, reason)


@router.post(
    "/allocation/proposals/{proposal_id}/override",
    include_in_schema=False,
    openapi_extra=action("allocation.decide"),
)
async def override_form(
    request: Request,
    principal: Signed,
    proposal_id: ProposalId,
    staff_id: Annotated[str, Form(min_length=1, max_length=40)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return await _decide_form(request, principal, proposal_id, staff_id.strip(), reason)


@router.get(
    "/allocation/workload", include_in_schema=False, openapi_extra=action("allocation.view")
)
def workload_page(request: Request, principal: Signed) -> Response:
    now = local_now(request)
    load = service.investigator_workload(web_context(request).engine, now)
    chart = ""
    if load.height:
        shown = load.filter(pl.col("utilisation").is_not_null()).with_columns(
            (pl.col("utilisation") * 100).alias("utilisation_pct")
        )
        if shown.height:
            chart = charts.bars(shown, "staff_id", "utilisation_pct", horizontal=True,
                                x_title="", y_title="Open hours, % of capacity",
                                width=560)  # fmt: skip
    return render(
        request, "allocation_workload.html", title="Investigator workload", now=now,
        workload=rows(load), chart=chart,
    )  # fmt: skip


class DecisionIn(BaseModel):
    reason: str | None = Field(default=None, max_length=2000)


class OverrideIn(BaseModel):
    staff_id: str = Field(min_length=1, max_length=40)
    reason: str = Field(max_length=2000, description="Required: why the proposal is overridden.")


api = APIRouter(prefix="/api/v1/allocation", tags=["allocation"], responses=ERRORS)


def _decision(decision: service.Decision) -> dict[str, Any]:
    return {"proposal_id": decision.proposal_id, "crime_ref": decision.crime_ref,
            "outcome": decision.outcome, "staff_id": decision.staff_id,
            "allocation_id": decision.allocation_id, "breaches": decision.breaches}  # fmt: skip


@api.get("/queue", openapi_extra=action("allocation.view"))
def api_queue(request: Request, principal: Signed) -> dict[str, Any]:
    """The unallocated queue, triaged, with the explanations."""
    queue = service.triage_queue(web_context(request).engine, local_now(request))
    return {"crimes": queue.height, "queue": queue.to_dicts()}


@api.get("/backlog", openapi_extra=action("allocation.view"))
def api_backlog(request: Request, principal: Signed) -> dict[str, Any]:
    """Backlog age, time to allocation, rule breaches, caseloads and hand-offs."""
    return backlog_json(backlog(web_context(request).engine, local_now(request)))


@api.get("/proposals", openapi_extra=action("allocation.view"))
def api_proposals(request: Request, principal: Signed) -> dict[str, Any]:
    """The latest batch's proposals (every status), with their reasons."""
    proposals = service.list_proposals(
        web_context(request).engine, statuses=("open", "accepted", "overridden", "superseded")
    )
    return {"batch_id": proposals[0]["batch_id"] if proposals else None, "proposals": proposals}


@api.post("/proposals", status_code=201, openapi_extra=action("allocation.propose"))
def api_propose(request: Request, principal: Signed) -> dict[str, Any]:
    """Triage, optimise and store a new batch of proposals (audited)."""
    batch = run_propose(request, principal)
    return {"batch_id": batch.batch_id, "summary": batch.summary, "proposals": batch.proposals}


@api.post("/proposals/{proposal_id}/accept", openapi_extra=action("allocation.decide"))
def api_accept(
    request: Request, principal: Signed, proposal_id: ProposalId, body: DecisionIn | None = None
) -> dict[str, Any]:
    """Accept a proposal (audited); 409 ``already_decided`` if someone decided it first."""
    reason = body.reason if body is not None else None
    return _decision(decide(request, principal, proposal_id, None, reason))


@api.post("/proposals/{proposal_id}/override", openapi_extra=action("allocation.decide"))
def api_override(
    request: Request, principal: Signed, proposal_id: ProposalId, body: OverrideIn
) -> dict[str, Any]:
    """Allocate to another investigator with a reason (required; audited); rules it breaks
    are recorded and returned."""
    return _decision(decide(request, principal, proposal_id, body.staff_id, body.reason))


@api.get("/workload", openapi_extra=action("allocation.view"))
def api_workload(request: Request, principal: Signed) -> dict[str, Any]:
    """Open caseload per investigator against capacity, and availability today."""
    load = service.investigator_workload(web_context(request).engine, local_now(request))
    return {"investigators": load.height, "workload": load.to_dicts()}


router.include_router(api)
