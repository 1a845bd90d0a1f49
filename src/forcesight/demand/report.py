"""The demand sections of the Force Management Statement: demand now and four years ahead."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from forcesight.demand import charts, queries
from forcesight.demand.hidden import force_key
from forcesight.demand.profiles import (
    against_last_year,
    incident_records,
    profile,
    year_earlier_window,
)
from forcesight.demand.service import fan_chart_svg, hidden_demand, home_office_forecast
from forcesight.reporting.section import Chart, Figure, ReportSection, Step, Table

AREA = "Demand"


def _demand_now(engine: Engine, now: datetime) -> ReportSection:
    start = now - timedelta(days=365)
    section = ReportSection(
        area=AREA,
        title="Demand now: the last 12 months",
        step=Step.DEMAND,
        method=(
            "Incidents: officer-hours = travel (arrived - dispatched) + time on scene (cleared -"
            " arrived) per unit deployed, from the command-and-control log. Crimes: investigative"
            " hours per offence and complexity from policy/rules/demand_hours.yaml (assumptions"
            " marked). Change is against the same 12 months a year earlier."
        ),
    )
    # Each window's incidents are read once: the table and the heat map share them.
    before = year_earlier_window(start, now)
    incidents_now = incident_records(engine, start, now).incidents
    incidents_before = incident_records(engine, *before).incidents
    for source, by in (("incidents", "category"), ("crimes", "offence_group")):
        if source == "incidents":
            table = against_last_year(incidents_now, incidents_before, [by])
        else:
            table = profile(engine, source, [by], start, now)
        if table.height == 0 or int(table["volume"].sum()) == 0:
            section.missing.append(f"no {source} in the store for the 12 months to {now:%Y-%m-%d}")
            continue
        volume = int(table["volume"].sum())
        hours = float(table["officer_hours"].sum())
        last = float(table["volume_last_year"].sum())
        section.figures += [
            Figure(
                f"{source} in the last 12 months",
                volume,
                "",
                f"count of {source} in [{start:%Y-%m-%d}, {now:%Y-%m-%d})",
            ),
            Figure(
                f"officer-hours on {source}",
                round(hours),
                "h",
                f"sum of officer_hours of {source} in the same window",
            ),
            Figure(
                f"{source}: change on the year before",
                round((volume / last - 1) * 100, 1) if last else None,
                "%",
                "volume against the same 12 months a year earlier",
            ),
        ]
        top = table.sort("officer_hours", descending=True).head(15)
        section.tables.append(Table(f"{source.capitalize()} by {by.replace('_', ' ')}", top))
        if source == "incidents":
            heat = against_last_year(incidents_now, incidents_before, ["category", "hour_of_week"])
            section.charts.append(
                Chart(
                    "Incident officer-hours by hour of week",
                    str(charts.render(charts.heat_map(heat, "category", "officer_hours"))),
                )
            )
    section.summary = (
        "; ".join(f"{f.label}: {f.value}{f.unit}" for f in section.figures[:2])
        if section.figures
        else "No incidents or crimes loaded."
    )
    return section


def _demand_ahead(engine: Engine, force: str | None) -> ReportSection:
    section = ReportSection(
        area=AREA,
        title="Recorded crime four years ahead",
        step=Step.DEMAND,
        method=(
            "Home Office rolling-year recorded crime by offence group, harmonised for"
            " reclassified groups, forecast 16 quarters ahead. Each series' model is chosen by"
            " rolling-origin backtests that use no data after their origin; plain naive is kept"
            " unless a candidate beat it across the batch. 80% and 95% intervals come from recent"
            " backtest errors (80% intervals covered 75-85% of outcomes in the benchmark)."
        ),
    )
    rolling = queries.rolling_year(engine)
    if rolling.height == 0:
        section.missing.append("no Home Office rolling-year recorded crime loaded")
        return section
    available = rolling["force"].unique().to_list()
    match = [f for f in available if force and force_key(f) == force_key(force)]
    if not match:
        section.missing.append(
            f"the force ({force or 'unknown: no crimes or incidents with LSOAs'}) is not in the "
            "Home Office rolling-year data loaded"
        )
        return section
    run = home_office_forecast(rolling, forces=match)
    result = run.result
    total_id = f"{match[0]} | All crime (excluding fraud)"
    last = result.history.group_by("unique_id").agg(pl.col("y").last().alias("latest"))
    final = (
        result.forecasts.filter(pl.col("step") == pl.col("step").max().over("unique_id"))
        .join(last, on="unique_id")
        .join(result.selection, on="unique_id")
        .select("unique_id", "latest", "ds", "forecast", "lo_80", "hi_80", "selected")
        .with_columns(
            ((pl.col("forecast") / pl.col("latest") - 1) * 100).round(1).alias("change_pct")
        )
        .sort("unique_id")
    )
    total = final.filter(pl.col("unique_id") == total_id)
    if total.height:
        row = total.row(0, named=True)
        section.figures.append(
            Figure(
                "recorded crime (excl. fraud), rolling year, four years ahead",
                round(row["forecast"]),
                "offences",
                f"{row['selected']} forecast for {row['ds']}",
            )
        )
        section.summary = (
            f"{match[0]}: {row['latest']:.0f} offences in the latest rolling year; forecast "
            f"{row['forecast']:.0f} (80% interval {row['lo_80']:.0f}-{row['hi_80']:.0f}) by "
            f"{row['ds']}."
        )
        section.charts.append(
            Chart(
                "All recorded crime: history, forecast and breaks", fan_chart_svg(result, total_id)
            )
        )
    section.tables.append(Table("Forecast by offence group, 16 quarters ahead", final))
    section.tables.append(
        Table(
            "Series harmonisation",
            run.harmonisation.filter(pl.col("force").is_in([*match, "(all)"])),
        )
    )
    if result.problems.height:
        section.tables.append(Table("Series handled by a fallback", result.problems))
    return section


def _hidden(engine: Engine, now: datetime, force: str | None) -> ReportSection:
    found = hidden_demand(engine, now, force)
    section = ReportSection(
        area=AREA,
        title="Hidden demand and vulnerability",
        step=Step.DEMAND,
        missing=list(found.missing),
        method=(
            "Rates per 1,000 population (Census 2011) against peer forces in the Home Office"
            " data; repeat victims and locations over the window in demand_hidden.yaml."
        ),
    )
    if found.peers.height:
        section.tables.append(Table("Under-reported crime against peer forces", found.peers))
        flagged = found.peers.filter(pl.col("possible_hidden_demand"))
        section.figures.append(Figure("types flagged as possible hidden demand", flagged.height))
    section.tables.append(Table("Vulnerability demand from the force's records", found.own_rates))
    section.figures.append(Figure("repeat victims in the window", found.repeat_victims.height))
    section.figures.append(Figure("repeat locations (LSOAs)", found.repeat_locations.height))
    return section


def report_section(engine: Engine, now: datetime) -> list[ReportSection]:
    """Demand now, four years ahead, and hidden demand, for the Force Management Statement."""
    force = queries.home_force(engine)
    return [_demand_now(engine, now), _demand_ahead(engine, force), _hidden(engine, now, force)]
