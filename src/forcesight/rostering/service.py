"""Service functions for the web pages and the Force Management Statement: roster grid, cover
against demand (SVG), breaches, and the rostering report section."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.errors import ScenarioError
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


def load_ref(engine: Engine, ref: str) -> Roster | Design:
    """A stored object by reference: ``pattern:NAME`` (a design) or ``roster:NAME``."""
    kind, _, name = ref.partition(":")
    if kind == "pattern" and name:
        return load_design(engine, name)
    if kind == "roster" and name:
        return load_roster(engine, name)
    raise ScenarioError(ref, [("roster", "expected pattern:NAME or roster:NAME")])


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
    against demand (capacity), the hours it leaves under-covered (unmet demand), and the newest
    stored comparison of a current and a proposed roster in the response simulation (plans)."""
    return [*_pattern_sections(engine, now), comparison_section(engine, now)]


def _pattern_sections(engine: Engine, now: datetime) -> list[ReportSection]:
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


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def simulation_table(simulation: dict[str, Any]) -> pl.DataFrame:
    """The shares of a comparison's simulation as a flat table (percentages as text)."""
    rows = []
    for row in simulation["shares"]:
        rows.append(
            {
                "grade": row["grade"],
                "incidents": "vulnerable victims"
                if row["metric"].startswith("vulnerable")
                else "all",
                "current": _pct(row["a"]["mean"]),
                "current_95": f"{_pct(row['a']['low'])} to {_pct(row['a']['high'])}",
                "proposed": _pct(row["b"]["mean"]),
                "proposed_95": f"{_pct(row['b']['low'])} to {_pct(row['b']['high'])}",
                "change": _pct(row["difference"]["mean"]),
                "change_95": f"{_pct(row['difference']['low'])} to "
                f"{_pct(row['difference']['high'])}",
            }
        )
    return pl.DataFrame(rows)


def comparison_section(engine: Engine, now: datetime) -> ReportSection:
    """The newest stored comparison of a current and a proposed roster run through the
    response simulation: the share of emergencies reached within target under each."""
    title = "Proposed roster: emergencies reached within target"
    method = (
        "Both rosters' response officers become single-crewed units of one response scenario "
        "(its demand, areas, travel and targets), run on the same seeds (common random "
        "numbers); each share has a 95% t-interval over replications and the change a paired "
        "interval. Stored by `forcesight roster compare A B --simulate SCENARIO --save NAME`."
    )
    area = "Response and neighbourhood"
    stored = queries.list_named(engine, queries.KIND_COMPARISON)
    record = queries.load_named(engine, queries.KIND_COMPARISON, stored[0][0]) if stored else {}
    simulation = record.get("simulation")
    if not simulation:
        return ReportSection(
            area=area,
            title=title,
            step=Step.PLANS,
            method=method,
            missing=[
                "no stored comparison of a current and a proposed roster in the response "
                "simulation: run `forcesight roster compare roster:CURRENT pattern:PROPOSED "
                "--simulate SCENARIO --save NAME`"
            ],
        )
    name = stored[0][0]
    run_at = datetime.fromisoformat(str(record["run_at"]))
    headline = next(
        r
        for r in simulation["shares"]
        if r["grade"] == simulation["headline_grade"] and r["metric"] == "within_target_share"
    )
    query = f"scenarios kind={queries.KIND_COMPARISON} name={name}"
    figures = [
        Figure(f"grade {headline['grade']} within target: current", headline["a"]["mean"],
               "share", query),
        Figure(f"grade {headline['grade']} within target: proposed", headline["b"]["mean"],
               "share", query),
        Figure(f"grade {headline['grade']} within target: change", headline["difference"]["mean"],
               "share", query),
    ]  # fmt: skip
    changed = []
    for ref in (record["current"], record["proposed"]):
        kind, _, stored_name = str(ref).partition(":")
        stored_kind = {"pattern": queries.KIND_PATTERN, "roster": queries.KIND_ROSTER}.get(kind)
        if stored_kind is None:
            continue
        when = dict(queries.list_named(engine, stored_kind)).get(stored_name)
        if when is None:
            changed.append(f"{ref} is no longer stored")
        elif when > run_at:
            changed.append(f"{ref} was stored again on {when:%Y-%m-%d} after this run")
    low, high = headline["difference"]["low"], headline["difference"]["high"]
    verdict = (
        "the run tells them apart"
        if low is not None and high is not None and (low > 0 or high < 0)
        else "the run cannot tell them apart"
    )
    summary = (
        f"Current {record['current']} against proposed {record['proposed']} in scenario "
        f"{simulation['scenario']!r} ({simulation['replications']} replications, run "
        f"{run_at:%Y-%m-%d}; as at {now:%Y-%m-%d}): grade {headline['grade']} incidents reached "
        f"within target {_pct(headline['a']['mean'])} now, {_pct(headline['b']['mean'])} "
        f"proposed, a change of {_pct(headline['difference']['mean'])} "
        f"(95% {_pct(low)} to {_pct(high)}; {verdict})."
    )
    if changed:
        summary += f" Since then {'; '.join(changed)}: re-run the comparison."
    return ReportSection(
        area=area,
        title=title,
        step=Step.PLANS,
        summary=summary,
        figures=figures,
        tables=[Table("Share reached within target, current and proposed",
                      simulation_table(simulation))],
        method=method,
    )  # fmt: skip


def stored_cover(*sources: Roster | Design) -> pl.DataFrame | None:
    """Required cover held by the patterns among ``sources`` (the first to name a function
    wins), for every function any source rosters; None if some function has none."""
    functions: set[str] = set()
    frames: dict[str, pl.DataFrame] = {}
    for source in sources:
        if isinstance(source, Design):
            functions |= {f.function for f in source.functions}
            for f in source.functions:
                frames.setdefault(
                    f.function,
                    f.cover_frame().select(
                        "function", "hour_of_week", pl.col("required").cast(pl.Int64)
                    ),
                )
        else:
            functions |= set(source.functions())
    if not functions or functions - set(frames):
        return None
    return pl.concat([frames[f] for f in sorted(functions)])


def compare_chart_svg(hourly: pl.DataFrame) -> str:
    """Required, current (A) and proposed (B) officers on duty by hour of the week, one panel
    per function (SVG), from ``compare_rosters(...).hourly``."""
    cover = hourly.select(
        "function", "hour_of_week", "required",
        pl.col("a").alias("current"), pl.col("b").alias("proposed"),
    )  # fmt: skip
    long = cover.unpivot(
        index=["function", "hour_of_week"], variable_name="series", value_name="officers"
    ).with_columns(
        pl.col("hour_of_week").map_elements(hour_label, return_dtype=pl.String).alias("hour")
    )
    chart = (
        alt.Chart(alt.Data(values=long.to_dicts()))  # type: ignore[no-untyped-call]
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X("hour_of_week:Q", title="hour of the week (0 = Monday 00:00)",
                    scale=alt.Scale(domain=[0, 168]),
                    axis=alt.Axis(values=list(range(0, 169, 24)))),
            y=alt.Y("officers:Q", title="officers on duty"),
            color=alt.Color("series:N", title=None),
            strokeDash=alt.StrokeDash("series:N", title=None),
            tooltip=["function:N", "hour:N", "series:N", "officers:Q"],
        )
        .properties(width=640, height=140)
        .facet(row=alt.Row("function:N", title=None))
        .properties(title="Cover: current and proposed against required")
    )  # fmt: skip
    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg
