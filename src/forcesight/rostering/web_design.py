"""The design form: a planner picks a function, headcount and teams, candidate shifts, rule
options, a source of required cover and a time limit; the design runs as a background job (one
at a time, as imports do) whose page shows its progress, then the stored result.

The form is checked field by field on the server (``rostering.design_form``) and re-rendered
with each error beside its field. A job's progress is kept in memory until the server restarts;
the result is stored (pattern, dated roster and specification under the chosen name) and the
design is audited.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.rostering import design_form
from forcesight.rostering.design_form import DesignRequest
from forcesight.rostering.policy import load_rostering_policy
from forcesight.web import audit
from forcesight.web.clock import Clock
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import action
from forcesight.web.sessions import Principal

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"
FIELDS = ("name", "function", "headcount", "teams", "cycle_weeks", "shift_lengths",
          "start_hours", "area", "skills", "rest_days_in_pairs", "max_consecutive_shifts",
          "max_consecutive_nights", "cover", "time_limit")  # fmt: skip

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
JobId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]


@dataclass
class DesignJob:
    """One design from the form: its progress while it runs, then the stored name or error."""

    id: str
    name: str
    function: str
    user: str
    submitted_at: datetime
    time_limit_seconds: float
    status: str = "queued"  # queued | running | completed | failed
    started: float | None = None  # monotonic seconds, for the progress shown
    error: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed")

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            elapsed = 0.0 if self.started is None else time.monotonic() - self.started
            percent = 100 if self.status == "completed" else (
                min(95, int(100 * elapsed / self.time_limit_seconds)) if self.started else 0
            )  # fmt: skip
            return {
                "id": self.id, "name": self.name, "function": self.function, "user": self.user,
                "submitted_at": self.submitted_at, "status": self.status,
                "time_limit_seconds": self.time_limit_seconds, "elapsed_seconds": elapsed,
                "percent": percent, "error": self.error,
            }  # fmt: skip


class DesignJobs:
    """Runs designs one at a time in a worker thread (the solver uses the cores it is given)."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._jobs: dict[str, DesignJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="forcesight-roster")

    def submit(self, request: DesignRequest, user: str, ip: str) -> DesignJob:
        job = DesignJob(
            uuid.uuid4().hex, request.name, request.function.name, user, self.clock(),
            request.time_limit_seconds,
        )  # fmt: skip
        with self._lock:
            self._jobs[job.id] = job
        self._executor.submit(self._run, job, request, ip)
        return job

    def shutdown(self) -> None:
        """Wait for the running design (bounded by its time limit) and stop the worker."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def get(self, job_id: str) -> DesignJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def _run(self, job: DesignJob, request: DesignRequest, ip: str) -> None:
        with job._lock:
            job.status, job.started = "running", time.monotonic()
        error: str | None = None
        detail: dict[str, Any] = {"function": request.function.name,
                                  "options": request.options_text()}  # fmt: skip
        try:
            result = design_form.run_design_request(self.engine, request, self.clock(), job.user)
            detail["shortfall_officer_hours"] = result.to_dict()["shortfall_officer_hours"]
        except ForcesightError as exc:
            error = str(exc)
        except Exception:
            log.exception("roster design job %s failed", job.id)
            error = "The design failed unexpectedly and nothing was stored; the server log has it."
        try:
            with self.engine.begin() as connection:
                audit.record(
                    connection, job.user, "roster.design" if error is None else "roster.refused",
                    f"roster:{request.name}", detail | ({"error": error} if error else {}), ip,
                    at=self.clock(),
                )  # fmt: skip
        finally:
            with job._lock:
                job.status, job.error = ("failed", error) if error else ("completed", None)


_jobs_lock = threading.Lock()


def design_jobs(request: Request) -> DesignJobs:
    """The app's design job runner, made on first use."""
    state = request.app.state
    with _jobs_lock:
        jobs = getattr(state, "roster_design_jobs", None)
        if jobs is None:
            context = web_context(request)
            jobs = DesignJobs(context.engine, context.clock)
            state.roster_design_jobs = jobs
            state.shutdown_hooks.append(jobs.shutdown)
    return jobs


def _form_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    choices = design_form.cover_choices(web_context(request).engine)
    return render(
        request, "rosters_design.html", status, title="Design a roster", values=values,
        errors=errors, choices=choices, max_time_limit=design_form.MAX_TIME_LIMIT,
    )  # fmt: skip


@router.get("/rosters/design", include_in_schema=False, openapi_extra=action("roster.design"))
def design_page(request: Request, principal: Signed) -> Response:
    return _form_page(request, design_form.form_defaults(load_rostering_policy()), {})


def _accept(request: Request, principal: Principal, values: dict[str, str]) -> Response:
    engine = web_context(request).engine
    parsed, errors = design_form.parse_design_form(values, design_form.cover_choices(engine))
    if parsed is not None and design_form.name_taken(engine, parsed.name):
        errors = {"name": f"a pattern named {parsed.name!r} is stored already; choose another"}
    if parsed is not None and not errors:
        try:
            design_form.required_cover_for(engine, parsed.cover_source, parsed.function.name)
        except ForcesightError as exc:
            errors = {"cover": str(exc)}
    if parsed is None or errors:
        return _form_page(request, values, errors, 422)
    job = design_jobs(request).submit(parsed, principal.username, client_ip(request))
    return RedirectResponse(f"/rosters/design/jobs/{job.id}", 303)


@router.post("/rosters/design", include_in_schema=False, openapi_extra=action("roster.design"))
async def design_submit(request: Request, principal: Signed) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, ""))[:400] for name in FIELDS}
    return await run_in_threadpool(_accept, request, principal, values)


@router.get(
    "/rosters/design/jobs/{job_id}", include_in_schema=False, openapi_extra=action("roster.design")
)
def design_job_page(request: Request, principal: Signed, job_id: JobId) -> Response:
    job = design_jobs(request).get(job_id)
    if job is None:
        raise HTTPException(
            404, "No such design job: jobs are kept until the server restarts; stored designs "
            "are listed under Rosters.",
        )  # fmt: skip
    view = job.to_dict()
    fragment = request.headers.get("HX-Request") == "true"
    if view["status"] == "completed":
        target = f"/rosters/{quote(view['name'], safe='')}"
        if fragment:
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, 303)
    return render(
        request, "_roster_design_status.html" if fragment else "roster_design_job.html",
        title=f"Designing {view['name']}", job=view,
    )  # fmt: skip
