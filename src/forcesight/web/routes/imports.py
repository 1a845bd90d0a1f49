"""Import: upload a file, watch it import, see the reconciliation and the quarantined rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError, UploadRefusedError
from forcesight.web import imports
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import (
    ERRORS,
    ImportJobOut,
    ImportRunDetail,
    ImportRunOut,
    QuarantinedRowOut,
    SourceOut,
)
from forcesight.web.sessions import Principal

NAV = (NavItem("Import", "/import", "import.view"),)
PAGE_ROWS = 100

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
RunId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def _accept_upload(
    request: Request,
    principal: Principal,
    source: str,
    data: UploadFile,
    mapping: UploadFile | None,
) -> imports.ImportJob:
    """Check and save the upload, then queue its import; raises before anything is queued."""
    context = web_context(request)
    info = imports.source_info(source)
    mapping_given = mapping is not None and bool(mapping.filename)
    if info.needs_mapping and not mapping_given:
        raise UploadRefusedError(
            imports.clean_file_name(data.filename),
            f"source {source!r} needs a column-mapping file (.yaml)",
        )
    job_id, folder = context.jobs.new_folder()
    limit = context.config.max_upload_bytes
    try:
        data_path = imports.save_upload(
            data.file, data.filename, folder, limit, imports.DATA_SUFFIXES
        )
        mapping_path = None
        if mapping is not None and mapping_given:
            mapping_path = imports.save_upload(
                mapping.file,
                mapping.filename,
                folder / "mapping",
                imports.MAX_MAPPING_BYTES,
                imports.MAPPING_SUFFIXES,
            )
    except ForcesightError:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        raise
    return context.jobs.submit(
        job_id, source, data_path, mapping_path, principal.username, client_ip(request)
    )


# --- pages --------------------------------------------------------------------------------------


@router.get("/import", include_in_schema=False, openapi_extra=action("import.view"))
def import_page(request: Request, principal: Signed) -> Response:
    return _import_page(request, principal, None, 200)


def _import_page(
    request: Request, principal: Principal, error: str | None, status: int, source: str = ""
) -> Response:
    context = web_context(request)
    return render(
        request,
        "import.html",
        status,
        title="Import",
        sources=imports.sources(),
        selected_source=source,
        can_import=context.roles.allows(principal.role, "import.run"),
        max_upload_mb=context.config.max_upload_mb,
        runs=imports.import_runs(context.engine, limit=20),
        jobs=context.jobs.recent(10),
        error=error,
    )


@router.post("/import", include_in_schema=False, openapi_extra=action("import.run"))
async def import_submit(
    request: Request,
    principal: Signed,
    source: Annotated[str, Form(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9-]*$")],
    data: Annotated[UploadFile, File()],
    mapping: Annotated[UploadFile | None, File()] = None,
) -> Response:
    try:
        job = await run_in_threadpool(_accept_upload, request, principal, source, data, mapping)
    except ForcesightError as error:
        status = int(getattr(error, "http_status", 400))
        return await run_in_threadpool(_import_page, request, principal, str(error), status, source)
    return RedirectResponse(f"/import/jobs/{job.id}", 303)


@router.get("/import/jobs/{job_id}", include_in_schema=False, openapi_extra=action("import.view"))
def import_job_page(request: Request, job_id: str, principal: Signed) -> Response:
    job = web_context(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(
            404,
            "No such import job: jobs are kept until the server restarts; "
            "the import runs list has every finished import.",
        )
    fragment = request.headers.get("HX-Request") == "true"
    return render(
        request,
        "import_job_status.html" if fragment else "import_job.html",
        title=f"Importing {job.file_name}",
        job=job.to_dict(),
    )


@router.get("/import/runs/{run_id}", include_in_schema=False, openapi_extra=action("import.view"))
def import_run_page(request: Request, run_id: RunId, principal: Signed) -> Response:
    context = web_context(request)
    run = imports.import_run(context.engine, run_id)
    if run is None:
        raise HTTPException(404, f"No import run {run_id}.")
    return render(
        request,
        "import_run.html",
        title=f"Import run {run_id}",
        run=run,
        can_view_quarantine=context.roles.allows(principal.role, "quarantine.view"),
        can_export_quarantine=context.roles.allows(principal.role, "quarantine.export"),
    )


@router.get(
    "/import/runs/{run_id}/quarantine",
    include_in_schema=False,
    openapi_extra=action("quarantine.view"),
)
def quarantine_page(
    request: Request,
    run_id: RunId,
    principal: Signed,
    reason: Annotated[str | None, Query(max_length=500)] = None,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> Response:
    context = web_context(request)
    run = imports.import_run(context.engine, run_id)
    if run is None:
        raise HTTPException(404, f"No import run {run_id}.")
    rows = imports.quarantined_rows(
        context.engine,
        run_id,
        reason=reason or None,
        limit=PAGE_ROWS,
        offset=offset,
        viewer=principal.username,
        ip=client_ip(request),
        now=context.clock(),
    )
    total = next(
        (r["rows"] for r in run["quarantine_reasons"] if r["reason"] == reason),
        run["rows_quarantined"],
    )
    return render(
        request,
        "quarantine.html",
        title=f"Quarantined rows of import run {run_id}",
        run=run,
        rows=rows,
        reason=reason or "",
        offset=offset,
        page_rows=PAGE_ROWS,
        total=total,
        can_export_quarantine=context.roles.allows(principal.role, "quarantine.export"),
    )


@router.get(
    "/import/runs/{run_id}/quarantine.csv",
    response_class=StreamingResponse,
    tags=["imports"],
    summary="Download a run's quarantined rows as CSV (audited).",
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
    openapi_extra=action("quarantine.export"),
)
def quarantine_download(request: Request, run_id: RunId, principal: Signed) -> Response:
    context = web_context(request)
    run = imports.import_run(context.engine, run_id)
    if run is None:
        raise HTTPException(404, f"No import run {run_id}.")
    chunks = imports.quarantine_csv(
        context.engine,
        run_id,
        viewer=principal.username,
        ip=client_ip(request),
        now=context.clock(),
    )
    name = f"quarantine-run-{run_id}.csv"
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- API ----------------------------------------------------------------------------------------

api = APIRouter(prefix="/api/v1", tags=["imports"], responses=ERRORS)


@api.get("/sources", response_model=list[SourceOut], openapi_extra=action("import.view"))
def api_sources(principal: Signed) -> list[dict[str, Any]]:
    """The import sources and whether each needs a column-mapping file."""
    return [
        {"name": s.name, "description": s.description, "needs_mapping": s.needs_mapping}
        for s in imports.sources()
    ]


@api.post(
    "/imports",
    status_code=202,
    response_model=ImportJobOut,
    responses={
        413: {"model": ERRORS[400]["model"], "description": "Upload too large."},
        415: {"model": ERRORS[400]["model"], "description": "Wrong kind of file."},
    },
    openapi_extra=action("import.run"),
)
async def api_import(
    request: Request,
    principal: Signed,
    source: Annotated[str, Form(min_length=1, max_length=60, pattern=r"^[a-z][a-z0-9-]*$")],
    data: Annotated[UploadFile, File(description="The CSV file to import.")],
    mapping: Annotated[
        UploadFile | None, File(description="Column-mapping YAML, for sources that need one.")
    ] = None,
) -> JSONResponse:
    """Upload a file and queue its import; poll the job for progress and reconciliation."""
    job = await run_in_threadpool(_accept_upload, request, principal, source, data, mapping)
    return JSONResponse(
        ImportJobOut.model_validate(job.to_dict()).model_dump(mode="json"), status_code=202
    )


@api.get("/imports/jobs/{job_id}", response_model=ImportJobOut, openapi_extra=action("import.view"))
def api_import_job(request: Request, job_id: str, principal: Signed) -> dict[str, Any]:
    """An import job's progress, then its reconciliation or the reason nothing was imported."""
    job = web_context(request).jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"No import job {job_id!r}.")
    return job.to_dict()


