"""Rendering the statement: HTML (Jinja2, self-contained: inline CSS, charts as SVG data), PDF
(WeasyPrint: A4, page numbers, a contents page with page numbers) and Excel (one sheet per
table, through xlsxwriter)."""

from __future__ import annotations

import base64
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2
import polars as pl

from forcesight.reporting.fms import Statement
from forcesight.reporting.section import Step

TEMPLATES = Path(__file__).parent / "templates"
MAX_ROWS = 40  # rows of a table shown in the HTML and PDF; the Excel export has them all
STEPS = (
    (Step.DEMAND, "Step 1", "Demand now and four years ahead"),
    (Step.CAPACITY, "Step 2", "The workforce and assets that meet it"),
    (Step.PLANS, "Step 3", "Plans to improve"),
    (Step.UNMET, "Step 4", "Demand that will not be met, and its risk"),
)


def format_value(value: Any, unit: str = "") -> str:
    """A figure or cell as the report prints it."""
    if value is None:
        return "not available"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if unit == "share":
            return f"{value:.1%}"
        if unit == "GBP":
            return f"£{value:,.0f}"
        if value != value:  # NaN
            return "not available"
        return f"{value:,.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def prose(text: str) -> str:
    """Docstring text as report prose: no reStructuredText literals, lines joined."""
    return " ".join(text.replace("``", "").split())


def _svg_data(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _rows(frame: pl.DataFrame) -> list[list[str]]:
    return [[format_value(v) for v in row] for row in frame.head(MAX_ROWS).iter_rows()]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = format_value
    env.filters["svg_data"] = _svg_data
    env.filters["rows"] = _rows
    env.filters["prose"] = prose
    return env


def anchor(*parts: object) -> str:
    return re.sub(r"[^a-z0-9]+", "-", "-".join(str(p) for p in parts).lower()).strip("-")


def to_html(statement: Statement, *, for_print: bool = False) -> str:
    """The statement as one self-contained HTML document."""
    areas = []
    for a, area in enumerate(statement.areas(), 1):
        steps = []
        for step, label, meaning in STEPS:
            sections = statement.in_area(area, step)
            steps.append(
                {
                    "label": label,
                    "meaning": meaning,
                    "id": anchor("area", a, step.value),
                    "sections": [
                        {"section": s, "id": anchor("area", a, step.value, i)}
                        for i, s in enumerate(sections, 1)
                    ],
                }
            )
        areas.append({"name": area, "id": anchor("area", a), "steps": steps})
    not_assessed = [(s.area, s.title, why) for s in statement.sections for why in s.missing]
    return (
        _environment()
        .get_template("fms.html.j2")
        .render(
            statement=statement,
            areas=areas,
            not_assessed=not_assessed,
            summaries=[s for s in statement.sections if s.summary],
            max_rows=MAX_ROWS,
            for_print=for_print,
            generated=statement.now.strftime("%d %B %Y %H:%M"),
        )
    )


def write_pdf(html: str, out: Path) -> Path:
    """Render the HTML to a paginated PDF with WeasyPrint (no network: nothing is fetched)."""
    import weasyprint
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf(out)
    return out


def _sheet_name(index: int, title: str, used: set[str]) -> str:
    clean = re.sub(r"[\[\]:*?/\\']", " ", title)
    name = f"{index} {clean}"[:31].strip()
    while name in used:
        name = name[:28] + f"~{len(used)}"
    used.add(name)
    return name


def _excel_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """Nested columns as text, so every table fits a sheet."""
    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List | pl.Array):
            exprs.append(pl.col(name).cast(pl.List(pl.String)).list.join(", ").alias(name))
        elif isinstance(dtype, pl.Struct | pl.Object):
            exprs.append(pl.col(name).map_elements(str, return_dtype=pl.String).alias(name))
    return frame.with_columns(exprs) if exprs else frame


def write_excel(statement: Statement, out: Path) -> Path:
    """Every table of the statement on its own sheet, with a contents sheet and the figures."""
    import xlsxwriter

    out.parent.mkdir(parents=True, exist_ok=True)
    used = {"Contents", "Figures"}
    contents: list[dict[str, Any]] = []
    figures: list[dict[str, Any]] = []
    workbook = xlsxwriter.Workbook(str(out))
    try:
        workbook.add_worksheet("Contents")  # first in the workbook; filled at the end
        workbook.add_worksheet("Figures")
        n = 0
        for section in statement.sections:
            for figure in section.figures:
                figures.append(
                    {"area": section.area, "section": section.title, "step": section.step.value,
                     "figure": figure.label, "value": format_value(figure.value, figure.unit),
                     "unit": figure.unit, "how": figure.query}
                )  # fmt: skip
            for table in section.tables:
                if table.frame.width == 0:
                    continue
                n += 1
                name = _sheet_name(n, table.title, used)
                contents.append(
                    {"sheet": name, "area": section.area, "section": section.title,
                     "table": table.title, "rows": table.frame.height, "note": table.note}
                )  # fmt: skip
                _excel_ready(table.frame).write_excel(workbook=workbook, worksheet=name)
        pl.DataFrame(
            contents,
            schema={"sheet": pl.String, "area": pl.String, "section": pl.String,
                    "table": pl.String, "rows": pl.Int64, "note": pl.String},
        ).write_excel(workbook=workbook, worksheet="Contents")  # fmt: skip
        pl.DataFrame(
            figures,
            schema={"area": pl.String, "section": pl.String, "step": pl.String,
                    "figure": pl.String, "value": pl.String, "unit": pl.String, "how": pl.String},
        ).write_excel(workbook=workbook, worksheet="Figures")  # fmt: skip
    finally:
        workbook.close()
    return out
