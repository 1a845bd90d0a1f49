"""What the web pages, the API and the report call: plain functions of an Engine returning
frames, dataclasses and SVG documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl
from sqlalchemy import Engine

from forcesight.demand import charts, queries
from forcesight.demand.backtest import BacktestConfig, rolling_year_config
from forcesight.demand.forecast import ForecastResult, forecast_series
from forcesight.demand.hidden import force_key, own_rate, peer_rates, repeat_rates, repeats
from forcesight.demand.home_office import as_series, harmonise, total_crime
from forcesight.demand.periods import SEASONS
from forcesight.demand.policy import load_hidden_policy
from forcesight.demand.profiles import crime_records, profile
from forcesight.demand.scale import Runner
from forcesight.demand.scenarios import Scenario
from forcesight.demand.series import store_series
from forcesight.errors import ForecastInputError

TOTAL_GROUP = "All crime (excluding fraud)"


@dataclass(frozen=True)
class HeatMap:
    table: pl.DataFrame
    svg: str


def heat_map(
    engine: Engine, source: str, start: datetime, end: datetime, measure: str = "officer_hours"
) -> HeatMap:
    """Hour of week x category (incidents) or offence group (crimes)."""
    category = "category" if source == "incidents" else "offence_group"
    table = profile(engine, source, [category, "hour_of_week"], start, end)
    svg = str(charts.render(charts.heat_map(table, category, measure)))
    return HeatMap(table, svg)


def trends(
    engine: Engine,
    source: str,
    start: datetime,
    end: datetime,
    by: str = "category",
    freq: str = "week",
) -> tuple[pl.DataFrame, str]:
    """Volumes per ``by`` per period, and the line chart."""
    series = store_series(engine, source, start, end, by=by, freq=freq)
    chart = charts.trend(
        series, "ds", "y", "unique_id", f"{source} per {freq}", y_title=f"{source} per {freq}"
    )
    return series, str(charts.render(chart))


@dataclass(frozen=True)
class HomeOfficeForecast:
    result: ForecastResult
    harmonisation: pl.DataFrame  # what was joined or set aside, with sources


def home_office_forecast(
    rolling: pl.DataFrame,
    forces: list[str] | None = None,
    horizon: int = 16,
    scenario: Scenario | None = None,
    with_total: bool = True,
    runner: Runner | None = None,
) -> HomeOfficeForecast:
    """Force x offence group forecasts (and all crime) from rolling-year Home Office data."""
    harmonised, notes = harmonise(rolling)
    if forces:
        keys = {force_key(f) for f in forces}
        harmonised = harmonised.filter(
            pl.col("force").map_elements(force_key, return_dtype=pl.String).is_in(sorted(keys))
        )
    frames = [harmonised] + ([total_crime(harmonised)] if with_total else [])
    series = as_series(pl.concat(frames))
    result = forecast_series(
        series, rolling_year_config(horizon), fill="interpolate", scenario=scenario, runner=runner
    )
    return HomeOfficeForecast(result, notes)


def store_forecast(
    engine: Engine,
    source: str,
    start: datetime,
    end: datetime,
    by: str | None = "category",
    freq: str = "week",
    horizon: int = 13,
    scenario: Scenario | None = None,
    runner: Runner | None = None,
) -> ForecastResult:
    """Incidents or crimes per ``by`` per period, forecast ``horizon`` periods ahead."""
    series = store_series(engine, source, start, end, by=by, freq=freq)
    config = BacktestConfig(
        horizon=horizon,
        freq=freq,
        seasons=SEASONS[freq],
        min_train=max(8, 2 * SEASONS[freq][0] + 2) if freq != "week" else 26,
        step=max(1, horizon // 2),
        max_origins=6,
    )
    return forecast_series(series, config, fill="zero", scenario=scenario, runner=runner)


def fan_chart_svg(result: ForecastResult, unique_id: str, title: str = "") -> str:
    """History, forecast bands and detected breaks of one series, as SVG."""
    history = result.history.filter(pl.col("unique_id") == unique_id)
    forecast = result.forecasts.filter(pl.col("unique_id") == unique_id)
    breaks = result.breaks.filter(pl.col("unique_id") == unique_id)
    return str(charts.render(charts.fan_chart(history, forecast, breaks, title or unique_id)))


@dataclass(frozen=True)
class HiddenDemand:
    force: str | None
    peers: pl.DataFrame  # under-reported types against peer forces, flagged
    own_rates: pl.DataFrame  # DA, CSE, modern slavery, missing persons from the store
    repeat_victims: pl.DataFrame
    repeat_locations: pl.DataFrame
    repeat_trend: pl.DataFrame
    missing: list[str]


def hidden_demand(engine: Engine, at: datetime, force: str | None = None) -> HiddenDemand:
    """Repeat victimisation, vulnerability demand per 1,000 and possible under-recording."""
    policy = load_hidden_policy()
    force = force or queries.home_force(engine)
    notes: list[str] = []
    populations = queries.force_populations(engine)
    offences = queries.offences_by_force(engine)
    if offences.height == 0:
        notes.append("no Home Office recorded crime by offence code loaded: no peer comparison")
    peers = (
        peer_rates(offences.select("force", "offence_code", "offences"), populations, force, policy)
        if force and offences.height
        else pl.DataFrame()
    )
    window = policy.repeats.window_days
    start = at - timedelta(days=window)
    crimes = crime_records(engine, start - timedelta(days=window), at)
    population = None
    if force:
        match = populations.filter(
            pl.col("force").map_elements(force_key, return_dtype=pl.String) == force_key(force)
        )
        population = int(match["population"][0]) if match.height else None
    recent = crimes.filter(pl.col("reported_at") >= start)
    flags = [
        ("Domestic abuse", "domestic_abuse"),
        ("Child sexual exploitation", "cse"),
        ("Modern slavery", "modern_slavery"),
    ]
    rows = [
        own_rate(int(recent[col].sum()), population, name, force or "(unknown)")
        for name, col in flags
        if col in recent.columns
    ]
    rows.append(
        own_rate(
            queries.missing_episodes_between(engine, start, at),
            population,
            "Missing persons (episodes)",
            force or "(unknown)",
        )
    )
    if population is None:
        notes.append("no population for the force: load the ONS LSOA lookup and Census 2011")
    month_ends = [at - timedelta(days=30 * k) for k in range(12, -1, -1)]
    return HiddenDemand(
        force=force,
        peers=peers,
        own_rates=pl.DataFrame(rows),
        repeat_victims=repeats(crimes, "victim_id", at, window, policy.repeats.victim_min_crimes),
        repeat_locations=repeats(
            crimes, "lsoa_code", at, window, policy.repeats.location_min_crimes
        ),
        repeat_trend=repeat_rates(
            crimes, "victim_id", window, policy.repeats.victim_min_crimes, month_ends
        ),
        missing=notes,
    )


@dataclass(frozen=True)
class SeriesForecast:
    unique_id: str
    result: ForecastResult
    harmonisation: pl.DataFrame  # the notes for this force (and all forces)
    svg: str


def home_office_choices(rolling: pl.DataFrame) -> tuple[list[str], list[str]]:
    """The forces and harmonised offence groups (plus all crime) a forecast can be asked for."""
    if rolling.height == 0:
        return [], []
    harmonised, _ = harmonise(rolling)
    groups = sorted(harmonised["offence_group"].unique().to_list())
    return sorted(harmonised["force"].unique().to_list()), [TOTAL_GROUP, *groups]


def home_office_series_forecast(
    rolling: pl.DataFrame, force: str, offence_group: str, horizon: int = 16
) -> SeriesForecast:
    """One force x offence group from rolling-year Home Office data, harmonised and forecast
    ``horizon`` quarters ahead; the model is chosen by this series' own backtests."""
    harmonised, notes = harmonise(rolling)
    key = force_key(force)
    own = harmonised.filter(pl.col("force").map_elements(force_key, return_dtype=pl.String) == key)
    if own.height == 0:
        raise ForecastInputError("force", f"{force!r} is not in the Home Office data loaded")
    frame = (
        total_crime(own)
        if offence_group == TOTAL_GROUP
        else own.filter(pl.col("offence_group") == offence_group)
    )
    if frame.height == 0:
        raise ForecastInputError(
            "offence_group", f"{offence_group!r} has no figures for {force} in the data loaded"
        )
    series = as_series(frame)
    unique_id = str(series["unique_id"][0])
    result = forecast_series(series, rolling_year_config(horizon), fill="interpolate")
    force_name = str(own["force"][0])
    return SeriesForecast(
        unique_id=unique_id,
        result=result,
        harmonisation=notes.filter(
            pl.col("force").is_in([force_name, "(all)"])
            & (
                pl.lit(offence_group == TOTAL_GROUP)
                | pl.col("offence_group").is_in([offence_group, "(all)"])
            )
        ),
        svg=fan_chart_svg(result, unique_id),
    )
