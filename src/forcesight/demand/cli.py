"""`forcesight demand ...`: profiles, forecasts, backtests and hidden demand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer

from forcesight.cli_common import console, print_json, progress_bar, run_or_exit, store_engine

app = typer.Typer(
    help="Demand: profiles, hidden demand, forecasts and backtests.", no_args_is_help=True
)

HORIZONS = (4, 8, 12, 16)
DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]


def _frame_json(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def _write_outputs(out: Path | None, tables: dict[str, pl.DataFrame]) -> list[str]:
    from forcesight.demand.outputs import sibling, write_table

    if out is None:
        return []
    written = []
    for i, (name, frame) in enumerate(tables.items()):
        target = out if i == 0 else sibling(out, name)
        written.append(str(write_table(frame, target, sheet=name)))
    return written


@app.command("profile")
def profile_command(
    source: Annotated[str, typer.Option(help="incidents or crimes")] = "incidents",
    by: Annotated[
        list[str] | None,
        typer.Option(
            help="Dimension(s): category, grade, "
            "hour_of_week, month, lsoa_code, la_name, beat, offence_group, ..."
        ),
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--from", formats=DATE_FORMATS, help="Start (inclusive); default 12 months before --to."
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=DATE_FORMATS, help="End (exclusive); default now."),
    ] = None,
    weights: Annotated[
        Path | None,
        typer.Option(
            help="Harm weights CSV (offence_code, weight), e.g. the ONS Crime Severity Score."
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Table: .csv, .parquet or .xlsx")] = None,
    chart: Annotated[Path | None, typer.Option(help="Chart: .svg or .png")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Volumes and officer-hours by the chosen dimensions, with change on the year before."""
    from forcesight.demand import charts
    from forcesight.demand.harm import load_harm_weights
    from forcesight.demand.profiles import (
        histogram,
        incident_records,
        profile,
        time_distributions,
        time_quality,
    )

    def action() -> dict[str, Any]:
        engine = store_engine()
        stop = end or datetime.now().replace(microsecond=0)
        begin = start or stop.replace(year=stop.year - 1)
        dims = by or (["category"] if source == "incidents" else ["offence_group"])
        harm = load_harm_weights(weights) if weights else None
        table = profile(engine, source, dims, begin, stop, weights=harm)
        tables = {"profile": table}
        if source == "incidents":
            units = incident_records(engine, begin, stop).units
            tables["distributions"] = time_distributions(units)
            tables["histogram_on_scene"] = histogram(units, "on_scene_min")
            tables["histogram_travel"] = histogram(units, "travel_min")
            tables["time_quality"] = time_quality(units)
        written = _write_outputs(out, tables)
        if chart is not None:
            if "hour_of_week" in dims and len(dims) == 2:
                other = next(d for d in dims if d != "hour_of_week")
                figure = charts.heat_map(table, other, "officer_hours")
            else:
                figure = charts.bars(
                    table.with_columns(
                        pl.concat_str(
                            [pl.col(d).cast(pl.String) for d in dims], separator=" / "
                        ).alias("group")
                    ),
                    "group",
                    "officer_hours",
                )
            written.append(str(charts.save(figure, chart)))
        return {
            "from": begin,
            "to": stop,
            "source": source,
            "by": dims,
            "written": written,
            "tables": {k: _frame_json(v) for k, v in tables.items()},
        }

    result = run_or_exit(action)
    if as_json:
        print_json(result)
    else:
        console.print(pl.DataFrame(result["tables"]["profile"]))
        for path in result["written"]:
            console.print(f"wrote {path}")


