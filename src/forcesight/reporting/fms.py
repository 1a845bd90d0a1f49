"""The Force Management Statement: every installed engine's sections, arranged in HMICFRS's four
steps for each area of policing, with a short summary up front; written as HTML or PDF, and
every table as an Excel workbook.

Engines are imported lazily. An engine that is not installed, or that has no data, gives a
section that says what was not assessed, never zeros. An engine whose section fails is reported
as such in the statement (and raises with ``strict``).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from forcesight.errors import ReportPathError
from forcesight.reporting.section import ReportSection, Step


@dataclass(frozen=True)
class Contributor:
    """An engine that contributes to the statement, and what its absence means."""

    module: str  # the module with report_section(engine, now)
    area: str
    step: Step
    title: str
    absent: str  # what is not assessed when the module is not installed


CONTRIBUTORS: tuple[Contributor, ...] = (
    Contributor("forcesight.demand.report", "Demand", Step.DEMAND, "Demand now and 4 years ahead",
                "demand profiles and four-year forecasts not assessed"),
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


def collect_sections(
    engine: Engine,
    now: datetime,
    *,
    strict: bool = False,
    contributors: tuple[Contributor, ...] = CONTRIBUTORS,
    progress: Callable[[str, int, int], None] | None = None,
) -> Statement:
    """Every contributor's sections as at ``now``."""
    statement = Statement(now, [])
    for i, who in enumerate(contributors):
        if progress:
            progress(who.title, i, len(contributors))
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
            statement.sections.append(_not_assessed(who, f"{why}: {who.absent}"))
            statement.contributors.append((who.module, "not installed", 0.0))
            continue
        try:
            sections = list(module.report_section(engine, now))
        except Exception as exc:
            if strict:
                raise
            why = f"{who.title} could not be built ({type(exc).__name__}: {exc}): {who.absent}"
            statement.failures.append(why)
            statement.sections.append(_not_assessed(who, why))
            statement.contributors.append((who.module, "failed", time.perf_counter() - started))
            continue
        statement.sections.extend(sections)
        statement.contributors.append((who.module, "ok", time.perf_counter() - started))
    if progress:
        progress("done", len(contributors), len(contributors))
    return statement


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
