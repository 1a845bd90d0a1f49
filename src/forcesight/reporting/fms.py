"""The Force Management Statement: every installed engine's sections, arranged in HMICFRS's four
steps for each area of policing, with a short summary up front; written as HTML or PDF, and
every table as an Excel workbook.

Engines are imported lazily. An engine that is not installed, or that has no data, gives a
section that says what was not assessed, never zeros. An engine whose section fails is reported
as such in the statement (and raises with ``strict``).
"""

from __future__ import annotations

import importlib
import importlib.util
import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from forcesight.errors import ReportPathError
from forcesight.reporting.section import ReportSection, Step
from forcesight.settings import setting


@dataclass(frozen=True)
class Contributor:
    """An engine that contributes to the statement, and what its absence means."""

    module: str  # the module with report_section(engine, now)
    area: str
    step: Step
    title: str
    absent: str  # what is not assessed when the module is not installed
    # Slow and independent of the others (the demand forecasts): built in a worker process
    # while the rest are built here, when the ``workers`` setting allows two processes.
    alongside: bool = False


CONTRIBUTORS: tuple[Contributor, ...] = (
    Contributor("forcesight.demand.report", "Demand", Step.DEMAND, "Demand now and 4 years ahead",
                "demand profiles and four-year forecasts not assessed", alongside=True),
    Contributor("forcesight.response.report", "Response", Step.CAPACITY, "Response capacity",
                "response capacity (Erlang staffing and simulation) not assessed"),
    Contributor("forcesight.rostering.service", "Response", Step.PLANS, "Shift patterns",
                "shift patterns against demand not assessed"),
    Contributor("forcesight.allocation.report", "Investigation", Step.UNMET,
                "Crime allocation and backlog", "crime allocation and backlog not assessed"),
    Contributor("forcesight.tracking.report", "Public protection and investigation", Step.UNMET,
                "Statutory and policy clocks", "statutory clocks not assessed"),
    Contributor("forcesight.workforce.report", "Workforce", Step.CAPACITY, "Workforce capability",
                "workforce capability not assessed"),
    Contributor("forcesight.finance.report", "Finance", Step.DEMAND, "Cost of demand",
                "cost of demand and benefits not assessed"),
)  # fmt: skip

AREA_ORDER = (
    "Demand",
    "Response",
    "Investigation",
    "Public protection",
    "Public protection and investigation",
    "Victims",
    "Workforce",
    "Finance",
)


@dataclass
class Statement:
    now: datetime
    sections: list[ReportSection]
    contributors: list[tuple[str, str, float]] = field(default_factory=list)  # module, status, s
    failures: list[str] = field(default_factory=list)

    def areas(self) -> list[str]:
        present = {s.area for s in self.sections}
        known = [a for a in AREA_ORDER if a in present]
        return known + sorted(present - set(known))

    def in_area(self, area: str, step: Step) -> list[ReportSection]:
        return [s for s in self.sections if s.area == area and s.step == step]


def _not_assessed(who: Contributor, why: str) -> ReportSection:
    return ReportSection(area=who.area, title=who.title, step=who.step, missing=[why])


def _sections_in_worker(url: str, module: str, now: datetime) -> list[ReportSection]:
    """One contributor's sections, in a worker process with its own connection to the store."""
    from forcesight.store.engine import open_engine

    engine = open_engine(url)
    try:
        return list(importlib.import_module(module).report_section(engine, now))
    finally:
        engine.dispose()


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def _start_alongside(
    engine: Engine, now: datetime, contributors: tuple[Contributor, ...]
) -> tuple[ProcessPoolExecutor | None, dict[str, tuple[Future[list[ReportSection]], float]]]:
    """Submit the ``alongside`` contributors to one worker process, when the store can be
    reached from another process and two workers are allowed."""
    wanted = [c for c in contributors if c.alongside and _installed(c.module)]
    database = engine.url.database or ""
    shared = engine.url.get_backend_name() != "sqlite" or database not in ("", ":memory:")
    if not wanted or not shared or int(setting("workers")) < 2:
        return None, {}
    url = engine.url.render_as_string(hide_password=False)
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    started = time.perf_counter()
    pending = {c.module: (pool.submit(_sections_in_worker, url, c.module, now), started)
               for c in wanted}  # fmt: skip
    return pool, pending


