"""The clocks' contribution to the Force Management Statement (step 4: unmet demand and risk)."""

from __future__ import annotations

from datetime import datetime, timedelta

import altair as alt
import polars as pl
import vl_convert
from sqlalchemy import Engine

from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table
from forcesight.tracking import service, views

AREAS = {
    "victim_care": "Victims",
    "bail": "Investigation",
    "rui": "Investigation",
    "investigation": "Investigation",
    "forensic_submission": "Investigation",
    "missing_episode": "Public protection",
    "wanted": "Public protection",
}


def _chart(rates: pl.DataFrame) -> str:
    data = rates.select(
        pl.col("period").dt.strftime("%Y-%m").alias("month"), "clock", "rate"
    ).to_dicts()
    chart = (
        alt.Chart(alt.InlineData(values=data))
        .mark_line(point=True)
        .encode(
            x=alt.X("month:O", title="Month due"),
            y=alt.Y("rate:Q", title="Share met on time", scale=alt.Scale(domain=[0, 1])),
            color=alt.Color("clock:N", title="Clock"),
        )
        .properties(width=560, height=260)
    )
    return str(vl_convert.vegalite_to_svg(chart.to_json()))


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """One section: open and overdue clocks now, and compliance over the last 12 months."""
    section = ReportSection(
        area="Public protection and investigation",
        title="Statutory and policy clocks",
        step=Step.UNMET,
        method=(
            "Clocks computed from clock_records and clock_events by the rules in clocks.yaml "
            "(each rule cites its source; force choices are marked). A clock is missed when it "
            "fell due before it was met; clocks stopped before falling due are left out."
        ),
    )
    clocks = service.evaluate(engine, now, open_only=False)
    if clocks.height == 0:
        section.missing.append(
            "no clock records loaded: bail, RUI, victims' code, missing, "
            "wanted, forensic and review records come from the RMS export"
        )
        return [section]
    counts = views.open_counts(clocks)
    since = (now - timedelta(days=365)).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rates = views.compliance(clocks, now, since=since, by=("clock",))
    overall = views.compliance(clocks, now, since=since, every="1y", by=())
    due_total = int(overall["due"].sum()) if overall.height else 0
    on_time = int(overall["on_time"].sum()) if overall.height else 0
    section.figures = [
        Figure(
            "Open clocks",
            int(counts["open"].sum()),
            "clocks",
            "clocks with status running, due_soon or overdue",
        ),
        Figure("Overdue now", int(counts["overdue"].sum()), "clocks", "status = overdue"),
        Figure(
            "Met on time, last 12 months",
            round(on_time / due_total, 3) if due_total else None,
            "share",
            "met / clocks due in the period (stopped-before-due excluded)",
        ),
    ]
    section.summary = (
        f"{int(counts['overdue'].sum())} clocks are overdue now; "
        f"{on_time} of {due_total} clocks due in the last 12 months were met on time."
    )
    area = counts.with_columns(pl.col("kind").replace_strict(AREAS, default="Other").alias("area"))
    section.tables = [
        Table(
            "Open clocks by kind",
            area.select("area", "kind", "clock", "open", "due_soon", "overdue"),
        ),
        Table(
            "Compliance by month",
            rates,
            "Victims and Prisoners Act 2024 s.11: PCCs review victims' code compliance.",
        ),
    ]
    if rates.height:
        section.charts.append(Chart("Share of clocks met on time by month", _chart(rates)))
    return [section]