@api.get("/imports/runs", response_model=list[ImportRunOut], openapi_extra=action("import.view"))
def api_import_runs(
    request: Request, principal: Signed, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> list[dict[str, Any]]:
    """The newest import runs with their reconciliation."""
    return imports.import_runs(web_context(request).engine, limit)


@api.get(
    "/imports/runs/{run_id}",
    response_model=ImportRunDetail,
    openapi_extra=action("import.view"),
)
def api_import_run(request: Request, run_id: RunId, principal: Signed) -> dict[str, Any]:
    """One import run: its reconciliation and its quarantined rows counted by reason."""
    run = imports.import_run(web_context(request).engine, run_id)
    if run is None:
        raise HTTPException(404, f"No import run {run_id}.")
    return run


@api.get(
    "/imports/runs/{run_id}/quarantine",
    response_model=list[QuarantinedRowOut],
    openapi_extra=action("quarantine.view"),
)
def api_quarantine(
    request: Request,
    run_id: RunId,
    principal: Signed,
    reason: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=2_000_000_000)] = 0,
) -> list[dict[str, Any]]:
    """A page of a run's quarantined rows with the reason for each (audited)."""
    context = web_context(request)
    if imports.import_run(context.engine, run_id) is None:
        raise HTTPException(404, f"No import run {run_id}.")
    rows = imports.quarantined_rows(
        context.engine,
        run_id,
        reason=reason,
        limit=limit,
        offset=offset,
        viewer=principal.username,
        ip=client_ip(request),
        now=context.clock(),
    )
    return [
        {"line": r.line, "column": r.column, "value": r.value, "reason": r.reason, "raw": r.raw}
        for r in rows
    ]


router.include_router(api)