@app.command("forecast")
def forecast_command(
    home_office: Annotated[
        Path | None,
        typer.Option(
            help="Home Office rolling-year CSV; "
            "without it and without --source, the store's copy is used."
        ),
    ] = None,
    source: Annotated[str | None, typer.Option(help="incidents or crimes (from the store)")] = None,
    force: Annotated[
        list[str] | None, typer.Option(help="Force(s) to forecast (Home Office data); default all.")
    ] = None,
    by: Annotated[str, typer.Option(help="Store series split (category, grade, ...)")] = "category",
    freq: Annotated[str, typer.Option(help="Store series period: hour, day, week, month")] = "week",
    horizon: Annotated[
        int,
        typer.Option(
            min=1,
            max=520,
            help="Periods ahead (default 16 quarters for Home Office data, 13 otherwise)",
        ),
    ] = 0,
    start: Annotated[datetime | None, typer.Option("--from", formats=DATE_FORMATS)] = None,
    end: Annotated[datetime | None, typer.Option("--to", formats=DATE_FORMATS)] = None,
    scenario: Annotated[Path | None, typer.Option(help="Scenario adjustments YAML")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Forecast table: .csv, .parquet, .xlsx; "
            "selection, problems, breaks and harmonisation go beside it"
        ),
    ] = None,
    chart: Annotated[Path | None, typer.Option(help="Fan chart: .svg or .png")] = None,
    series: Annotated[
        str | None, typer.Option(help="Series id for the chart (default: the first)")
    ] = None,
    dask: Annotated[
        bool,
        typer.Option("--dask", help="Fit on Dask (dask_scheduler setting, or a LocalCluster)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Forecast demand with backtested model selection and calibrated intervals."""
    from forcesight.demand import charts, queries
    from forcesight.demand.home_office import read_rolling_year
    from forcesight.demand.scale import dask_runner, runner_from_settings
    from forcesight.demand.scenarios import load_scenario, unmatched_adjustments
    from forcesight.demand.service import home_office_forecast, store_forecast

    def action() -> dict[str, Any]:
        adjust = load_scenario(scenario) if scenario else None
        runner = dask_runner() if dask else runner_from_settings()
        harmonisation = pl.DataFrame()
        if source is None:
            rolling = (
                read_rolling_year(home_office)
                if home_office
                else queries.rolling_year(store_engine())
            )
            run = home_office_forecast(
                rolling, forces=force, horizon=horizon or 16, scenario=adjust, runner=runner
            )
            result, harmonisation = run.result, run.harmonisation
        else:
            engine = store_engine()
            stop = end or datetime.now().replace(microsecond=0)
            begin = start or stop.replace(year=stop.year - 3)
            result = store_forecast(
                engine,
                source,
                begin,
                stop,
                by=by,
                freq=freq,
                horizon=horizon or 13,
                scenario=adjust,
                runner=runner,
            )
        tables = {
            "forecast": result.forecasts,
            "selection": result.selection,
            "problems": result.problems,
            "breaks": result.breaks,
        }
        if harmonisation.height:
            tables["harmonisation"] = harmonisation
        written = _write_outputs(out, tables)
        if chart is not None and result.forecasts.height:
            uid = series or result.forecasts["unique_id"][0]
            figure = charts.fan_chart(
                result.history.filter(pl.col("unique_id") == uid),
                result.forecasts.filter(pl.col("unique_id") == uid),
                result.breaks.filter(pl.col("unique_id") == uid),
                uid,
            )
            written.append(str(charts.save(figure, chart)))
        unmatched = unmatched_adjustments(result.forecasts, adjust) if adjust else []
        return {
            "written": written,
            "series": result.forecasts["unique_id"].n_unique() if result.forecasts.height else 0,
            "selection": _frame_json(result.selection),
            "problems": _frame_json(result.problems),
            "unmatched_adjustments": unmatched,
            "forecast": _frame_json(result.forecasts) if as_json else [],
        }

    result = run_or_exit(action)
    if as_json:
        print_json(result)
        return
    console.print(f"{result['series']} series forecast")
    for problem in result["problems"]:
        console.print(f"  {problem['unique_id']}: {problem['problem']} -> {problem['fallback']}")
    for name in result["unmatched_adjustments"]:
        console.print(f"[yellow]scenario adjustment {name!r} matched no series[/]")
    for path in result["written"]:
        console.print(f"wrote {path}")


def backtest_json(evaluation: dict[str, Any]) -> dict[str, Any]:
    """The issue's shape exactly: per horizon naive, drift, models, selected, coverage_80."""
    keys = ("naive", "drift", "models", "selected", "coverage_80")
    return {"horizons": {h: {k: v.get(k) for k in keys} for h, v in evaluation["horizons"].items()}}


@app.command("backtest")
def backtest_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="Home Office rolling-year CSV "
            "(12 months ending, PFA, Region, Offence, Rolling year total ...)"
        ),
    ],
    horizons: Annotated[
        str, typer.Option(help="Comma-separated horizons [quarters]")
    ] = "4,8,12,16",
    min_history: Annotated[
        int, typer.Option(help="Quarters of history before the first evaluated origin")
    ] = 12,
    dask: Annotated[bool, typer.Option("--dask", help="Fit on Dask")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Rolling-origin backtest of every candidate, the selection and its 80% intervals."""
    from forcesight.demand.backtest import rolling_forecasts, rolling_year_config
    from forcesight.demand.evaluation import evaluate
    from forcesight.demand.forecast import prepare_series
    from forcesight.demand.home_office import as_series, harmonise, read_rolling_year
    from forcesight.demand.scale import dask_runner
    from forcesight.errors import ForecastInputError

    def action() -> dict[str, Any]:
        try:
            wanted = sorted({int(h) for h in horizons.split(",") if h.strip()})
        except ValueError:
            raise ForecastInputError(
                "horizons", f"{horizons!r} is not a list like 4,8,12,16"
            ) from None
        if not wanted or wanted[0] < 1:
            raise ForecastInputError("horizons", "give at least one horizon >= 1")
        harmonised, _ = harmonise(read_rolling_year(file))
        config = rolling_year_config(max(wanted))
        series, _, _ = prepare_series(as_series(harmonised), config, fill="interpolate")
        n = series["unique_id"].n_unique()
        if dask:
            cv, _ = dask_runner()(series, config)
        else:
            with progress_bar("backtesting series", total=n) as advance:
                cv, _ = rolling_forecasts(series, config, on_series=lambda _: advance())
        return evaluate(cv, config, wanted, min_history)

    evaluation = run_or_exit(action)
    shaped = backtest_json(evaluation)
    if as_json:
        print_json(shaped)
        return
    for h, entry in shaped["horizons"].items():
        if entry.get("selected") is None:
            console.print(f"h={h}: {evaluation['horizons'][h].get('error')}")
            continue
        models = ", ".join(f"{m} {s['mase']:.3f}" for m, s in entry["models"].items())
        console.print(
            f"h={h}: selected MASE {entry['selected']['mase']:.3f} "
            f"sMAPE {entry['selected']['smape']:.2f}; 80% coverage "
            f"{entry['coverage_80']:.1%}; candidates: {models}"
        )


@app.command("hidden")
def hidden_command(
    at: Annotated[
        datetime | None, typer.Option(formats=DATE_FORMATS, help="End of the window; default now.")
    ] = None,
    force: Annotated[str | None, typer.Option(help="Force; default the store's own.")] = None,
    out: Annotated[Path | None, typer.Option(help="Peer table: .csv, .parquet, .xlsx")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Repeat victims and locations, vulnerability rates and possible under-recording."""
    from forcesight.demand.service import hidden_demand

    def action() -> dict[str, Any]:
        found = hidden_demand(store_engine(), at or datetime.now().replace(microsecond=0), force)
        tables = {
            "peers": found.peers,
            "own_rates": found.own_rates,
            "repeat_victims": found.repeat_victims,
            "repeat_locations": found.repeat_locations,
            "repeat_trend": found.repeat_trend,
        }
        written = _write_outputs(out, tables)
        return {
            "force": found.force,
            "missing": found.missing,
            "written": written,
            "tables": {k: _frame_json(v) for k, v in tables.items()},
        }

    result = run_or_exit(action)
    if as_json:
        print_json(result)
        return
    console.print(f"force: {result['force']}")
    for row in result["tables"]["peers"]:
        mark = "[red]FLAG[/]" if row["possible_hidden_demand"] else "ok"
        console.print(f"{mark} {row['type']}: {row['evidence']}")
    for note in result["missing"]:
        console.print(f"[yellow]{note}[/]")
    for path in result["written"]:
        console.print(f"wrote {path}")


@app.command("harmonise")
def harmonise_command(
    file: Annotated[Path, typer.Argument(help="Home Office rolling-year CSV")],
    out: Annotated[
        Path | None, typer.Option(help="Harmonised series: .csv, .parquet, .xlsx")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show how reclassified offence groups are joined before modelling."""
    from forcesight.demand.home_office import harmonise, read_rolling_year

    def action() -> tuple[pl.DataFrame, pl.DataFrame]:
        return harmonise(read_rolling_year(file))

    harmonised, notes = run_or_exit(action)
    written = _write_outputs(out, {"harmonised": harmonised, "harmonisation": notes})
    if as_json:
        print_json({"harmonisation": _frame_json(notes), "written": written})
        return
    forces = sorted(f for f in notes["force"].unique() if f != "(all)")
    shown = notes.filter(pl.col("force").is_in([*forces[:1], "(all)"]))
    with pl.Config(tbl_rows=100, fmt_str_lengths=60, tbl_width_chars=200):
        console.print(shown.drop("source"))
    console.print(f"(the same for {len(forces)} forces; --json or --out for every row and source)")
    for path in written:
        console.print(f"wrote {path}")