def collect_sections(
    engine: Engine,
    now: datetime,
    *,
    strict: bool = False,
    contributors: tuple[Contributor, ...] = CONTRIBUTORS,
    progress: Callable[[str, int, int], None] | None = None,
) -> Statement:
    """Every contributor's sections as at ``now`` (in contributor order, whichever process
    built them)."""
    pool, pending = _start_alongside(engine, now, contributors)
    try:
        return _collect(engine, now, strict, contributors, progress, pending)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _collect(
    engine: Engine,
    now: datetime,
    strict: bool,
    contributors: tuple[Contributor, ...],
    progress: Callable[[str, int, int], None] | None,
    pending: dict[str, tuple[Future[list[ReportSection]], float]],
) -> Statement:
    statement = Statement(now, [])
    built: list[tuple[list[ReportSection], tuple[str, str, float], str | None]] = []
    later: list[tuple[int, Contributor]] = []
    for i, who in enumerate(contributors):
        if who.module in pending:
            later.append((i, who))
            built.append(([], (who.module, "", 0.0), None))
            continue
        built.append(_build_here(engine, now, strict, who, i, len(contributors), progress))
    for i, who in later:  # the worker's, in their places
        if progress:
            progress(f"{who.title} (built alongside)", i, len(contributors))
        future, started = pending[who.module]
        built[i] = _finish(who, strict, future.result, started)
    for sections, status, failure in built:
        statement.sections.extend(sections)
        statement.contributors.append(status)
        if failure:
            statement.failures.append(failure)
    if progress:
        progress("done", len(contributors), len(contributors))
    return statement


def _build_here(
    engine: Engine,
    now: datetime,
    strict: bool,
    who: Contributor,
    i: int,
    total: int,
    progress: Callable[[str, int, int], None] | None,
) -> tuple[list[ReportSection], tuple[str, str, float], str | None]:
    if progress:
        progress(who.title, i, total)
    started = time.perf_counter()
    try:
        module = importlib.import_module(who.module)
    except ModuleNotFoundError as exc:
        if exc.name is None or not who.module.startswith(exc.name):
            raise  # a missing dependency inside the engine is a failure, not an absence
        package = who.module.rsplit(".", 1)[0]
        why = (
            f"{package} provides no report section in this build"
            if exc.name == who.module
            else f"{package} is not installed in this build"
        )
        return (
            [_not_assessed(who, f"{why}: {who.absent}")],
            (who.module, "not installed", 0.0),
            None,
        )
    return _finish(who, strict, lambda: list(module.report_section(engine, now)), started)


def _finish(
    who: Contributor,
    strict: bool,
    build: Callable[[], list[ReportSection]],
    started: float,
) -> tuple[list[ReportSection], tuple[str, str, float], str | None]:
    """The contributor's sections, or a section that says it failed (raised with ``strict``)."""
    try:
        sections = build()
    except Exception as exc:
        if strict:
            raise
        why = f"{who.title} could not be built ({type(exc).__name__}: {exc}): {who.absent}"
        return [_not_assessed(who, why)], (who.module, "failed", time.perf_counter() - started), why
    return sections, (who.module, "ok", time.perf_counter() - started), None


def build_report(
    engine: Engine,
    now: datetime,
    out: Path,
    *,
    excel: Path | None = None,
    strict: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> Path:
    """Write the statement to ``out`` (.html or .pdf) and, with ``excel``, every table to an
    Excel workbook; returns ``out``."""
    from forcesight.reporting import render

    out = Path(out)
    if out.suffix.lower() not in (".html", ".htm", ".pdf"):
        raise ReportPathError(str(out), [".html", ".pdf"])
    if excel is not None and Path(excel).suffix.lower() != ".xlsx":
        raise ReportPathError(str(excel), [".xlsx"])
    statement = collect_sections(engine, now, strict=strict, progress=progress)
    html = render.to_html(statement, for_print=out.suffix.lower() == ".pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        render.write_pdf(html, out)
    else:
        out.write_text(html, encoding="utf-8")
    if excel is not None:
        render.write_excel(statement, Path(excel))
    return out
