"""Web pages and API for the Force Management Statement: build one, list them, open the latest.

Reports are written to ``<data_dir>/reports/fms-YYYYMMDD-HHMMSS.{html,pdf,xlsx}``. Building and
downloading are audited. A report is served with its own Content-Security-Policy: it carries
its styles inline and its charts as data, and may load nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from forcesight.errors import ForcesightError
from forcesight.reporting.fms import build_report
from forcesight.web import audit
from forcesight.web.context import client_ip, web_context
from forcesight.web.guard import signed_in
from forcesight.web.pages import render
from forcesight.web.routing import NavItem, action
from forcesight.web.schemas import ERRORS
from forcesight.web.sessions import Principal
from forcesight.workforce.web import local_now

NAV = (NavItem("Reports", "/reports", "report.view"),)
TEMPLATES = Path(__file__).parent / "templates"
NAME = re.compile(r"^fms-\d{8}-\d{6}\.(html|pdf|xlsx)$")
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

router = APIRouter()
Signed = Annotated[Principal, Depends(signed_in)]
ReportName = Annotated[str, PathParam(max_length=40)]


@dataclass(frozen=True)
class ReportFile:
    name: str
    built_at: datetime
    bytes: int


def reports_dir(request: Request) -> Path:
    return Path(web_context(request).config.data_dir) / "reports"


def list_reports(folder: Path) -> list[ReportFile]:
    """The statements built so far, newest first."""
    if not folder.is_dir():
        return []
    found = []
    for path in folder.iterdir():
        if NAME.match(path.name):
            stamp = datetime.strptime(path.name[4:19], "%Y%m%d-%H%M%S")
            found.append(ReportFile(path.name, stamp, path.stat().st_size))
    return sorted(found, key=lambda r: (r.built_at, r.name), reverse=True)


def build(request: Request, principal: Principal, fmt: Literal["html", "pdf"]) -> list[str]:
    """Build the statement as at now (HTML or PDF, with the Excel tables); the file names."""
    now = local_now(request)
    folder = reports_dir(request)
    stem = f"fms-{now:%Y%m%d-%H%M%S}"
    out = build_report(
        web_context(request).engine, now, folder / f"{stem}.{fmt}", excel=folder / f"{stem}.xlsx"
    )
    names = [out.name, f"{stem}.xlsx"]
    with web_context(request).engine.begin() as connection:
        audit.record(connection, principal.username, "report.build", f"report:{stem}",
                     {"files": names}, client_ip(request))  # fmt: skip
    return names


@router.get("/reports", include_in_schema=False, openapi_extra=action("report.view"))
def reports_page(
    request: Request, principal: Signed, done: Annotated[str | None, Query(max_length=200)] = None
) -> Response:
    context = web_context(request)
    return render(
        request, "reports.html", title="Force Management Statement",
        reports=list_reports(reports_dir(request)), done=done,
        can_build=context.roles.allows(principal.role, "report.build"),
    )  # fmt: skip


@router.post("/reports", include_in_schema=False, openapi_extra=action("report.build"))
async def reports_build(
    request: Request, principal: Signed, fmt: Annotated[Literal["html", "pdf"], Form()]
) -> Response:
    try:
        names = await run_in_threadpool(build, request, principal, fmt)
    except ForcesightError as error:
        message = str(error)
        return render(request, "error.html", 400, title="That did not work", message=message)
    return RedirectResponse(f"/reports?done=Built {names[0]}", 303)


@router.get("/reports/latest", include_in_schema=False, openapi_extra=action("report.view"))
def latest_report(request: Request, principal: Signed) -> Response:
    built = [r for r in list_reports(reports_dir(request)) if not r.name.endswith(".xlsx")]
    if not built:
        return render(request, "error.html", 404, title="No report yet",
                      message="No Force Management Statement has been built yet.")  # fmt: skip
    return RedirectResponse(f"/reports/files/{built[0].name}", 303)


@router.get("/reports/files/{name}", include_in_schema=False, openapi_extra=action("report.view"))
def report_file(request: Request, name: ReportName, principal: Signed) -> Response:
    path = reports_dir(request) / name
    if not NAME.match(name) or not path.is_file():
        return render(request, "error.html", 404, title="No such report",
                      message=f"There is no report named {name}.")  # fmt: skip
    with web_context(request).engine.begin() as connection:
        audit.record(connection, principal.username, "report.download", f"report:{name}", None,
                     client_ip(request))  # fmt: skip
    disposition = "inline" if name.endswith((".html", ".pdf")) else "attachment"
    return FileResponse(
        path, media_type=MEDIA[path.suffix], content_disposition_type=disposition,
        filename=name, headers={"Content-Security-Policy": REPORT_CSP},
    )  # fmt: skip


class BuildIn(BaseModel):
    format: Literal["html", "pdf"]


api = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=ERRORS)


@api.get("", openapi_extra=action("report.view"))
def api_reports(request: Request, principal: Signed) -> dict[str, Any]:
    """The statements built so far, newest first, with their download paths."""
    return {
        "reports": [
            {"name": r.name, "built_at": r.built_at, "bytes": r.bytes,
             "href": f"/reports/files/{r.name}"}
            for r in list_reports(reports_dir(request))
        ]
    }  # fmt: skip


@api.post("", status_code=201, openapi_extra=action("report.build"))
def api_build(request: Request, body: BuildIn, principal: Signed) -> dict[str, Any]:
    """Build the statement as at now (audited); returns the files written."""
    names = build(request, principal, body.format)
    return {"files": names, "href": f"/reports/files/{names[0]}"}


router.include_router(api)
