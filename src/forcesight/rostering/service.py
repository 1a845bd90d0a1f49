"""Service functions for the web pages and the Force Management Statement: roster grid, cover
against demand (SVG), breaches, and the rostering report section."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table
from forcesight.rostering import queries
from forcesight.rostering.check import check_roster
from forcesight.rostering.design import Design
from forcesight.rostering.policy import RosteringPolicy, load_rostering_policy
from forcesight.rostering.roster import Roster, roster_from_dict
from forcesight.rostering.shifts import hour_label


def cover_chart_svg(cover: pl.DataFrame, title: str = "Cover against demand") -> str:
    """Required and rostered officers by hour of the week, one panel per function (SVG)."""
    long = (
        cover.select("function", "hour_of_week", "required", "rostered")
        .unpivot(index=["function", "hour_of_week"], variable_name="series", value_name="officers")
        .with_columns(
            pl.col("hour_of_week").map_elements(hour_label, return_dtype=pl.String).alias("hour")
        )
    )
    chart = (
        alt.Chart(alt.Data(values=long.to_dicts()))  # type: ignore[no-untyped-call]
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X(
                "hour_of_week:Q",
                title="hour of the week (0 = Monday 00:00)",
                scale=alt.Scale(domain=[0, 168]),
                axis=alt.Axis(values=list(range(0, 169, 24))),
            ),
            y=alt.Y("officers:Q", title="officers on duty"),
            color=alt.Color("series:N", title=None),
            tooltip=["function:N", "hour:N", "series:N", "officers:Q"],
        )
        .properties(width=640, height=140)
        .facet(row=alt.Row("function:N", title=None))
        .properties(title=title)
    )
    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg


def list_stored(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Names and dates of the stored specifications, patterns and rosters."""
    return {
        kind: [{"name": n, "created_at": c} for n, c in queries.list_named(engine, kind)]
        for kind in queries.KINDS
    }


def load_design(engine: Engine, name: str) -> Design:
    return Design.from_dict(queries.load_named(engine, queries.KIND_PATTERN, name))


def load_roster(engine: Engine, name: str) -> Roster:
    return roster_from_dict(queries.load_named(engine, queries.KIND_ROSTER, name), name)


def roster_grid(engine: Engine, name: str) -> pl.DataFrame:
    """Officer x day grid of a stored roster."""
    return load_roster(engine, name).grid()


def roster_breaches(
    engine: Engine, name: str, policy: RosteringPolicy | None = None
) -> pl.DataFrame:
    """Every rule breach in a stored roster (officer, function, rule, from, to, detail)."""
    return check_roster(load_roster(engine, name), policy or load_rostering_policy())


def design_cover(engine: Engine, name: str) -> tuple[pl.DataFrame, str]:
    """A stored pattern's cover by function and hour, and its chart as SVG."""
    design = load_design(engine, name)
    cover = design.cover_frame()
    return cover, cover_chart_svg(cover, f"Cover against demand: {design.name}")


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """Rostering's part of the Force Management Statement: the newest stored pattern's cover
    against demand (capacity) and the hours it leaves under-covered (unmet demand)."""
    stored = queries.list_named(engine, queries.KIND_PATTERN)
    method = (
        "Shift patterns designed with CP-SAT against required cover per hour of the week, "
        "within Police Regulations and Working Time Regulations rules "
        "(policy/rules/rostering.yaml). Cover counts nights against the next morning."
    )
    if not stored:
        return [
            ReportSection(
                area="Response and neighbourhood",
                title="Shift patterns against demand",
                step=Step.CAPACITY,
                method=method,
                missing=[
                    "no shift pattern stored: run `forcesight roster design SPEC --save NAME`"
                ],
            )
        ]
    name, created = stored[0]
    design = load_design(engine, name)
    cover = design.cover_frame()
    figures = [
        Figure(
            f"{f.function}: officer-hours a week below required cover",
            round(f.shortfall_officer_hours(), 1),
            "officer-h/week",
            f"scenarios kind={queries.KIND_PATTERN} name={name}",
        )
        for f in design.functions
    ]
    summary = pl.DataFrame(
        [
            {
                "function": f.function,
                "teams": f.lines * f.cycle_weeks,
                "cycle_weeks": f.cycle_weeks,
                "officers": sum(f.team_sizes) * f.cycle_weeks,
                "spare_officers": f.spare_officers,
                "shortfall_officer_hours": round(f.shortfall_officer_hours(), 1),
                "over_officer_hours": round(f.over_officer_hours(), 1),
            }
            for f in design.functions
        ]
    )
    capacity = ReportSection(
        area="Response and neighbourhood",
        title=f"Shift pattern {name} against demand",
        step=Step.CAPACITY,
        summary=(
            f"Pattern {name!r} (stored {created:%Y-%m-%d}, as at {now:%Y-%m-%d}) rosters "
            f"{len(design.functions)} function(s) from {design.start_date}."
        ),
        figures=figures,
        tables=[Table("Pattern by function", summary)],
        charts=[Chart("Cover against demand", cover_chart_svg(cover))],
        method=method,
    )
    short = (
        cover.filter(pl.col("under") > 0)
        .with_columns(
            pl.col("hour_of_week").map_elements(hour_label, return_dtype=pl.String).alias("hour")
        )
        .select("function", "hour", "required", "rostered", "under")
    )
    unmet = ReportSection(
        area="Response and neighbourhood",
        title=f"Hours pattern {name} leaves under-covered",
        step=Step.UNMET,
        summary=(
            f"{short.height} function-hours a week below required cover, "
            f"{float(short['under'].sum()) if short.height else 0.0:.1f} officer-hours."
        ),
        tables=[Table("Under-covered hours of the week", short)],
        method=method,
    )
    return [capacity, unmet]
