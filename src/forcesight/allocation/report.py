"""The allocation engine's sections of the Force Management Statement."""

from __future__ import annotations

from datetime import datetime

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.allocation.backlog import backlog
from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table


def _age_chart(frame: pl.DataFrame) -> str:
    chart = (
        alt.Chart(alt.Data(values=frame.to_dicts()))  # type: ignore[no-untyped-call]
        .mark_bar()
        .encode(
            x=alt.X("band:N", sort=None, title="Age of unallocated crime"),
            y=alt.Y("crimes:Q", title="Crimes"),
        )
        .properties(width=420, height=220)
    )
    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """Unallocated crime (step 4: unmet demand) and investigator caseloads (step 2)."""
    view = backlog(engine, now)
    method = (
        "Crimes recorded and not yet allocated, screened out or closed as at the report time; "
        "time to allocation is from recording to the first allocation to an investigator over "
        "the last 12 weeks; caseload hours are the policy's expected investigative hours of "
        "each open case (allocation_offences.yaml), an assumption until the force loads its "
        "own time recording."
    )
    unmet = ReportSection(
        area="Investigation",
        title="Unallocated crime and time to allocation",
        step=Step.UNMET,
        summary=(
            f"{view.unallocated} crimes wait for an investigator"
            + (
                f"; half of recent allocations took {view.time_to_allocation_p50_days:.1f} days "
                f"or less and 90% took {view.time_to_allocation_p90_days:.1f} days or less."
                if view.time_to_allocation_p50_days is not None
                and view.time_to_allocation_p90_days is not None
                else "."
            )
        ),
        figures=[
            Figure(
                "Unallocated crimes",
                view.unallocated,
                "crimes",
                "crimes.status = 'unallocated' and recorded_at <= now",
            ),
            Figure(
                "Time to allocation, median",
                view.time_to_allocation_p50_days,
                "days",
                "first crime_allocations row per crime - crimes.recorded_at, last 12 weeks",
            ),
            Figure(
                "Time to allocation, 90th percentile",
                view.time_to_allocation_p90_days,
                "days",
                "as above",
            ),
            Figure(
                "Allocations breaking an accreditation or skill rule",
                int(view.flagged.height),
                "allocations",
                "crime_allocations.breaches not empty (manual overrides only)",
            ),
            Figure(
                "Hand-offs per crime",
                view.handoffs_per_crime_mean,
                "hand-offs",
                "team changes between consecutive crime_allocations rows",
            ),
        ],
        tables=[
            Table("Unallocated crime by age", view.age_distribution),
            Table("Unallocated crime by area", view.unallocated_by_area),
            Table("Time to allocation by team", view.time_to_allocation_by_team),
            Table("Allocations that broke a rule", view.flagged),
        ],
        method=method,
    )
    if view.unallocated or view.age_distribution.get_column("crimes").sum():
        unmet.charts.append(Chart("Age of unallocated crime", _age_chart(view.age_distribution)))
    caseload = view.caseload
    if caseload.height:
        by_team = (
            caseload.group_by("team_id")
            .agg(
                pl.len().alias("investigators"),
                pl.col("open_cases").sum().alias("open_cases"),
                pl.col("open_hours").sum().alias("open_hours"),
                pl.col("capacity_hours").sum().alias("capacity_hours"),
                (~pl.col("available")).sum().alias("unavailable"),
            )
            .with_columns((pl.col("open_hours") / pl.col("capacity_hours")).alias("utilisation"))
            .sort("team_id", nulls_last=True)
        )
        over = int((caseload.get_column("utilisation").fill_null(0) > 1.0).sum())
        in_post = int(caseload.get_column("in_post").sum())
    else:
        by_team = pl.DataFrame()
        over = in_post = 0
    stranded = caseload.filter(~pl.col("in_post"))
    capacity = ReportSection(
        area="Investigation",
        title="Investigator caseloads",
        step=Step.CAPACITY,
        summary=(
            f"{in_post} investigators hold {int(caseload.get_column('open_cases').sum())} "
            f"open cases; {over} are above their caseload capacity."
            + (
                f" {stranded.height} people no longer in post still hold "
                f"{int(stranded.get_column('open_cases').sum())} open cases."
                if stranded.height
                else ""
            )
            if caseload.height
            else ""
        ),
        figures=[
            Figure(
                "Investigators",
                in_post,
                "people",
                "staff in post in the functions that take crimes (allocation.yaml routes)",
            ),
            Figure(
                "Open cases held by people no longer in post",
                int(stranded.get_column("open_cases").sum()),
                "crimes",
                "open allocated crimes whose investigator has left (or not yet joined)",
            ),
            Figure(
                "Investigators above caseload capacity",
                over,
                "people",
                "open expected hours > hours_per_week x share x caseload weeks",
            ),
        ],
        tables=[Table("Caseload by team", by_team)] if caseload.height else [],
        method=method,
    )
    if not caseload.height:
        capacity.missing.append("no staff in the investigating functions: load a workforce file")
    if not view.unallocated and view.time_to_allocation_p50_days is None:
        unmet.missing.append("no crimes loaded: import a crime export (RMS) first")
    return [unmet, capacity]
